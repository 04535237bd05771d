using System.Management.Automation;
using Ec2Capacity.Engine;

namespace Ec2Capacity.Commands
{
    /// <summary>
    /// <para type="synopsis">Changes how many instances a source reservation lends, reclaims them, or sets the zero-size preference.</para>
    /// <para type="description">Calls EC2 UpdateInterruptibleCapacityReservationAllocation on the source reservation.
    /// Lowering the target reclaims capacity: running instances in the interruptible reservation get a two-minute
    /// notice and are terminated, so the cmdlet asks first (ConfirmImpact High) unless -Force. With -Wait, polls until
    /// the allocation settles. -WhatIf sends one DryRun request instead.</para>
    /// </summary>
    [Cmdlet(VerbsData.Update, "InterruptibleCapacityAllocation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(InterruptibleCapacityAllocation))]
    public sealed class UpdateInterruptibleCapacityAllocationCommand : Ec2CapacityCmdlet
    {
        private const int ProgressActivityId = 0x0EC2_0002;

        /// <summary>The source reservation (cr-…), not the interruptible one.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("SourceCapacityReservationId")]
        public string CapacityReservationId { get; set; }

        /// <summary>Instances that should stay lent, 0 to 1000 (0 reclaims everything). Optional: -ZeroSizePreference may be changed alone.</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [WholeNumber("TargetInstanceCount", "a whole number from 0 to 1000 (a blank cell means not given)")]
        public int? TargetInstanceCount { get; set; }

        /// <summary>What happens at 0: default cancels the interruptible reservation, retain keeps it at size 0.</summary>
        [Parameter]
        [ValidateSet("default", "retain")]
        public string ZeroSizePreference { get; set; }

        /// <summary>Wait until the allocation settles (active, canceled or failed) and output that state.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>How long -Wait waits, in seconds (default 600).</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int WaitTimeoutSeconds { get; set; } = 600;

        /// <summary>Do not ask for confirmation (unless -Confirm is given explicitly). -WhatIf still wins.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            if (!TakeItem(nameof(CapacityReservationId), CapacityReservationId)) return;
            var context = Connect(CapacityReservationId);
            if (context == null) return;
            var service = new InterruptibleAllocationService(context);
            var id = CapacityReservationId;
            var target = TargetInstanceCount;
            if (CameFromOwnOutput(nameof(TargetInstanceCount)))
            {
                target = null;
                if (ZeroSizePreference == null)
                {
                    WriteNotTakenFromOwnOutput(nameof(TargetInstanceCount), id);
                    return;
                }
            }
            var request = new UpdateAllocationRequest
            {
                CapacityReservationId = id,
                TargetInstanceCount = target,
                ZeroSizePreference = ZeroSizePreference,
            };

            if (WhatIfRequested)
            {
                RunDryRun(id, ct => service.DryRunUpdateAsync(request, ct), verdict => WhatIfText.UpdateAllocation(request, verdict));
                return;
            }

            try
            {
                // The current allocation is read only when a prompt will show, to say how many instances are reclaimed.
                AllocationChangePlan plan = WillPrompt(ConfirmImpact.High, Force.IsPresent)
                    ? Run(ct => service.DescribeReclaimAsync(request, ct))
                    : null;
                if (!ConfirmChange(WhatIfText.UpdateAllocationAction(request, plan), ConfirmationText.UpdateAllocation(request, plan),
                        ConfirmationText.UpdateAllocationCaption, Force.IsPresent))
                {
                    return;
                }

                var allocation = Run(ct => service.UpdateAsync(request, ct));
                if (Wait.IsPresent)
                {
                    allocation = WaitForAllocation(service, allocation, WaitTimeoutSeconds, ProgressActivityId);
                }
                WriteObject(allocation);
            }
            catch (System.Exception e) when (IsEngineFailure(e))
            {
                WriteFailure(e, id);
            }
        }
    }
}
