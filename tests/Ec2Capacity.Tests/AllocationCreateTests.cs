using System.Management.Automation;
using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace Ec2Capacity.Tests
{
    public sealed class AllocationCreateTests : IClassFixture<CapacityEmulatorFixture>
    {
        private static readonly string Source = CapacitySeed.Cr(0xa1);
        private readonly CapacityEmulatorFixture _fixture;

        public AllocationCreateTests(CapacityEmulatorFixture fixture) => _fixture = fixture;

        private CapacityEmulator Start(CapacitySeed seed = null) =>
            new CapacityEmulator(_fixture, seed ?? new CapacitySeed().Reservation(Source, total: 10, used: 2));

        private static CreateAllocationRequest Lend(int count, string id = null, IDictionary tags = null, string zeroSize = null, string token = null) =>
            new CreateAllocationRequest { CapacityReservationId = id ?? Source, InstanceCount = count, Tags = tags, ZeroSizePreference = zeroSize, ClientToken = token };

        [Fact]
        public async Task Create_lends_instances_with_tags_and_a_generated_client_token()
        {
            var emulator = Start();
            var service = new InterruptibleAllocationService(emulator.Context());

            var result = await service.CreateAsync(Lend(4, tags: new Hashtable { ["team"] = "batch" }, zeroSize: "Retain"));

            Assert.Equal(Source, result.SourceCapacityReservationId);
            Assert.Equal(4, result.TargetInstanceCount);
            Assert.Equal("pending", result.Status);
            Assert.Equal("adhoc", result.InterruptionType);
            Assert.Equal("retain", result.ZeroSizePreference);
            Assert.Equal(emulator.Region, result.Region);
            Assert.True(Guid.TryParse(result.ClientToken, out _), result.ClientToken);
            Assert.Null(result.InterruptibleCapacityReservationId);

            var create = Assert.Single(emulator.Journal());
            Assert.Equal("CreateInterruptibleCapacityReservationAllocation", create.Action);
            Assert.Equal(result.ClientToken, create.Parameters["ClientToken"]);
            Assert.Equal("capacity-reservation", create.Parameters["TagSpecification.1.ResourceType"]);
            Assert.Equal("retain", create.Parameters["ZeroSizePreference"]);
            Assert.Contains(emulator.Verbose, line => line.Contains("ClientToken " + result.ClientToken));

            var lent = Assert.Single(emulator.InterruptibleReservations());
            Assert.Equal(4, (int)lent["totalInstanceCount"]);
            var tag = Assert.Single(lent["tags"].AsArray());
            Assert.Equal("team", (string)tag["key"]);
            Assert.Equal("batch", (string)tag["value"]);
            Assert.Equal(4, (int)emulator.Reservation(Source)["availableInstanceCount"]);
            Assert.Equal("retain", (string)emulator.Reservation(Source)["interruptibleCapacityAllocation"]["zeroSizePreference"]);
        }

        [Fact]
        public async Task Create_for_an_unknown_source_is_not_found()
        {
            var emulator = Start();
            var missing = CapacitySeed.Cr(0xdead);
            var failure = await CapacityAssert.FailsAsync(() => new InterruptibleAllocationService(emulator.Context()).CreateAsync(Lend(1, missing)));
            Assert.Equal(ErrorCategory.ObjectNotFound, failure.Category);
            Assert.Equal("InvalidCapacityReservationId.NotFound", failure.ErrorCode);
            Assert.Equal(missing, failure.TargetId);
            Assert.False(string.IsNullOrEmpty(failure.RequestId));
        }

        [Theory]
        [InlineData("scheduled", null)]
        [InlineData("cancelled", null)]
        [InlineData("active", "2031-01-01T00:00:00Z")]
        public async Task Create_needs_an_active_source_without_end_date(string state, string endDate)
        {
            var emulator = Start(new CapacitySeed().Reservation(Source, total: 10, state: state, endDate: endDate));
            var failure = await CapacityAssert.FailsAsync(() => new InterruptibleAllocationService(emulator.Context()).CreateAsync(Lend(1)));
            Assert.Equal("IncorrectState", failure.ErrorCode);
            Assert.Equal(ErrorCategory.InvalidOperation, failure.Category);
            Assert.Empty(emulator.InterruptibleReservations());
        }

        [Fact]
        public async Task Create_needs_available_capacity()
        {
            var emulator = Start(); // 10 total, 2 used: 8 available
            var service = new InterruptibleAllocationService(emulator.Context());
            var failure = await CapacityAssert.FailsAsync(() => service.CreateAsync(Lend(9)));
            Assert.Equal("InvalidParameterValue", failure.ErrorCode);
            Assert.Equal(ErrorCategory.InvalidArgument, failure.Category);
            Assert.Empty(emulator.InterruptibleReservations());

            var all = await service.CreateAsync(Lend(8));
            Assert.Equal(8, all.TargetInstanceCount);
            Assert.Equal(0, (int)emulator.Reservation(Source)["availableInstanceCount"]);
        }

        [Fact]
        public async Task Create_allows_1000_instances_at_once()
        {
            var emulator = Start(new CapacitySeed().Reservation(Source, total: 1200));
            var result = await new InterruptibleAllocationService(emulator.Context()).CreateAsync(Lend(1000));
            Assert.Equal(1000, result.TargetInstanceCount);
        }

        [Fact]
        public async Task A_second_allocation_on_the_same_source_is_refused()
        {
            var emulator = Start();
            var service = new InterruptibleAllocationService(emulator.Context());
            await service.CreateAsync(Lend(2));
            var failure = await CapacityAssert.FailsAsync(() => service.CreateAsync(Lend(2)));
            Assert.Equal("InvalidParameterValue", failure.ErrorCode);
            Assert.Contains("already has an interruptible allocation", failure.Message);
            Assert.Single(emulator.InterruptibleReservations());
        }

        public static IEnumerable<object[]> BadCreates()
        {
            yield return new object[] { Lend(1, id: "cr-123"), "CapacityReservationId" };
            yield return new object[] { Lend(1, id: "CR-0123456789ABCDEF0"), "CapacityReservationId" };
            yield return new object[] { Lend(1, id: "cr-0123456789abcdef0&Action=CancelCapacityReservation"), "CapacityReservationId" };
            yield return new object[] { Lend(1, id: " "), "CapacityReservationId" };
            yield return new object[] { new CreateAllocationRequest { CapacityReservationId = null, InstanceCount = 1 }, "CapacityReservationId" };
            yield return new object[] { Lend(1, tags: new Hashtable { ["aws:owner"] = "x" }), "Tag" };
            yield return new object[] { Lend(1, tags: new Hashtable { [new string('k', 128)] = "x" }), "Tag" };
            yield return new object[] { Lend(1, tags: new Hashtable { ["k"] = new string('v', 257) }), "Tag" };
            yield return new object[] { Lend(1, token: new string('t', 65)), "ClientToken" };
            yield return new object[] { Lend(1, token: "with space"), "ClientToken" };
        }

        [Theory]
        [MemberData(nameof(BadCreates))]
        public async Task Bad_input_is_rejected_before_any_request(object requestArgument, string parameter)
        {
            // xunit needs public test methods; the module's types are internal.
            var request = (CreateAllocationRequest)requestArgument;
            var emulator = Start();
            var service = new InterruptibleAllocationService(emulator.Context());
            var e = await CapacityAssert.RejectedAsync(emulator, () => service.CreateAsync(request));
            Assert.Equal(parameter, e.ParamName);
            Assert.StartsWith("-" + parameter + ":", e.Message);
            e = await CapacityAssert.RejectedAsync(emulator, () => service.DryRunCreateAsync(request));
            Assert.Equal(parameter, e.ParamName);
        }

        [Fact]
        public async Task The_same_client_token_twice_creates_one_allocation()
        {
            var emulator = Start();
            var service = new InterruptibleAllocationService(emulator.Context());
            var first = await service.CreateAsync(Lend(3, token: "runbook-42"));
            var second = await service.CreateAsync(Lend(3, token: "runbook-42"));

            Assert.Equal("runbook-42", first.ClientToken);
            Assert.Equal(first.Status, second.Status);
            Assert.Equal(first.TargetInstanceCount, second.TargetInstanceCount);
            Assert.Equal(2, emulator.Journal("CreateInterruptibleCapacityReservationAllocation").Count(e => e.HttpStatus == 200));
            Assert.Single(emulator.InterruptibleReservations());
            Assert.Equal(5, (int)emulator.Reservation(Source)["availableInstanceCount"]);
        }

        [Fact]
        public async Task The_same_client_token_with_other_parameters_is_a_mismatch()
        {
            var emulator = Start();
            var service = new InterruptibleAllocationService(emulator.Context());
            await service.CreateAsync(Lend(3, token: "runbook-43"));
            var failure = await CapacityAssert.FailsAsync(() => service.CreateAsync(Lend(4, token: "runbook-43")));
            Assert.Equal("IdempotentParameterMismatch", failure.ErrorCode);
            Assert.Equal(ErrorCategory.InvalidArgument, failure.Category);
            Assert.Single(emulator.InterruptibleReservations());
        }

        [Fact]
        public async Task A_lost_answer_is_retried_by_the_sdk_with_the_same_token_and_lends_once()
        {
            var emulator = Start();
            // The first Create reaches the emulator and is applied; its answer is lost; the SDK retries.
            var lose = new HttpMessageHandlerFactory((n, body) => n == 1);
            var service = new InterruptibleAllocationService(emulator.Context(emulator.Client(handler: lose)));

            var result = await service.CreateAsync(Lend(4));

            var creates = emulator.Journal("CreateInterruptibleCapacityReservationAllocation");
            Assert.Equal(2, creates.Count);
            Assert.All(creates, c => Assert.Equal(result.ClientToken, c.Parameters["ClientToken"]));
            Assert.Single(emulator.InterruptibleReservations());
            Assert.Equal(4, (int)emulator.Reservation(Source)["availableInstanceCount"]);
        }

        [Fact]
        public async Task Drop_after_commit_faults_never_lend_twice()
        {
            const int sources = 12;
            var seed = new CapacitySeed().Faults(seed: 20240611, dropAfterCommitRate: 0.4);
            for (int i = 1; i <= sources; i++) seed.Reservation(CapacitySeed.Cr(0x100 + i), total: 10);
            var emulator = Start(seed);
            var service = new InterruptibleAllocationService(emulator.Context(emulator.Client(maxErrorRetry: 10)));

            int succeeded = 0;
            for (int i = 1; i <= sources; i++)
            {
                try
                {
                    await service.CreateAsync(Lend(3, CapacitySeed.Cr(0x100 + i)));
                    succeeded++;
                }
                catch (Ec2OperationException e) when (e.Failure.Category == ErrorCategory.ConnectionError)
                {
                    // every attempt dropped: allowed, but it must still have lent at most once
                }
            }

            var journal = emulator.Journal("CreateInterruptibleCapacityReservationAllocation");
            Assert.Contains(journal, e => e.ErrorCode == "DroppedAfterCommit");
            Assert.True(succeeded >= sources - 1, $"{succeeded} of {sources} succeeded");
            var lent = emulator.InterruptibleReservations();
            Assert.Equal(lent.Count, lent.Select(r => (string)r["interruptionInfo"]["sourceCapacityReservationId"]).Distinct().Count());
            Assert.True(lent.Count >= succeeded);
            foreach (var r in lent) Assert.Equal(3, (int)r["totalInstanceCount"]);
            // Retries of one call carry one token; different calls carry different tokens.
            foreach (var group in journal.GroupBy(e => e.Parameters["CapacityReservationId"]))
            {
                Assert.Single(group.Select(e => e.Parameters["ClientToken"]).Distinct());
            }
        }

        [Fact]
        public async Task DryRun_sends_one_request_and_changes_nothing()
        {
            var emulator = Start();
            var service = new InterruptibleAllocationService(emulator.Context());
            var before = emulator.StateJson();

            var verdict = await service.DryRunCreateAsync(Lend(4, tags: new Hashtable { ["team"] = "batch" }));

            Assert.Equal(DryRunOutcome.Allowed, verdict.Outcome);
            Assert.Equal(before, emulator.StateJson());
            var entry = Assert.Single(emulator.Journal());
            Assert.True(entry.DryRun);
            Assert.Equal(412, entry.HttpStatus);
            Assert.Empty(emulator.Verbose);
        }

        [Fact]
        public async Task DryRun_reports_denied_and_failed_verdicts()
        {
            var emulator = Start();
            var before = emulator.StateJson();
            var denied = await new InterruptibleAllocationService(emulator.Context(emulator.Client(limited: true))).DryRunCreateAsync(Lend(4));
            Assert.Equal(DryRunOutcome.Denied, denied.Outcome);
            Assert.Equal(ErrorCategory.PermissionDenied, denied.Failure.Category);

            var failed = await new InterruptibleAllocationService(emulator.Context()).DryRunCreateAsync(Lend(4, CapacitySeed.Cr(0xbad)));
            Assert.Equal(DryRunOutcome.Failed, failed.Outcome);
            Assert.Equal("InvalidCapacityReservationId.NotFound", failed.Failure.ErrorCode);
            Assert.Equal(before, emulator.StateJson());
            Assert.All(emulator.Journal(), e => Assert.True(e.DryRun));
        }

        [Fact]
        public void WhatIf_and_action_texts_say_how_many_instances_are_lent()
        {
            var request = Lend(4, tags: new Hashtable { ["team"] = "batch" }, zeroSize: "retain");
            Assert.Equal($"Lend 4 instances of {Source} as an interruptible allocation", WhatIfText.NewAllocationAction(request));
            Assert.Equal($"Lend 1 instance of {Source} as an interruptible allocation", WhatIfText.NewAllocationAction(Lend(1)));
            Assert.Equal($"Lend 4 instances of {Source} as an interruptible allocation (zero-size preference retain; tags team=batch)", WhatIfText.NewAllocation(request));
            Assert.Equal($"{Source}: {DryRunVerdict.Allowed("req-1").Describe()}", WhatIfText.Verdict(Source, DryRunVerdict.Allowed("req-1")));
        }
    }
}
