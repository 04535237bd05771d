using System.Management.Automation;
using System.Text;

namespace Ec2Capacity
{
    /// <summary>One classified failure for one target: what a cmdlet turns into a non-terminating ErrorRecord.</summary>
    internal sealed class Ec2Failure
    {
        public Ec2Failure(ErrorCategory category, string errorCode, string message, string targetId = null, string requestId = null, int httpStatus = 0)
        {
            Category = category;
            ErrorCode = string.IsNullOrEmpty(errorCode) ? "Ec2CapacityError" : errorCode;
            Message = message ?? string.Empty;
            TargetId = targetId;
            RequestId = requestId;
            HttpStatus = httpStatus;
        }

        /// <summary>The category, named as PowerShell's ErrorCategory.</summary>
        public ErrorCategory Category { get; }
        /// <summary>EC2's error code (InvalidCapacityReservationId.NotFound …) or one of ours for failures EC2 did not name.</summary>
        public string ErrorCode { get; }
        /// <summary>EC2's message, or ours.</summary>
        public string Message { get; }
        /// <summary>The ID the failure belongs to (reservation, instance), if any.</summary>
        public string TargetId { get; }
        /// <summary>EC2's request ID, when a response carried one.</summary>
        public string RequestId { get; }
        /// <summary>The HTTP status of EC2's answer; 0 when there was none.</summary>
        public int HttpStatus { get; }

        /// <summary>Returns a copy that belongs to another target.</summary>
        public Ec2Failure WithTarget(string targetId) => new Ec2Failure(Category, ErrorCode, Message, targetId, RequestId, HttpStatus);

        /// <summary>The text a user reads: EC2's message, its code and its request ID.</summary>
        public override string ToString()
        {
            var text = new StringBuilder(Message.TrimEnd());
            if (!string.IsNullOrEmpty(RequestId) || HttpStatus != 0)
            {
                text.Append(" (EC2 error ").Append(ErrorCode);
                if (!string.IsNullOrEmpty(RequestId)) text.Append(", request ID ").Append(RequestId);
                text.Append(')');
            }
            return text.ToString();
        }
    }
}
