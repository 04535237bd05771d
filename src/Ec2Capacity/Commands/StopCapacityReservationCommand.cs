using System.Management.Automation;

namespace Ec2Capacity.Commands
{
    /// <summary>Cancels Capacity Reservations; asks first unless -Force.</summary>
    [Cmdlet(VerbsLifecycle.Stop, "CapacityReservation", HelpUri = "https://github.com/ec2capacity/Ec2Capacity/blob/main/docs/cmdlets/Stop-CapacityReservation.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Default")]
    [OutputType(typeof(CapacityReservationCancellation))]
    public sealed class StopCapacityReservationCommand : Ec2CapacityCmdlet
    {
        /// <summary>The reservations to cancel (cr-…). Binds by value and by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ReservationIdCompleter))]
        public string[] CapacityReservationId { get; set; }

        /// <summary>A cancellation quote (crcq-…), for a scheduled reservation or one inside its commitment; with -ApplyCancellationCharge.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "WithQuote")]
        public string QuoteId { get; set; }

        /// <summary>commitment-wind-down: accept the quoted charge; with -QuoteId.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "WithQuote")]
        [ValidateSet("commitment-wind-down")]
        public string ApplyCancellationCharge { get; set; }

        /// <summary>Skip the question before a cancel (ShouldContinue). -Confirm and -WhatIf still apply.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Write one result object per cancelled reservation.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Cancels sent at the same time, 1 to 64 (default 4, inside EC2's request rate for changes; -Wait polls share the same bound). Output keeps input order.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

        internal const int DefaultThrottleLimit = 4;

        private protected override int ItemsAtOnce => ThrottleLimit;

        protected override void ProcessRecord()
        {
            var context = Connect(CapacityReservationId);
            if (context == null) return;
            var service = new CapacityReservationCancellationService(context);

            foreach (var id in CmdletValues.Distinct(CapacityReservationId))
            {
                if (!TakeItem(nameof(CapacityReservationId), id)) continue;
                var request = new CancelReservationRequest
                {
                    CapacityReservationId = id,
                    QuoteId = QuoteId,
                    ApplyCancellationCharge = ApplyCancellationCharge,
                };
                try
                {
                    CapacityReservationCancellationService.Validate(request);
                    var action = WhatIfText.CancelReservationAction(request);
                    switch (AskToProcess(action, action + "?", ConfirmationText.CancelReservationCaption))
                    {
                        case Answer.Preview:
                            Preview(id, ct => service.DryRunAsync(request, ct), ct => PlanPrediction.ForCancelAsync(context.Client, request, ct));
                            continue;
                        case Answer.Skip:
                            continue;
                    }
                    // A cancel cannot be undone: asked again unless -Force (or -Confirm:$false).
                    if (!AskToContinue(Force.IsPresent, ConfirmationText.CancelReservationCaption, () => ConfirmationText.CancelReservation(request))) continue;
                    bool passThru = PassThru.IsPresent;
                    StartItem(id, async (scope, ct) =>
                    {
                        var result = await service.CancelAsync(request, ct).ConfigureAwait(false);
                        if (result.Cancelled) scope.ChangeMade(ProgressText.CancelMade(id), tellNow: false);
                        return () =>
                        {
                            if (passThru) WriteOutput(result);
                        };
                    });
                }
                catch (System.Exception e) when (IsEngineFailure(e))
                {
                    WriteFailure(e, id);
                }
            }
        }
    }
}
