namespace Ec2Capacity
{
    /// <summary>
    /// What kind of failure an EC2 call or an input check ended in. Member names equal PowerShell's
    /// <c>ErrorCategory</c> names, so the cmdlets map one onto the other by name.
    /// </summary>
    internal enum FailureCategory
    {
        NotSpecified,
        ObjectNotFound,
        InvalidArgument,
        PermissionDenied,
        AuthenticationError,
        InvalidOperation,
        LimitsExceeded,
        ResourceUnavailable,
        ConnectionError,
        OperationTimeout,
        OperationStopped,
        InvalidData,
        InvalidResult,
    }
}
