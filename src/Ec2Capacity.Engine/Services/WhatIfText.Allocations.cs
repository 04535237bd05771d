using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Ec2Capacity.Engine
{
    public static partial class WhatIfText
    {
        /// <summary>ShouldProcess action of New-InterruptibleCapacityAllocation (the target is the source ID): "Lend 4 instances of cr-… as an interruptible allocation".</summary>
        public static string NewAllocationAction(CreateAllocationRequest request)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            return $"Lend {Instances(request.InstanceCount)} of {request.CapacityReservationId} as an interruptible allocation";
        }

        /// <summary>The "What if:" text of New-InterruptibleCapacityAllocation: the action, its details, and EC2's DryRun verdict.</summary>
        public static string NewAllocation(CreateAllocationRequest request, DryRunVerdict verdict)
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
            return WithVerdict(text.ToString(), verdict);
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

        /// <summary>The "What if:" text of Update-InterruptibleCapacityAllocation: the action and EC2's DryRun verdict.</summary>
        public static string UpdateAllocation(UpdateAllocationRequest request, DryRunVerdict verdict, AllocationChangePlan plan = null) =>
            WithVerdict(UpdateAllocationAction(request, plan), verdict);

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

        internal static string WithVerdict(string action, DryRunVerdict verdict) =>
            verdict == null ? action : action + ". " + verdict.Describe();
    }

    /// <summary>The confirmation prompts (ShouldProcess query and caption) of the high-impact cmdlets.</summary>
    public static partial class ConfirmationText
    {
        /// <summary>Caption of Update-InterruptibleCapacityAllocation's prompt.</summary>
        public const string UpdateAllocationCaption = "Change an interruptible allocation";

        /// <summary>
        /// The question Update-InterruptibleCapacityAllocation asks (ConfirmImpact High): how many instances will be
        /// reclaimed and that running instances get a two-minute notice, or that capacity is added, or that only the
        /// zero-size preference changes.
        /// </summary>
        public static string UpdateAllocation(UpdateAllocationRequest request, AllocationChangePlan plan = null)
        {
            var action = WhatIfText.UpdateAllocationAction(request, plan);
            var unknown = plan != null && plan.Kind == AllocationChangeKind.Unknown && plan.ReadFailure != null
                ? $" (The current allocation could not be read: {plan.ReadFailure.ErrorCode}.)"
                : string.Empty;
            return action + "." + unknown + " Continue?";
        }
    }
}
