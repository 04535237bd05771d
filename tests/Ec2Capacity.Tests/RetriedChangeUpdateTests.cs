using System.Management.Automation;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace Ec2Capacity.Tests
{
    /// <summary>
    /// Update-InterruptibleCapacityAllocation's engine call when the SDK retries an update whose answer was lost. Taking
    /// the target to 0 with preference default starts <c>canceling</c>, so the retry of an applied update meets
    /// IncorrectState ("is being canceled"). Faults: the emulator's dropAfterCommit from fixed seeds, checked in the journal.
    /// </summary>
    public sealed class RetriedChangeUpdateTests : IClassFixture<CapacityEmulatorFixture>
    {
        private const string UpdateAction = "UpdateInterruptibleCapacityReservationAllocation";
        private const string ReadAction = "GetCapacityReservationUsage";
        /// <summary>dropAfterCommitRate 0.5: request 1 applied and its answer lost, requests 2 and 3 answered.</summary>
        private const int FirstRequestLost = 3;
        /// <summary>dropAfterCommitRate 0.5: requests 1 and 2 answered.</summary>
        private const int FirstTwoClean = 1;

        private static readonly string Source = CapacitySeed.Cr(0xe2);
        private static readonly string Interruptible = CapacitySeed.Cr(0xe3);
        private readonly CapacityEmulatorFixture _fixture;

        public RetriedChangeUpdateTests(CapacityEmulatorFixture fixture) => _fixture = fixture;

        private CapacityEmulator Start(string status, int faultSeed, string preference = "default", bool operatorWithoutRead = false)
        {
            var seed = new CapacitySeed().SourceWithAllocation(Source, Interruptible, total: 10, lent: 3, status: status, zeroSizePreference: preference)
                .SettleAfterReads(5)
                .Faults(faultSeed, dropAfterCommitRate: 0.5);
            if (operatorWithoutRead) seed.LimitedAccountAllows(UpdateAction);
            return new CapacityEmulator(_fixture, seed);
        }

        private static UpdateAllocationRequest ToZero(string preference = "default") =>
            new UpdateAllocationRequest { CapacityReservationId = Source, TargetInstanceCount = 0, ZeroSizePreference = preference };

        private static string Pattern(CapacityEmulator emulator) =>
            string.Join(" | ", emulator.Journal().Select(e => $"{e.Action} {e.ErrorCode ?? "OK"}"));

        [Fact]
        public async Task An_update_to_zero_applied_by_an_attempt_whose_answer_was_lost_is_reported_as_done()
        {
            var emulator = Start("active", FirstRequestLost);
            var service = new InterruptibleAllocationService(emulator.Context());

            var result = await service.UpdateAsync(ToZero());

            Assert.Equal($"{UpdateAction} DroppedAfterCommit | {UpdateAction} IncorrectState | {ReadAction} OK", Pattern(emulator));
            Assert.Equal("canceling", result.Status);
            Assert.Equal(0, result.TargetInstanceCount);
            Assert.Equal(3, result.InstanceCount);
            Assert.Equal("default", result.ZeroSizePreference);
            Assert.Equal(Source, result.SourceCapacityReservationId);
            Assert.Equal(Interruptible, result.InterruptibleCapacityReservationId);
            Assert.Equal(emulator.Region, result.Region);
            Assert.Contains(emulator.Verbose, v => v.Contains("2 attempts: NoAnswer, Refused") && v.Contains("earlier attempt of this call"));
            // applied once: the allocation is being canceled, nothing else changed
            var allocation = emulator.Reservation(Source)["interruptibleCapacityAllocation"];
            Assert.Equal("canceling", (string)allocation["status"]);
            Assert.Equal(0, (int)allocation["targetInstanceCount"]);
        }

        [Fact]
        public async Task The_confirmed_update_settles_through_the_waiter()
        {
            var emulator = Start("active", FirstRequestLost);
            var service = new InterruptibleAllocationService(emulator.Context(), new AllocationWaitOptions { PollInterval = System.TimeSpan.FromMilliseconds(1), MaxPollInterval = System.TimeSpan.FromMilliseconds(2) });

            var started = await service.UpdateAsync(new UpdateAllocationRequest { CapacityReservationId = Source, TargetInstanceCount = 0 }); // preference: the allocation's own (default)
            var settled = await service.WaitAsync(started, System.TimeSpan.FromSeconds(30), null);

            Assert.Equal("canceling", started.Status);
            Assert.Equal("canceled", settled.Status);
            Assert.Equal(0, settled.InstanceCount);
        }

        [Fact]
        public async Task A_genuine_refusal_on_the_first_attempt_stays_IncorrectState_without_a_read()
        {
            var emulator = Start("canceled", FirstTwoClean);
            var service = new InterruptibleAllocationService(emulator.Context());

            var failure = await CapacityAssert.FailsAsync(() => service.UpdateAsync(ToZero()));

            Assert.Equal("IncorrectState", failure.ErrorCode);
            Assert.Equal(ErrorCategory.InvalidOperation, failure.Category);
            Assert.Equal($"{UpdateAction} IncorrectState", Pattern(emulator));
        }

        [Fact]
        public async Task When_the_confirming_read_fails_the_outcome_is_unknown_not_IncorrectState()
        {
            var emulator = Start("active", FirstRequestLost, operatorWithoutRead: true);
            var service = new InterruptibleAllocationService(emulator.Context(emulator.Client(limited: true)));

            var failure = await CapacityAssert.FailsAsync(() => service.UpdateAsync(ToZero()));

            Assert.Equal($"{UpdateAction} DroppedAfterCommit | {UpdateAction} IncorrectState | {ReadAction} UnauthorizedOperation", Pattern(emulator));
            Assert.Equal("canceling", (string)emulator.Reservation(Source)["interruptibleCapacityAllocation"]["status"]);
            Assert.Equal("OutcomeUnknown", failure.ErrorCode);
            Assert.Equal(ErrorCategory.ConnectionError, failure.Category);
            Assert.Equal(Source, failure.TargetId);
            Assert.Contains("may have been applied by an earlier attempt whose answer was lost", failure.Message);
            Assert.Contains("Get-CapacityReservationUsage " + Source, failure.Message);
        }

        [Fact]
        public async Task When_the_state_shows_other_values_after_a_lost_answer_the_outcome_is_unknown()
        {
            // The allocation is being canceled before the call; the first attempt (0 with retain) is refused and its answer
            // lost, the retry is refused too. Seen from the client, the first attempt's outcome is unknown, and the
            // allocation does not show what was asked for (retain): that is not success, and not a definite refusal either.
            var emulator = Start("canceling", FirstRequestLost);
            var service = new InterruptibleAllocationService(emulator.Context());

            var failure = await CapacityAssert.FailsAsync(() => service.UpdateAsync(ToZero("retain")));

            Assert.Equal($"{UpdateAction} DroppedAfterCommit | {UpdateAction} IncorrectState | {ReadAction} OK", Pattern(emulator));
            Assert.Equal("OutcomeUnknown", failure.ErrorCode);
            Assert.Contains("'canceling'", failure.Message);
        }

        [Fact]
        public async Task Without_an_attempt_log_a_matching_state_is_reported_as_unknown_not_as_success()
        {
            var emulator = Start("active", FirstRequestLost);
            var service = new InterruptibleAllocationService(emulator.Context(RetriedChangeCancelTests.RawClient(emulator)));

            var failure = await CapacityAssert.FailsAsync(() => service.UpdateAsync(ToZero()));

            Assert.Equal($"{UpdateAction} DroppedAfterCommit | {UpdateAction} IncorrectState | {ReadAction} OK", Pattern(emulator));
            Assert.Equal("OutcomeUnknown", failure.ErrorCode);
            Assert.Contains("no attempt log", failure.Message);
        }
    }
}
