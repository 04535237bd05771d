using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading.Tasks;
using Amazon.Runtime;

namespace Ec2Capacity
{
    /// <summary>Turns whatever an EC2 call threw into one <see cref="Ec2Failure"/> with a PowerShell-shaped category.</summary>
    internal static class ErrorClassifier
    {
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
                    return new Ec2Failure(FailureCategory.OperationStopped, "OperationStopped", "The operation was cancelled before it finished.", targetId);
                case OperationCanceledException _:
                    return new Ec2Failure(FailureCategory.OperationTimeout, "RequestTimeout", "EC2 did not answer in time.", targetId);
                case TimeoutException timeout:
                    return new Ec2Failure(FailureCategory.OperationTimeout, "RequestTimeout", timeout.Message, targetId);
            }
            if (IsNetworkFailure(exception))
            {
                return new Ec2Failure(FailureCategory.ConnectionError, "ConnectionFailed",
                    "The connection to EC2 failed: " + InnermostMessage(exception), targetId);
            }
            if (exception is AmazonServiceException status)
            {
                // An answer without an EC2 error code: usually a proxy or a load balancer in between.
                return new Ec2Failure(CategoryOf(null, (int)status.StatusCode), "HttpStatus" + (int)status.StatusCode,
                    status.Message, targetId, status.RequestId, (int)status.StatusCode);
            }
            return new Ec2Failure(FailureCategory.NotSpecified, exception.GetType().Name, exception.Message, targetId);
        }

        /// <summary>The category for an EC2 error code (and the HTTP status when the code is unknown).</summary>
        public static FailureCategory CategoryOf(string errorCode, int httpStatus = 0)
        {
            var code = errorCode ?? string.Empty;
            if (code.EndsWith(".NotFound", StringComparison.Ordinal) || code.EndsWith("NotFound", StringComparison.Ordinal)) return FailureCategory.ObjectNotFound;
            if (code.EndsWith(".Malformed", StringComparison.Ordinal) || code.StartsWith("InvalidParameter", StringComparison.Ordinal)
                || code.StartsWith("Missing", StringComparison.Ordinal) || code == "InvalidNextToken" || code == "InvalidMaxResults"
                || code == "InvalidCpuCredits" || code.StartsWith("InvalidInstanceCreditSpecification", StringComparison.Ordinal)
                || code == "IdempotentParameterMismatch" || code == "ValidationError" || code == "InvalidAction") return FailureCategory.InvalidArgument;
            switch (code)
            {
                case "UnauthorizedOperation":
                case "OptInRequired":
                case "Blocked":
                    return FailureCategory.PermissionDenied;
                case "AuthFailure":
                case "InvalidClientTokenId":
                case "SignatureDoesNotMatch":
                case "ExpiredToken":
                case "RequestExpired":
                    return FailureCategory.AuthenticationError;
                case "IncorrectState":
                case "IncorrectInstanceState":
                case "InstanceCreditSpecification.NotSupported":
                case "UnsupportedOperation":
                    return FailureCategory.InvalidOperation;
                case "RequestLimitExceeded":
                case "Throttling":
                case "InstanceLimitExceeded":
                case "ReservationCapacityExceeded":
                    return FailureCategory.LimitsExceeded;
                case "InsufficientInstanceCapacity":
                case "InsufficientCapacity":
                case "InternalError":
                case "Unavailable":
                case "ServiceUnavailable":
                    return FailureCategory.ResourceUnavailable;
                case "DryRunOperation":
                    return FailureCategory.NotSpecified;
            }
            if (code.StartsWith("Invalid", StringComparison.Ordinal)) return FailureCategory.InvalidArgument;
            if (httpStatus == 401) return FailureCategory.AuthenticationError;
            if (httpStatus == 403) return FailureCategory.PermissionDenied;
            if (httpStatus == 404) return FailureCategory.ObjectNotFound;
            if (httpStatus == 429) return FailureCategory.LimitsExceeded;
            if (httpStatus >= 500) return FailureCategory.ResourceUnavailable;
            if (httpStatus >= 400) return FailureCategory.InvalidArgument;
            return FailureCategory.NotSpecified;
        }

        private static Exception Unwrap(Exception exception)
        {
            while (exception is AggregateException aggregate && aggregate.InnerExceptions.Count == 1) exception = aggregate.InnerException;
            while (exception is System.Reflection.TargetInvocationException tie && tie.InnerException != null) exception = tie.InnerException;
            return exception;
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
