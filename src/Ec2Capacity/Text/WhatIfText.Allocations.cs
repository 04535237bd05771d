using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Ec2Capacity
{
    internal static partial class WhatIfText
    {
        /// <summary>ShouldProcess action of New-InterruptibleCapacityAllocation (the target is the source ID): "Lend 4 instances of cr-… as an interruptible allocation".</summary>
        public static string NewAllocationAction(CreateAllocationRequest request)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            return $"Lend {Instances(request.InstanceCount)} of {request.CapacityReservationId} as an interruptible allocation";
        }

        /// <summary>What New-InterruptibleCapacityAllocation does, with its details: the "What if:" line and the -Confirm prompt.</summary>
        public static string NewAllocation(CreateAllocationRequest request)
        {
            var text = new StringBuilder(NewAllocationAction(request));
            var details = new List<string>();
            if (!string.IsNullOrEmpty(request.ZeroSizePreference)) details.Add("zero-size preference " + request.ZeroSizePreference.ToLowerInvariant());
            if (request.Tags != null && request.Tags.Count > 0)
            {
                var tags = new List<string>();
                foreach (System.Collections.DictionaryEntry tag in request.Tags) tags.Add(tag.Key + "=" + tag.Value);
                tags.Sort(StringComparer.Ordinal);
                details.Add("tags " + string.Join(", ", tags));
            }
            if (details.Count > 0) text.Append(" (").Append(string.Join("; ", details)).Append(')');
            return text.ToString();
        }

        /// <summary>
        /// ShouldProcess action of Update-InterruptibleCapacityAllocation (the target is the source ID). With a
        /// <paramref name="plan"/> from <see cref="InterruptibleAllocationService.DescribeReclaimAsync"/> it says how
        /// many instances are reclaimed or added; without one (under -WhatIf nothing is read) it names the new values.
        /// </summary>
        public static string UpdateAllocationAction(UpdateAllocationRequest request, AllocationChangePlan plan = null)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            var id = request.CapacityReservationId;
            var preference = string.IsNullOrEmpty(request.ZeroSizePreference) ? null : request.ZeroSizePreference.ToLowerInvariant();
            var kind = plan?.Kind ?? AllocationChangeKind.Unknown;
            string text;
            switch (kind)
            {
                case AllocationChangeKind.Reclaim:
                    text = $"Reclaim {Instances(plan.InstancesReclaimed)} from the interruptible allocation of {id} ({plan.CurrentInstanceCount} lent, new target {request.TargetInstanceCount}); running instances in it get a two-minute interruption notice and are terminated";
                    if (request.TargetInstanceCount == 0) text += ZeroText(plan.EffectiveZeroSizePreference);
                    break;
                case AllocationChangeKind.Raise:
                    text = $"Lend {plan.InstancesAdded.ToString(CultureInfo.InvariantCulture)} more {(plan.InstancesAdded == 1 ? "instance" : "instances")} of {id} to its interruptible allocation ({plan.CurrentInstanceCount} lent, new target {request.TargetInstanceCount})";
                    break;
                case AllocationChangeKind.PreferenceOnly:
                    text = $"Change only the zero-size preference of the interruptible allocation of {id} to {preference} (no instances are reclaimed)";
                    break;
                case AllocationChangeKind.NoChange:
                    text = $"Set the interruptible allocation of {id} to the values it already has (target {plan.CurrentTargetInstanceCount}{(preference != null ? ", zero-size preference " + preference : string.Empty)}); nothing is reclaimed";
                    break;
                case AllocationChangeKind.NoAllocation:
                    text = $"Update the interruptible allocation of {id}, which has none (EC2 will refuse it)";
                    break;
                default:
                    if (request.TargetInstanceCount.HasValue)
                    {
                        text = $"Set the interruptible allocation of {id} to {Instances(request.TargetInstanceCount.Value)}; instances above that are reclaimed and running ones get a two-minute interruption notice, or capacity is added when the target is higher";
                        if (request.TargetInstanceCount == 0) text = $"Reclaim every instance of the interruptible allocation of {id}; running instances in it get a two-minute interruption notice and are terminated" + ZeroText(preference);
                    }
                    else
                    {
                        text = $"Change only the zero-size preference of the interruptible allocation of {id} to {preference} (no instances are reclaimed)";
                    }
                    break;
            }
            if (preference != null && kind != AllocationChangeKind.PreferenceOnly && request.TargetInstanceCount.HasValue && request.TargetInstanceCount != 0)
            {
                text += $"; zero-size preference {preference}";
            }
            return text;
        }

        private static string ZeroText(string preference)
        {
            switch (preference)
            {
                case "retain": return "; the interruptible reservation stays active at size 0 (retain)";
                case "default": return "; the interruptible reservation is cancelled and its capacity returns to the source (default)";
                default: return "; at 0 the interruptible reservation is cancelled unless its zero-size preference is retain";
            }
        }

        internal static string Instances(int count) =>
            count.ToString(CultureInfo.InvariantCulture) + (count == 1 ? " instance" : " instances");

        /// <summary>The second "What if:" line: EC2's DryRun verdict on the request about <paramref name="targetId"/>.</summary>
        internal static string Verdict(string targetId, DryRunVerdict verdict) => targetId + ": " + verdict.Describe();
    }

    /// <summary>The confirmation prompts (ShouldProcess query and caption) of the high-impact cmdlets.</summary>
    internal static partial class ConfirmationText
    {
        /// <summary>Caption of Update-InterruptibleCapacityAllocation's prompts.</summary>
        public const string UpdateAllocationCaption = "Change an interruptible allocation";

        /// <summary>Caption of the second question before a reclaim.</summary>
        public const string ReclaimCaption = "Reclaim lent instances";

        /// <summary>The -Confirm prompt of Update-InterruptibleCapacityAllocation, before anything is read.</summary>
        public static string UpdateAllocation(UpdateAllocationRequest request) => WhatIfText.UpdateAllocationAction(request) + ". Continue?";

        /// <summary>
        /// The second question before a reclaim (ShouldContinue), from the current allocation: how many instances are
        /// reclaimed and that running ones get a two-minute notice. Null when the change reclaims nothing (a raise, a
        /// preference, no change, no allocation), so nothing is asked; when the read failed, the question says so.
        /// </summary>
        public static string Reclaim(UpdateAllocationRequest request, AllocationChangePlan plan)
        {
            switch (plan.Kind)
            {
                case AllocationChangeKind.Reclaim:
                    return WhatIfText.UpdateAllocationAction(request, plan) + ". Continue?";
                case AllocationChangeKind.Unknown:
                    var unread = plan.ReadFailure != null ? $" (The current allocation could not be read: {plan.ReadFailure.ErrorCode}.)" : string.Empty;
                    return WhatIfText.UpdateAllocationAction(request, plan) + "." + unread + " Continue?";
                default:
                    return null;
            }
        }
    }
}
