using System.Globalization;
using System.Management.Automation;
using System;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;

namespace Ec2Capacity
{
    /// <summary>What EC2 said to a DryRun request.</summary>
    internal enum DryRunOutcome
    {
        /// <summary>412 DryRunOperation: the request would have succeeded.</summary>
        Allowed,
        /// <summary>UnauthorizedOperation: the caller lacks permission.</summary>
        Denied,
        /// <summary>Any other error (validation, not found, state …).</summary>
        Failed,
    }

    /// <summary>EC2's verdict on one DryRun request, for the "What if:" line and, when not allowed, an error record.</summary>
    internal sealed class DryRunVerdict
    {
        private DryRunVerdict(DryRunOutcome outcome, Ec2Failure failure, string requestId)
        {
            Outcome = outcome;
            Failure = failure;
            RequestId = requestId;
        }

        public DryRunOutcome Outcome { get; }
        /// <summary>The failure when the outcome is Denied or Failed; null when Allowed.</summary>
        public Ec2Failure Failure { get; }
        /// <summary>EC2's request ID for the DryRun answer.</summary>
        public string RequestId { get; }
        public bool IsAllowed => Outcome == DryRunOutcome.Allowed;

        public static DryRunVerdict Allowed(string requestId) => new DryRunVerdict(DryRunOutcome.Allowed, null, requestId);
        public static DryRunVerdict From(Ec2Failure failure) =>
            new DryRunVerdict(failure.ErrorCode == "UnauthorizedOperation" ? DryRunOutcome.Denied : DryRunOutcome.Failed, failure, failure.RequestId);

        /// <summary>The verdict in words, for the "What if:" text.</summary>
        public string Describe()
        {
            switch (Outcome)
            {
                case DryRunOutcome.Allowed: return "EC2 DryRun: allowed (the request would have succeeded)";
                case DryRunOutcome.Denied: return "EC2 DryRun: denied (" + Failure.ErrorCode + ": you are not authorized to perform this operation)";
                default: return "EC2 DryRun: would fail (" + Failure.ErrorCode + ": " + Failure.Message + ")";
            }
        }

        /// <summary>
        /// Sends one request with DryRun=true and reads EC2's verdict. EC2 answers an allowed DryRun with the
        /// error 412 DryRunOperation, so an exception is the expected path here.
        /// </summary>
        public static async Task<DryRunVerdict> RunAsync(Func<CancellationToken, Task> sendWithDryRun, string targetId, CancellationToken cancellationToken)
        {
            try
            {
                await sendWithDryRun(cancellationToken).ConfigureAwait(false);
            }
            // Like the SDK's own DryRun helper: allowed only for HTTP 412 with code DryRunOperation.
            catch (AmazonServiceException e) when (e.ErrorCode == "DryRunOperation" && (int)e.StatusCode == 412)
            {
                return Allowed(e.RequestId);
            }
            catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                return From(ErrorClassifier.Classify(e, targetId));
            }
            // A 2xx answer to a DryRun means the endpoint ignored DryRun: never report that as allowed.
            return From(new Ec2Failure(ErrorCategory.InvalidResult, ErrorIds.DryRunIgnored,
                Messages.DryRunIgnored, targetId));
        }
    }
}
