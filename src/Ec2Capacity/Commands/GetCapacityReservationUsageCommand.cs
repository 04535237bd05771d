using System.Management.Automation;

namespace Ec2Capacity.Commands
{
    /// <summary>Gets the usage of Capacity Reservations: one object per reservation, every page merged.</summary>
    [Cmdlet(VerbsCommon.Get, "CapacityReservationUsage", HelpUri = "https://github.com/ec2capacity/Ec2Capacity/blob/main/docs/cmdlets/Get-CapacityReservationUsage.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(CapacityReservationUsage))]
    public sealed class GetCapacityReservationUsageCommand : Ec2CapacityCmdlet
    {
        /// <summary>The reservations to read (cr-…). Binds by value and by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ReservationIdCompleter))]
        public string[] CapacityReservationId { get; set; }

        /// <summary>Accounts per page EC2 returns (1–1000); all pages are merged either way.</summary>
        [Parameter]
        [Alias("MaxResults")]
        [ValidateRange(1, 1000)]
        public int PageSize { get; set; }

        /// <summary>Reservations read at the same time, 1 to 64 (default 8, well inside EC2's request rate for reads). Output keeps input order.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

        internal const int DefaultThrottleLimit = 8;

        private protected override int ItemsAtOnce => ThrottleLimit;

        // A read never asks and never previews because of an inherited $WhatIfPreference: a preview of
        // `Get-… | Update-…` needs the real usage. Only an explicit -WhatIf on the Get makes it a permission check.
        private bool PermissionCheckOnly =>
            MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound) && Unwrap(bound) is SwitchParameter whatIf && whatIf.IsPresent;

        protected override void ProcessRecord()
        {
            var context = Connect(CapacityReservationId);
            if (context == null) return;
            var service = new CapacityReservationUsageService(context);
            int? pageSize = MyInvocation.BoundParameters.ContainsKey(nameof(PageSize)) ? PageSize : (int?)null;

            foreach (var id in CmdletValues.Distinct(CapacityReservationId))
            {
                if (!TakeItem(nameof(CapacityReservationId), id)) continue;
                try
                {
                    InputValidator.CapacityReservationId(id);
                    if (PermissionCheckOnly)
                    {
                        if (AskToProcess(WhatIfText.GetUsageAction(id), WhatIfText.GetUsageAction(id)) == Answer.Preview)
                        {
                            Preview(id, ct => service.DryRunAsync(id, ct));
                        }
                        continue;
                    }
                    StartItem(id, async (scope, ct) =>
                    {
                        var usage = await service.GetAsync(id, pageSize, ct).ConfigureAwait(false);
                        return () => WriteOutput(usage);
                    }, changesTarget: false);
                }
                catch (System.Exception e) when (IsEngineFailure(e))
                {
                    WriteFailure(e, id);
                }
            }
        }
    }
}
