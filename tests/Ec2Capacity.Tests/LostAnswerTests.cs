using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using Xunit;

namespace Ec2Capacity.Tests
{
    /// <summary>
    /// A change whose every answer is lost (the request reaches EC2, the answer never comes back) is never reported as a
    /// definite failure: one read decides where it can, otherwise it is OutcomeUnknown. And the SDK sends at most the
    /// attempts we promise, also when the connection is reset every time.
    /// </summary>
    public sealed class LostAnswerTests : IClassFixture<CapacityEmulatorFixture>
    {
        private static readonly string Source = CapacitySeed.Cr(0xb1);
        private static readonly string Interruptible = CapacitySeed.Cr(0xb2);
        private readonly CapacityEmulatorFixture _fixture;

        public LostAnswerTests(CapacityEmulatorFixture fixture) => _fixture = fixture;

        private static HttpMessageHandlerFactory LoseAnswersOf(string action) =>
            new HttpMessageHandlerFactory((n, body) => body.Contains("Action=" + action + "&"));

        [Fact]
        public async Task A_reset_connection_is_retried_within_the_attempts_we_promise()
        {
            // The emulator applies every request and resets the connection before answering.
            var emulator = new CapacityEmulator(_fixture, new CapacitySeed().Reservation(Source, total: 4).Faults(1, dropAfterCommitRate: 1.0));
            var service = new CapacityReservationUsageService(emulator.Context(emulator.Client(maxErrorRetry: 4)));

            var failure = await CapacityAssert.FailsAsync(() => service.GetAsync(Source, null, default));

            Assert.Equal(ErrorCategory.ConnectionError, failure.Category);
            Assert.Equal(5, emulator.Journal("GetCapacityReservationUsage").Count); // was 15: AWSSDK.Core's ten uncounted "stale connection" resends
        }

        [Fact]
        public async Task A_cancel_whose_answers_were_lost_is_read_back_and_reported_cancelled()
        {
            var emulator = new CapacityEmulator(_fixture, new CapacitySeed().Reservation(Source, total: 4));
            var service = new CapacityReservationCancellationService(emulator.Context(emulator.Client(handler: LoseAnswersOf("CancelCapacityReservation"))));

            var result = await service.CancelAsync(new CancelReservationRequest { CapacityReservationId = Source });

            Assert.True(result.Cancelled);
            Assert.Equal("cancelled", (string)emulator.Reservation(Source)["state"]);
            Assert.Equal(2, emulator.Journal("GetCapacityReservationUsage").Count); // the state before, and once after to decide
            Assert.Contains(emulator.Verbose, v => v.Contains("this call cancelled it"));
        }

        [Fact]
        public async Task A_cancel_that_cannot_be_read_back_is_OutcomeUnknown_never_a_plain_failure()
        {
            var emulator = new CapacityEmulator(_fixture, new CapacitySeed().Reservation(Source, total: 4).Faults(1, dropAfterCommitRate: 1.0));
            var service = new CapacityReservationCancellationService(emulator.Context(emulator.Client(maxErrorRetry: 4)));

            var failure = await CapacityAssert.FailsAsync(() => service.CancelAsync(new CancelReservationRequest { CapacityReservationId = Source }));

            Assert.Equal(ErrorClassifier.OutcomeUnknownCode, failure.ErrorCode);
            Assert.Contains("may or may not have been applied", failure.Message);
            Assert.Equal(5, emulator.Journal("CancelCapacityReservation").Count);
            Assert.Equal(10, emulator.Journal("GetCapacityReservationUsage").Count); // before and after, 5 attempts each
        }

        [Fact]
        public async Task An_update_whose_answers_were_lost_and_that_shows_the_new_values_is_OutcomeUnknown()
        {
            var emulator = new CapacityEmulator(_fixture, new CapacitySeed().SourceWithAllocation(Source, Interruptible, total: 10, lent: 4, status: "active", zeroSizePreference: "retain"));
            var service = new InterruptibleAllocationService(emulator.Context(emulator.Client(handler: LoseAnswersOf("UpdateInterruptibleCapacityReservationAllocation"))));

            var failure = await CapacityAssert.FailsAsync(() => service.UpdateAsync(new UpdateAllocationRequest { CapacityReservationId = Source, TargetInstanceCount = 2 }));

            Assert.Equal(ErrorClassifier.OutcomeUnknownCode, failure.ErrorCode);
            Assert.Contains("shows the requested values", failure.Message);
            Assert.Single(emulator.Journal("GetCapacityReservationUsage"));
        }

        [Fact]
        public async Task Credit_changes_whose_answer_was_lost_are_neither_succeeded_nor_failed()
        {
            var i1 = CapacitySeed.I(0xb1);
            var emulator = new CapacityEmulator(_fixture, new CapacitySeed().Instance(i1));
            var service = new CreditSpecificationService(emulator.Context(emulator.Client(handler: LoseAnswersOf("ModifyInstanceCreditSpecification"))));

            var result = Assert.Single(await service.ApplyBatchAsync(new[] { new CreditChange(i1, "unlimited") }, "token-1"));

            Assert.Null(result.Succeeded);
            Assert.Equal(ErrorClassifier.OutcomeUnknownCode, result.ErrorCode);
            Assert.Contains("-ClientToken token-1", result.ErrorMessage);
            Assert.Equal("unlimited", (string)emulator.Instance(i1)["cpuCredits"]); // it was applied
        }
    }
}
