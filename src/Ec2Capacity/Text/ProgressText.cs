namespace Ec2Capacity
{
    /// <summary>The Write-Progress activity titles of the cmdlets (the status lines come from the progress objects' Describe()).</summary>
    internal static class ProgressText
    {
        /// <summary>Said before -Wait starts: the change is made, so a stopped wait (Ctrl+C) never hides it.</summary>
        public static string ChangeSent(InterruptibleCapacityAllocation allocation) =>
            Changed(allocation, withInterruptible: true) + " Waiting for it to settle; stopping the wait does not undo the change.";

        /// <summary>Told when an earlier item's error is written while this change's object waits its turn.</summary>
        public static string ChangeMade(InterruptibleCapacityAllocation allocation) => Changed(allocation, withInterruptible: false);

        private static string Changed(InterruptibleCapacityAllocation allocation, bool withInterruptible)
        {
            var target = allocation.TargetInstanceCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?";
            var interruptible = !withInterruptible || string.IsNullOrEmpty(allocation.InterruptibleCapacityReservationId)
                ? string.Empty
                : $" (interruptible reservation {allocation.InterruptibleCapacityReservationId})";
            return $"Change sent: the interruptible allocation of {allocation.SourceCapacityReservationId}{interruptible} is {allocation.Status ?? "unknown"}, target {target} instances.";
        }

        /// <summary>Told when an earlier item's error is written while this cancel's object waits its turn.</summary>
        public static string CancelMade(string capacityReservationId) => $"Change sent: Capacity Reservation {capacityReservationId} is cancelled.";

        /// <summary>Told when an earlier batch's error is written while this batch's results wait their turn.</summary>
        public static string CreditBatchMade(int batchNumber, int changed, int instances) =>
            $"Change sent: batch {batchNumber} set the CPU credit option of {changed} of {instances} instances.";

        /// <summary>Activity of the line above every allocation a -Wait pipeline waits for.</summary>
        public const string WaitAllActivity = "Waiting for allocations";

        /// <summary>Status of that line.</summary>
        public static string WaitAllStatus(int settled, int started) => $"{settled} of {started} settled";

        /// <summary>
        /// Activity of New-/Update-InterruptibleCapacityAllocation -Wait: short, because PowerShell's minimal progress view
        /// shows "Activity [Status]" on one line and cuts what does not fit.
        /// </summary>
        public static string WaitActivity(string sourceCapacityReservationId) =>
            $"Allocation {sourceCapacityReservationId}";

        /// <summary>Status of a finished (Completed) progress record.</summary>
        public const string Completed = "Completed";

        /// <summary>Activity of Set-InstanceCreditSpecification while its batches run.</summary>
        public const string CreditActivity = "Setting CPU credit options";

        /// <summary>Status of Set-InstanceCreditSpecification while a batch is being sent.</summary>
        public static string CreditBatchSending(int batchNumber, int instances) =>
            $"Batch {batchNumber}: sending {instances} instance{(instances == 1 ? string.Empty : "s")}";
    }
}
