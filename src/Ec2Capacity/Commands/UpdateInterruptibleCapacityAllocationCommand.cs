using System.Management.Automation;

namespace Ec2Capacity.Commands
{
    /// <summary>Changes how many instances a source reservation lends, reclaims them, or sets the zero-size preference.</summary>
    [Cmdlet(VerbsData.Update, "InterruptibleCapacityAllocation", HelpUri = "https://github.com/ec2capacity/Ec2Capacity/blob/main/docs/cmdlets/Update-InterruptibleCapacityAllocation.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Preference")]
    [OutputType(typeof(InterruptibleCapacityAllocation))]
    public sealed class UpdateInterruptibleCapacityAllocationCommand : Ec2CapacityCmdlet
    {
        private const int ProgressActivityId = 0x0EC2_0002;

        /// <summary>The source reservation (cr-…), not the interruptible one.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("SourceCapacityReservationId")]
        [ArgumentCompleter(typeof(ReservationIdCompleter))]
        public string CapacityReservationId { get; set; }

        /// <summary>Instances that should stay lent, 0 to 1000 (0 reclaims everything). A blank CSV cell means not given.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = "Target")]
        // AllowNull: a blank cell is "not given" (the row may still change the preference), not a binding error.
        [AllowNull]
        [WholeNumber("TargetInstanceCount", "a whole number from 0 to 1000 (a blank cell means not given)", Minimum = 0, Maximum = 1000)]
        public int? TargetInstanceCount { get; set; }

        /// <summary>What happens at 0: default cancels the interruptible reservation, retain keeps it at size 0. Alone, it is the only change.</summary>
        [Parameter(ParameterSetName = "Target")]
        [Parameter(Mandatory = true, ParameterSetName = "Preference")]
        [ValidateSet("default", "retain")]
        public string ZeroSizePreference { get; set; }

        /// <summary>Wait until the allocation settles (active, canceled or failed) and output that state.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>How long -Wait waits, in seconds (default 600).</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int WaitTimeoutSeconds { get; set; } = 600;

        /// <summary>Skip the question before a reclaim (ShouldContinue). -Confirm and -WhatIf still apply.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Changes sent at the same time, 1 to 64 (default 4, inside EC2's request rate for changes; -Wait polls share the same bound). Output keeps input order.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

        internal const int DefaultThrottleLimit = 4;

        private protected override int ItemsAtOnce => ThrottleLimit;

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

            try
            {
                InterruptibleAllocationService.Validate(request);
                switch (AskToProcess(WhatIfText.UpdateAllocationAction(request), ConfirmationText.UpdateAllocation(request), ConfirmationText.UpdateAllocationCaption))
                {
                    case Answer.Preview:
                        Preview(id, ct => service.DryRunUpdateAsync(request, ct), ct => PlanPrediction.ForUpdateAsync(context.Client, request, ct));
                        return;
                    case Answer.Skip:
                        return;
                }
                // A lower target interrupts running instances: asked again, with what the current allocation loses. The
                // read happens only when that question will show (not under -Force, not after "Yes/No to All").
                if (!AskToContinue(Force.IsPresent, ConfirmationText.ReclaimCaption, () => request.TargetInstanceCount.HasValue
                        ? ConfirmationText.Reclaim(request, Run(ct => service.DescribeReclaimAsync(request, ct)))
                        : null))
                {
                    return;
                }

                StartAllocationChange(id, service, ct => service.UpdateAsync(request, ct), Wait.IsPresent, WaitTimeoutSeconds, ProgressActivityId);
            }
            catch (System.Exception e) when (IsEngineFailure(e))
            {
                WriteFailure(e, id);
            }
        }
    }
}
