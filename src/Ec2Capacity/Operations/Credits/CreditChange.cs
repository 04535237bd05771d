using System.Globalization;
using System;

namespace Ec2Capacity
{
    /// <summary>One instance's requested CPU credit option.</summary>
    internal sealed class CreditChange
    {
        public CreditChange(string instanceId, string cpuCredits)
        {
            InstanceId = instanceId;
            CpuCredits = cpuCredits;
        }

        /// <summary>The instance (i-…).</summary>
        public string InstanceId { get; }
        /// <summary>standard or unlimited (normalised to lower case once validated).</summary>
        public string CpuCredits { get; }

        /// <summary>
        /// Checks the instance ID and the credit option (case-insensitive, missing → error naming -CpuCredits) and
        /// returns the change with the option in EC2's lower-case spelling. Throws <see cref="InputValidationException"/>.
        /// </summary>
        public static CreditChange Validate(CreditChange change)
        {
            if (change == null) throw new InputValidationException("InstanceId", InputValidator.InstanceIdForm, Messages.ValueNull, ErrorIds.NullId);
            var id = InputValidator.InstanceId(change.InstanceId);
            if (string.IsNullOrWhiteSpace(change.CpuCredits))
            {
                throw new InputValidationException("CpuCredits", Messages.CpuCreditsForm,
                    string.Format(CultureInfo.InvariantCulture, Messages.NoCpuCredits, id), ErrorIds.MissingCpuCredits);
            }
            var credits = InputValidator.CpuCredits(change.CpuCredits);
            return ReferenceEquals(credits, change.CpuCredits) || string.Equals(credits, change.CpuCredits, StringComparison.Ordinal)
                ? change
                : new CreditChange(id, credits);
        }

        public override string ToString() => InstanceId + "=" + CpuCredits;
    }

    /// <summary>Progress of Set-InstanceCreditSpecification after each batch.</summary>
    internal sealed class CreditProgress
    {
        public CreditProgress(int batchNumber, int? batchCount, int instancesDone, int? instancesTotal, int succeeded, int failed)
        {
            BatchNumber = batchNumber;
            BatchCount = batchCount;
            InstancesDone = instancesDone;
            InstancesTotal = instancesTotal;
            Succeeded = succeeded;
            Failed = failed;
        }

        /// <summary>The batch just finished, from 1.</summary>
        public int BatchNumber { get; }
        /// <summary>Batches in all, when known.</summary>
        public int? BatchCount { get; }
        /// <summary>Instances with a result so far.</summary>
        public int InstancesDone { get; }
        /// <summary>Instances in all, when known.</summary>
        public int? InstancesTotal { get; }
        /// <summary>Instances changed so far.</summary>
        public int Succeeded { get; }
        /// <summary>Instances failed so far.</summary>
        public int Failed { get; }

        /// <summary>0–100 when the total is known, else -1 (Write-Progress's "unknown").</summary>
        public int PercentComplete => InstancesTotal.HasValue && InstancesTotal.Value > 0
            ? Math.Min(100, InstancesDone * 100 / InstancesTotal.Value)
            : -1;

        /// <summary>One line for Write-Progress's status text.</summary>
        public string Describe()
        {
            var batches = BatchCount.HasValue ? $"Batch {BatchNumber} of {BatchCount}" : $"Batch {BatchNumber}";
            var total = InstancesTotal.HasValue ? $" of {InstancesTotal}" : string.Empty;
            return $"{batches}: {InstancesDone}{total} instances done ({Succeeded} changed, {Failed} failed)";
        }
    }
}
