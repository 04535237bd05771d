namespace Ec2Capacity
{
    /// <summary>An interruptible allocation of a source reservation, as New- and Update-InterruptibleCapacityAllocation return it.</summary>
    public sealed class InterruptibleCapacityAllocation : Ec2CapacityOutput
    {
        /// <summary>The source reservation that lends the capacity (binds -CapacityReservationId by its alias).</summary>
        public string SourceCapacityReservationId { get; set; }
        /// <summary>The interruptible reservation's ID, once EC2 reports it (Create does not; -Wait finds it).</summary>
        public string InterruptibleCapacityReservationId { get; set; }
        /// <summary>Instances currently lent, when known.</summary>
        public int? InstanceCount { get; set; }
        /// <summary>Instances requested to be lent.</summary>
        public int? TargetInstanceCount { get; set; }
        /// <summary>pending, active, updating, canceling, canceled or failed.</summary>
        public string Status { get; set; }
        /// <summary>adhoc.</summary>
        public string InterruptionType { get; set; }
        /// <summary>default or retain. After an Update that did not set it, empty unless -Wait read it: EC2's answer to an Update does not carry it.</summary>
        public string ZeroSizePreference { get; set; }
        /// <summary>The idempotency token the create was sent with (empty for updates, which have none).</summary>
        public string ClientToken { get; set; }
        /// <summary>The AWS region.</summary>
        public string Region { get; set; }
    }

    /// <summary>The outcome of cancelling one Capacity Reservation (Stop-CapacityReservation -PassThru).</summary>
    public sealed class CapacityReservationCancellation : Ec2CapacityOutput
    {
        /// <summary>The reservation's ID.</summary>
        public string CapacityReservationId { get; set; }
        /// <summary>True when EC2 accepted the cancellation.</summary>
        public bool Cancelled { get; set; }
        /// <summary>The AWS region.</summary>
        public string Region { get; set; }
    }

    /// <summary>The outcome of changing one instance's CPU credit option (Set-InstanceCreditSpecification -PassThru).</summary>
    public sealed class InstanceCreditSpecificationResult : Ec2CapacityOutput
    {
        /// <summary>The instance's ID.</summary>
        public string InstanceId { get; set; }
        /// <summary>The credit option requested (standard or unlimited).</summary>
        public string CpuCredits { get; set; }
        /// <summary>True when EC2 applied the option to this instance, false when it did not, empty when its answer was lost (OutcomeUnknown).</summary>
        public bool? Succeeded { get; set; }
        /// <summary>EC2's error code for this instance when it failed.</summary>
        public string ErrorCode { get; set; }
        /// <summary>EC2's message for this instance when it failed.</summary>
        public string ErrorMessage { get; set; }
        /// <summary>The AWS region.</summary>
        public string Region { get; set; }
    }
}
