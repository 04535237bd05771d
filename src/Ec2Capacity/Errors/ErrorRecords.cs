using System;
using System.Management.Automation;

namespace Ec2Capacity
{
    /// <summary>Turns the engine's failures into PowerShell ErrorRecords. No decisions here: the engine classifies.</summary>
    internal static class ErrorRecords
    {
        /// <summary>
        /// A non-terminating record for one target: ErrorId = EC2's code, category = the FailureCategory of the same
        /// name, TargetObject = the ID, message = EC2's message with code and request ID, RecommendedAction from the engine.
        /// </summary>
        public static ErrorRecord FromFailure(Ec2Failure failure, object targetObject = null, Exception exception = null)
        {
            if (failure == null) throw new ArgumentNullException(nameof(failure));
            var record = new ErrorRecord(
                exception ?? new Ec2OperationException(failure),
                failure.ErrorCode,
                ToCategory(failure.Category),
                targetObject ?? failure.TargetId);
            record.ErrorDetails = new ErrorDetails(failure.ToString())
            {
                RecommendedAction = ErrorAdvice.RecommendedAction(failure),
            };
            return record;
        }

        /// <summary>The terminating record for a connection that could not be resolved (no credentials, no region, missing profile …).</summary>
        public static ErrorRecord FromConnectionFailure(ConnectionResolutionException exception, object targetObject = null)
        {
            var record = new ErrorRecord(exception, exception.ErrorId ?? "ConnectionResolutionFailed",
                ToCategory(ConnectionErrorIds.CategoryOf(exception.ErrorId)), targetObject);
            record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = ErrorAdvice.ForConnectionFailure(exception.ErrorId) };
            return record;
        }

        /// <summary>FailureCategory and ErrorCategory share member names by design; an unknown name maps to NotSpecified.</summary>
        public static ErrorCategory ToCategory(FailureCategory category) =>
            Enum.TryParse(category.ToString(), ignoreCase: false, out ErrorCategory result) ? result : ErrorCategory.NotSpecified;
    }
}
