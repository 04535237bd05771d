using System.Management.Automation;
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Ec2Capacity.Reliability.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Ec2Capacity.Reliability.Tests
{
    /// <summary>Timing-bound tests run alone, after the parallel ones, so other suites do not eat their second.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class TimingCollection
    {
        public const string Name = "Reliability timing (not parallel)";
    }

    /// <summary>
    /// Issue 5, item 6: cancelling (Ctrl+C, StopProcessing) during a waiter's pause and during a request the emulator
    /// delays by 5 seconds returns within 1 second with the engine's cancellation result (an
    /// <see cref="Ec2OperationException"/> with category OperationStopped), and leaves nothing half-done: the aborted
    /// request reached the emulator (its journal records the client closing it) and the state dump is byte-identical.
    /// </summary>
    [Trait("Category", "Reliability")]
    [Collection(TimingCollection.Name)]
    public sealed class CancellationTests
    {
        private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);
        private static readonly string Source = Ids.Cr(0xa0, 1);
        private static readonly string Lent = Ids.Cr(0xa0, 2);
        private static readonly string Interruptible = Ids.Cr(0xa0, 3);
        private static readonly string Plain = Ids.Cr(0xa0, 4);

        private readonly ITestOutputHelper _output;

        public CancellationTests(ITestOutputHelper output) => _output = output;

        private static Seed CancelSeed(int latencyMs, int settleAfterReads = 1000) =>
            new Seed().SettleAfterReads(settleAfterReads)
                .Reservation(Source, 20, 4, instanceType: "c5.large")
                .Reservation(Lent, 20, 4, instanceType: "c5.large")
                .Allocation(Lent, Interruptible, 6)
                .Reservation(Plain, 3, 1)
                .Instance(Ids.I(0xa0, 1))
                .Instance(Ids.I(0xa0, 2))
                .Faults(9, latencyMs: latencyMs);

        private sealed class Outcome
        {
            public string Name;
            public TimeSpan SinceCancel;
            public ErrorCategory? Category;
            public string Unexpected;
            public bool JournalAsExpected;
            public bool StateUnchanged;
            public string Detail;
        }

        /// <summary>Starts <paramref name="call"/>, cancels its token once <paramref name="cancelWhen"/> completes, and times the return.</summary>
        private static async Task<Outcome> CancelDuring(string name, Func<CancellationToken, Task> call, Func<Task> cancelWhen)
        {
            using var cts = new CancellationTokenSource();
            var clock = new Stopwatch();
            cts.Token.Register(() => clock.Restart());
            var task = Task.Run(() => call(cts.Token));
            await cancelWhen();
            cts.Cancel();
            var outcome = new Outcome { Name = name };
            try
            {
                await task;
                outcome.Unexpected = "completed without a cancellation result";
            }
            catch (Ec2OperationException e)
            {
                outcome.Category = e.Failure.Category;
                outcome.Detail = e.Failure.ErrorCode + ": " + e.Message;
            }
            catch (Exception e)
            {
                outcome.Unexpected = e.GetType().FullName + ": " + e.Message;
            }
            outcome.SinceCancel = clock.Elapsed;
            return outcome;
        }

        [Fact]
        public async Task Cancelling_a_waiter_or_a_delayed_request_returns_within_a_second_and_leaves_nothing_half_done()
        {
            var figures = new Figures(_output, "Cancellation");
            var outcomes = new List<Outcome>();
            await using var emu = await Emu.StartAsync(CancelSeed(latencyMs: 0));

            // ---- 1. the waiter's pause: a lend that stays pending, a 30 s poll interval, Ctrl+C after the first poll
            {
                var slowPolls = new AllocationWaitOptions { PollInterval = TimeSpan.FromSeconds(30), MaxPollInterval = TimeSpan.FromSeconds(30) };
                var allocations = new InterruptibleAllocationService(emu.Context(), slowPolls);
                var started = await allocations.CreateAsync(new Ec2Capacity.CreateAllocationRequest { CapacityReservationId = Source, InstanceCount = 5 });
                var before = emu.Server.GetStateJson();
                int journalBefore = emu.Journal().Count;
                var firstPoll = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                var o = await CancelDuring("waiter between polls (WaitAsync, 30 s poll interval)",
                    t => allocations.WaitAsync(started, TimeSpan.FromMinutes(10), p => firstPoll.TrySetResult(true), t),
                    () => firstPoll.Task);
                o.JournalAsExpected = emu.Journal().Count == journalBefore + 1; // the one poll, answered; nothing else sent
                o.StateUnchanged = emu.Server.GetStateJson() == before;
                var state = emu.State();
                var source = Emu.Reservation(state, Source);
                o.StateUnchanged &= (string)source["interruptibleCapacityAllocation"]["status"] == "pending"
                    && Emu.Reservations(state).Count(r => (bool)r["interruptible"] && (string)r["interruptionInfo"]["sourceCapacityReservationId"] == Source) == 1;
                outcomes.Add(o);
            }

            // ---- 2. requests delayed by latencyMs 5,000: cancelled while the emulator holds them
            var slow = emu.Context();
            var scenarios = new (string Name, string Action, Func<CancellationToken, Task> Call)[]
            {
                ("waiter's poll in flight (WaitAsync)", "GetCapacityReservationUsage",
                    t => new InterruptibleAllocationService(slow).WaitAsync(Lent, TimeSpan.FromMinutes(10), null, t)),
                ("lend (CreateAsync)", "CreateInterruptibleCapacityReservationAllocation",
                    t => new InterruptibleAllocationService(slow).CreateAsync(new Ec2Capacity.CreateAllocationRequest { CapacityReservationId = Source, InstanceCount = 5 }, t)),
                ("reclaim (UpdateAsync)", "UpdateInterruptibleCapacityReservationAllocation",
                    t => new InterruptibleAllocationService(slow).UpdateAsync(new UpdateAllocationRequest { CapacityReservationId = Lent, TargetInstanceCount = 0 }, t)),
                ("cancel reservation (CancelAsync)", "GetCapacityReservationUsage",
                    t => new CapacityReservationCancellationService(slow).CancelAsync(new CancelReservationRequest { CapacityReservationId = Plain }, t)),
                ("credit batch (ApplyAsync)", "ModifyInstanceCreditSpecification",
                    t => new CreditSpecificationService(slow).ApplyAsync(new[] { new CreditChange(Ids.I(0xa0, 1), "unlimited"), new CreditChange(Ids.I(0xa0, 2), "unlimited") }, 100, null, null, t)),
                ("usage read (GetAsync)", "GetCapacityReservationUsage",
                    t => new CapacityReservationUsageService(slow).GetAsync(Source, null, t)),
                ("DryRun (DryRunCreateAsync)", "CreateInterruptibleCapacityReservationAllocation",
                    t => new InterruptibleAllocationService(slow).DryRunCreateAsync(new Ec2Capacity.CreateAllocationRequest { CapacityReservationId = Source, InstanceCount = 1 }, t)),
            };
            foreach (var (name, action, call) in scenarios)
            {
                emu.Server.Reset(CancelSeed(latencyMs: 5000).Json());
                var before = emu.Server.GetStateJson();
                // The emulator holds every request 5 s; cancel once it reports one held (received, not answered).
                var o = await CancelDuring(name + ", request delayed 5 s", call, () => emu.Server.WhenRequestHeldAsync());
                // The client closed the held request: the emulator journals it (ClientClosedRequest) and never runs it.
                o.JournalAsExpected = await emu.JournalEventuallyAsync(j => j.Any(e => e.Action == action && e.ErrorCode == "ClientClosedRequest"), TimeSpan.FromSeconds(10));
                var journal = emu.Journal();
                o.JournalAsExpected &= journal.All(e => e.ErrorCode == "ClientClosedRequest" && e.HttpStatus == 0);
                o.StateUnchanged = emu.Server.GetStateJson() == before;
                outcomes.Add(o);
            }

            foreach (var o in outcomes)
            {
                figures.Add(o.Name, $"returned {Math.Round(o.SinceCancel.TotalMilliseconds)} ms after the cancel, {(o.Category?.ToString() ?? o.Unexpected)}, "
                    + $"{(o.JournalAsExpected ? "journal as expected" : "journal NOT as expected")}, state {(o.StateUnchanged ? "unchanged" : "CHANGED")}");
            }
            figures.Add("scenarios", outcomes.Count);
            figures.Add("slowest return after cancel (ms)", Math.Round(outcomes.Max(o => o.SinceCancel.TotalMilliseconds)));
            figures.Add("returned within 1 s", outcomes.Count(o => o.SinceCancel < Bound));
            figures.Add("with OperationStopped", outcomes.Count(o => o.Category == ErrorCategory.OperationStopped));
            figures.Add("state unchanged", outcomes.Count(o => o.StateUnchanged));
            foreach (var o in outcomes.Where(o => o.Unexpected != null || o.Category != ErrorCategory.OperationStopped)) figures.Note($"{o.Name}: {o.Unexpected ?? o.Detail}");

            Assert.All(outcomes, o => Assert.True(o.Unexpected == null, o.Name + ": " + o.Unexpected));
            Assert.All(outcomes, o => Assert.True(o.Category == ErrorCategory.OperationStopped, o.Name + ": " + o.Category + " " + o.Detail));
            Assert.All(outcomes, o => Assert.True(o.SinceCancel < Bound, o.Name + ": " + o.SinceCancel));
            Assert.All(outcomes, o => Assert.True(o.JournalAsExpected, o.Name + ": the emulator's journal does not show the request aborted (or shows more requests)"));
            Assert.All(outcomes, o => Assert.True(o.StateUnchanged, o.Name + ": the emulator's state changed"));
        }
    }
}
