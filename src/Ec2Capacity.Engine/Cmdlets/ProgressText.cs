namespace Ec2Capacity.Engine
{
    /// <summary>The Write-Progress activity titles of the cmdlets (the status lines come from the progress objects' Describe()).</summary>
    public static class ProgressText
    {
        /// <summary>Activity of New-/Update-InterruptibleCapacityAllocation -Wait.</summary>
        public static string WaitActivity(string sourceCapacityReservationId) =>
            $"Waiting for the interruptible allocation of {sourceCapacityReservationId} to settle";

        /// <summary>Status of a finished (Completed) progress record.</summary>
        public const string Completed = "Completed";

        /// <summary>Activity of Set-InstanceCreditSpecification while its batches run.</summary>
        public const string CreditActivity = "Setting CPU credit options";

        /// <summary>Status of Set-InstanceCreditSpecification while a batch is being sent.</summary>
        public static string CreditBatchSending(int batchNumber, int instances) =>
            $"Batch {batchNumber}: sending {instances} instance{(instances == 1 ? string.Empty : "s")}";
    }
}
