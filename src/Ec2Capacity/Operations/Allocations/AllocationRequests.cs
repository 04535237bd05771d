using System.Collections;

namespace Ec2Capacity
{
    /// <summary>What New-InterruptibleCapacityAllocation asks for: lend instances of a source reservation.</summary>
    internal sealed class CreateAllocationRequest
    {
        /// <summary>The source reservation (cr-…) that lends its unused capacity.</summary>
        public string CapacityReservationId { get; set; }
        /// <summary>Instances to lend, 1 to 1000.</summary>
        public int InstanceCount { get; set; }
        /// <summary>Tags for the new interruptible reservation (a PowerShell hashtable or any dictionary); null or empty for none.</summary>
        public IDictionary Tags { get; set; }
        /// <summary>default or retain (case-insensitive); null leaves EC2's default.</summary>
        public string ZeroSizePreference { get; set; }
        /// <summary>Idempotency token (1–64 printable ASCII characters); null makes the service generate one.</summary>
        public string ClientToken { get; set; }
    }

    /// <summary>What Update-InterruptibleCapacityAllocation asks for: a new target, a new zero-size preference, or both.</summary>
    internal sealed class UpdateAllocationRequest
    {
        /// <summary>The <b>source</b> reservation (cr-…), not the interruptible one.</summary>
        public string CapacityReservationId { get; set; }
        /// <summary>Instances that should stay lent, 0 to 1000; null leaves the target alone.</summary>
        public int? TargetInstanceCount { get; set; }
        /// <summary>default or retain (case-insensitive); null leaves it alone.</summary>
        public string ZeroSizePreference { get; set; }
    }
}
