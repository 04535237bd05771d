using System.Management.Automation;
using Ec2Capacity.Engine;

namespace Ec2Capacity.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the usage of Capacity Reservations: one object per reservation, every page merged.</para>
    /// <para type="description">Calls EC2 GetCapacityReservationUsage for each ID, follows NextToken to the end and
    /// writes one Ec2Capacity.CapacityReservationUsage per reservation. -WhatIf sends one DryRun request per ID instead.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CapacityReservationUsage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(CapacityReservationUsage))]
    public sealed class GetCapacityReservationUsageCommand : Ec2CapacityCmdlet
    {
        /// <summary>The reservations to read (cr-…). Binds by value and by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public string[] CapacityReservationId { get; set; }

        /// <summary>Accounts per page EC2 returns (1–1000); all pages are merged either way.</summary>
        [Parameter]
        [Alias("MaxResults")]
        [ValidateRange(1, 1000)]
        public int PageSize { get; set; }

        protected override void ProcessRecord()
        {
            var context = Connect(CapacityReservationId);
            if (context == null) return;
            var service = new CapacityReservationUsageService(context);
            int? pageSize = MyInvocation.BoundParameters.ContainsKey(nameof(PageSize)) ? PageSize : (int?)null;
            bool whatIf = WhatIfRequested;

            foreach (var id in CmdletValues.Distinct(CapacityReservationId))
            {
                if (!TakeItem(nameof(CapacityReservationId), id)) continue;
                if (whatIf)
                {
                    RunDryRun(id, ct => service.DryRunAsync(id, ct), verdict => WhatIfText.GetUsage(id, verdict));
                    continue;
                }
                if (!ConfirmChange(id, WhatIfText.GetUsageAction(id))) continue;
                try
                {
                    WriteObject(Run(ct => service.GetAsync(id, pageSize, ct)));
                }
                catch (System.Exception e) when (IsEngineFailure(e))
                {
                    WriteFailure(e, id);
                }
            }
        }
    }
}
