using System;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.EC2.Model;
using Ec2Capacity;

namespace Ec2Capacity.Engine
{
    /// <summary>What Stop-CapacityReservation asks for, per reservation.</summary>
    public sealed class CancelReservationRequest
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
    /// <c>cancelled</c>/<c>cancelling</c> and EC2 answers <c>IncorrectState</c>. To tell that apart from a
    /// reservation that was cancelled before this call, <see cref="CancelAsync"/> reads the reservation's state
    /// once <i>before</i> sending the cancel (one GetCapacityReservationUsage request). It reports success for an
    /// <c>IncorrectState</c> answer only when that read showed a state other than cancelled/cancelling and a
    /// second read shows cancelled/cancelling now: the reservation went from cancellable to cancelled during this
    /// call, which is what the user asked for. When the first read fails (no permission, network), nothing is
    /// assumed and EC2's error stands. Cancelling an already cancelled reservation therefore stays an error.</para>
    /// <para>The cost is one extra read per cancelled reservation (none under DryRun).</para>
    /// </remarks>
    public sealed class CapacityReservationCancellationService
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

            string stateBefore = await TryReadStateAsync(id, cancellationToken).ConfigureAwait(false);
            if (stateBefore == null) _context.Verbose($"The state of {id} could not be read before cancelling; an IncorrectState answer will be reported as EC2 gives it.");

            CancelCapacityReservationResponse response;
            try
            {
                response = await CapacityCalls.SendAsync(t => _context.Client.CancelCapacityReservationAsync(sdkRequest, t), id, cancellationToken).ConfigureAwait(false);
            }
            catch (Ec2OperationException e) when (e.Failure.ErrorCode == "IncorrectState" && stateBefore != null && !IsCancelledState(stateBefore)
                                                   && !cancellationToken.IsCancellationRequested)
            {
                string stateNow = await TryReadStateAsync(id, cancellationToken).ConfigureAwait(false);
                if (!IsCancelledState(stateNow)) throw;
                _context.Verbose($"EC2 answered IncorrectState for {id}, but it was '{stateBefore}' before this call and is '{stateNow}' now: an earlier attempt of this call cancelled it.");
                return Result(id);
            }
            if (response.Return == false)
            {
                throw new Ec2OperationException(new Ec2Failure(FailureCategory.InvalidResult, "CancelNotConfirmed",
                    $"EC2 answered the cancellation of {id} with false and no error.", id,
                    response.ResponseMetadata?.RequestId, (int)response.HttpStatusCode));
            }
            return Result(id);
        }

        /// <summary>Sends exactly one CancelCapacityReservation with DryRun=true and returns EC2's verdict.</summary>
        public Task<DryRunVerdict> DryRunAsync(CancelReservationRequest request, CancellationToken cancellationToken = default)
        {
            var sdkRequest = Check(request, dryRun: true);
            return CapacityCalls.DryRunAsync(t => _context.Client.CancelCapacityReservationAsync(sdkRequest, t), sdkRequest.CapacityReservationId, cancellationToken);
        }

        /// <summary>True for the states a cancel leads to: <c>cancelled</c> and <c>cancelling</c>.</summary>
        public static bool IsCancelledState(string state) => state == "cancelled" || state == "cancelling";

        private CapacityReservationCancellation Result(string id) =>
            new CapacityReservationCancellation { CapacityReservationId = id, Cancelled = true, Region = _context.Region };

        private async Task<string> TryReadStateAsync(string id, CancellationToken cancellationToken)
        {
            try
            {
                var usage = await CapacityCalls.SendAsync(t => CapacityCalls.ReadUsageAsync(_context.Client, id, t), id, cancellationToken).ConfigureAwait(false);
                return usage.State?.Value;
            }
            catch (Ec2OperationException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }

        private static CancelCapacityReservationRequest Check(CancelReservationRequest request, bool dryRun)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            var id = InputValidator.CapacityReservationId(request.CapacityReservationId);
            bool hasQuote = request.QuoteId != null;
            bool hasCharge = request.ApplyCancellationCharge != null;
            if (hasQuote != hasCharge)
            {
                var missing = hasQuote ? "ApplyCancellationCharge" : "QuoteId";
                var given = hasQuote ? "QuoteId" : "ApplyCancellationCharge";
                throw new InputValidationException(missing,
                    "-QuoteId (crcq-…) and -ApplyCancellationCharge commitment-wind-down together, or neither",
                    $"-{given} was given without -{missing}.", "InvalidParameterCombination");
            }
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
