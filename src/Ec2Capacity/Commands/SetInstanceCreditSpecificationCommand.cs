using System.Globalization;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace Ec2Capacity.Commands
{
    /// <summary>Sets the CPU credit option (standard or unlimited) of burstable instances, in batches across the pipeline.</summary>
    [Cmdlet(VerbsCommon.Set, "InstanceCreditSpecification", HelpUri = "https://github.com/ec2capacity/Ec2Capacity/blob/main/docs/cmdlets/Set-InstanceCreditSpecification.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(InstanceCreditSpecificationResult))]
    public sealed class SetInstanceCreditSpecificationCommand : Ec2CapacityCmdlet
    {
        private const int ProgressActivityId = 0x0EC2_0003;

        // One batcher per connection: a piped object's -Region may differ from the previous one's.
        private readonly Dictionary<Ec2Context, Lane> _lanes = new Dictionary<Ec2Context, Lane>();
        private readonly List<Lane> _laneOrder = new List<Lane>();
        private bool _whatIf;
        private int _batchesSent, _done, _succeeded, _failed;

        /// <summary>
        /// The instances to change (i-…). Binds by value and by property name: IDs, instances, Get-EC2CreditSpecification
        /// output, and Get-EC2Instance's reservations (each instance they contain).
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [InstanceIds]
        [ArgumentCompleter(typeof(InstanceIdCompleter))]
        public string[] InstanceId { get; set; }

        /// <summary>standard or unlimited. Binds by property name, so Get-EC2CreditSpecification output restores saved settings.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateSet("standard", "unlimited")]
        public string CpuCredits { get; set; }

        /// <summary>Idempotency token for the first batch; batch n uses the token with "-n" appended. Generated when not given.</summary>
        [Parameter]
        public string ClientToken { get; set; }

        /// <summary>Instances per request, 1 to 1000 (default 100).</summary>
        [Parameter]
        [ValidateRange(1, 1000)]
        public int BatchSize { get; set; } = CreditSpecificationService.DefaultBatchSize;

        /// <summary>Write one result object per instance.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Batches sent at the same time, 1 to 64 (default 4, inside EC2's request rate for changes). Results keep input order.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

        internal const int DefaultThrottleLimit = 4;

        private protected override int ItemsAtOnce => ThrottleLimit;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (ClientToken != null)
            {
                try
                {
                    InputValidator.ClientToken(ClientToken);
                }
                catch (InputValidationException e)
                {
                    ThrowTerminatingError(ErrorRecords.FromFailure(e.ToFailure(), ClientToken, e));
                }
            }
        }

        protected override void ProcessRecord()
        {
            if (CameFromOwnOutput(nameof(CpuCredits)))
            {
                WriteNotTakenFromOwnOutput(nameof(CpuCredits), InstanceId);
                return;
            }
            var context = Connect(InstanceId);
            if (context == null) return;
            var lane = GetLane(context);
            foreach (var id in CmdletValues.Distinct(InstanceId))
            {
                if (!TakeItem(nameof(InstanceId), id)) continue;
                CreditChange change;
                try
                {
                    change = CreditChange.Validate(new CreditChange(id, CpuCredits));
                }
                catch (InputValidationException e)
                {
                    WriteFailure(e, id);
                    continue;
                }

                // One ShouldProcess per instance; under -WhatIf each batch's DryRun verdict follows the instances' lines.
                var action = WhatIfText.SetCreditAction(change);
                var answer = AskToProcess(action, action + "?");
                if (answer == Answer.Skip) continue;
                if (answer == Answer.Preview) _whatIf = true;

                IReadOnlyList<CreditChange> full;
                try
                {
                    int duplicates = lane.Batcher.DuplicatesDropped;
                    full = lane.Batcher.Add(change);
                    if (lane.Batcher.DuplicatesDropped > duplicates) WriteVerbose($"{change.InstanceId} was given more than once; it is sent once.");
                }
                catch (InputValidationException e)
                {
                    WriteFailure(e, id);
                    continue;
                }
                if (full != null) Send(lane, full);
            }
        }

        protected override void EndProcessing()
        {
            foreach (var lane in _laneOrder)
            {
                var rest = lane.Batcher.Flush();
                if (rest.Count > 0) Send(lane, rest);
            }
            WriteAllItems();
            if (_batchesSent > 0 && !_whatIf)
            {
                WriteProgress(new ProgressRecord(ProgressActivityId, ProgressText.CreditActivity, ProgressText.Completed) { RecordType = ProgressRecordType.Completed });
            }
            base.EndProcessing();
        }

        private Lane GetLane(Ec2Context context)
        {
            if (!_lanes.TryGetValue(context, out var lane))
            {
                lane = new Lane(context, new CreditSpecificationService(context), new CreditBatcher(BatchSize));
                _lanes.Add(context, lane);
                _laneOrder.Add(lane);
            }
            return lane;
        }

        private bool _sending;

        private void Send(Lane lane, IReadOnlyList<CreditChange> batch)
        {
            _sending = true;
            try
            {
                SendBatch(lane, batch);
            }
            finally
            {
                _sending = false;
            }
        }

        private void SendBatch(Lane lane, IReadOnlyList<CreditChange> batch)
        {
            lane.BatchNumber++;
            _batchesSent++;

            if (_whatIf)
            {
                var target = batch.Count == 1 ? batch[0].InstanceId : null;
                var verdict = GetDryRunVerdict(target, ct => lane.Service.DryRunBatchAsync(batch, ct));
                if (verdict != null) WriteVerdict(target, verdict, WhatIfText.BatchVerdict(batch, verdict), batch.Select(c => c.InstanceId));
                return;
            }

            WriteProgress(new ProgressRecord(ProgressActivityId, ProgressText.CreditActivity, ProgressText.CreditBatchSending(_batchesSent, batch.Count)));
            var token = ClientToken == null ? null : CreditSpecificationService.BatchToken(ClientToken, lane.BatchNumber);
            int batchNumber = _batchesSent;
            // Batches hold different instances (a repeated one is refused), so they may run at the same time.
            StartItem("batch " + batchNumber.ToString(CultureInfo.InvariantCulture), async (scope, ct) =>
            {
                IReadOnlyList<InstanceCreditSpecificationResult> results;
                try
                {
                    results = await lane.Service.ApplyBatchAsync(batch, token, ct).ConfigureAwait(false);
                }
                catch (System.Exception e) when (IsEngineFailure(e))
                {
                    return () => WriteBatchFailure(batch, e);
                }
                scope.ChangeMade(ProgressText.CreditBatchMade(batchNumber, results.Count(r => r.Succeeded == true), results.Count), tellNow: false);
                return () => WriteBatchResults(results);
            }, changesTarget: false);
        }

        private void WriteBatchFailure(IReadOnlyList<CreditChange> batch, System.Exception e)
        {
            // Only bad input or Ctrl+C get here (EC2 failures come back as results); Ctrl+C stops the pipeline.
            _failed += batch.Count;
            _done += batch.Count;
            foreach (var change in batch) WriteFailure(e, change.InstanceId);
        }

        private void WriteBatchResults(IReadOnlyList<InstanceCreditSpecificationResult> results)
        {
            // Every result object first, then the errors: under -ErrorAction Stop the first error ends the command, and
            // each instance of the batch, changed or not, must have been reported by then.
            var failed = new List<InstanceCreditSpecificationResult>();
            foreach (var result in results)
            {
                if (result.Succeeded == true) _succeeded++;
                else { _failed++; failed.Add(result); }
                if (PassThru.IsPresent) WriteOutput(result);
            }
            _done += results.Count;
            for (int i = 0; i < failed.Count; i++)
            {
                var failure = CreditSpecificationService.FailureOf(failed[i]);
                if (i == 0 && failed.Count > 1)
                {
                    // Under -ErrorAction Stop this first error is the last thing written: it names the batch's other failures.
                    var others = string.Join(", ", failed.Skip(1).Select(f => f.InstanceId));
                    failure = new Ec2Failure(failure.Category, failure.ErrorCode,
                        string.Format(CultureInfo.InvariantCulture, Messages.BatchAlsoFailed, failure.Message, failed.Count - 1, others), failure.TargetId, failure.RequestId, failure.HttpStatus);
                }
                WriteFailure(failure, failed[i].InstanceId);
            }
            var progress = new CreditProgress(_batchesSent, null, _done, null, _succeeded, _failed);
            WriteProgress(new ProgressRecord(ProgressActivityId, ProgressText.CreditActivity, progress.Describe()));
        }

        /// <summary>
        /// Before this command writes an error for a record, the instances it has accepted so far are sent and reported:
        /// if the error ends the command (-ErrorAction Stop), nothing accepted is left unsent and unreported.
        /// </summary>
        private protected override void BeforeRecordError()
        {
            if (!_sending)
            {
                foreach (var lane in _laneOrder)
                {
                    var accepted = lane.Batcher.Flush();
                    if (accepted.Count > 0) Send(lane, accepted);
                }
            }
            base.BeforeRecordError();
        }

        private sealed class Lane
        {
            public Lane(Ec2Context context, CreditSpecificationService service, CreditBatcher batcher)
            {
                Context = context;
                Service = service;
                Batcher = batcher;
            }

            public Ec2Context Context { get; }
            public CreditSpecificationService Service { get; }
            public CreditBatcher Batcher { get; }
            public int BatchNumber { get; set; }
        }
    }
}
