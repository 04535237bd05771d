using System.Globalization;
using System.Management.Automation;
using System;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.EC2.Model;
using Ec2Capacity;

namespace Ec2Capacity
{
    /// <summary>What Stop-CapacityReservation asks for, per reservation.</summary>
    internal sealed class CancelReservationRequest
    {
        /// <summary>The reservation to cancel (cr-…).</summary>
        public string CapacityReservationId { get; set; }
        /// <summary>A cancellation quote (crcq-…), needed for a scheduled reservation or one inside its commitment. Given together with <see cref="ApplyCancellationCharge"/>.</summary>
        public string QuoteId { get; set; }
        /// <summary>commitment-wind-down (case-insensitive). Given together with <see cref="QuoteId"/>.</summary>
        public string ApplyCancellationCharge { get; set; }
    }

    /// <summary>
    /// Cancels Capacity Reservations.
    /// </summary>
    /// <remarks>
    /// <para><b>Retries and idempotence.</b> CancelCapacityReservation has no ClientToken. The shared client keeps
    /// the SDK's standard retries (we do not build a second, retry-less client per call), so when the connection
    /// drops after EC2 applied the cancel, the SDK's retry meets a reservation that is already
    /// <c>cancelled</c>/<c>cancelling</c> and EC2 answers <c>IncorrectState</c>. Two pieces of evidence tell that
    /// apart from a genuine refusal:</para>
    /// <list type="bullet">
    /// <item>the client's attempt log (<see cref="RequestAttempts"/>): an IncorrectState on the first attempt, or after
    /// earlier attempts that all got a definite answer (throttled, refused), is a genuine refusal and is reported as EC2
    /// gives it;</item>
    /// <item>the reservation's state read once <i>before</i> sending the cancel (one GetCapacityReservationUsage
    /// request). The attempt log cannot replace it: when an earlier attempt's answer was lost, a reservation that is
    /// cancelled now may have been cancelled by that attempt or before this call, and only the earlier read tells. A
    /// reservation that was already cancelled/cancelling before the call stays an IncorrectState error.</item>
    /// </list>
    /// <para>When an earlier attempt's outcome is unknown and EC2 refuses the retry with IncorrectState, the state is
    /// read once more: <c>cancelled</c>/<c>cancelling</c> is reported as success (this call cancelled it); another
    /// state means no attempt cancelled it, and EC2's refusal (for example "needs a cancellation quote") stands; a
    /// failed read (no permission, network) gives an <see cref="Ec2OperationException"/> with ConnectionError and
    /// <c>OutcomeUnknown</c>: the cancel may have been applied; check with Get-CapacityReservationUsage.</para>
    /// <para>Clients not built by <see cref="Ec2ClientCache"/> keep no attempt log; then an IncorrectState is treated
    /// as possibly retried, but success is only reported when the earlier read showed a state other than
    /// cancelled/cancelling (the reservation went from cancellable to cancelled during this call); when that read failed
    /// too, a reservation that is cancelled now gives OutcomeUnknown rather than a guess either way.</para>
    /// <para>The cost is one extra read per cancelled reservation (none under DryRun); a second one only after an
    /// IncorrectState answer that may come from a retry.</para>
    /// </remarks>
    internal sealed class CapacityReservationCancellationService
    {
        private readonly Ec2Context _context;

        public CapacityReservationCancellationService(Ec2Context context)
        {
            _context = context ?? throw new ArgumentNullException(nameof(context));
        }

        /// <summary>Cancels one reservation. EC2 failures leave as <see cref="Ec2OperationException"/>; bad input as <see cref="InputValidationException"/> before any request.</summary>
        public async Task<CapacityReservationCancellation> CancelAsync(CancelReservationRequest request, CancellationToken cancellationToken = default)
        {
            var sdkRequest = Check(request, dryRun: false);
            var id = sdkRequest.CapacityReservationId;

            var before = await TryReadStateAsync(id, cancellationToken).ConfigureAwait(false);
            if (before.State == null) _context.Verbose($"The state of {id} could not be read before cancelling ({before.Failure?.ErrorCode}).");

            CancelCapacityReservationResponse response;
            try
            {
                response = await CapacityCalls.SendAsync(t => _context.Client.CancelCapacityReservationAsync(sdkRequest, t), id, cancellationToken).ConfigureAwait(false);
            }
            catch (Ec2OperationException e) when (e.Failure.ErrorCode == "IncorrectState" && !cancellationToken.IsCancellationRequested)
            {
                var confirmed = await ConfirmRetriedCancelAsync(sdkRequest, before.State, e, cancellationToken).ConfigureAwait(false);
                if (confirmed == null) throw;
                return confirmed;
            }
            catch (Ec2OperationException e) when (ErrorClassifier.MayHaveBeenApplied(e.Failure) && !cancellationToken.IsCancellationRequested)
            {
                var confirmed = await ResolveLostCancelAsync(id, before.State, e, cancellationToken).ConfigureAwait(false);
                if (confirmed == null) throw;
                return confirmed;
            }
            if (response.Return == false)
            {
                throw new Ec2OperationException(new Ec2Failure(ErrorCategory.InvalidResult, ErrorIds.CancelNotConfirmed,
                    string.Format(CultureInfo.InvariantCulture, Messages.CancelNotConfirmed, id), id,
                    response.ResponseMetadata?.RequestId, (int)response.HttpStatusCode));
            }
            return Result(id);
        }

        /// <summary>
        /// After EC2 answered IncorrectState: the result when an earlier attempt of this call cancelled the reservation,
        /// null when EC2's refusal stands, or an OutcomeUnknown failure (thrown) when it cannot be told.
        /// </summary>
        private async Task<CapacityReservationCancellation> ConfirmRetriedCancelAsync(CancelCapacityReservationRequest sdkRequest, string stateBefore,
            Ec2OperationException refusal, CancellationToken cancellationToken)
        {
            var id = sdkRequest.CapacityReservationId;
            if (stateBefore != null && IsCancelledState(stateBefore))
            {
                return null; // cancelled before this call: EC2 is right whatever the attempts were
            }
            bool? earlierUnknown = CapacityCalls.EarlierAttemptOutcomeUnknown(sdkRequest);
            var log = RequestAttempts.For(sdkRequest);
            if (earlierUnknown == false)
            {
                return null; // the first attempt, or every earlier one got a definite answer: a genuine refusal
            }

            var now = await TryReadStateAsync(id, cancellationToken).ConfigureAwait(false);
            if (now.State == null)
            {
                throw CapacityCalls.OutcomeUnknown("cancellation", id, refusal.Failure, earlierUnknown == true,
                    $"Reading its state to check failed ({now.Failure?.ErrorCode}).", refusal);
            }
            if (!IsCancelledState(now.State))
            {
                _context.Verbose($"EC2 answered IncorrectState for {id} after {log?.ToString() ?? "an unknown number of attempts"}; it is '{now.State}', so no attempt cancelled it.");
                return null;
            }
            if (earlierUnknown == true || stateBefore != null)
            {
                var how = stateBefore != null ? $"it was '{stateBefore}' before this call and is '{now.State}' now" : $"it is '{now.State}' now";
                _context.Verbose($"EC2 answered IncorrectState for {id}, but {how} and an earlier attempt's answer was lost ({log?.ToString() ?? "no attempt log"}): an earlier attempt of this call cancelled it.");
                return Result(id);
            }
            throw CapacityCalls.OutcomeUnknown("cancellation", id, refusal.Failure, logged: false,
                $"It is '{now.State}' now, but whether it already was before this call could not be read.", refusal);
        }

        /// <summary>Sends exactly one CancelCapacityReservation with DryRun=true and returns EC2's verdict.</summary>
        public Task<DryRunVerdict> DryRunAsync(CancelReservationRequest request, CancellationToken cancellationToken = default)
        {
            var sdkRequest = Check(request, dryRun: true);
            return CapacityCalls.DryRunAsync(t => _context.Client.CancelCapacityReservationAsync(sdkRequest, t), sdkRequest.CapacityReservationId, cancellationToken);
        }

        /// <summary>
        /// The cancel's last answer was lost: one read of the state decides when it can. Cancelled now and not before:
        /// this call cancelled it (the result). Not cancelled now: it was not applied (null, the failure stands).
        /// Otherwise (the read failed, or the state before is unknown) the outcome is unknown (thrown).
        /// </summary>
        private async Task<CapacityReservationCancellation> ResolveLostCancelAsync(string id, string stateBefore, Ec2OperationException lost, CancellationToken cancellationToken)
        {
            var now = await TryReadStateAsync(id, cancellationToken).ConfigureAwait(false);
            if (now.State == null)
            {
                throw CapacityCalls.LostAnswer("cancellation", id, lost.Failure,
                    $"Reading its state to check failed ({now.Failure?.ErrorCode}). Check with Get-CapacityReservationUsage {id} before repeating the command.", lost);
            }
            if (!IsCancelledState(now.State))
            {
                _context.Verbose($"The answer to the cancellation of {id} was lost, and it is still '{now.State}': the cancel was not applied.");
                return null;
            }
            if (stateBefore != null && !IsCancelledState(stateBefore))
            {
                _context.Verbose($"The answer to the cancellation of {id} was lost, but it was '{stateBefore}' before and is '{now.State}' now: this call cancelled it.");
                return Result(id);
            }
            throw CapacityCalls.LostAnswer("cancellation", id, lost.Failure,
                $"It is '{now.State}' now, but its state before this call could not be read. Check with Get-CapacityReservationUsage {id}.", lost);
        }

        /// <summary>True for the states a cancel leads to: <c>cancelled</c> and <c>cancelling</c>.</summary>
        public static bool IsCancelledState(string state) => state == "cancelled" || state == "cancelling";

        private CapacityReservationCancellation Result(string id) =>
            new CapacityReservationCancellation { CapacityReservationId = id, Cancelled = true, Region = _context.Region };

        /// <summary>The reservation's state, or the failure of the read (never both null).</summary>
        private async Task<(string State, Ec2Failure Failure)> TryReadStateAsync(string id, CancellationToken cancellationToken)
        {
            var read = await CapacityCalls.TryReadUsageAsync(_context.Client, id, cancellationToken).ConfigureAwait(false);
            if (read.Failure != null) return (null, read.Failure);
            var state = read.Usage.State?.Value;
            return state == null
                ? (null, new Ec2Failure(ErrorCategory.InvalidResult, ErrorIds.StateMissing, string.Format(CultureInfo.InvariantCulture, Messages.StateMissing, id), id))
                : (state, null);
        }

        /// <summary>Throws <see cref="InputValidationException"/> for bad input, so the cmdlet refuses it before asking anything.</summary>
        public static void Validate(CancelReservationRequest request) => Check(request, dryRun: false);

        private static CancelCapacityReservationRequest Check(CancelReservationRequest request, bool dryRun)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            var id = InputValidator.CapacityReservationId(request.CapacityReservationId);
            // -QuoteId and -ApplyCancellationCharge come together or not at all: the cmdlet's parameter set says so.
            bool hasQuote = request.QuoteId != null;
            var sdk = new CancelCapacityReservationRequest { CapacityReservationId = id };
            if (hasQuote)
            {
                sdk.QuoteId = InputValidator.QuoteId(request.QuoteId);
                sdk.ApplyCancellationCharges = new ApplyCancellationCharges(InputValidator.ApplyCancellationCharge(request.ApplyCancellationCharge));
            }
            if (dryRun) sdk.DryRun = true;
            return sdk;
        }
    }
}
