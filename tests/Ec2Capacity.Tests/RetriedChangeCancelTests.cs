using System.Management.Automation;
using System.Linq;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.Runtime;
using Xunit;

namespace Ec2Capacity.Tests
{
    /// <summary>
    /// Stop-CapacityReservation's engine call when the SDK retries a cancel whose answer was lost. The faults are the
    /// emulator's own dropAfterCommit (the cancel is applied, then the connection is aborted), drawn from fixed seeds:
    /// the emulator draws four numbers per request, so a seed fixes which request of the sequence loses its answer.
    /// Every test checks in the journal that the intended pattern happened.
    /// </summary>
    public sealed class RetriedChangeCancelTests : IClassFixture<CapacityEmulatorFixture>
    {
        private const string CancelAction = "CancelCapacityReservation";
        private const string ReadAction = "GetCapacityReservationUsage";
        /// <summary>dropAfterCommitRate 0.5: requests 1, 3, 4 answered, request 2 applied and its answer lost.</summary>
        private const int SecondRequestLost = 30;
        /// <summary>dropAfterCommitRate 0.5: requests 1 and 2 answered.</summary>
        private const int FirstTwoClean = 1;
        /// <summary>throttleRate 0.3, serverErrorRate 0.3, dropAfterCommitRate 0.3: request 2 throttled (503), 1, 3, 4 clean.</summary>
        private const int SecondRequestThrottled = 4;
        /// <summary>throttleRate 0.3, serverErrorRate 0.3, dropAfterCommitRate 0.3: request 2 a server error (500), 1, 3, 4 clean.</summary>
        private const int SecondRequestServerError = 145;

        private static readonly string Target = CapacitySeed.Cr(0xe1);
        private readonly CapacityEmulatorFixture _fixture;

        public RetriedChangeCancelTests(CapacityEmulatorFixture fixture) => _fixture = fixture;

        private CapacityEmulator Start(string state, int faultSeed, double throttleRate = 0, double serverErrorRate = 0, double dropAfterCommitRate = 0.5,
            bool operatorWithoutRead = false)
        {
            var seed = new CapacitySeed().Reservation(Target, total: 4, state: state, used: 1)
                .Faults(faultSeed, throttleRate: throttleRate, serverErrorRate: serverErrorRate, dropAfterCommitRate: dropAfterCommitRate);
            if (operatorWithoutRead) seed.LimitedAccountAllows(CancelAction);
            return new CapacityEmulator(_fixture, seed);
        }

        private static string Pattern(CapacityEmulator emulator) =>
            string.Join(" | ", emulator.Journal().Select(e => $"{e.Action} {e.ErrorCode ?? "OK"}"));

        [Fact]
        public async Task A_cancel_applied_by_an_attempt_whose_answer_was_lost_is_reported_as_cancelled()
        {
            var emulator = Start("active", SecondRequestLost);
            var service = new CapacityReservationCancellationService(emulator.Context());

            var result = await service.CancelAsync(new CancelReservationRequest { CapacityReservationId = Target });

            Assert.True(result.Cancelled);
            Assert.Equal(Target, result.CapacityReservationId);
            Assert.Equal(
                $"{ReadAction} OK | {CancelAction} DroppedAfterCommit | {CancelAction} IncorrectState | {ReadAction} OK",
                Pattern(emulator));
            Assert.Equal("cancelled", (string)emulator.Reservation(Target)["state"]);
            Assert.Contains(emulator.Verbose, v => v.Contains("earlier attempt of this call cancelled it") && v.Contains("2 attempts: NoAnswer, Refused"));
        }

        [Fact]
        public async Task An_already_cancelled_reservation_refused_on_the_first_attempt_stays_IncorrectState()
        {
            var emulator = Start("cancelled", FirstTwoClean);
            var service = new CapacityReservationCancellationService(emulator.Context());

            var failure = await CapacityAssert.FailsAsync(() => service.CancelAsync(new CancelReservationRequest { CapacityReservationId = Target }));

            Assert.Equal("IncorrectState", failure.ErrorCode);
            Assert.Equal(ErrorCategory.InvalidOperation, failure.Category);
            Assert.Contains("already cancelled", failure.Message);
            // one read before, one cancel, no confirming read: the attempt log showed a single, answered attempt
            Assert.Equal($"{ReadAction} OK | {CancelAction} IncorrectState", Pattern(emulator));
        }

        [Fact]
        public async Task A_genuine_refusal_on_the_first_attempt_stays_IncorrectState_even_when_the_state_cannot_be_read()
        {
            var emulator = Start("cancelled", FirstTwoClean, operatorWithoutRead: true);
            var service = new CapacityReservationCancellationService(emulator.Context(emulator.Client(limited: true)));

            var failure = await CapacityAssert.FailsAsync(() => service.CancelAsync(new CancelReservationRequest { CapacityReservationId = Target }));

            Assert.Equal("IncorrectState", failure.ErrorCode);
            Assert.Equal($"{ReadAction} UnauthorizedOperation | {CancelAction} IncorrectState", Pattern(emulator));
        }

        [Fact]
        public async Task A_reservation_cancelled_before_the_call_stays_IncorrectState_when_the_first_answer_was_lost()
        {
            // The first cancel attempt is refused by EC2 (already cancelled) and its answer is lost too; the retry meets
            // the same refusal. The read before the call shows it was cancelled already: EC2's refusal is right.
            var emulator = Start("cancelled", SecondRequestLost);
            var service = new CapacityReservationCancellationService(emulator.Context());

            var failure = await CapacityAssert.FailsAsync(() => service.CancelAsync(new CancelReservationRequest { CapacityReservationId = Target }));

            Assert.Equal("IncorrectState", failure.ErrorCode);
            Assert.Equal($"{ReadAction} OK | {CancelAction} DroppedAfterCommit | {CancelAction} IncorrectState", Pattern(emulator));
        }

        [Theory]
        [InlineData(SecondRequestThrottled, "RequestLimitExceeded")]
        [InlineData(SecondRequestServerError, "InternalError")]
        public async Task An_already_cancelled_reservation_stays_IncorrectState_after_a_throttled_or_failed_first_attempt(int faultSeed, string firstAttempt)
        {
            var emulator = Start("cancelled", faultSeed, throttleRate: 0.3, serverErrorRate: 0.3, dropAfterCommitRate: 0.3);
            var service = new CapacityReservationCancellationService(emulator.Context());

            var failure = await CapacityAssert.FailsAsync(() => service.CancelAsync(new CancelReservationRequest { CapacityReservationId = Target }));

            Assert.Equal("IncorrectState", failure.ErrorCode);
            Assert.Equal($"{ReadAction} OK | {CancelAction} {firstAttempt} | {CancelAction} IncorrectState", Pattern(emulator));
        }

        [Fact]
        public async Task When_the_confirming_read_fails_the_outcome_is_unknown_not_IncorrectState()
        {
            // An operator who may cancel but not read usage: both reads are refused, the cancel is applied by the
            // attempt whose answer is lost, and the retry meets IncorrectState.
            var emulator = Start("active", SecondRequestLost, operatorWithoutRead: true);
            var service = new CapacityReservationCancellationService(emulator.Context(emulator.Client(limited: true)));

            var failure = await CapacityAssert.FailsAsync(() => service.CancelAsync(new CancelReservationRequest { CapacityReservationId = Target }));

            Assert.Equal(
                $"{ReadAction} UnauthorizedOperation | {CancelAction} DroppedAfterCommit | {CancelAction} IncorrectState | {ReadAction} UnauthorizedOperation",
                Pattern(emulator));
            Assert.Equal("cancelled", (string)emulator.Reservation(Target)["state"]);
            Assert.Equal("OutcomeUnknown", failure.ErrorCode);
            Assert.Equal(ErrorCategory.ConnectionError, failure.Category);
            Assert.Equal(Target, failure.TargetId);
            Assert.Contains("may have been applied by an earlier attempt whose answer was lost", failure.Message);
            Assert.Contains("Get-CapacityReservationUsage " + Target, failure.Message);
            Assert.Contains("UnauthorizedOperation", failure.Message);
            Assert.DoesNotContain(CapacityEmulator.LimitedSecretKey, failure.ToString());
            Assert.Contains("Get-CapacityReservationUsage", ErrorAdvice.RecommendedAction(failure));
        }

        [Fact]
        public async Task Without_an_attempt_log_a_state_change_seen_during_the_call_still_counts_as_cancelled()
        {
            // A client not built by Ec2ClientCache keeps no attempt log: the read before the call (active) and the one
            // after the IncorrectState (cancelled) show that the reservation was cancelled during this call.
            var emulator = Start("active", SecondRequestLost);
            var service = new CapacityReservationCancellationService(emulator.Context(RawClient(emulator)));

            var result = await service.CancelAsync(new CancelReservationRequest { CapacityReservationId = Target });

            Assert.True(result.Cancelled);
            Assert.Equal($"{ReadAction} OK | {CancelAction} DroppedAfterCommit | {CancelAction} IncorrectState | {ReadAction} OK", Pattern(emulator));
        }

        /// <summary>A plain SDK client (no attempt log), pointed at the emulator.</summary>
        internal static IAmazonEC2 RawClient(CapacityEmulator emulator) =>
            new AmazonEC2Client(new BasicAWSCredentials(CapacityEmulator.AccessKey, CapacityEmulator.SecretKey), new AmazonEC2Config
            {
                ServiceURL = emulator.Server.BaseUri.AbsoluteUri,
                AuthenticationRegion = emulator.Region,
                RetryMode = RequestRetryMode.Standard,
                MaxErrorRetry = 2,
                ThrottleRetries = false,
            });
    }
}
