using System.Management.Automation;
using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Ec2Capacity.Emulator;
using Ec2Capacity.Reliability.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Ec2Capacity.Reliability.Tests
{
    /// <summary>
    /// Issue 5, item 3: -WhatIf is DryRun, and DryRun never mutates. For each of the five actions the services' DryRun
    /// methods send exactly one DryRun request per target (per batch for credits) and nothing else, and the emulator's
    /// state dump is byte-identical before and after: for allowed, denied and failing verdicts, and under faults.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class WhatIfTests
    {
        private readonly ITestOutputHelper _output;

        public WhatIfTests(ITestOutputHelper output) => _output = output;

        private static readonly string[] Sources = { Ids.Cr(0x60, 1), Ids.Cr(0x60, 2), Ids.Cr(0x60, 3) };
        private static readonly string[] ToCancel = { Ids.Cr(0x61, 1), Ids.Cr(0x61, 2), Ids.Cr(0x61, 3), Ids.Cr(0x61, 4) };
        private static readonly string Missing = Ids.Cr(0x6f, 1);

        private static Seed WhatIfSeed()
        {
            var seed = new Seed();
            foreach (var s in Sources) seed.Reservation(s, 20, 4, instanceType: "c5.large");
            foreach (var c in ToCancel) seed.Reservation(c, 3, 1);
            for (int i = 1; i <= 250; i++) seed.Instance(Ids.I(0x60, i), i % 10 == 0 ? "t3.small" : "t3.micro", i % 25 == 0 ? "terminated" : "running");
            return seed;
        }

        private static IReadOnlyList<CreditChange> Changes() =>
            Enumerable.Range(1, 250).Select(i => new CreditChange(Ids.I(0x60, i), i % 2 == 0 ? "unlimited" : "standard")).ToList();

        /// <summary>Runs every DryRun path once per target; returns (targets, batches) sent and the What-if lines.</summary>
        private static async Task<(int Requests, List<string> Lines, List<DryRunVerdict> Verdicts)> DryRunEverything(Ec2Context context, string[] sources)
        {
            var usage = new CapacityReservationUsageService(context);
            var allocations = new InterruptibleAllocationService(context);
            var cancels = new CapacityReservationCancellationService(context);
            var credits = new CreditSpecificationService(context);
            var lines = new List<string>();
            var verdicts = new List<DryRunVerdict>();
            int expected = 0;

            // Get-CapacityReservationUsage -WhatIf: one per reservation
            foreach (var id in sources.Concat(ToCancel))
            {
                var v = await usage.DryRunAsync(id, default);
                verdicts.Add(v);
                lines.Add(WhatIfText.GetUsageAction(id) + " " + WhatIfText.Verdict(id, v));
                expected++;
            }
            // New-InterruptibleCapacityAllocation -WhatIf
            foreach (var id in sources)
            {
                var request = new CreateAllocationRequest { CapacityReservationId = id, InstanceCount = 3, Tags = new Hashtable { ["team"] = "batch" }, ZeroSizePreference = "retain" };
                var v = await allocations.DryRunCreateAsync(request);
                verdicts.Add(v);
                lines.Add(WhatIfText.NewAllocation(request) + " " + WhatIfText.Verdict(id, v));
                expected++;
            }
            // Update-InterruptibleCapacityAllocation -WhatIf (reclaim, preference only, to zero)
            foreach (var (id, k) in sources.Select((id, k) => (id, k)))
            {
                var request = new UpdateAllocationRequest
                {
                    CapacityReservationId = id,
                    TargetInstanceCount = k == 1 ? (int?)null : k == 2 ? 0 : 1,
                    ZeroSizePreference = k == 0 ? null : "default",
                };
                var v = await allocations.DryRunUpdateAsync(request);
                verdicts.Add(v);
                lines.Add(WhatIfText.UpdateAllocationAction(request) + " " + WhatIfText.Verdict(id, v));
                expected++;
            }
            // Stop-CapacityReservation -WhatIf
            foreach (var id in ToCancel)
            {
                var request = new CancelReservationRequest { CapacityReservationId = id };
                var v = await cancels.DryRunAsync(request);
                verdicts.Add(v);
                lines.Add(WhatIfText.CancelReservationAction(request) + " " + WhatIfText.Verdict(id, v));
                expected++;
            }
            // Set-InstanceCreditSpecification -WhatIf: the pipeline gathered into batches of 100, one DryRun per batch
            var batcher = new CreditBatcher(100);
            var batches = new List<IReadOnlyList<CreditChange>>();
            foreach (var c in Changes())
            {
                var full = batcher.Add(c);
                if (full != null) batches.Add(full);
            }
            var rest = batcher.Flush();
            if (rest.Count > 0) batches.Add(rest);
            foreach (var batch in batches)
            {
                var v = await credits.DryRunBatchAsync(batch);
                verdicts.Add(v);
                foreach (var c in batch) lines.Add(WhatIfText.SetCreditAction(c) + " " + WhatIfText.BatchVerdict(batch, v));
                expected++;
            }
            return (expected, lines, verdicts);
        }

        /// <summary>Lends from the first two sources (so Update has allocations to dry-run) and lets them settle.</summary>
        private static async Task LendAsync(Ec2Context context)
        {
            var allocations = new InterruptibleAllocationService(context, new AllocationWaitOptions { PollInterval = TimeSpan.FromMilliseconds(1) });
            foreach (var id in Sources.Take(2))
            {
                var started = await allocations.CreateAsync(new CreateAllocationRequest { CapacityReservationId = id, InstanceCount = 4 });
                await allocations.WaitAsync(started, TimeSpan.FromSeconds(30), null);
            }
        }

        [Fact]
        public async Task DryRun_sends_one_DryRun_request_per_target_or_batch_and_changes_nothing()
        {
            var figures = new Figures(_output, "WhatIf");
            await using var emu = await Emu.StartAsync(WhatIfSeed());
            var owner = emu.Context();
            await LendAsync(owner);
            var readOnly = emu.Context(emu.Connection(Keys.ReadOnlyAccessKey, Keys.ReadOnlySecret));

            var before = emu.Server.GetStateJson();
            long baseline = emu.Journal().Count == 0 ? 0 : emu.Journal().Max(e => e.Sequence);

            // allowed
            var allowed = await DryRunEverything(owner, Sources);
            var afterAllowed = emu.Journal().Where(e => e.Sequence > baseline).ToList();
            long mark = afterAllowed.Count == 0 ? baseline : afterAllowed.Max(e => e.Sequence);
            // denied (the read-only key may only read usage)
            var denied = await DryRunEverything(readOnly, Sources);
            var afterDenied = emu.Journal().Where(e => e.Sequence > mark).ToList();
            mark = afterDenied.Count == 0 ? mark : afterDenied.Max(e => e.Sequence);
            // would fail (unknown reservation, a source without allocation for Update)
            var failing = await DryRunEverything(owner, new[] { Missing });
            var afterFailing = emu.Journal().Where(e => e.Sequence > mark).ToList();

            var after = emu.Server.GetStateJson();
            var all = afterAllowed.Concat(afterDenied).Concat(afterFailing).ToList();
            int perAction(string action) => all.Count(e => e.Action == action);

            figures.Add("DryRun requests expected (targets + credit batches, 3 runs)", allowed.Requests + denied.Requests + failing.Requests);
            figures.Add("EC2 requests sent", all.Count);
            figures.Add("requests without DryRun=true", all.Count(e => !e.DryRun));
            figures.Add("per action (Get/Create/Update/Cancel/ModifyCredits)", string.Join(" / ", new[]
            {
                perAction("GetCapacityReservationUsage"), perAction("CreateInterruptibleCapacityReservationAllocation"),
                perAction("UpdateInterruptibleCapacityReservationAllocation"), perAction("CancelCapacityReservation"), perAction("ModifyInstanceCreditSpecification"),
            }));
            figures.Add("verdicts allowed / denied / would fail", $"{allowed.Verdicts.Concat(denied.Verdicts).Concat(failing.Verdicts).Count(v => v.Outcome == DryRunOutcome.Allowed)} / "
                + $"{allowed.Verdicts.Concat(denied.Verdicts).Concat(failing.Verdicts).Count(v => v.Outcome == DryRunOutcome.Denied)} / "
                + $"{allowed.Verdicts.Concat(denied.Verdicts).Concat(failing.Verdicts).Count(v => v.Outcome == DryRunOutcome.Failed)}");
            figures.Add("\"What if:\" lines", allowed.Lines.Count + denied.Lines.Count + failing.Lines.Count);
            figures.Add("state dump byte-identical", before == after);

            Assert.Equal(before, after);
            Assert.All(all, e => Assert.True(e.DryRun, $"#{e.Sequence} {e.Action} without DryRun"));
            Assert.Equal(allowed.Requests, afterAllowed.Count);
            Assert.Equal(denied.Requests, afterDenied.Count);
            Assert.Equal(failing.Requests, afterFailing.Count);
            Assert.All(allowed.Verdicts, v => Assert.Equal(DryRunOutcome.Allowed, v.Outcome));
            Assert.All(afterAllowed, e => Assert.Equal(412, e.HttpStatus));
            // the read-only key: usage allowed, everything else denied
            Assert.All(denied.Verdicts.Take(Sources.Length + ToCancel.Length), v => Assert.Equal(DryRunOutcome.Allowed, v.Outcome));
            Assert.All(denied.Verdicts.Skip(Sources.Length + ToCancel.Length), v => Assert.Equal(DryRunOutcome.Denied, v.Outcome));
            Assert.Contains(failing.Verdicts, v => v.Outcome == DryRunOutcome.Failed && v.Failure.ErrorCode == "InvalidCapacityReservationId.NotFound");
            Assert.All(allowed.Lines, l => Assert.Contains("EC2 DryRun: allowed", l));
            // three credit batches of 250 instances, each exactly once per run
            Assert.Equal(3 * 3, perAction("ModifyInstanceCreditSpecification"));
        }

        [Fact]
        public async Task DryRun_under_faults_still_sends_only_DryRun_requests_and_changes_nothing()
        {
            var figures = new Figures(_output, "WhatIf (faults)");
            var seed = WhatIfSeed().Faults(77, throttleRate: 0.3, serverErrorRate: 0.1, dropRate: 0.05, dropAfterCommitRate: 0.05);
            await using var emu = await Emu.StartAsync(seed);
            var before = emu.Server.GetStateJson();

            var run = await DryRunEverything(emu.Context(), Sources);
            var journal = emu.Journal();

            figures.Add("DryRun calls (targets + batches)", run.Requests);
            figures.Add("EC2 requests sent (the SDK retries throttled/failed DryRuns)", journal.Count);
            figures.Add("requests without DryRun=true", journal.Count(e => !e.DryRun));
            figures.Add("verdicts allowed / denied / failed", $"{run.Verdicts.Count(v => v.Outcome == DryRunOutcome.Allowed)} / {run.Verdicts.Count(v => v.Outcome == DryRunOutcome.Denied)} / {run.Verdicts.Count(v => v.Outcome == DryRunOutcome.Failed)}");
            figures.Add("state dump byte-identical", before == emu.Server.GetStateJson());

            Assert.Equal(before, emu.Server.GetStateJson());
            Assert.All(journal, e => Assert.True(e.DryRun, $"#{e.Sequence} {e.Action} without DryRun"));
            Assert.True(journal.Count >= run.Requests);
            // a failed verdict under faults is a classified transient failure, never "allowed" by mistake
            Assert.All(run.Verdicts.Where(v => v.Outcome == DryRunOutcome.Failed), v => Assert.NotEqual(ErrorCategory.NotSpecified, v.Failure.Category));
        }
    }
}
