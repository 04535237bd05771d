using System;

namespace Ec2Capacity
{
    internal static partial class WhatIfText
    {
        /// <summary>ShouldProcess action of Set-InstanceCreditSpecification, one per instance (the target is the instance ID).</summary>
        public static string SetCreditAction(CreditChange change)
        {
            if (change == null) throw new ArgumentNullException(nameof(change));
            return $"Set the CPU credit option of {change.InstanceId} to {(change.CpuCredits ?? string.Empty).ToLowerInvariant()}";
        }

        /// <summary>The verdict line of one DryRun batch: the instances it checked and EC2's verdict.</summary>
        public static string BatchVerdict(System.Collections.Generic.IReadOnlyList<CreditChange> batch, DryRunVerdict verdict)
        {
            var ids = new string[batch.Count];
            for (int i = 0; i < ids.Length; i++) ids[i] = batch[i].InstanceId;
            var subject = batch.Count == 1 ? ids[0] : $"{batch.Count} instances in one request ({string.Join(", ", ids)})";
            return subject + ": " + verdict.Describe();
        }
    }
}
