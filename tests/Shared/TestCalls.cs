using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Ec2Capacity
{
    /// <summary>
    /// Conveniences for the xunit suites, built only from what the cmdlets use: a whole credit run the way
    /// Set-InstanceCreditSpecification makes one (a CreditBatcher across the input, one ApplyBatchAsync per batch,
    /// batch tokens from one base token), and a wait on a source without the object a Create or Update returned.
    /// </summary>
    internal static class TestCalls
    {
        public static Task<InterruptibleCapacityAllocation> WaitAsync(this InterruptibleAllocationService service, string sourceId, TimeSpan timeout,
            Action<AllocationProgress> progress, CancellationToken cancellationToken = default) =>
            service.WaitAsync(new InterruptibleCapacityAllocation { SourceCapacityReservationId = sourceId }, timeout, progress, cancellationToken);

        /// <summary>
        /// Validates every change first (any bad item or conflicting duplicate: <see cref="InputValidationException"/>,
        /// nothing sent; at most 10,000 items), drops duplicates, then sends ceil(distinct / batchSize) requests in
        /// order, reporting progress after each batch. Returns one result per distinct instance.
        /// </summary>
        public static async Task<IReadOnlyList<InstanceCreditSpecificationResult>> ApplyAsync(this CreditSpecificationService service, IEnumerable<CreditChange> changes, int batchSize, string clientToken,
            Action<CreditProgress> progress, CancellationToken cancellationToken = default)
        {
            if (changes == null) throw new InputValidationException("InstanceId", InputValidator.InstanceIdForm, "No value was given.", "NullId");
            var batcher = new CreditBatcher(batchSize);
            var baseToken = clientToken != null ? InputValidator.ClientToken(clientToken) : Guid.NewGuid().ToString();
            var batches = new List<IReadOnlyList<CreditChange>>();
            int count = 0;
            foreach (var change in changes)
            {
                if (++count > InputValidator.MaxItemsPerCall)
                {
                    throw new InputValidationException("InstanceId", $"at most {InputValidator.MaxItemsPerCall} instances in one call, each {InputValidator.InstanceIdForm}",
                        $"More than {InputValidator.MaxItemsPerCall} instances were given.", "TooManyIds");
                }
                var full = batcher.Add(change);
                if (full != null) batches.Add(full);
            }
            var rest = batcher.Flush();
            if (rest.Count > 0) batches.Add(rest);

            int total = batcher.Accepted, done = 0, succeeded = 0, failedCount = 0;
            var results = new List<InstanceCreditSpecificationResult>(total);
            for (int i = 0; i < batches.Count; i++)
            {
                var batchResults = await service.ApplyBatchAsync(batches[i], CreditSpecificationService.BatchToken(baseToken, i + 1), cancellationToken).ConfigureAwait(false);
                foreach (var r in batchResults)
                {
                    if (r.Succeeded == true) succeeded++; else failedCount++;
                }
                done += batchResults.Count;
                results.AddRange(batchResults);
                progress?.Invoke(new CreditProgress(i + 1, batches.Count, done, total, succeeded, failedCount));
            }
            return results;
        }
    }
}
