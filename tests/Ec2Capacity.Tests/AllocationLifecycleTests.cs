using System.Management.Automation;
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace Ec2Capacity.Tests
{
    public sealed class AllocationLifecycleTests : IClassFixture<CapacityEmulatorFixture>
    {
        private static readonly string Source = CapacitySeed.Cr(0xb1);
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
        private static readonly AllocationWaitOptions Fast = new AllocationWaitOptions { PollInterval = TimeSpan.FromMilliseconds(5), MaxPollInterval = TimeSpan.FromMilliseconds(10) };
        private readonly CapacityEmulatorFixture _fixture;

        public AllocationLifecycleTests(CapacityEmulatorFixture fixture) => _fixture = fixture;

        private CapacityEmulator Start(CapacitySeed seed = null) =>
            new CapacityEmulator(_fixture, seed ?? new CapacitySeed().Reservation(Source, total: 10, used: 2).SettleAfterReads(2));

        private static UpdateAllocationRequest Set(int? target, string zeroSize = null, string id = null) =>
            new UpdateAllocationRequest { CapacityReservationId = id ?? Source, TargetInstanceCount = target, ZeroSizePreference = zeroSize };

        private static void AssertCountsAddUp(CapacityEmulator emulator, int expectedLent)
        {
            var source = emulator.Reservation(Source);
            int used = source["instanceUsages"].AsArray().Sum(u => (int)u["usedInstanceCount"]);
            Assert.Equal((int)source["totalInstanceCount"], used + expectedLent + (int)source["availableInstanceCount"]);
        }

        [Theory]
        [InlineData("default")]
        [InlineData("retain")]
        public async Task Lend_reclaim_and_zero(string zeroSizePreference)
        {
            var emulator = Start();
            var service = new InterruptibleAllocationService(emulator.Context(), Fast);

            // lend 4
            var created = await service.CreateAsync(new CreateAllocationRequest { CapacityReservationId = Source, InstanceCount = 4, ZeroSizePreference = zeroSizePreference });
            var progress = new List<AllocationProgress>();
            var active = await service.WaitAsync(created, Timeout, progress.Add);
            Assert.Equal("active", active.Status);
            Assert.Equal(4, active.InstanceCount);
            Assert.Equal(4, active.TargetInstanceCount);
            Assert.Equal(created.ClientToken, active.ClientToken);
            Assert.Equal(zeroSizePreference, active.ZeroSizePreference);
            var interruptibleId = active.InterruptibleCapacityReservationId;
            Assert.Equal((string)Assert.Single(emulator.InterruptibleReservations())["capacityReservationId"], interruptibleId);
            Assert.Equal(emulator.Journal("GetCapacityReservationUsage").Count, progress.Count);
            Assert.Equal(Enumerable.Range(1, progress.Count), progress.Select(p => p.Poll));
            Assert.Equal("active", progress.Last().Status);
            Assert.All(progress.Take(progress.Count - 1), p => Assert.Equal("pending", p.Status));
            AssertCountsAddUp(emulator, 4);

            // reclaim 3 (4 → 1)
            var plan = await service.DescribeReclaimAsync(Set(1));
            Assert.Equal(AllocationChangeKind.Reclaim, plan.Kind);
            Assert.Equal(3, plan.InstancesReclaimed);
            Assert.Contains("Reclaim 3 instances", ConfirmationText.Reclaim(Set(1), plan));
            Assert.Contains("two-minute", ConfirmationText.Reclaim(Set(1), plan));

            var updating = await service.UpdateAsync(Set(1));
            Assert.Equal("updating", updating.Status);
            Assert.Equal(1, updating.TargetInstanceCount);
            Assert.Equal(interruptibleId, updating.InterruptibleCapacityReservationId);
            var reclaimed = await service.WaitAsync(updating, Timeout, null);
            Assert.Equal("active", reclaimed.Status);
            Assert.Equal(1, reclaimed.InstanceCount);
            Assert.Equal(1, (int)emulator.Reservation(interruptibleId)["totalInstanceCount"]);
            AssertCountsAddUp(emulator, 1);

            // zero
            var zero = await service.UpdateAsync(Set(0));
            var settled = await service.WaitAsync(zero, Timeout, null);
            Assert.Equal(0, settled.InstanceCount);
            Assert.Equal(interruptibleId, settled.InterruptibleCapacityReservationId);
            var lentReservation = emulator.Reservation(interruptibleId);
            Assert.Equal(0, (int)lentReservation["totalInstanceCount"]);
            if (zeroSizePreference == "default")
            {
                Assert.Equal("canceling", zero.Status);
                Assert.Equal("canceled", settled.Status);
                Assert.Equal("cancelled", (string)lentReservation["state"]);
            }
            else
            {
                Assert.Equal("updating", zero.Status);
                Assert.Equal("active", settled.Status);
                Assert.Equal("active", (string)lentReservation["state"]);
                Assert.Equal("retain", (string)emulator.Reservation(Source)["interruptibleCapacityAllocation"]["zeroSizePreference"]);
            }
            Assert.Equal(8, (int)emulator.Reservation(Source)["availableInstanceCount"]);
            AssertCountsAddUp(emulator, 0);
        }

        [Fact]
        public async Task Raising_needs_available_capacity()
        {
            var emulator = Start(); // 10 total, 2 used
            var service = new InterruptibleAllocationService(emulator.Context(), Fast);
            await service.WaitAsync(await service.CreateAsync(new CreateAllocationRequest { CapacityReservationId = Source, InstanceCount = 4 }), Timeout, null);

            var plan = await service.DescribeReclaimAsync(Set(9));
            Assert.Equal(AllocationChangeKind.Raise, plan.Kind);
            Assert.Equal(5, plan.InstancesAdded);

            var failure = await CapacityAssert.FailsAsync(() => service.UpdateAsync(Set(9)));
            Assert.Equal("InvalidParameterValue", failure.ErrorCode);
            Assert.Equal(4, (int)emulator.Reservation(Source)["interruptibleCapacityAllocation"]["targetInstanceCount"]);

            var raised = await service.UpdateAsync(Set(8));
            Assert.Equal(8, raised.TargetInstanceCount);
            Assert.Equal("active", (await service.WaitAsync(raised, Timeout, null)).Status);
            Assert.Equal(0, (int)emulator.Reservation(Source)["availableInstanceCount"]);
            AssertCountsAddUp(emulator, 8);
        }

        [Fact]
        public async Task Changing_only_the_zero_size_preference()
        {
            var emulator = Start();
            var service = new InterruptibleAllocationService(emulator.Context(), Fast);
            await service.WaitAsync(await service.CreateAsync(new CreateAllocationRequest { CapacityReservationId = Source, InstanceCount = 2 }), Timeout, null);

            var plan = await service.DescribeReclaimAsync(Set(null, "RETAIN"));
            Assert.Equal(AllocationChangeKind.PreferenceOnly, plan.Kind);
            Assert.Contains("only the zero-size preference", WhatIfText.UpdateAllocationAction(Set(null, "retain"), plan));
            Assert.Null(ConfirmationText.Reclaim(Set(null, "retain"), plan)); // nothing irreversible: no second question

            var updated = await service.UpdateAsync(Set(null, "RETAIN"));
            Assert.Equal("retain", updated.ZeroSizePreference);
            Assert.Equal(2, updated.TargetInstanceCount);
            var journal = emulator.Journal("UpdateInterruptibleCapacityReservationAllocation").Last();
            Assert.Equal("retain", journal.Parameters["ZeroSizePreference"]);
            Assert.False(journal.Parameters.ContainsKey("TargetInstanceCount"));
            Assert.Equal("retain", (string)emulator.Reservation(Source)["interruptibleCapacityAllocation"]["zeroSizePreference"]);
        }

        [Fact]
        public async Task Updating_a_source_without_allocation_is_an_EC2_error()
        {
            var emulator = Start();
            var service = new InterruptibleAllocationService(emulator.Context(), Fast);
            var plan = await service.DescribeReclaimAsync(Set(1));
            Assert.Equal(AllocationChangeKind.NoAllocation, plan.Kind);

            var failure = await CapacityAssert.FailsAsync(() => service.UpdateAsync(Set(1)));
            Assert.Equal("IncorrectState", failure.ErrorCode);
            Assert.Equal(ErrorCategory.InvalidOperation, failure.Category);
            Assert.Contains("no interruptible capacity allocation", failure.Message);
            Assert.Equal(Source, failure.TargetId);
        }

        [Fact]
        public async Task Updating_with_the_interruptible_reservations_id_is_an_EC2_error_naming_the_source()
        {
            var interruptible = CapacitySeed.Cr(0xb2);
            var emulator = Start(new CapacitySeed().SourceWithAllocation(Source, interruptible, total: 10, lent: 3, status: "active"));
            var service = new InterruptibleAllocationService(emulator.Context(), Fast);
            var before = emulator.StateJson();

            var failure = await CapacityAssert.FailsAsync(() => service.UpdateAsync(Set(1, id: interruptible)));
            Assert.Equal("InvalidParameterValue", failure.ErrorCode);
            Assert.Contains(Source, failure.Message);
            Assert.Equal(before, emulator.StateJson());
        }

        [Fact]
        public async Task Updating_a_canceled_allocation_stays_an_error()
        {
            var interruptible = CapacitySeed.Cr(0xb3);
            var emulator = Start(new CapacitySeed().SourceWithAllocation(Source, interruptible, total: 10, lent: 0, status: "canceled"));
            var failure = await CapacityAssert.FailsAsync(() => new InterruptibleAllocationService(emulator.Context(), Fast).UpdateAsync(Set(0)));
            Assert.Equal("IncorrectState", failure.ErrorCode);
        }

        [Fact]
        public async Task A_lost_answer_to_a_reclaim_to_zero_is_reported_as_done()
        {
            var interruptible = CapacitySeed.Cr(0xb4);
            var emulator = Start(new CapacitySeed().SourceWithAllocation(Source, interruptible, total: 10, lent: 3, status: "active").SettleAfterReads(5));
            // First Update is applied (canceling) but its answer is lost; the SDK's retry meets IncorrectState.
            var lose = new HttpMessageHandlerFactory((n, body) => n == 1);
            var service = new InterruptibleAllocationService(emulator.Context(emulator.Client(handler: lose)), Fast);

            var result = await service.UpdateAsync(Set(0));

            Assert.Equal("canceling", result.Status);
            Assert.Equal(0, result.TargetInstanceCount);
            Assert.Equal(interruptible, result.InterruptibleCapacityReservationId);
            var updates = emulator.Journal("UpdateInterruptibleCapacityReservationAllocation");
            Assert.Equal(2, updates.Count);
            Assert.Equal("IncorrectState", updates[1].ErrorCode);
            Assert.Contains(emulator.Verbose, v => v.Contains("earlier attempt"));
        }

        public static IEnumerable<object[]> BadUpdates()
        {
            yield return new object[] { Set(null), "TargetInstanceCount", "NothingToUpdate" };
            yield return new object[] { Set(1, id: "cr-0123456789abcdef"), "CapacityReservationId", "MalformedId" };
            yield return new object[] { Set(1, id: "cr-0123456789abcdef0\n"), "CapacityReservationId", "MalformedId" };
            yield return new object[] { Set(1, id: ""), "CapacityReservationId", "EmptyId" };
        }

        [Theory]
        [MemberData(nameof(BadUpdates))]
        public async Task Bad_updates_are_rejected_before_any_request(object requestArgument, string parameter, string errorId)
        {
            // xunit needs public test methods; the module's types are internal.
            var request = (UpdateAllocationRequest)requestArgument;
            var emulator = Start();
            var service = new InterruptibleAllocationService(emulator.Context(), Fast);
            var e = await CapacityAssert.RejectedAsync(emulator, () => service.UpdateAsync(request));
            Assert.Equal(parameter, e.ParamName);
            Assert.Equal(errorId, e.ErrorId);
            await CapacityAssert.RejectedAsync(emulator, () => service.DryRunUpdateAsync(request));
            await CapacityAssert.RejectedAsync(emulator, () => service.DescribeReclaimAsync(request));
        }

        [Fact]
        public async Task Update_DryRun_sends_one_request_and_changes_nothing()
        {
            var interruptible = CapacitySeed.Cr(0xb5);
            var emulator = Start(new CapacitySeed().SourceWithAllocation(Source, interruptible, total: 10, lent: 3, status: "active"));
            var service = new InterruptibleAllocationService(emulator.Context(), Fast);
            var before = emulator.StateJson();

            var verdict = await service.DryRunUpdateAsync(Set(0, "retain"));

            Assert.True(verdict.IsAllowed);
            Assert.Equal(before, emulator.StateJson());
            var entry = Assert.Single(emulator.Journal());
            Assert.True(entry.DryRun);
            Assert.Equal("UpdateInterruptibleCapacityReservationAllocation", entry.Action);
            var text = WhatIfText.UpdateAllocationAction(Set(0, "retain"));
            Assert.Contains("two-minute interruption notice", text);
            Assert.Contains("stays active at size 0", text);
        }

        [Fact]
        public async Task DescribeReclaim_reads_usage_once_and_does_not_throw_on_EC2_errors()
        {
            var emulator = Start();
            var service = new InterruptibleAllocationService(emulator.Context(), Fast);
            var plan = await service.DescribeReclaimAsync(Set(2, id: CapacitySeed.Cr(0xfff)));
            Assert.Equal(AllocationChangeKind.Unknown, plan.Kind);
            Assert.Equal("InvalidCapacityReservationId.NotFound", plan.ReadFailure.ErrorCode);
            var entry = Assert.Single(emulator.Journal());
            Assert.Equal("GetCapacityReservationUsage", entry.Action);
            var text = ConfirmationText.Reclaim(Set(2, id: CapacitySeed.Cr(0xfff)), plan);
            Assert.Contains("two-minute interruption notice", text);
            Assert.Contains("could not be read", text);
        }

        [Fact]
        public void Update_texts_cover_reclaim_raise_preference_and_zero()
        {
            var reclaim = new AllocationChangePlan { Kind = AllocationChangeKind.Reclaim, CurrentInstanceCount = 4, InstancesReclaimed = 4, CurrentZeroSizePreference = "default" };
            var zeroText = WhatIfText.UpdateAllocationAction(Set(0), reclaim);
            Assert.Contains("Reclaim 4 instances", zeroText);
            Assert.Contains("two-minute interruption notice", zeroText);
            Assert.Contains("cancelled and its capacity returns to the source", zeroText);

            var raise = new AllocationChangePlan { Kind = AllocationChangeKind.Raise, CurrentInstanceCount = 2, InstancesAdded = 3 };
            var raiseText = WhatIfText.UpdateAllocationAction(Set(5), raise);
            Assert.Contains("Lend 3 more instances of", raiseText);
            Assert.DoesNotContain("interruption", raiseText);

            var noPlan = WhatIfText.UpdateAllocationAction(Set(null, "default"));
            Assert.Contains("only the zero-size preference", noPlan);
            Assert.Contains("no instances are reclaimed", noPlan);

            var withoutPlan = WhatIfText.UpdateAllocationAction(Set(3));
            Assert.Contains("two-minute interruption notice", withoutPlan);
            Assert.EndsWith("EC2 DryRun: denied (UnauthorizedOperation: you are not authorized to perform this operation)",
                WhatIfText.Verdict(Source, DryRunVerdict.From(new Ec2Failure(ErrorCategory.PermissionDenied, "UnauthorizedOperation", "no"))));
        }
    }
}
