namespace Ec2Capacity
{
    /// <summary>Usage of one Capacity Reservation, every page of its account list merged into one object.</summary>
    public sealed class CapacityReservationUsage : Ec2CapacityOutput
    {
        /// <summary>The reservation's ID (cr-…).</summary>
        public string CapacityReservationId { get; set; }
        /// <summary>The instance type the reservation holds.</summary>
        public string InstanceType { get; set; }
        /// <summary>Instances the reservation holds in all.</summary>
        public int TotalInstanceCount { get; set; }
        /// <summary>Instances that can still be launched into it.</summary>
        public int AvailableInstanceCount { get; set; }
        /// <summary>Sum of <see cref="InstanceUsages"/>: instances in use across all accounts.</summary>
        public int UsedInstanceCount { get; set; }
        /// <summary>The reservation's state (active, cancelled, …).</summary>
        public string State { get; set; }
        /// <summary>One entry per account that uses the reservation.</summary>
        public InstanceUsage[] InstanceUsages { get; set; } = System.Array.Empty<InstanceUsage>();
        /// <summary>True when this reservation is itself an interruptible reservation lent from a source.</summary>
        public bool Interruptible { get; set; }
        /// <summary>On a source reservation: the capacity it lends out, if any.</summary>
        public InterruptibleAllocationInfo InterruptibleCapacityAllocation { get; set; }
        /// <summary>On an interruptible reservation: where its capacity comes from.</summary>
        public InterruptionInfo InterruptionInfo { get; set; }
        /// <summary>The AWS region the reservation lives in; binds -Region further down a pipeline.</summary>
        public string Region { get; set; }
    }

    /// <summary>Instances one account uses in a reservation.</summary>
    public sealed class InstanceUsage
    {
        /// <summary>The AWS account ID.</summary>
        public string AccountId { get; set; }
        /// <summary>Instances that account runs in the reservation.</summary>
        public int UsedInstanceCount { get; set; }

        /// <summary>"123456789012: 3 used", for Format-List * and string expansion.</summary>
        public override string ToString() => $"{AccountId}: {UsedInstanceCount} used";
    }

    /// <summary>The interruptible allocation a source reservation lends out, as GetCapacityReservationUsage reports it.</summary>
    public sealed class InterruptibleAllocationInfo
    {
        /// <summary>Instances currently lent.</summary>
        public int InstanceCount { get; set; }
        /// <summary>Instances requested to be lent.</summary>
        public int TargetInstanceCount { get; set; }
        /// <summary>pending, active, updating, canceling, canceled or failed.</summary>
        public string Status { get; set; }
        /// <summary>The ID of the interruptible reservation holding the lent capacity.</summary>
        public string InterruptibleCapacityReservationId { get; set; }
        /// <summary>How lent instances are interrupted (adhoc).</summary>
        public string InterruptionType { get; set; }
        /// <summary>default (cancel at 0) or retain (keep at size 0).</summary>
        public string ZeroSizePreference { get; set; }

        /// <summary>"lends 4/4 (active) to cr-…": lent/target, short enough for Format-List * at 80 columns.</summary>
        public override string ToString() =>
            $"lends {InstanceCount}/{TargetInstanceCount} ({Status}) to {InterruptibleCapacityReservationId}";
    }

    /// <summary>On an interruptible reservation: the source it was lent from.</summary>
    public sealed class InterruptionInfo
    {
        /// <summary>The source reservation's ID.</summary>
        public string SourceCapacityReservationId { get; set; }
        /// <summary>How instances are interrupted (adhoc).</summary>
        public string InterruptionType { get; set; }

        /// <summary>"lent from cr-… (adhoc)", for Format-List * and string expansion.</summary>
        public override string ToString() => $"lent from {SourceCapacityReservationId} ({InterruptionType})";
    }
}
