using System.Management.Automation;
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

            var usage = new Ec2Capacity.CapacityReservationUsage { CapacityReservationId = capacityReservationId, Region = _context.Region };
            var accounts = new List<Ec2Capacity.InstanceUsage>();
            var tokens = new HashSet<string>(StringComparer.Ordinal);
            string nextToken = null;
            int page = 0;
            do
            {
                var request = new GetCapacityReservationUsageRequest { CapacityReservationId = capacityReservationId, NextToken = nextToken };
                if (pageSize.HasValue) request.MaxResults = pageSize.Value;
                var response = await CapacityCalls.SendAsync(t => _context.Client.GetCapacityReservationUsageAsync(request, t), capacityReservationId, cancellationToken)
                    .ConfigureAwait(false);
                page++;
                Merge(usage, response, page == 1);
                foreach (var item in response.InstanceUsages ?? new List<Amazon.EC2.Model.InstanceUsage>())
                {
                    if (item != null) accounts.Add(new Ec2Capacity.InstanceUsage { AccountId = item.AccountId, UsedInstanceCount = item.UsedInstanceCount ?? 0 });
                }
                _context.Verbose(string.Format(CultureInfo.InvariantCulture, "GetCapacityReservationUsage {0}: page {1}, {2} account(s){3}.",
                    capacityReservationId, page, response.InstanceUsages?.Count ?? 0, string.IsNullOrEmpty(response.NextToken) ? ", last page" : ", more to come"));

                nextToken = string.IsNullOrEmpty(response.NextToken) ? null : response.NextToken;
                if (nextToken != null && !tokens.Add(nextToken))
                {
                    throw new Ec2OperationException(new Ec2Failure(ErrorCategory.InvalidResult, ErrorIds.NextTokenLoop,
                        string.Format(CultureInfo.InvariantCulture, Messages.NextTokenLoop, capacityReservationId, page),
                        capacityReservationId));
                }
                if (nextToken != null && page >= MaxPages)
                {
                    throw new Ec2OperationException(new Ec2Failure(ErrorCategory.InvalidResult, ErrorIds.TooManyPages,
                        string.Format(CultureInfo.InvariantCulture, Messages.TooManyPages, capacityReservationId, MaxPages), capacityReservationId));
                }
            }
            while (nextToken != null);

            usage.InstanceUsages = accounts.ToArray();
            int used = 0;
            foreach (var account in accounts) used += account.UsedInstanceCount;
            usage.UsedInstanceCount = used;
            return usage;
        }

        /// <summary>Sends exactly one GetCapacityReservationUsage request with DryRun=true and returns EC2's verdict.</summary>
        public Task<DryRunVerdict> DryRunAsync(string capacityReservationId, CancellationToken cancellationToken)
        {
            InputValidator.CapacityReservationId(capacityReservationId);
            return CapacityCalls.DryRunAsync(token => _context.Client.GetCapacityReservationUsageAsync(
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
