using System;
using System.Management.Automation;

namespace Ec2Capacity
{
    /// <summary>
    /// Turns classified failures into PowerShell ErrorRecords. The exception a user finds in <c>$Error</c> is always a
    /// .NET or PowerShell type they can <c>catch</c>, never one of ours (our types are not API and, on PowerShell 7,
    /// live in the module's own load context); the SDK's exception, when there was one, is its InnerException.
    /// </summary>
    internal static class ErrorRecords
    {

        /// <summary>
        /// A non-terminating record for one target: ErrorId = EC2's code (or ours for bad input), the failure's category,
        /// TargetObject = the ID, message = EC2's message with code and request ID, and the advice for that code.
        /// </summary>
        public static ErrorRecord FromFailure(Ec2Failure failure, object targetObject = null, Exception exception = null)
        {
            if (failure == null) throw new ArgumentNullException(nameof(failure));
            var published = exception is InputValidationException badInput
                ? new ArgumentException(failure.ToString(), badInput.ParamName)
                : PublicException(failure.Category, failure.ToString(), Cause(exception));
            var record = new ErrorRecord(published, failure.ErrorCode, failure.Category, targetObject ?? failure.TargetId);
            record.ErrorDetails = new ErrorDetails(failure.ToString())
            {
                RecommendedAction = ErrorAdvice.RecommendedAction(failure),
            };
            return record;
        }

        /// <summary>The record for a connection that could not be resolved (no credentials, no region, missing profile …).</summary>
        public static ErrorRecord FromConnectionFailure(ConnectionResolutionException exception, object targetObject = null)
        {
            var category = ConnectionErrorIds.CategoryOf(exception.ErrorId);
            var record = new ErrorRecord(PublicException(category, exception.Message, exception.InnerException), exception.ErrorId ?? "ConnectionResolutionFailed",
                category, targetObject);
            record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = ErrorAdvice.ForConnectionFailure(exception.ErrorId) };
            return record;
        }

        // Our own exception types carry the classification only; what caused them (the SDK's exception) is kept.
        private static Exception Cause(Exception exception) =>
            exception is Ec2OperationException || exception is InputValidationException ? exception.InnerException : exception;

        private static Exception PublicException(ErrorCategory category, string message, Exception cause)
        {
            switch (category)
            {
                case ErrorCategory.InvalidArgument: return new ArgumentException(message, cause);
                case ErrorCategory.ObjectNotFound: return new ItemNotFoundException(message, cause);
                case ErrorCategory.PermissionDenied:
                case ErrorCategory.AuthenticationError: return new UnauthorizedAccessException(message, cause);
                case ErrorCategory.OperationTimeout: return new TimeoutException(message, cause);
                case ErrorCategory.OperationStopped: return new OperationCanceledException(message, cause);
                default: return new InvalidOperationException(message, cause);
            }
        }
    }
}
