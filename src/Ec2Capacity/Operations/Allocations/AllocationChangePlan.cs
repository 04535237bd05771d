namespace Ec2Capacity
{
    /// <summary>What an update will do, judged from one usage read of the source before it is sent.</summary>
    internal enum AllocationChangeKind
    {
        /// <summary>The current allocation could not be read; the texts fall back to the requested values.</summary>
        Unknown,
        /// <summary>The target is lower than the instances lent now: capacity is taken back and running instances interrupted.</summary>
        Reclaim,
        /// <summary>The target is higher: more capacity is lent (needs unused capacity in the source).</summary>
        Raise,
        /// <summary>Only the zero-size preference changes.</summary>
        PreferenceOnly,
        /// <summary>The request repeats the current values.</summary>
        NoChange,
        /// <summary>The source has no allocation to update (EC2 will refuse the update).</summary>
        NoAllocation,
    }

    /// <summary>The outcome of <see cref="InterruptibleAllocationService.DescribeReclaimAsync"/>: the basis of the confirmation prompt.</summary>
    internal sealed class AllocationChangePlan
    {
        /// <summary>The source reservation.</summary>
        public string SourceCapacityReservationId { get; set; }
        /// <summary>The interruptible reservation, when the source reports one.</summary>
        public string InterruptibleCapacityReservationId { get; set; }
        public AllocationChangeKind Kind { get; set; }
        /// <summary>Instances lent now (null when unknown).</summary>
        public int? CurrentInstanceCount { get; set; }
        /// <summary>The current target (null when unknown).</summary>
        public int? CurrentTargetInstanceCount { get; set; }
        /// <summary>The current status (null when unknown).</summary>
        public string CurrentStatus { get; set; }
        /// <summary>The current zero-size preference (null when unknown).</summary>
        public string CurrentZeroSizePreference { get; set; }
        /// <summary>The target asked for (null: unchanged).</summary>
        public int? RequestedTargetInstanceCount { get; set; }
        /// <summary>The preference asked for, normalised (null: unchanged).</summary>
        public string RequestedZeroSizePreference { get; set; }
        /// <summary>Instances that will be taken back from the interruptible reservation (0 unless <see cref="Kind"/> is Reclaim).</summary>
        public int InstancesReclaimed { get; set; }
        /// <summary>Instances that will be lent in addition (0 unless <see cref="Kind"/> is Raise).</summary>
        public int InstancesAdded { get; set; }
        /// <summary>Why the read failed, when <see cref="Kind"/> is Unknown.</summary>
        public Ec2Failure ReadFailure { get; set; }

        /// <summary>The preference that will apply once the update is done.</summary>
        public string EffectiveZeroSizePreference => RequestedZeroSizePreference ?? CurrentZeroSizePreference;
    }
}
