using System;

namespace Ec2Capacity.Engine
{
    public static partial class WhatIfText
    {
        /// <summary>ShouldProcess action of Set-InstanceCreditSpecification, one per instance (the target is the instance ID).</summary>
        public static string SetCreditAction(CreditChange change)
        {
            if (change == null) throw new ArgumentNullException(nameof(change));
            return $"Set the CPU credit option of {change.InstanceId} to {(change.CpuCredits ?? string.Empty).ToLowerInvariant()}";
        }

        /// <summary>The "What if:" text for one instance, with the DryRun verdict of the batch it belongs to.</summary>
        public static string SetCredit(CreditChange change, DryRunVerdict batchVerdict, int batchSize = 1)
        {
            var text = SetCreditAction(change);
            if (batchVerdict != null && batchSize > 1) text += $" (checked in a batch of {batchSize})";
            return WithVerdict(text, batchVerdict);
        }
    }
}
