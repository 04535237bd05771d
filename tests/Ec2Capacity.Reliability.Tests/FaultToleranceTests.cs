using System.Management.Automation;
using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Ec2Capacity.Emulator;
using Ec2Capacity.Reliability.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Ec2Capacity.Reliability.Tests
{
    /// <summary>
    /// Issue 5, item 1: at least 1,000 mixed engine operations (usage reads, lend/reclaim cycles, credit batches, cancels)
    /// against the emulator with throttleRate 0.3, serverErrorRate 0.1, dropRate 0.05, dropAfterCommitRate 0.05 and a
    /// fixed fault seed. The clients are built by <see cref="Ec2ClientCache"/> with the production settings (SDK standard
    /// retry mode, 5 attempts, retry quota off) and only a shorter backoff ceiling.
    /// <para>The test keeps a model of what every successful operation implies and compares it with the emulator's state
    /// at the end. When a change fails with an outcome-unknown error (connection, timeout, throttling or 5xx after the SDK's
    /// retries), the harness does what the engine's message tells a user: it repeats the same call (same ClientToken where
    /// the API has one). Every call counts as one operation.</para>
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class FaultToleranceTests
    {
        private const int FaultSeed = 5150;
        private const int PlanSeed = 42;
        private const int MinimumOperations = 1200;
        private const int MaxRepeats = 25;

        private const int Sources = 16;
        private const int SourceTotal = 40;
        private const int SourceUsed = 8;
        private const int CancelTargets = 220;
        private const int AlreadyCancelled = 10;

        private readonly ITestOutputHelper _output;

        public FaultToleranceTests(ITestOutputHelper output) => _output = output;

        // ------------------------------------------------------------------ model

        private enum Step { Create, WaitLent, Reclaim, WaitReclaimed, Zero, WaitZero, Raise }

        private sealed class SourceModel
        {
            public string Id;
            public int Lent;                    // instances lent once the last step settled
            public bool Live;                   // an allocation that is not canceled exists
            public string Status;               // expected settled status (null: never had one)
            public string ZeroSizePreference;
            public int CreatesResolved;         // distinct create intents that succeeded: interruptible reservations expected
            public Step Next = Step.Create;
            public InterruptibleCapacityAllocation Started;
            public int Cycle;
            public string InterruptibleId;
        }

        private sealed class InstanceModel
        {
            public string Id;
            public string Type;
            public string State;
            public string Tenancy;
            public string Credits;

            public string ExpectedError(string credits)
            {
                if (State == "terminated") return "IncorrectInstanceState";
                if (!Type.StartsWith("t", StringComparison.Ordinal)) return "InstanceCreditSpecification.NotSupported";
                if (credits == "unlimited" && Tenancy == "host" && Type.StartsWith("t3.", StringComparison.Ordinal)) return "InstanceCreditSpecification.NotSupported";
                return null;
            }
        }

        private sealed class Tally
        {
            public int Operations, Succeeded, FailedClassified, FailedTransient, FailedExpected, Unclassified, Unhandled, UnexpectedRefusals,
                Unresolved, InconsistentReads, Repeats, ResolvedByRead, WrongItemOutcomes, Misreported;
            public readonly List<string> MisreportedIds = new List<string>();
            public readonly Dictionary<string, int> OperationsByKind = new Dictionary<string, int>();
            public readonly Dictionary<string, int> FailuresByCode = new Dictionary<string, int>();
            public readonly List<string> Problems = new List<string>();

            public void Count(string kind) => OperationsByKind[kind] = OperationsByKind.TryGetValue(kind, out var n) ? n + 1 : 1;
            public void Code(string code) => FailuresByCode[code] = FailuresByCode.TryGetValue(code, out var n) ? n + 1 : 1;

            public void Problem(string text)
            {
                if (Problems.Count < 40) Problems.Add(text);
            }
        }

        /// <summary>Errors after which a change may or may not have been applied: the caller repeats the same call.</summary>
        private static bool OutcomeUnknown(Ec2Failure f) =>
            f.Category == ErrorCategory.ConnectionError || f.Category == ErrorCategory.OperationTimeout
            || f.Category == ErrorCategory.LimitsExceeded || f.Category == ErrorCategory.ResourceUnavailable || f.HttpStatus >= 500;

        // ------------------------------------------------------------------ the test

        /// <summary>The production client settings (retry quota off), with only the backoff ceiling shortened.</summary>
        [Fact]
        public Task A_thousand_mixed_operations_under_faults_lend_nothing_twice_and_end_in_the_expected_state() =>
            RunAsync("Faults", ClientSettings.ProductionWithShortBackoff());

        /// <summary>
        /// The same plan and fault seed with the SDK's retry quota on: how much the quota would add to the failure rate
        /// above (standard mode stops retrying once its token bucket is empty), for the README's choice of retry policy.
        /// </summary>
        [Fact]
        public Task The_same_run_with_the_SDK_retry_quota_on()
        {
            var settings = ClientSettings.ProductionWithShortBackoff();
            settings.UseRetryQuota = true;
            return RunAsync("Faults (retry quota on)", settings);
        }

        private async Task RunAsync(string section, Ec2ClientSettings settings)
        {
            var figures = new Figures(_output, section);
            var seed = new Seed().SettleAfterReads(2)
                .Faults(FaultSeed, throttleRate: 0.3, serverErrorRate: 0.1, dropRate: 0.05, dropAfterCommitRate: 0.05);

            var sources = new List<SourceModel>();
            for (int i = 1; i <= Sources; i++)
            {
                var s = new SourceModel { Id = Ids.Cr(0x10, i) };
                sources.Add(s);
                seed.Reservation(s.Id, SourceTotal, SourceUsed, instanceType: "c5.xlarge");
            }
            var cancelModel = new Dictionary<string, string>(StringComparer.Ordinal);
            var cancelOrder = new List<string>();
            for (int i = 1; i <= CancelTargets; i++)
            {
                var id = Ids.Cr(0x20, i);
                var initial = i % 11 == 0 ? "assessing" : i % 13 == 0 ? "delayed" : "active";
                seed.Reservation(id, 2, i % 3 == 0 ? 1 : 0, initial);
                cancelModel[id] = initial;
                cancelOrder.Add(id);
            }
            for (int i = 1; i <= AlreadyCancelled; i++)
            {
                var id = Ids.Cr(0x21, i);
                seed.Reservation(id, 2, 0, "cancelled");
                cancelModel[id] = "cancelled";
            }
            var instances = new List<InstanceModel>();
            for (int i = 1; i <= 300; i++)
            {
                var m = new InstanceModel { Id = Ids.I(0x30, i), Type = "t3.micro", State = "running", Tenancy = "default", Credits = "standard" };
                if (i % 15 == 0) { m.Type = "m5.large"; m.Credits = null; }
                else if (i % 15 == 1) m.State = "terminated";
                else if (i % 15 == 2) m.Tenancy = "host";
                else if (i % 15 == 3) { m.Type = "t2.small"; m.State = "stopped"; }
                seed.Instance(m.Id, m.Type, m.State, m.Tenancy, m.Credits);
                instances.Add(m);
            }
            var instanceById = instances.ToDictionary(m => m.Id, StringComparer.Ordinal);

            await using var emu = await Emu.StartAsync(seed);
            var cache = new Ec2ClientCache(settings);
            var context = emu.Context(cache: cache);
            var usage = new CapacityReservationUsageService(context);
            var waitOptions = new AllocationWaitOptions { PollInterval = TimeSpan.FromMilliseconds(1), MaxPollInterval = TimeSpan.FromMilliseconds(2) };
            var allocations = new InterruptibleAllocationService(context, waitOptions);
            var cancels = new CapacityReservationCancellationService(context);
            var credits = new CreditSpecificationService(context);

            var tally = new Tally();
            var plan = new Random(PlanSeed);
            var readPool = sources.Select(s => s.Id).Concat(cancelModel.Keys).ToList();
            int nextCancel = 0;
            var clock = Stopwatch.StartNew();

            // One engine call: counted, classified, repeated while its outcome is unknown (when repeatable).
            async Task<(bool Ok, T Value, Ec2Failure Failure)> Run<T>(string kind, Func<Task<T>> call, bool repeatUnknown)
            {
                for (int attempt = 0; attempt < MaxRepeats; attempt++)
                {
                    tally.Operations++;
                    tally.Count(kind);
                    if (attempt > 0) tally.Repeats++;
                    try
                    {
                        var value = await call();
                        tally.Succeeded++;
                        return (true, value, null);
                    }
                    catch (Ec2OperationException e)
                    {
                        tally.Code(e.Failure.ErrorCode);
                        if (e.Failure.Category == ErrorCategory.NotSpecified)
                        {
                            tally.Unclassified++;
                            tally.Problem($"{kind}: unclassified {e.Failure.ErrorCode}: {e.Message}");
                        }
                        else
                        {
                            tally.FailedClassified++;
                        }
                        if (OutcomeUnknown(e.Failure))
                        {
                            tally.FailedTransient++;
                            if (repeatUnknown) continue;
                        }
                        return (false, default, e.Failure);
                    }
                    catch (Exception e)
                    {
                        tally.Unhandled++;
                        tally.Problem($"{kind}: unhandled {e.GetType().FullName}: {e.Message}");
                        return (false, default, null);
                    }
                }
                tally.Unresolved++;
                tally.Problem($"{kind}: still failing after {MaxRepeats} calls");
                return (false, default, null);
            }

            void CheckAddsUp(Ec2Capacity.CapacityReservationUsage u)
            {
                var a = u.InterruptibleCapacityAllocation;
                int lent = a != null && a.Status != "canceled" ? a.InstanceCount : 0;
                if (u.TotalInstanceCount != u.AvailableInstanceCount + u.UsedInstanceCount + lent || u.AvailableInstanceCount < 0)
                {
                    tally.InconsistentReads++;
                    tally.Problem($"usage of {u.CapacityReservationId}: total {u.TotalInstanceCount} != available {u.AvailableInstanceCount} + used {u.UsedInstanceCount} + lent {lent}");
                }
            }

            async Task ReadUsage(string id)
            {
                int? pageSize = plan.Next(3) == 0 ? plan.Next(1, 3) : (int?)null;
                var r = await Run("usage read", () => usage.GetAsync(id, pageSize, default), repeatUnknown: false);
                if (r.Ok) CheckAddsUp(r.Value);
                else if (r.Failure != null && !OutcomeUnknown(r.Failure))
                {
                    tally.UnexpectedRefusals++;
                    tally.Problem($"usage read {id}: {r.Failure.ErrorCode} {r.Failure.Message}");
                }
            }

            // Reads the source through the engine until a read succeeds: what a user checks after an ambiguous refusal.
            async Task<Ec2Capacity.CapacityReservationUsage> ReadForResolution(string id)
            {
                var r = await Run("usage read", () => usage.GetAsync(id, null, default), repeatUnknown: true);
                if (r.Ok) CheckAddsUp(r.Value);
                return r.Ok ? r.Value : null;
            }

            async Task AllocationStep(SourceModel s)
            {
                switch (s.Next)
                {
                    case Step.Create:
                    {
                        int count = plan.Next(1, 17);
                        var zsp = plan.Next(2) == 0 ? "default" : "retain";
                        s.Cycle++;
                        var request = new CreateAllocationRequest
                        {
                            CapacityReservationId = s.Id,
                            InstanceCount = count,
                            ZeroSizePreference = zsp,
                            ClientToken = Guid.NewGuid().ToString(),
                            Tags = new Hashtable { ["cycle"] = s.Cycle.ToString(System.Globalization.CultureInfo.InvariantCulture), ["suite"] = "faults" },
                        };
                        var r = await Run("lend (create)", () => allocations.CreateAsync(request), repeatUnknown: true);
                        if (!r.Ok) { Refused("create", s.Id, r.Failure); return; }
                        if (r.Value.TargetInstanceCount != count || r.Value.ClientToken != request.ClientToken)
                            tally.Problem($"create {s.Id}: answered target {r.Value.TargetInstanceCount} token {r.Value.ClientToken}");
                        s.CreatesResolved++;
                        s.Live = true;
                        s.Lent = count;
                        s.ZeroSizePreference = zsp;
                        s.Status = "active";
                        s.Started = r.Value;
                        s.Next = Step.WaitLent;
                        return;
                    }
                    case Step.Raise:
                    {
                        int count = plan.Next(1, 17);
                        var request = new UpdateAllocationRequest { CapacityReservationId = s.Id, TargetInstanceCount = count };
                        var r = await Run("lend (raise)", () => allocations.UpdateAsync(request), repeatUnknown: true);
                        if (!r.Ok) { Refused("raise", s.Id, r.Failure); return; }
                        s.Lent = count;
                        s.Status = "active";
                        s.Started = r.Value;
                        s.Next = Step.WaitLent;
                        return;
                    }
                    case Step.Reclaim:
                    {
                        if (s.Lent <= 1) { s.Next = Step.Zero; await AllocationStep(s); return; }
                        int target = plan.Next(1, s.Lent);
                        var request = new UpdateAllocationRequest { CapacityReservationId = s.Id, TargetInstanceCount = target };
                        var r = await Run("reclaim (update)", () => allocations.UpdateAsync(request), repeatUnknown: true);
                        if (!r.Ok) { Refused("reclaim", s.Id, r.Failure); return; }
                        s.Lent = target;
                        s.Started = r.Value;
                        s.Next = Step.WaitReclaimed;
                        return;
                    }
                    case Step.Zero:
                    {
                        string zsp = plan.Next(2) == 0 ? null : plan.Next(2) == 0 ? "default" : "retain";
                        var request = new UpdateAllocationRequest { CapacityReservationId = s.Id, TargetInstanceCount = 0, ZeroSizePreference = zsp };
                        var effective = zsp ?? s.ZeroSizePreference;
                        bool applied = false;
                        for (int call = 0; call < MaxRepeats && !applied; call++)
                        {
                            var r = await Run("reclaim to zero (update)", () => allocations.UpdateAsync(request), repeatUnknown: false);
                            if (r.Ok) { s.Started = r.Value; applied = true; break; }
                            if (r.Failure == null) return;
                            if (OutcomeUnknown(r.Failure)) continue;
                            // A repeat can meet an allocation that an earlier call already took to 0 and that settled to canceled since.
                            if (r.Failure.ErrorCode == "IncorrectState")
                            {
                                var now = await ReadForResolution(s.Id);
                                var a = now?.InterruptibleCapacityAllocation;
                                if (a != null && a.TargetInstanceCount == 0 && (a.Status == "canceled" || a.Status == "canceling") && effective == "default")
                                {
                                    if (call > 0) tally.ResolvedByRead++;
                                    else Misreported("reclaim to zero", s.Id, r.Failure);
                                    s.Started = new InterruptibleCapacityAllocation { SourceCapacityReservationId = s.Id, TargetInstanceCount = 0, Status = "canceled" };
                                    applied = true;
                                    break;
                                }
                            }
                            Refused("reclaim to zero", s.Id, r.Failure);
                            return;
                        }
                        if (!applied) { tally.Unresolved++; return; }
                        s.ZeroSizePreference = effective;
                        s.Lent = 0;
                        s.Status = effective == "default" ? "canceled" : "active";
                        s.Next = Step.WaitZero;
                        return;
                    }
                    default:
                    {
                        var started = s.Started;
                        var r = await Run("wait", () => allocations.WaitAsync(started, TimeSpan.FromSeconds(60), p =>
                        {
                            if (p.InstanceCount < 0 || p.TargetInstanceCount < 0) tally.Problem($"progress of {s.Id}: negative counts");
                        }), repeatUnknown: true);
                        if (!r.Ok) { Refused("wait", s.Id, r.Failure); return; }
                        var w = r.Value;
                        if (w.Status != s.Status || w.InstanceCount != s.Lent || (s.Status != "canceled" && w.TargetInstanceCount != s.Lent))
                        {
                            tally.Problem($"wait {s.Id} ({s.Next}): settled {w.Status} {w.InstanceCount}/{w.TargetInstanceCount}, model {s.Status} {s.Lent}");
                            tally.InconsistentReads++;
                        }
                        if (!string.IsNullOrEmpty(w.InterruptibleCapacityReservationId))
                        {
                            s.InterruptibleId = w.InterruptibleCapacityReservationId;
                            if (!readPool.Contains(s.InterruptibleId)) readPool.Add(s.InterruptibleId);
                        }
                        s.Live = s.Status != "canceled";
                        s.Next = s.Next == Step.WaitLent ? Step.Reclaim
                            : s.Next == Step.WaitReclaimed ? Step.Zero
                            : s.ZeroSizePreference == "default" ? Step.Create : Step.Raise;
                        return;
                    }
                }
            }

            void Misreported(string what, string id, Ec2Failure failure)
            {
                tally.Misreported++;
                tally.MisreportedIds.Add(id);
                tally.Problem($"{what} {id}: the first call answered {failure.ErrorCode} ({failure.Category}: {failure.Message}) although this call applied the change");
            }

            void Refused(string what, string id, Ec2Failure failure)
            {
                if (failure == null) return; // unhandled or unresolved: already counted
                tally.UnexpectedRefusals++;
                tally.Problem($"{what} {id}: {failure.ErrorCode} {failure.Message}");
            }

            async Task CreditStep()
            {
                int size = plan.Next(1, 81);
                var changes = new List<CreditChange>();
                var chosen = new Dictionary<string, string>(StringComparer.Ordinal);
                for (int k = 0; k < size; k++)
                {
                    var m = instances[plan.Next(instances.Count)];
                    var c = chosen.TryGetValue(m.Id, out var already) ? already : (plan.Next(2) == 0 ? "standard" : "unlimited");
                    chosen[m.Id] = c;
                    changes.Add(new CreditChange(m.Id, plan.Next(5) == 0 ? c.ToUpperInvariant() : c)); // repeats keep their option
                }
                int batchSize = new[] { 7, 25, 100 }[plan.Next(3)];
                var token = Guid.NewGuid().ToString();

                // The batches the service forms (the cmdlet's CreditBatcher), to repeat a failed one with its own token.
                var batcher = new CreditBatcher(batchSize);
                var batches = new List<IReadOnlyList<CreditChange>>();
                foreach (var change in changes)
                {
                    var full = batcher.Add(change);
                    if (full != null) batches.Add(full);
                }
                var rest = batcher.Flush();
                if (rest.Count > 0) batches.Add(rest);
                var batchOf = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int b = 0; b < batches.Count; b++) foreach (var c in batches[b]) batchOf[c.InstanceId] = b;

                // First the whole command (ApplyAsync), then each batch whose outcome is unknown again with its token.
                var pending = new SortedSet<int>();
                if (!await CreditCall(() => credits.ApplyAsync(changes, batchSize, token, null), chosen, batchOf, pending, chosen.Count)) return;
                foreach (int b in pending.ToList())
                {
                    bool settled = false;
                    for (int call = 0; call < MaxRepeats && !settled; call++)
                    {
                        tally.Repeats++;
                        var again = new SortedSet<int>();
                        var batch = batches[b];
                        var batchToken = CreditSpecificationService.BatchToken(token, b + 1);
                        if (!await CreditCall(() => credits.ApplyBatchAsync(batch, batchToken), chosen, batchOf, again, batch.Count)) return;
                        settled = again.Count == 0;
                    }
                    if (!settled)
                    {
                        tally.Unresolved++;
                        tally.Problem("credits: a batch still failing after " + MaxRepeats + " calls");
                    }
                }
            }

            // One credit call; marks the batches whose outcome is unknown. False when it threw.
            async Task<bool> CreditCall(Func<Task<IReadOnlyList<Ec2Capacity.InstanceCreditSpecificationResult>>> call, Dictionary<string, string> chosen,
                Dictionary<string, int> batchOf, SortedSet<int> unknownBatches, int expectedResults)
            {
                tally.Operations++;
                tally.Count("credit batch");
                IReadOnlyList<Ec2Capacity.InstanceCreditSpecificationResult> results;
                try
                {
                    results = await call();
                }
                catch (Exception e)
                {
                    tally.Unhandled++;
                    tally.Problem($"credits: unhandled {e.GetType().FullName}: {e.Message}");
                    return false;
                }
                if (results.Count != expectedResults) tally.Problem($"credits: {results.Count} results for {expectedResults} instances");
                var codes = new HashSet<string>(StringComparer.Ordinal);
                foreach (var result in results)
                {
                    var m = instanceById[result.InstanceId];
                    var wanted = chosen[m.Id];
                    if (result.Succeeded == true)
                    {
                        if (m.ExpectedError(wanted) != null) { tally.WrongItemOutcomes++; tally.Problem($"credits {m.Id}: succeeded, expected {m.ExpectedError(wanted)}"); }
                        m.Credits = wanted;
                        continue;
                    }
                    var f = CreditSpecificationService.FailureOf(result);
                    if (f.Category == ErrorCategory.NotSpecified) { tally.Unclassified++; tally.Problem($"credits {m.Id}: unclassified {f.ErrorCode}"); }
                    if (f.HttpStatus == 200)
                    {
                        if (f.ErrorCode != m.ExpectedError(wanted)) { tally.WrongItemOutcomes++; tally.Problem($"credits {m.Id}: {f.ErrorCode}, expected {m.ExpectedError(wanted) ?? "success"}"); }
                    }
                    else if (OutcomeUnknown(f))
                    {
                        unknownBatches.Add(batchOf[m.Id]);
                        codes.Add(f.ErrorCode);
                    }
                    else
                    {
                        tally.UnexpectedRefusals++;
                        tally.Problem($"credits {m.Id}: whole batch refused {f.ErrorCode} {f.Message}");
                    }
                }
                if (unknownBatches.Count == 0)
                {
                    tally.Succeeded++;
                }
                else
                {
                    tally.FailedClassified++;
                    tally.FailedTransient++;
                    foreach (var code in codes) tally.Code(code);
                }
                return true;
            }

            async Task CancelStep()
            {
                bool repeatOfCancelled = plan.Next(10) == 0 || nextCancel >= cancelOrder.Count;
                if (repeatOfCancelled)
                {
                    var done = cancelModel.Where(kv => kv.Value == "cancelled").Select(kv => kv.Key).OrderBy(k => k, StringComparer.Ordinal).ToList();
                    var id = done[plan.Next(done.Count)];
                    var r = await Run("cancel", () => cancels.CancelAsync(new CancelReservationRequest { CapacityReservationId = id }), repeatUnknown: true);
                    if (r.Ok) { tally.Problem($"cancel {id}: an already cancelled reservation was cancelled again"); tally.InconsistentReads++; }
                    else if (r.Failure != null && r.Failure.ErrorCode == "IncorrectState" && r.Failure.Category == ErrorCategory.InvalidOperation) tally.FailedExpected++;
                    else Refused("cancel (already cancelled)", id, r.Failure);
                    return;
                }
                var target = cancelOrder[nextCancel++];
                for (int call = 0; call < MaxRepeats; call++)
                {
                    var r = await Run("cancel", () => cancels.CancelAsync(new CancelReservationRequest { CapacityReservationId = target }), repeatUnknown: false);
                    if (r.Ok)
                    {
                        if (!r.Value.Cancelled || r.Value.CapacityReservationId != target) tally.Problem($"cancel {target}: answered {r.Value.Cancelled}");
                        cancelModel[target] = "cancelled";
                        return;
                    }
                    if (r.Failure == null) return;
                    if (OutcomeUnknown(r.Failure)) continue;
                    if (r.Failure.ErrorCode == "IncorrectState")
                    {
                        var now = await ReadForResolution(target);
                        if (now != null && now.State == "cancelled")
                        {
                            cancelModel[target] = "cancelled";
                            if (call > 0)
                            {
                                // A repeat after an outcome-unknown failure: the earlier call cancelled it before its answer was lost.
                                tally.ResolvedByRead++;
                            }
                            else
                            {
                                // The first call of this intent met an active reservation and cancelled it (an SDK retry saw the
                                // IncorrectState), yet reported EC2's refusal as if it had been cancelled before.
                                Misreported("cancel", target, r.Failure);
                            }
                            return;
                        }
                    }
                    Refused("cancel", target, r.Failure);
                    return;
                }
                tally.Unresolved++;
            }

            // ---- the run
            while (tally.Operations < MinimumOperations)
            {
                int roll = plan.Next(100);
                if (roll < 30) await ReadUsage(readPool[plan.Next(readPool.Count)]);
                else if (roll < 65) await AllocationStep(sources[plan.Next(sources.Count)]);
                else if (roll < 85) await CreditStep();
                else await CancelStep();
            }
            // Let every allocation settle, so the final state is the model's.
            foreach (var s in sources.Where(s => s.Next == Step.WaitLent || s.Next == Step.WaitReclaimed || s.Next == Step.WaitZero))
            {
                await AllocationStep(s);
            }
            var elapsed = clock.Elapsed;

            // ---- the final state against the model
            var state = emu.State();
            var reservations = Emu.Reservations(state).ToList();
            int duplicates = 0, mismatches = 0;
            var mismatchText = new List<string>();
            void Mismatch(string text) { mismatches++; if (mismatchText.Count < 30) mismatchText.Add(text); }

            foreach (var s in sources)
            {
                var r = reservations.Single(x => (string)x["capacityReservationId"] == s.Id);
                var lentOut = reservations.Where(x => (bool)x["interruptible"] && (string)x["interruptionInfo"]["sourceCapacityReservationId"] == s.Id).ToList();
                int live = lentOut.Count(x => (string)x["state"] != "cancelled");
                duplicates += Math.Max(0, lentOut.Count - s.CreatesResolved) + Math.Max(0, live - 1);
                if (lentOut.Count < s.CreatesResolved) Mismatch($"{s.Id}: {lentOut.Count} interruptible reservations, {s.CreatesResolved} creates succeeded");
                int expectedAvailable = SourceTotal - SourceUsed - (s.Live ? s.Lent : 0);
                if ((int)r["availableInstanceCount"] != expectedAvailable) Mismatch($"{s.Id}: available {(int)r["availableInstanceCount"]}, model {expectedAvailable}");
                var a = r["interruptibleCapacityAllocation"] as JsonObject;
                if (s.CreatesResolved == 0)
                {
                    if (a != null) Mismatch($"{s.Id}: has an allocation, model none");
                    continue;
                }
                if (a == null) { Mismatch($"{s.Id}: no allocation, model {s.Status} {s.Lent}"); continue; }
                if ((string)a["status"] != s.Status || (int)a["instanceCount"] != s.Lent || (int)a["targetInstanceCount"] != s.Lent
                    || (string)a["zeroSizePreference"] != s.ZeroSizePreference)
                {
                    Mismatch($"{s.Id}: allocation {(string)a["status"]} {(int)a["instanceCount"]}/{(int)a["targetInstanceCount"]} {(string)a["zeroSizePreference"]}, model {s.Status} {s.Lent} {s.ZeroSizePreference}");
                }
                var current = lentOut.SingleOrDefault(x => (string)x["capacityReservationId"] == (string)a["interruptibleCapacityReservationId"]);
                if (current == null) { Mismatch($"{s.Id}: allocation points at a missing interruptible reservation"); continue; }
                int expectedTotal = s.Status == "canceled" ? 0 : s.Lent;
                if ((int)current["totalInstanceCount"] != expectedTotal) Mismatch($"{current["capacityReservationId"]}: total {(int)current["totalInstanceCount"]}, model {expectedTotal}");
                if (((string)current["state"] == "cancelled") != (s.Status == "canceled")) Mismatch($"{current["capacityReservationId"]}: state {(string)current["state"]} for allocation {s.Status}");
                var cycleTag = current["tags"].AsArray().Select(t => t.AsObject()).FirstOrDefault(t => (string)t["key"] == "cycle");
                if (cycleTag == null) Mismatch($"{current["capacityReservationId"]}: the cycle tag is missing");
            }
            foreach (var kv in cancelModel)
            {
                var r = reservations.Single(x => (string)x["capacityReservationId"] == kv.Key);
                if ((string)r["state"] != kv.Value) Mismatch($"{kv.Key}: state {(string)r["state"]}, model {kv.Value}");
            }
            foreach (var i in Emu.Instances(state))
            {
                var m = instanceById[(string)i["instanceId"]];
                if ((string)i["cpuCredits"] != m.Credits) Mismatch($"{m.Id}: cpuCredits {(string)i["cpuCredits"]}, model {m.Credits}");
            }
            foreach (var r in reservations.Where(x => !(bool)x["interruptible"]))
            {
                var a = r["interruptibleCapacityAllocation"] as JsonObject;
                int lent = a != null && (string)a["status"] != "canceled" ? (int)a["instanceCount"] : 0;
                int used = r["instanceUsages"].AsArray().Sum(u => (int)u["usedInstanceCount"]);
                if ((int)r["totalInstanceCount"] != (int)r["availableInstanceCount"] + used + lent) Mismatch($"{r["capacityReservationId"]}: counts do not add up");
            }

            // ---- the journal
            var journal = emu.Journal();
            var ec2 = journal.Where(e => e.Action != null).ToList();
            int mismatchedTokens = journal.Count(e => e.ErrorCode == "IdempotentParameterMismatch");
            var creates = ec2.Where(e => e.Action == "CreateInterruptibleCapacityReservationAllocation").ToList();
            int createsApplied = reservations.Count(x => (bool)x["interruptible"]);
            int createTokens = creates.Select(e => e.Parameters["ClientToken"]).Distinct().Count();

            figures.Add("operations", tally.Operations);
            figures.Add("operations by kind", string.Join(", ", tally.OperationsByKind.OrderBy(k => k.Key).Select(k => k.Key + " " + k.Value)));
            figures.Add("succeeded", tally.Succeeded);
            figures.Add("failed with a classified error", tally.FailedClassified);
            figures.Add("  of which outcome-unknown after the SDK's retries (throttling, 5xx, connection)", tally.FailedTransient);
            figures.Add("  of which EC2 refusals the model expected (cancel of a cancelled reservation)", tally.FailedExpected);
            figures.Add("failures by code", string.Join(", ", tally.FailuresByCode.OrderBy(k => k.Key).Select(k => k.Key + " " + k.Value)));
            figures.Add("repeated calls (same ClientToken / same values)", tally.Repeats);
            figures.Add("ambiguous refusals resolved by a usage read", tally.ResolvedByRead);
            figures.Add("changes applied but reported as a definite EC2 refusal (misreported)", tally.Misreported);
            figures.Add("unclassified failures (NotSpecified)", tally.Unclassified);
            figures.Add("unhandled exceptions", tally.Unhandled);
            figures.Add("unexpected refusals", tally.UnexpectedRefusals);
            figures.Add("intents unresolved after " + MaxRepeats + " calls", tally.Unresolved);
            figures.Add("wrong per-instance credit outcomes", tally.WrongItemOutcomes);
            figures.Add("inconsistent reads (counts not adding up, wrong settled state)", tally.InconsistentReads);
            figures.Add("duplicate allocations or double-applied changes", duplicates);
            figures.Add("final state differences from the model", mismatches);
            figures.Add("interruptible reservations created / create intents succeeded", createsApplied + " / " + sources.Sum(s => s.CreatesResolved));
            figures.Add("IdempotentParameterMismatch answers", mismatchedTokens);
            figures.Add("EC2 requests sent", ec2.Count);
            figures.Add("injected: throttled (503)", journal.Count(e => e.ErrorCode == "RequestLimitExceeded"));
            figures.Add("injected: server errors (500)", journal.Count(e => e.ErrorCode == "InternalError"));
            figures.Add("injected: dropped before the action", journal.Count(e => e.ErrorCode == "ConnectionDropped"));
            figures.Add("injected: dropped after the action took effect", journal.Count(e => e.ErrorCode == "DroppedAfterCommit"));
            figures.Add("create requests / distinct ClientTokens", creates.Count + " / " + createTokens);
            figures.Add("retry policy", $"SDK standard mode, {cache.Settings.MaxAttempts} attempts, retry quota {(cache.Settings.UseRetryQuota ? "on" : "off")}, backoff ceiling {cache.Settings.MaxBackoff.TotalMilliseconds} ms (production: 20 s)");
            figures.Add("fault seed / plan seed", FaultSeed + " / " + PlanSeed);
            figures.Add("elapsed seconds", Math.Round(elapsed.TotalSeconds, 1));
            foreach (var p in tally.Problems) figures.Note("problem: " + p);
            foreach (var m in mismatchText) figures.Note("mismatch: " + m);
            foreach (var id in tally.MisreportedIds)
            {
                figures.Note("journal of " + id + ": " + string.Join(" | ", journal.Where(e => e.Parameters.TryGetValue("CapacityReservationId", out var v) && v == id)
                    .Select(e => $"#{e.Sequence} {e.Action} {(e.DryRun ? "DryRun " : "")}{e.HttpStatus} {e.ErrorCode ?? "OK"}")));
            }

            Assert.True(tally.Operations >= 1000, $"{tally.Operations} operations");
            Assert.Equal(0, tally.Unhandled);
            Assert.Equal(0, tally.Unclassified);
            Assert.Equal(0, tally.UnexpectedRefusals);
            Assert.Equal(0, tally.Unresolved);
            Assert.Equal(0, tally.Misreported);
            Assert.Equal(0, tally.WrongItemOutcomes);
            Assert.Equal(0, tally.InconsistentReads);
            Assert.Equal(0, duplicates);
            Assert.Equal(0, mismatches);
            Assert.Equal(0, mismatchedTokens);
            Assert.Equal(sources.Sum(s => s.CreatesResolved), createsApplied);
            // every operation ended exactly one way
            Assert.Equal(tally.Operations, tally.Succeeded + tally.FailedClassified + tally.Unclassified + tally.Unhandled);
            Assert.Empty(tally.Problems);
            Assert.True(journal.Any(e => e.ErrorCode == "DroppedAfterCommit"), "no dropAfterCommit fault was injected");
        }

        // ------------------------------------------------------------------ targeted: a change applied by an SDK retry

        /// <summary>
        /// A fault seed whose draws (the emulator draws four numbers per request, in a fixed order) give, with only
        /// dropAfterCommitRate 0.5: request <paramref name="lostRequest"/> dropped after its action took effect, the others
        /// of the first six clean.
        /// </summary>
        private static int SeedForOneLostAnswerAt(int lostRequest)
        {
            for (int seed = 1; seed < 100000; seed++)
            {
                var r = new Random(seed);
                bool ok = true;
                for (int request = 1; request <= 6 && ok; request++)
                {
                    r.NextDouble(); r.NextDouble(); r.NextDouble();
                    double dropAfter = r.NextDouble();
                    ok = request == lostRequest ? dropAfter < 0.5 : dropAfter >= 0.5;
                }
                if (ok) return seed;
            }
            throw new InvalidOperationException("no seed found");
        }

        private const string OperatorAccessKey = "AKIDRELIABILITYOPER1";
        private const string OperatorSecret = "reliability-operator-secret-key-0000003";

        /// <summary>
        /// An operator role that may cancel reservations and change allocations but not read usage (an IAM policy without
        /// ec2:GetCapacityReservationUsage), one lost answer: EC2 applies the change, the connection drops, the SDK's retry
        /// meets the changed resource and EC2 answers IncorrectState. This call made the change; it must not be reported
        /// as a definite refusal ("already cancelled" / "being canceled", category InvalidOperation). Success, or an
        /// outcome-unknown failure that says the change may have been applied, is acceptable.
        /// </summary>
        [Theory]
        [InlineData("cancel", 2)]             // request 1 is the service's state read (refused: no permission)
        [InlineData("reclaim to zero", 1)]    // the update is the first request
        public async Task A_change_applied_by_an_SDK_retry_is_not_reported_as_a_definite_refusal(string action, int lostRequest)
        {
            var figures = new Figures(_output, "Faults (one lost answer, " + action + ")");
            int faultSeed = SeedForOneLostAnswerAt(lostRequest);
            var source = Ids.Cr(0x2a, 1);
            var seed = new Seed()
                .Account("210987654325", OperatorAccessKey, OperatorSecret, null, "CancelCapacityReservation", "UpdateInterruptibleCapacityReservationAllocation")
                .Reservation(source, 20, 4, instanceType: "c5.large")
                .Allocation(source, Ids.Cr(0x2a, 2), 6)
                .Faults(faultSeed, dropAfterCommitRate: 0.5);
            await using var emu = await Emu.StartAsync(seed);
            var context = emu.Context(emu.Connection(OperatorAccessKey, OperatorSecret));
            string expectedAction = action == "cancel" ? "CancelCapacityReservation" : "UpdateInterruptibleCapacityReservationAllocation";

            Ec2Failure failure = null;
            try
            {
                if (action == "cancel") await new CapacityReservationCancellationService(context).CancelAsync(new CancelReservationRequest { CapacityReservationId = source });
                else await new InterruptibleAllocationService(context).UpdateAsync(new UpdateAllocationRequest { CapacityReservationId = source, TargetInstanceCount = 0, ZeroSizePreference = "default" });
            }
            catch (Ec2OperationException e)
            {
                failure = e.Failure;
            }
            var journal = emu.Journal();
            var r = Emu.Reservation(emu.State(), source);
            string stateNow = action == "cancel" ? (string)r["state"] : (string)r["interruptibleCapacityAllocation"]["status"];
            bool applied = action == "cancel" ? stateNow == "cancelled" : stateNow == "canceling" || stateNow == "canceled";

            figures.Add("fault seed (dropAfterCommitRate 0.5)", faultSeed);
            figures.Add("requests", string.Join(" | ", journal.Select(e => $"{e.Action} {e.HttpStatus} {e.ErrorCode ?? "OK"}")));
            figures.Add("state after the call", stateNow);
            figures.Add("engine's answer", failure == null ? "success" : $"{failure.Category} {failure.ErrorCode}: {failure.Message}");

            // the scenario happened: the change was applied by the request whose answer was lost
            Assert.Contains(journal, e => e.Action == expectedAction && e.ErrorCode == "DroppedAfterCommit");
            Assert.True(applied, "the change was not applied: " + stateNow);
            // the call's own change is not reported as EC2 refusing it
            Assert.True(failure == null || OutcomeUnknown(failure),
                $"{action} applied by this call (the SDK's retry met the changed resource) was reported as {failure?.Category} {failure?.ErrorCode}: {failure?.Message}");
        }
    }
}
