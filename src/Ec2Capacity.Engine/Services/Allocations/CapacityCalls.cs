using System;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.EC2.Model;

namespace Ec2Capacity.Engine
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

        /// <summary>The first page of GetCapacityReservationUsage: enough for state and allocation, which sit outside the paged account list.</summary>
        public static Task<GetCapacityReservationUsageResponse> ReadUsageAsync(IAmazonEC2 client, string capacityReservationId, CancellationToken cancellationToken) =>
            client.GetCapacityReservationUsageAsync(new GetCapacityReservationUsageRequest { CapacityReservationId = capacityReservationId }, cancellationToken);

        public static bool IsCode(Exception e, string code) =>
            e is Ec2OperationException op ? op.Failure.ErrorCode == code : e is Amazon.Runtime.AmazonServiceException s && s.ErrorCode == code;
    }
}
