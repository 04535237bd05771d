using System.Management.Automation;
using Ec2Capacity.Engine;

namespace Ec2Capacity.Commands
{
    /// <summary>
    /// <para type="synopsis">Cancels Capacity Reservations.</para>
    /// <para type="description">Calls EC2 CancelCapacityReservation for each ID, asking first (ConfirmImpact High) unless
    /// -Force. Instances already running keep running; stopped instances that target the reservation can no longer
    /// launch into it. Writes nothing unless -PassThru. -WhatIf sends one DryRun request per ID instead.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "CapacityReservation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(CapacityReservationCancellation))]
    public sealed class StopCapacityReservationCommand : Ec2CapacityCmdlet
    {
        /// <summary>The reservations to cancel (cr-…). Binds by value and by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public string[] CapacityReservationId { get; set; }

        /// <summary>A cancellation quote (crcq-…), for a scheduled reservation or one inside its commitment; with -ApplyCancellationCharge.</summary>
        [Parameter]
        public string QuoteId { get; set; }

        /// <summary>commitment-wind-down: accept the quoted charge; with -QuoteId.</summary>
        [Parameter]
        [ValidateSet("commitment-wind-down")]
        public string ApplyCancellationCharge { get; set; }

        /// <summary>Do not ask for confirmation (unless -Confirm is given explicitly). -WhatIf still wins.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Write one result object per cancelled reservation.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var context = Connect(CapacityReservationId);
            if (context == null) return;
            var service = new CapacityReservationCancellationService(context);
            bool whatIf = WhatIfRequested;

            foreach (var id in CmdletValues.Distinct(CapacityReservationId))
            {
                if (!TakeItem(nameof(CapacityReservationId), id)) continue;
                var request = new CancelReservationRequest
                {
                    CapacityReservationId = id,
                    QuoteId = QuoteId,
                    ApplyCancellationCharge = ApplyCancellationCharge,
                };
                if (whatIf)
                {
                    RunDryRun(id, ct => service.DryRunAsync(request, ct), verdict => WhatIfText.CancelReservation(request, verdict));
                    continue;
                }
                if (!ConfirmChange(WhatIfText.CancelReservationAction(request), ConfirmationText.CancelReservation(request),
                        ConfirmationText.CancelReservationCaption, Force.IsPresent))
                {
                    continue;
                }
                try
                {
                    var result = Run(ct => service.CancelAsync(request, ct));
                    if (PassThru.IsPresent) WriteObject(result);
                }
                catch (System.Exception e) when (IsEngineFailure(e))
                {
                    WriteFailure(e, id);
                }
            }
        }
    }
}
