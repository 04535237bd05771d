using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2.Model;

namespace Ec2Capacity
{
    /// <summary>GetCapacityReservationUsage: every page of one reservation merged into one <see cref="Ec2Capacity.CapacityReservationUsage"/>.</summary>
    internal sealed class CapacityReservationUsageService
    {
        /// <summary>A guard against an endpoint that never stops handing out new tokens.</summary>
        internal const int MaxPages = 10000;

        private readonly Ec2Context _context;

        public CapacityReservationUsageService(Ec2Context context)
        {
            _context = context ?? throw new ArgumentNullException(nameof(context));
        }

        /// <summary>
        /// Reads the usage of one reservation, following NextToken to the end. Bad input throws
        /// <see cref="InputValidationException"/> before any request; anything EC2 or the network does wrong throws
        /// <see cref="Ec2OperationException"/> with the classified failure.
        /// </summary>
        /// <param name="capacityReservationId">The reservation (cr- and 17 lowercase hex characters).</param>
        /// <param name="pageSize">MaxResults per request (1–1000); null lets EC2 choose.</param>
        /// <param name="cancellationToken">Cancels the request in flight (Ctrl+C).</param>
        public async Task<Ec2Capacity.CapacityReservationUsage> GetAsync(string capacityReservationId, int? pageSize, CancellationToken cancellationToken)
        {
            InputValidator.CapacityReservationId(capacityReservationId);
            if (pageSize.HasValue) InputValidator.PageSize(pageSize.Value);

            var usage = new Ec2Capacity.CapacityReservationUsage { CapacityReservationId = capacityReservationId, Region = _context.Region };
            // A one-page answer (the usual case) is mapped straight into an array of the right size; the list that
            // gathers the pages exists only from a second page on.
            Ec2Capacity.InstanceUsage[] onlyPage = null;
            List<Ec2Capacity.InstanceUsage> accounts = null;
            HashSet<string> tokens = null;
            string nextToken = null;
            int page = 0;
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                var request = new GetCapacityReservationUsageRequest { CapacityReservationId = capacityReservationId, NextToken = nextToken };
                if (pageSize.HasValue) request.MaxResults = pageSize.Value;
                GetCapacityReservationUsageResponse response;
                try
                {
                    response = await _context.Client.GetCapacityReservationUsageAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!(e is OutOfMemoryException))
                {
                    throw new Ec2OperationException(ErrorClassifier.Classify(e, capacityReservationId, cancellationToken.IsCancellationRequested), e);
                }
                page++;
                Merge(usage, response, page == 1);
                if (page == 1 && string.IsNullOrEmpty(response.NextToken))
                {
                    onlyPage = Accounts(response.InstanceUsages);
                }
                else if (response.InstanceUsages != null)
                {
                    if (accounts == null) accounts = new List<Ec2Capacity.InstanceUsage>(response.InstanceUsages.Count);
                    foreach (var item in response.InstanceUsages)
                    {
                        if (item == null) continue;
                        accounts.Add(Account(item));
                    }
                }
                if (_context.HasVerbose)
                {
                    _context.Verbose(string.Format(CultureInfo.InvariantCulture, "GetCapacityReservationUsage {0}: page {1}, {2} account(s){3}.",
                        capacityReservationId, page, response.InstanceUsages?.Count ?? 0, string.IsNullOrEmpty(response.NextToken) ? ", last page" : ", more to come"));
                }

                nextToken = string.IsNullOrEmpty(response.NextToken) ? null : response.NextToken;
                // The set of tokens seen exists only from the first NextToken on (a one-page answer needs none).
                if (nextToken != null && !(tokens ?? (tokens = new HashSet<string>(StringComparer.Ordinal))).Add(nextToken))
                {
                    throw new Ec2OperationException(new Ec2Failure(FailureCategory.InvalidResult, "NextTokenLoop",
                        $"EC2 returned the same NextToken twice while paging the usage of {capacityReservationId}; stopped after {page} pages instead of looping.",
                        capacityReservationId));
                }
                if (nextToken != null && page >= MaxPages)
                {
                    throw new Ec2OperationException(new Ec2Failure(FailureCategory.InvalidResult, "TooManyPages",
                        $"The usage of {capacityReservationId} did not end after {MaxPages} pages; stopped.", capacityReservationId));
                }
            }
            while (nextToken != null);

            var all = onlyPage ?? (accounts != null ? accounts.ToArray() : Array.Empty<Ec2Capacity.InstanceUsage>());
            usage.InstanceUsages = all;
            int used = 0;
            foreach (var account in all) used += account.UsedInstanceCount;
            usage.UsedInstanceCount = used;
            return usage;
        }

        private static Ec2Capacity.InstanceUsage Account(Amazon.EC2.Model.InstanceUsage item) =>
            new Ec2Capacity.InstanceUsage { AccountId = item.AccountId, UsedInstanceCount = item.UsedInstanceCount ?? 0 };

        /// <summary>The accounts of one page, null entries skipped, in an array of exactly their number.</summary>
        private static Ec2Capacity.InstanceUsage[] Accounts(List<Amazon.EC2.Model.InstanceUsage> items)
        {
            if (items == null || items.Count == 0) return Array.Empty<Ec2Capacity.InstanceUsage>();
            int count = 0;
            foreach (var item in items) if (item != null) count++;
            var result = count == 0 ? Array.Empty<Ec2Capacity.InstanceUsage>() : new Ec2Capacity.InstanceUsage[count];
            int i = 0;
            foreach (var item in items) if (item != null) result[i++] = Account(item);
            return result;
        }

        /// <summary>Sends exactly one GetCapacityReservationUsage request with DryRun=true and returns EC2's verdict.</summary>
        public Task<DryRunVerdict> DryRunAsync(string capacityReservationId, CancellationToken cancellationToken)
        {
            InputValidator.CapacityReservationId(capacityReservationId);
            return DryRunVerdict.RunAsync(token => _context.Client.GetCapacityReservationUsageAsync(
                new GetCapacityReservationUsageRequest { CapacityReservationId = capacityReservationId, DryRun = true }, token),
                capacityReservationId, cancellationToken);
        }

        /// <summary>The reservation's own fields come from the first page; later pages only fill what it lacked.</summary>
        private static void Merge(Ec2Capacity.CapacityReservationUsage usage, GetCapacityReservationUsageResponse response, bool first)
        {
            if (first || string.IsNullOrEmpty(usage.InstanceType)) usage.InstanceType = response.InstanceType ?? usage.InstanceType;
            if (first || string.IsNullOrEmpty(usage.State)) usage.State = response.State?.Value ?? usage.State;
            if (!string.IsNullOrEmpty(response.CapacityReservationId) && first) usage.CapacityReservationId = response.CapacityReservationId;
            if (response.TotalInstanceCount.HasValue && (first || usage.TotalInstanceCount == 0)) usage.TotalInstanceCount = response.TotalInstanceCount.Value;
            if (response.AvailableInstanceCount.HasValue && (first || usage.AvailableInstanceCount == 0)) usage.AvailableInstanceCount = response.AvailableInstanceCount.Value;
            if (response.Interruptible.HasValue && (first || !usage.Interruptible)) usage.Interruptible = response.Interruptible.Value;

            var allocation = response.InterruptibleCapacityAllocation;
            if (allocation != null && (first || usage.InterruptibleCapacityAllocation == null))
            {
                usage.InterruptibleCapacityAllocation = new Ec2Capacity.InterruptibleAllocationInfo
                {
                    InstanceCount = allocation.InstanceCount ?? 0,
                    TargetInstanceCount = allocation.TargetInstanceCount ?? 0,
                    Status = allocation.Status?.Value,
                    InterruptibleCapacityReservationId = allocation.InterruptibleCapacityReservationId,
                    InterruptionType = allocation.InterruptionType?.Value,
                    ZeroSizePreference = allocation.ZeroSizePreference?.Value,
                };
            }
            var interruption = response.InterruptionInfo;
            if (interruption != null && (first || usage.InterruptionInfo == null))
            {
                usage.InterruptionInfo = new Ec2Capacity.InterruptionInfo
                {
                    SourceCapacityReservationId = interruption.SourceCapacityReservationId,
                    InterruptionType = interruption.InterruptionType?.Value,
                };
            }
        }
    }
}
