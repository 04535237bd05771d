using System.Management.Automation;
using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.Runtime;
using Xunit;

namespace Ec2Capacity.Tests
{
    public class ErrorClassifierTests
    {
        private static AmazonEC2Exception Ec2Error(string code, HttpStatusCode status, string message = "EC2 said no.", string requestId = "req-123") =>
            new AmazonEC2Exception(message, ErrorType.Sender, code, requestId, status);

        [Theory]
        [InlineData("InvalidCapacityReservationId.NotFound", 400, ErrorCategory.ObjectNotFound)]
        [InlineData("InvalidInstanceID.NotFound", 400, ErrorCategory.ObjectNotFound)]
        [InlineData("InvalidCapacityReservationId.Malformed", 400, ErrorCategory.InvalidArgument)]
        [InlineData("InvalidInstanceID.Malformed", 400, ErrorCategory.InvalidArgument)]
        [InlineData("InvalidParameterValue", 400, ErrorCategory.InvalidArgument)]
        [InlineData("InvalidParameterCombination", 400, ErrorCategory.InvalidArgument)]
        [InlineData("MissingParameter", 400, ErrorCategory.InvalidArgument)]
        [InlineData("InvalidNextToken", 400, ErrorCategory.InvalidArgument)]
        [InlineData("InvalidMaxResults", 400, ErrorCategory.InvalidArgument)]
        [InlineData("InvalidCpuCredits", 400, ErrorCategory.InvalidArgument)]
        [InlineData("InvalidInstanceCreditSpecification.DuplicateInstanceId", 400, ErrorCategory.InvalidArgument)]
        [InlineData("IdempotentParameterMismatch", 400, ErrorCategory.InvalidArgument)]
        [InlineData("UnauthorizedOperation", 403, ErrorCategory.PermissionDenied)]
        [InlineData("AuthFailure", 401, ErrorCategory.AuthenticationError)]
        [InlineData("SignatureDoesNotMatch", 403, ErrorCategory.AuthenticationError)]
        [InlineData("ExpiredToken", 400, ErrorCategory.AuthenticationError)]
        [InlineData("IncorrectState", 400, ErrorCategory.InvalidOperation)]
        [InlineData("IncorrectInstanceState", 400, ErrorCategory.InvalidOperation)]
        [InlineData("InstanceCreditSpecification.NotSupported", 400, ErrorCategory.InvalidOperation)]
        [InlineData("RequestLimitExceeded", 503, ErrorCategory.LimitsExceeded)]
        [InlineData("InstanceLimitExceeded", 400, ErrorCategory.LimitsExceeded)]
        [InlineData("InsufficientInstanceCapacity", 500, ErrorCategory.ResourceUnavailable)]
        [InlineData("InternalError", 500, ErrorCategory.ResourceUnavailable)]
        [InlineData("Unavailable", 503, ErrorCategory.ResourceUnavailable)]
        [InlineData("SomethingNew", 500, ErrorCategory.ResourceUnavailable)]
        [InlineData("SomethingNew", 403, ErrorCategory.PermissionDenied)]
        [InlineData("SomethingNew", 401, ErrorCategory.AuthenticationError)]
        [InlineData("SomethingNew", 400, ErrorCategory.InvalidArgument)]
        [InlineData("InvalidSomethingNew", 400, ErrorCategory.InvalidArgument)]
        public void EC2_codes_map_onto_PowerShell_categories(string code, int status, object expectedArgument)
        {
            // xunit needs public test methods; the module's types are internal.
            var expected = (ErrorCategory)expectedArgument;
            var failure = ErrorClassifier.Classify(Ec2Error(code, (HttpStatusCode)status), "cr-0123456789abcdef0");
            Assert.Equal(expected, failure.Category);
            Assert.Equal(code, failure.ErrorCode);
            Assert.Equal("req-123", failure.RequestId);
            Assert.Equal(status, failure.HttpStatus);
            Assert.Equal("cr-0123456789abcdef0", failure.TargetId);
            Assert.Equal("EC2 said no.", failure.Message);
        }

        [Fact]
        public void Every_category_name_is_a_PowerShell_ErrorCategory_name()
        {
            // The cmdlets map by name; these are ErrorCategory members (System.Management.Automation is not referenced here).
            var powershell = new[]
            {
                "NotSpecified", "OpenError", "CloseError", "DeviceError", "DeadlockDetected", "InvalidArgument", "InvalidData",
                "InvalidOperation", "InvalidResult", "InvalidType", "MetadataError", "NotImplemented", "NotInstalled",
                "ObjectNotFound", "OperationStopped", "OperationTimeout", "SyntaxError", "ParserError", "PermissionDenied",
                "ResourceBusy", "ResourceExists", "ResourceUnavailable", "ReadError", "WriteError", "FromStdErr",
                "SecurityError", "ProtocolError", "ConnectionError", "AuthenticationError", "LimitsExceeded", "QuotaExceeded",
                "NotEnabled",
            };
            foreach (var name in Enum.GetNames(typeof(ErrorCategory))) Assert.Contains(name, powershell);
        }

        [Fact]
        public void The_user_message_carries_EC2s_message_code_and_request_id()
        {
            var failure = ErrorClassifier.Classify(Ec2Error("InvalidCapacityReservationId.NotFound", HttpStatusCode.BadRequest,
                "The capacity reservation ID 'cr-0123456789abcdef0' does not exist."), "cr-0123456789abcdef0");
            Assert.Equal("The capacity reservation ID 'cr-0123456789abcdef0' does not exist. (EC2 error InvalidCapacityReservationId.NotFound, request ID req-123)",
                failure.ToString());
            Assert.Equal(failure.ToString(), new Ec2OperationException(failure).Message);
        }

        [Fact]
        public void A_failure_without_an_answer_has_no_EC2_suffix()
        {
            var failure = new Ec2Failure(ErrorCategory.ConnectionError, "ConnectionFailed", "The connection to EC2 failed.");
            Assert.Equal("The connection to EC2 failed.", failure.ToString());
        }

        [Fact]
        public void Network_failures_are_ConnectionError()
        {
            foreach (var e in new Exception[]
            {
                new HttpRequestException("An error occurred while sending the request.", new IOException("The response ended prematurely.")),
                new IOException("Unable to read data from the transport connection."),
                new SocketException((int)SocketError.ConnectionRefused),
                new WebException("The remote server returned an error"),
                new AmazonServiceException("wrapped", new HttpRequestException("reset")),
            })
            {
                var failure = ErrorClassifier.Classify(e, "i-1a2b3c4d");
                Assert.Equal(ErrorCategory.ConnectionError, failure.Category);
                Assert.Equal("ConnectionFailed", failure.ErrorCode);
                Assert.Equal("i-1a2b3c4d", failure.TargetId);
            }
        }

        [Fact]
        public void Cancellation_by_the_caller_is_OperationStopped_and_otherwise_a_timeout()
        {
            Assert.Equal(ErrorCategory.OperationStopped, ErrorClassifier.Classify(new OperationCanceledException(), "x", callerCancelled: true).Category);
            Assert.Equal(ErrorCategory.OperationStopped, ErrorClassifier.Classify(new TaskCanceledException(), "x", callerCancelled: true).Category);
            Assert.Equal(ErrorCategory.OperationTimeout, ErrorClassifier.Classify(new TaskCanceledException(), "x").Category);
            Assert.Equal(ErrorCategory.OperationTimeout, ErrorClassifier.Classify(new TimeoutException("slow"), "x").Category);
        }

        [Fact]
        public void Wrappers_are_unwrapped()
        {
            var inner = Ec2Error("IncorrectState", HttpStatusCode.BadRequest);
            Assert.Equal(ErrorCategory.InvalidOperation, ErrorClassifier.Classify(new AggregateException(inner)).Category);
            Assert.Equal(ErrorCategory.InvalidOperation, ErrorClassifier.Classify(new System.Reflection.TargetInvocationException(inner)).Category);
        }

        [Fact]
        public void Our_own_failures_pass_through_and_take_the_target()
        {
            var original = new Ec2Failure(ErrorCategory.InvalidResult, "NextTokenLoop", "loop");
            var classified = ErrorClassifier.Classify(new Ec2OperationException(original), "cr-0123456789abcdef0");
            Assert.Equal(ErrorCategory.InvalidResult, classified.Category);
            Assert.Equal("cr-0123456789abcdef0", classified.TargetId);

            var invalid = ErrorClassifier.Classify(new InputValidationException("PageSize", "a page size from 1 to 1000", "0 is out of range.", "ValueOutOfRange"), "cr-1");
            Assert.Equal(ErrorCategory.InvalidArgument, invalid.Category);
            Assert.Equal("ValueOutOfRange", invalid.ErrorCode);
        }

        [Fact]
        public void An_answer_without_an_EC2_code_is_classified_by_its_status()
        {
            var failure = ErrorClassifier.Classify(new AmazonServiceException("Bad Gateway", null, HttpStatusCode.BadGateway), "x");
            Assert.Equal(ErrorCategory.ResourceUnavailable, failure.Category);
            Assert.Equal("HttpStatus502", failure.ErrorCode);
        }

        [Fact]
        public void Anything_else_is_NotSpecified_with_its_type_name()
        {
            var failure = ErrorClassifier.Classify(new InvalidCastException("odd"), "x");
            Assert.Equal(ErrorCategory.NotSpecified, failure.Category);
            Assert.Equal("InvalidCastException", failure.ErrorCode);
            Assert.Equal("odd", failure.Message);
        }
    }
}
