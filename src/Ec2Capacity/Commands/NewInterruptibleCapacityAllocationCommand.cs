using System.Collections;
using System.Management.Automation;

namespace Ec2Capacity.Commands
{
    /// <summary>Lends unused instances of a source Capacity Reservation as an interruptible reservation.</summary>
    [Cmdlet(VerbsCommon.New, "InterruptibleCapacityAllocation", HelpUri = "https://github.com/ec2capacity/Ec2Capacity/blob/main/docs/cmdlets/New-InterruptibleCapacityAllocation.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(InterruptibleCapacityAllocation))]
    public sealed class NewInterruptibleCapacityAllocationCommand : Ec2CapacityCmdlet
    {
        private const int ProgressActivityId = 0x0EC2_0001;

        /// <summary>The source reservation (cr-…) that lends its unused capacity.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("SourceCapacityReservationId")]
        [ArgumentCompleter(typeof(ReservationIdCompleter))]
        public string CapacityReservationId { get; set; }

        /// <summary>Instances to lend, 1 to 1000.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        // AllowEmptyString: a blank CSV cell reaches WholeNumber, which says it is blank, instead of a null-argument message.
        [AllowEmptyString]
        [WholeNumber("InstanceCount", "a whole number from 1 to 1000", BlankIsNotGiven = false, Minimum = 1, Maximum = 1000)]
        public int InstanceCount { get; set; }

        /// <summary>Tags for the new interruptible reservation, as a hashtable (@{team='batch'}).</summary>
        [Parameter]
        public Hashtable Tag { get; set; }

        /// <summary>What happens when the allocation is later reduced to 0: default cancels the interruptible reservation, retain keeps it at size 0.</summary>
        [Parameter]
        [ValidateSet("default", "retain")]
        public string ZeroSizePreference { get; set; }

        /// <summary>Idempotency token (1–64 printable ASCII characters). Generated when not given; shown by -Verbose.</summary>
        [Parameter]
        public string ClientToken { get; set; }

        /// <summary>Wait until the allocation settles (active, canceled or failed) and output that state.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>How long -Wait waits, in seconds (default 600).</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int WaitTimeoutSeconds { get; set; } = 600;

        /// <summary>Allocations sent at the same time, 1 to 64 (default 4, inside EC2's request rate for changes; -Wait polls share the same bound). Output keeps input order.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

        internal const int DefaultThrottleLimit = 4;

        private protected override int ItemsAtOnce => ThrottleLimit;

        protected override void ProcessRecord()
        {
            if (CameFromOwnOutput(nameof(InstanceCount)))
            {
                WriteNotTakenFromOwnOutput(nameof(InstanceCount), CapacityReservationId);
                return;
            }
            if (!TakeItem(nameof(CapacityReservationId), CapacityReservationId)) return;
            var context = Connect(CapacityReservationId);
            if (context == null) return;
            var service = new InterruptibleAllocationService(context);
            var id = CapacityReservationId;
            var request = new CreateAllocationRequest
            {
                CapacityReservationId = id,
                InstanceCount = InstanceCount,
                Tags = Tag,
                ZeroSizePreference = ZeroSizePreference,
                ClientToken = ClientToken,
            };

            try
            {
                InterruptibleAllocationService.Validate(request);
                switch (AskToProcess(WhatIfText.NewAllocation(request), WhatIfText.NewAllocation(request) + "?"))
                {
                    case Answer.Preview:
                        Preview(id, ct => service.DryRunCreateAsync(request, ct), ct => PlanPrediction.ForCreateAsync(context.Client, request, ct));
                        return;
                    case Answer.Skip:
                        return;
                }
                StartAllocationChange(id, service, ct => service.CreateAsync(request, ct), Wait.IsPresent, WaitTimeoutSeconds, ProgressActivityId);
            }
            catch (System.Exception e) when (IsEngineFailure(e))
            {
                WriteFailure(e, id);
            }
        }
    }
}
