using System;

namespace Ec2Capacity
{
    /// <summary>One poll of <see cref="InterruptibleAllocationService.WaitAsync"/>: what the source's usage said.</summary>
    internal sealed class AllocationProgress
    {
        public AllocationProgress(string sourceCapacityReservationId, string status, int? instanceCount, int? targetInstanceCount,
            TimeSpan elapsed, TimeSpan timeout, int poll)
        {
            SourceCapacityReservationId = sourceCapacityReservationId;
            Status = status;
            InstanceCount = instanceCount;
            TargetInstanceCount = targetInstanceCount;
            Elapsed = elapsed;
            Timeout = timeout;
            Poll = poll;
        }

        /// <summary>The source reservation being watched.</summary>
        public string SourceCapacityReservationId { get; }
        /// <summary>The allocation's status at this poll (pending, updating, …); null when EC2 showed no allocation or the read failed.</summary>
        public string Status { get; }
        /// <summary>Instances lent at this poll.</summary>
        public int? InstanceCount { get; }
        /// <summary>Instances requested to be lent.</summary>
        public int? TargetInstanceCount { get; }
        /// <summary>Time since the wait began.</summary>
        public TimeSpan Elapsed { get; }
        /// <summary>The wait's time limit.</summary>
        public TimeSpan Timeout { get; }
        /// <summary>1 for the first poll.</summary>
        public int Poll { get; }

        /// <summary>Share of the time limit used, 0–100, for Write-Progress.</summary>
        public int PercentOfTimeout =>
            Timeout <= TimeSpan.Zero ? 0 : (int)Math.Max(0, Math.Min(100, Elapsed.TotalMilliseconds * 100 / Timeout.TotalMilliseconds));

        /// <summary>One line for Write-Progress's status text, true at each status (what is being lent or reclaimed), then the time.</summary>
        public string Describe() => $"{What()} ({(int)Elapsed.TotalSeconds}/{(int)Timeout.TotalSeconds} s)";

        private string What()
        {
            int? lent = InstanceCount, target = TargetInstanceCount;
            switch (Status)
            {
                case null:
                    return "not reported yet";
                case "pending":
                    return $"pending: lending {Show(target)}";
                case "updating" when lent.HasValue && target.HasValue && lent > target:
                    return $"updating: reclaiming {lent - target} of {lent} lent";
                case "updating" when lent.HasValue && target.HasValue && lent < target:
                    return $"updating: lending {target - lent} more, target {target}";
                case "updating":
                    return $"updating: target {Show(target)}";
                case "canceling":
                    return $"canceling: taking back all {Show(lent)}";
                case "active":
                    return $"active: {Show(lent)} lent";
                case "canceled":
                    return "canceled: nothing lent";
                default:
                    return Status;
            }
        }

        private static string Show(int? value) => value.HasValue ? value.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";
    }

    /// <summary>How often the waiter polls. The interval grows by half after each poll up to <see cref="MaxPollInterval"/>.</summary>
    internal sealed class AllocationWaitOptions
    {
        /// <summary>Pause before the second poll; 5 seconds by default.</summary>
        public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
        /// <summary>Longest pause between polls; 15 seconds by default.</summary>
        public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(15);

        /// <summary>The defaults (5 s growing to 15 s).</summary>
        public static AllocationWaitOptions Default => new AllocationWaitOptions();
    }
}
