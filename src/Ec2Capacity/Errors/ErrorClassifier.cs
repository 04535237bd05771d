using System.Globalization;
using System.Management.Automation;
using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading.Tasks;
using Amazon.Runtime;

namespace Ec2Capacity
{
    /// <summary>
    /// The one place that decides what a failure is: its PowerShell category, whether it is throttling, whether it is
    /// transient (worth another poll), whether the change it interrupted may have been applied, and how one HTTP attempt
    /// ended for the attempt log.
    /// </summary>
    internal static class ErrorClassifier
    {
        /// <summary>The error code of a change that may or may not have been applied (its answer was lost).</summary>
        public const string OutcomeUnknownCode = "OutcomeUnknown";

        /// <summary>EC2's throttling codes (the SDK's list, which EC2's RequestLimitExceeded is on).</summary>
        public static bool IsThrottling(string code)
        {
            switch (code)
            {
                case "RequestLimitExceeded":
                case "Throttling":
                case "ThrottlingException":
                case "ThrottledException":
                case "RequestThrottled":
                case "RequestThrottledException":
                case "TooManyRequestsException":
                case "EC2ThrottledException":
                case "SlowDown":
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>A failure another try may not meet: throttling, a server error, a network failure or a timeout.</summary>
        public static bool IsTransient(Ec2Failure failure) =>
            failure.Category == ErrorCategory.ConnectionError
            || failure.Category == ErrorCategory.OperationTimeout
            || IsThrottling(failure.ErrorCode)
            || failure.ErrorCode == "InternalError" || failure.ErrorCode == "Unavailable" || failure.ErrorCode == "ServiceUnavailable"
            || failure.HttpStatus >= 500;

        /// <summary>
        /// True when a change that ended in <paramref name="failure"/> may have been applied: no answer arrived (network,
        /// timeout) or EC2 answered a server error. A throttled or refused request was not carried out.
        /// </summary>
        public static bool MayHaveBeenApplied(Ec2Failure failure) =>
            failure.ErrorCode != OutcomeUnknownCode
            && (failure.Category == ErrorCategory.ConnectionError || failure.Category == ErrorCategory.OperationTimeout
                || (failure.HttpStatus >= 500 && !IsThrottling(failure.ErrorCode)));

        /// <summary>How one HTTP attempt that threw ended, for <see cref="RequestAttempts"/>. Only a definite answer from EC2 counts as known.</summary>
        public static AttemptOutcome AttemptOutcomeOf(Exception exception)
        {
            exception = Unwrap(exception);
            if (exception is AmazonServiceException service && !LostOnTheWay(service.InnerException))
            {
                int status = (int)service.StatusCode;
                if (IsThrottling(service.ErrorCode) || status == 429) return AttemptOutcome.Throttled;
                if (status >= 500) return AttemptOutcome.ServerError;
                // 408 comes from proxies that gave up waiting; EC2 itself answers 400/401/403 with an error code.
                if (status >= 400 && status != 408 && !string.IsNullOrEmpty(service.ErrorCode)) return AttemptOutcome.Refused;
            }
            // Network failures, timeouts, cancellation after sending, answers that could not be read: EC2 may have acted.
            return AttemptOutcome.NoAnswer;
        }

        /// <summary>Classifies an exception from an EC2 call made for <paramref name="targetId"/>.</summary>
        /// <param name="exception">What the call threw (aggregate and reflection wrappers are looked through).</param>
        /// <param name="targetId">The ID the call was for; becomes the failure's target.</param>
        /// <param name="callerCancelled">True when the caller's own token was cancelled (Ctrl+C), as opposed to a timeout.</param>
        public static Ec2Failure Classify(Exception exception, string targetId = null, bool callerCancelled = false)
        {
            exception = Unwrap(exception);
            switch (exception)
            {
                case Ec2OperationException op:
                    return op.Failure.TargetId == null && targetId != null ? op.Failure.WithTarget(targetId) : op.Failure;
                case InputValidationException invalid:
                    return invalid.ToFailure(targetId);
                case AmazonServiceException service when !string.IsNullOrEmpty(service.ErrorCode):
                    return new Ec2Failure(CategoryOf(service.ErrorCode, (int)service.StatusCode), service.ErrorCode,
                        service.Message, targetId, service.RequestId, (int)service.StatusCode);
                case OperationCanceledException _ when callerCancelled:
                    return new Ec2Failure(ErrorCategory.OperationStopped, ErrorIds.OperationStopped, Messages.OperationStopped, targetId);
                case OperationCanceledException _:
                    return new Ec2Failure(ErrorCategory.OperationTimeout, ErrorIds.RequestTimeout, Messages.RequestTimeout, targetId);
                case TimeoutException timeout:
                    return new Ec2Failure(ErrorCategory.OperationTimeout, ErrorIds.RequestTimeout, timeout.Message, targetId);
            }
            if (IsNetworkFailure(exception))
            {
                return new Ec2Failure(ErrorCategory.ConnectionError, ErrorIds.ConnectionFailed,
                    string.Format(CultureInfo.InvariantCulture, Messages.ConnectionFailed, InnermostMessage(exception)), targetId);
            }
            if (exception is AmazonServiceException status)
            {
                // An answer without an EC2 error code: usually a proxy or a load balancer in between.
                return new Ec2Failure(CategoryOf(null, (int)status.StatusCode), "HttpStatus" + (int)status.StatusCode,
                    status.Message, targetId, status.RequestId, (int)status.StatusCode);
            }
            return new Ec2Failure(ErrorCategory.NotSpecified, exception.GetType().Name, exception.Message, targetId);
        }

        /// <summary>The category for an EC2 error code (and the HTTP status when the code is unknown).</summary>
        public static ErrorCategory CategoryOf(string errorCode, int httpStatus = 0)
        {
            var code = errorCode ?? string.Empty;
            if (code.EndsWith(".NotFound", StringComparison.Ordinal) || code.EndsWith("NotFound", StringComparison.Ordinal)) return ErrorCategory.ObjectNotFound;
            if (code.EndsWith(".Malformed", StringComparison.Ordinal) || code.StartsWith("InvalidParameter", StringComparison.Ordinal)
                || code.StartsWith("Missing", StringComparison.Ordinal) || code == "InvalidNextToken" || code == "InvalidMaxResults"
                || code == "InvalidCpuCredits" || code.StartsWith("InvalidInstanceCreditSpecification", StringComparison.Ordinal)
                || code == "IdempotentParameterMismatch" || code == "ValidationError" || code == "InvalidAction") return ErrorCategory.InvalidArgument;
            switch (code)
            {
                case "UnauthorizedOperation":
                case "OptInRequired":
                case "Blocked":
                    return ErrorCategory.PermissionDenied;
                case "AuthFailure":
                case "InvalidClientTokenId":
                case "SignatureDoesNotMatch":
                case "ExpiredToken":
                case "RequestExpired":
                    return ErrorCategory.AuthenticationError;
                case "IncorrectState":
                case "IncorrectInstanceState":
                case "InstanceCreditSpecification.NotSupported":
                case "UnsupportedOperation":
                    return ErrorCategory.InvalidOperation;
                case "InstanceLimitExceeded":
                case "ReservationCapacityExceeded":
                    return ErrorCategory.LimitsExceeded;
                case "InsufficientInstanceCapacity":
                case "InsufficientCapacity":
                case "InternalError":
                case "Unavailable":
                case "ServiceUnavailable":
                    return ErrorCategory.ResourceUnavailable;
                case "DryRunOperation":
                    return ErrorCategory.NotSpecified;
            }
            if (IsThrottling(code)) return ErrorCategory.LimitsExceeded;
            if (code.StartsWith("Invalid", StringComparison.Ordinal)) return ErrorCategory.InvalidArgument;
            if (httpStatus == 401) return ErrorCategory.AuthenticationError;
            if (httpStatus == 403) return ErrorCategory.PermissionDenied;
            if (httpStatus == 404) return ErrorCategory.ObjectNotFound;
            if (httpStatus == 429) return ErrorCategory.LimitsExceeded;
            if (httpStatus >= 500) return ErrorCategory.ResourceUnavailable;
            if (httpStatus >= 400) return ErrorCategory.InvalidArgument;
            return ErrorCategory.NotSpecified;
        }

        private static Exception Unwrap(Exception exception)
        {
            while (exception is AggregateException aggregate && aggregate.InnerExceptions.Count == 1) exception = aggregate.InnerException;
            while (exception is System.Reflection.TargetInvocationException tie && tie.InnerException != null) exception = tie.InnerException;
            return exception;
        }

        // An SDK exception wrapping a network failure or a cancelled read carries no answer from EC2.
        private static bool LostOnTheWay(Exception inner)
        {
            for (var e = inner; e != null; e = e.InnerException)
            {
                if (e is OperationCanceledException) return true;
            }
            return IsNetworkFailure(inner);
        }

        private static bool IsNetworkFailure(Exception exception)
        {
            for (var e = exception; e != null; e = e.InnerException)
            {
                if (e is HttpRequestException || e is IOException || e is SocketException || e is WebException) return true;
            }
            return false;
        }

        private static string InnermostMessage(Exception exception)
        {
            var e = exception;
            while (e.InnerException != null) e = e.InnerException;
            return e.Message;
        }
    }
}
