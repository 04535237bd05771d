namespace Ec2Capacity
{
    /// <summary>
    /// The ErrorIds of the module's own errors (EC2's errors keep EC2's codes; connection failures are
    /// <see cref="ConnectionErrorIds"/>). Their messages are in Messages.resx.
    /// </summary>
    internal static class ErrorIds
    {
        public const string InvalidParameterValue = "InvalidParameterValue";
        public const string NullId = "NullId";
        public const string EmptyId = "EmptyId";
        public const string MalformedId = "MalformedId";
        public const string ValueOutOfRange = "ValueOutOfRange";
        public const string NothingToUpdate = "NothingToUpdate";
        public const string MissingCpuCredits = "MissingCpuCredits";
        public const string ConflictingCpuCredits = "ConflictingCpuCredits";
        public const string TooManyItems = "TooManyItems";
        public const string ValueNotTakenFromOwnOutput = "ValueNotTakenFromOwnOutput";
        public const string AwsSdkCoreConflict = "AwsSdkCoreConflict";
        public const string CancelNotConfirmed = "CancelNotConfirmed";
        public const string StateMissing = "StateMissing";
        public const string AllocationFailed = "AllocationFailed";
        public const string NextTokenLoop = "NextTokenLoop";
        public const string TooManyPages = "TooManyPages";
        public const string MissingFromAnswer = "MissingFromAnswer";
        public const string DryRunIgnored = "DryRunIgnored";
        public const string OperationStopped = "OperationStopped";
        public const string RequestTimeout = "RequestTimeout";
        public const string ConnectionFailed = "ConnectionFailed";
        public const string WaitTimeout = "WaitTimeout";
        public const string PlanWouldFail = "PlanWouldFail";
    }
}
