using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.EC2.Model;

namespace Ec2Capacity
{
    /// <summary>What -WhatIf predicts from the state, beside EC2's DryRun (which checks permissions and parameters only).</summary>
    internal sealed class PlanVerdict
    {
        private PlanVerdict(bool fails, string text)
        {
            Fails = fails;
            Text = text;
        }

        /// <summary>The change would fail for real: -WhatIf writes an error, so -WhatIf -ErrorAction Stop stops.</summary>
        public bool Fails { get; }

        /// <summary>"Plan: …", for the verdict line.</summary>
        public string Text { get; }

        public static PlanVerdict WouldFail(string reason) => new PlanVerdict(true, "Plan: would fail — " + reason + ".");
        public static PlanVerdict Would(string what) => new PlanVerdict(false, "Plan: " + what + ".");
        public static PlanVerdict NotChecked(string why) => new PlanVerdict(false, "Plan: not checked — " + why + ".");
    }

    /// <summary>
    /// Reads the target's usage once (GetCapacityReservationUsage, one of our five actions) and predicts what its state
    /// decides. What the usage answer does not show (an end date, a commitment, a Capacity Block) is named as not
    /// checked, never implied. A failed read is "not checked", never a failing plan.
    /// </summary>
    internal static class PlanPrediction
    {
        private const string NotInUsage = "an end date, a commitment or a Capacity Block are not in the usage answer and are not checked";

        public static async Task<PlanVerdict> ForCreateAsync(IAmazonEC2 client, CreateAllocationRequest request, CancellationToken cancellationToken)
        {
            var id = request.CapacityReservationId;
            var usage = await ReadAsync(client, id, cancellationToken).ConfigureAwait(false);
            if (usage.Failure != null) return usage.Failure;
            var u = usage.Response;
            var state = u.State?.Value;
            if (state != "active") return PlanVerdict.WouldFail($"{id} is {state ?? "in an unknown state"}, not active");
            if (u.Interruptible == true) return PlanVerdict.WouldFail($"{id} is itself an interruptible reservation; lend from its source");
            var allocation = u.InterruptibleCapacityAllocation;
            if (allocation != null && allocation.Status?.Value != "canceled" && allocation.Status?.Value != "failed")
            {
                return PlanVerdict.WouldFail($"{id} already lends {Count(allocation.InstanceCount)} instance(s) ({allocation.Status?.Value}); change it with Update-InterruptibleCapacityAllocation");
            }
            int available = u.AvailableInstanceCount ?? 0;
            if (request.InstanceCount > available)
            {
                return PlanVerdict.WouldFail($"{id} has only {available} of {u.TotalInstanceCount ?? 0} instances available");
            }
            return PlanVerdict.Would($"lends {request.InstanceCount} of {available} available instances; {NotInUsage}");
        }

        public static async Task<PlanVerdict> ForUpdateAsync(IAmazonEC2 client, UpdateAllocationRequest request, CancellationToken cancellationToken)
        {
            var id = request.CapacityReservationId;
            var usage = await ReadAsync(client, id, cancellationToken).ConfigureAwait(false);
            if (usage.Failure != null) return usage.Failure;
            var u = usage.Response;
            if (u.Interruptible == true)
            {
                var source = u.InterruptionInfo?.SourceCapacityReservationId;
                return PlanVerdict.WouldFail($"{id} is the interruptible reservation; update its source{(source != null ? " " + source : string.Empty)}");
            }
            var state = u.State?.Value;
            if (state != "active") return PlanVerdict.WouldFail($"{id} is {state ?? "in an unknown state"}, not active");
            var a = u.InterruptibleCapacityAllocation;
            if (a == null || a.Status?.Value == "canceled") return PlanVerdict.WouldFail($"{id} lends nothing (no interruptible allocation)");

            var preference = request.ZeroSizePreference;
            bool preferenceChanges = preference != null && preference != a.ZeroSizePreference?.Value;
            if (!request.TargetInstanceCount.HasValue)
            {
                return preferenceChanges
                    ? PlanVerdict.Would($"changes only the zero-size preference to {preference}")
                    : PlanVerdict.Would($"nothing to do — the zero-size preference is already {preference}");
            }
            int target = request.TargetInstanceCount.Value;
            int lent = a.InstanceCount ?? 0;
            if (target == (a.TargetInstanceCount ?? lent) && !preferenceChanges)
            {
                return PlanVerdict.Would($"nothing to do — the target is already {target}");
            }
            if (target < lent)
            {
                var running = await RunningInAsync(client, a.InterruptibleCapacityReservationId, cancellationToken).ConfigureAwait(false);
                var notice = running.HasValue ? $" ({Math.Min(running.Value, lent - target)} or fewer of {running.Value} running get a two-minute notice)" : string.Empty;
                return PlanVerdict.Would($"reclaims {lent - target} of {lent} lent instances{notice}");
            }
            int more = target - lent;
            int available = u.AvailableInstanceCount ?? 0;
            if (more > available) return PlanVerdict.WouldFail($"raising to {target} needs {more} more instances but {id} has only {available} available");
            return more == 0
                ? PlanVerdict.Would($"keeps {lent} lent instances")
                : PlanVerdict.Would($"lends {more} more of {available} available instances");
        }

        public static async Task<PlanVerdict> ForCancelAsync(IAmazonEC2 client, CancelReservationRequest request, CancellationToken cancellationToken)
        {
            var id = request.CapacityReservationId;
            var usage = await ReadAsync(client, id, cancellationToken).ConfigureAwait(false);
            if (usage.Failure != null) return usage.Failure;
            var u = usage.Response;
            if (u.Interruptible == true)
            {
                var source = u.InterruptionInfo?.SourceCapacityReservationId;
                return PlanVerdict.WouldFail($"{id} is an interruptible reservation, which only its source can give back; "
                    + $"reclaim it with Update-InterruptibleCapacityAllocation{(source != null ? " " + source : string.Empty)} -TargetInstanceCount 0");
            }
            var state = u.State?.Value;
            switch (state)
            {
                case "cancelled":
                case "cancelling":
                case "expired":
                case "failed":
                case "unsupported":
                    return PlanVerdict.WouldFail($"{id} is {state}");
            }
            int used = (u.TotalInstanceCount ?? 0) - (u.AvailableInstanceCount ?? 0);
            return PlanVerdict.Would($"cancels {id} ({state}, {used} of {u.TotalInstanceCount ?? 0} instances in use, which keep running); "
                + "whether it needs a cancellation quote (a commitment, a Capacity Block) is not in the usage answer and is not checked");
        }

        private static async Task<(GetCapacityReservationUsageResponse Response, PlanVerdict Failure)> ReadAsync(IAmazonEC2 client, string id, CancellationToken cancellationToken)
        {
            var read = await CapacityCalls.TryReadUsageAsync(client, id, cancellationToken).ConfigureAwait(false);
            return read.Failure == null ? (read.Usage, null) : (null, PlanVerdict.NotChecked($"reading the usage of {id} failed ({read.Failure.ErrorCode})"));
        }

        /// <summary>Instances running in the interruptible reservation (its own usage), or null when it cannot be read.</summary>
        private static async Task<int?> RunningInAsync(IAmazonEC2 client, string interruptibleId, CancellationToken cancellationToken)
        {
            if (string.IsNullOrEmpty(interruptibleId)) return null;
            var usage = await ReadAsync(client, interruptibleId, cancellationToken).ConfigureAwait(false);
            if (usage.Response == null) return null;
            return (usage.Response.TotalInstanceCount ?? 0) - (usage.Response.AvailableInstanceCount ?? 0);
        }

        private static string Count(int? value) => (value ?? 0).ToString(CultureInfo.InvariantCulture);
    }
}
