using System.Globalization;
using System.Management.Automation;
using System;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.EC2.Model;

namespace Ec2Capacity
{
    /// <summary>
    /// Shared plumbing of the allocation, cancellation and credit services: every SDK failure leaves as an
    /// <see cref="Ec2OperationException"/> carrying a classified failure, and a cancelled caller's token as
    /// OperationStopped.
    /// </summary>
    internal static class CapacityCalls
    {
        public static async Task<T> SendAsync<T>(Func<CancellationToken, Task<T>> send, string targetId, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequestedAsStopped(targetId);
            try
            {
                return await send(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is Ec2OperationException))
            {
                throw Wrap(e, targetId, cancellationToken);
            }
        }

        public static Ec2OperationException Wrap(Exception e, string targetId, CancellationToken cancellationToken) =>
            e as Ec2OperationException ?? new Ec2OperationException(ErrorClassifier.Classify(e, targetId, cancellationToken.IsCancellationRequested), e);

        /// <summary>One DryRun request through <see cref="DryRunVerdict.RunAsync"/>; the caller's cancellation becomes OperationStopped.</summary>
        public static async Task<DryRunVerdict> DryRunAsync(Func<CancellationToken, Task> sendWithDryRun, string targetId, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequestedAsStopped(targetId);
            try
            {
                return await DryRunVerdict.RunAsync(sendWithDryRun, targetId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is Ec2OperationException))
            {
                throw Wrap(e, targetId, cancellationToken);
            }
        }

        public static void ThrowIfCancellationRequestedAsStopped(this CancellationToken cancellationToken, string targetId)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw new Ec2OperationException(ErrorClassifier.Classify(new OperationCanceledException(cancellationToken), targetId, true));
            }
        }

        /// <summary>
        /// One read of the first usage page whose failure is an answer, not an exception: the usage, or the failure
        /// (never both null). The caller's cancellation still throws (OperationStopped).
        /// </summary>
        public static async Task<(GetCapacityReservationUsageResponse Usage, Ec2Failure Failure)> TryReadUsageAsync(IAmazonEC2 client, string capacityReservationId,
            CancellationToken cancellationToken)
        {
            try
            {
                return (await SendAsync(t => ReadUsageAsync(client, capacityReservationId, t), capacityReservationId, cancellationToken).ConfigureAwait(false), null);
            }
            catch (Ec2OperationException e) when (!cancellationToken.IsCancellationRequested)
            {
                return (null, e.Failure);
            }
        }

        /// <summary>The first page of GetCapacityReservationUsage: enough for state and allocation, which sit outside the paged account list.</summary>
        public static Task<GetCapacityReservationUsageResponse> ReadUsageAsync(IAmazonEC2 client, string capacityReservationId, CancellationToken cancellationToken) =>
            client.GetCapacityReservationUsageAsync(new GetCapacityReservationUsageRequest { CapacityReservationId = capacityReservationId }, cancellationToken);

        /// <summary>
        /// What the attempt log says about the attempts before the last one of <paramref name="request"/>: true when one
        /// of them ended without a definite answer (it may have been carried out), false when every one of them got a
        /// definite answer (or there was none: the SDK did not retry), null when there is no log (the client was not
        /// built by <see cref="Ec2ClientCache"/>).
        /// </summary>
        public static bool? EarlierAttemptOutcomeUnknown(Amazon.Runtime.AmazonWebServiceRequest request)
        {
            var log = RequestAttempts.For(request);
            if (log == null) return null;
            for (int i = 0; i < log.Count - 1; i++)
            {
                if (RequestAttemptLog.IsUnknown(log.Outcomes[i])) return true;
            }
            return false;
        }

        /// <summary>
        /// A change was refused with IncorrectState by an SDK retry after an earlier attempt whose answer was lost, and
        /// the state could not confirm it: the change may or may not have been applied. Category ConnectionError (the
        /// lost answer is the cause), code OutcomeUnknown; the refusal's request ID is in the message.
        /// <c>logged</c>: true when the attempt log showed the earlier attempt, false when the client keeps no log.
        /// </summary>
        public static Ec2OperationException OutcomeUnknown(string change, string targetId, Ec2Failure refusal, bool logged, string evidence, Exception inner)
        {
            var retryId = string.IsNullOrEmpty(refusal.RequestId) ? string.Empty : string.Format(CultureInfo.InvariantCulture, Messages.RequestIdSuffix, refusal.RequestId);
            var earlier = logged ? Messages.RetryRefusedAfterLostAnswer
                : Messages.RetryRefusedWithoutLog;
            var message = string.Format(CultureInfo.InvariantCulture, Messages.OutcomeUnknownAfterRefusal, change, targetId, earlier, refusal.ErrorCode, retryId, refusal.Message.TrimEnd(), evidence);
            return new Ec2OperationException(new Ec2Failure(ErrorCategory.ConnectionError, ErrorClassifier.OutcomeUnknownCode, message, targetId), inner);
        }

        /// <summary>
        /// The last attempt of a change got no answer (or a server error) and no read could show what happened: the
        /// change may or may not have been applied. Code OutcomeUnknown, category ConnectionError; never a definite failure.
        /// </summary>
        public static Ec2OperationException LostAnswer(string change, string targetId, Ec2Failure lost, string evidence, Exception inner)
        {
            var message = string.Format(CultureInfo.InvariantCulture, Messages.OutcomeUnknownAnswerLost, change, targetId, lost.ErrorCode, lost.Message.TrimEnd(), evidence);
            return new Ec2OperationException(new Ec2Failure(ErrorCategory.ConnectionError, ErrorClassifier.OutcomeUnknownCode, message.TrimEnd(), targetId, lost.RequestId, lost.HttpStatus), inner);
        }
    }
}
