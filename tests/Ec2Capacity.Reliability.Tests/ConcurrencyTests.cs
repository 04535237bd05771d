using System.Management.Automation;
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2;
using Ec2Capacity.Reliability.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Ec2Capacity.Reliability.Tests
{
    /// <summary>
    /// Issue 5, item 5: 8 threads × 250 mixed calls through one shared client cache, as under
    /// <c>ForEach-Object -Parallel</c>: every call resolves its connection from -AccessKey/-SecretKey[/-SessionToken],
    /// -Region and -EndpointUrl (as a cmdlet does), takes its client from the cache and runs one engine operation,
    /// blocking its thread (as a cmdlet's pipeline thread does). Three distinct (credentials, region, endpoint)
    /// combinations; faults off, so every error counts. The cache must build exactly one client per combination.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class ConcurrencyTests
    {
        private const int Threads = 8;
        private const int CallsPerThread = 250;
        private const string SessionAccessKey = "ASIARELIABILITYCONC1";
        private const string SessionSecret = "concurrency-session-secret-key-000000001";
        private const string SessionToken = "IQoJconcurrencySessionTokenQq11Ww22Ee33==";
        private const string OtherRegion = "eu-west-1";

        private readonly ITestOutputHelper _output;

        public ConcurrencyTests(ITestOutputHelper output) => _output = output;

        private static string Source(int thread) => Ids.Cr(0x80 + thread, 1);
        private static string Instance(int thread, int n) => Ids.I(0x80 + thread, n);

        private static Seed ConcurrencySeed(string region)
        {
            var seed = new Seed(region).Account("210987654324", SessionAccessKey, SessionSecret, SessionToken).SettleAfterReads(1);
            for (int t = 0; t < Threads; t++)
            {
                seed.Reservation(Source(t), 30, 6, instanceType: "c5.large");
                for (int n = 1; n <= 10; n++) seed.Instance(Instance(t, n), "t3.micro");
            }
            return seed;
        }

        private enum Phase { Create, WaitLent, Zero, WaitZero }

        [Fact]
        public async Task Eight_threads_share_one_cache_with_one_client_per_combination_and_no_errors()
        {
            var figures = new Figures(_output, "Concurrency");
            await using var east = await Emu.StartAsync(ConcurrencySeed(Keys.Region));
            await using var west = await Emu.StartAsync(ConcurrencySeed(OtherRegion));

            // (credentials, region, endpoint): owner keys on east, session keys on east, owner keys on west
            var combos = new (string Name, Emu Emu, ConnectionOptions Options)[]
            {
                ("owner keys, us-east-1, endpoint A", east, new ConnectionOptions { AccessKey = Keys.OwnerAccessKey, SecretKey = Keys.OwnerSecret, Region = Keys.Region, EndpointUrl = east.Endpoint }),
                ("session keys, us-east-1, endpoint A", east, new ConnectionOptions { AccessKey = SessionAccessKey, SecretKey = SessionSecret, SessionToken = SessionToken, Region = Keys.Region, EndpointUrl = east.Endpoint }),
                ("owner keys, eu-west-1, endpoint B", west, new ConnectionOptions { AccessKey = Keys.OwnerAccessKey, SecretKey = Keys.OwnerSecret, Region = OtherRegion, EndpointUrl = west.Endpoint }),
            };

            int built = 0;
            var cache = new Ec2ClientCache(ClientSettings.ProductionWithShortBackoff(), (connection, settings) =>
            {
                Interlocked.Increment(ref built);
                return Ec2ClientCache.CreateClient(connection, settings);
            });
            var clients = new ConcurrentDictionary<IAmazonEC2, byte>();
            var waitOptions = new AllocationWaitOptions { PollInterval = TimeSpan.FromMilliseconds(1), MaxPollInterval = TimeSpan.FromMilliseconds(2) };

            int calls = 0, succeeded = 0, expectedFailures = 0, errors = 0, unhandled = 0, wrongAnswers = 0;
            var problems = new ConcurrentQueue<string>();
            var finalCredits = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
            var finalPhase = new ConcurrentDictionary<int, (string Status, int Lent)>();
            var perCombo = new int[combos.Length];
            var start = new Barrier(Threads);

            void Worker(int thread)
            {
                var combo = combos[thread % combos.Length];
                var random = new Random(1000 + thread);
                var phase = Phase.Create;
                Ec2Capacity.InterruptibleCapacityAllocation started = null;
                int lent = 0;
                string expectedStatus = null;
                start.SignalAndWait();
                for (int i = 0; i < CallsPerThread; i++)
                {
                    Interlocked.Increment(ref calls);
                    Interlocked.Increment(ref perCombo[thread % combos.Length]);
                    int kind = random.Next(7);
                    try
                    {
                        // what every cmdlet call does: resolve, take the client from the shared cache, build the service
                        var connection = new ConnectionResolver(new DictionaryEnvironmentReader()) { AllowInstanceCredentials = false, AllowInstanceRegion = false, UseSdkProfileStore = false }
                            .Resolve(combo.Options);
                        var client = cache.GetClient(connection);
                        clients.TryAdd(client, 0);
                        var context = new Ec2Context(client, connection.RegionName);
                        switch (kind)
                        {
                            case 0:
                            {
                                var u = new CapacityReservationUsageService(context).GetAsync(Source(thread), random.Next(2) == 0 ? (int?)1 : null, default).GetAwaiter().GetResult();
                                var a = u.InterruptibleCapacityAllocation;
                                int out_ = a != null && a.Status != "canceled" ? a.InstanceCount : 0;
                                if (u.TotalInstanceCount != u.AvailableInstanceCount + u.UsedInstanceCount + out_ || u.Region != combo.Options.Region) Wrong($"usage of {Source(thread)} does not add up");
                                break;
                            }
                            case 1:
                            {
                                var v = new CapacityReservationUsageService(context).DryRunAsync(Source(thread), default).GetAwaiter().GetResult();
                                if (!v.IsAllowed) Wrong("usage DryRun " + v.Describe());
                                break;
                            }
                            case 2:
                            {
                                var changes = Enumerable.Range(0, 5).Select(_ => Instance(thread, random.Next(1, 11))).Distinct()
                                    .Select(id => new CreditChange(id, random.Next(2) == 0 ? "standard" : "unlimited")).ToList();
                                var results = new CreditSpecificationService(context).ApplyBatchAsync(changes, null).GetAwaiter().GetResult();
                                foreach (var r in results)
                                {
                                    if (r.Succeeded != true) { Wrong($"credits {r.InstanceId}: {r.ErrorCode} {r.ErrorMessage}"); continue; }
                                    finalCredits[r.InstanceId] = r.CpuCredits;
                                }
                                break;
                            }
                            case 3:
                            case 4:
                            {
                                var allocations = new InterruptibleAllocationService(context, waitOptions);
                                switch (phase)
                                {
                                    case Phase.Create:
                                        lent = random.Next(1, 9);
                                        started = allocations.CreateAsync(new CreateAllocationRequest { CapacityReservationId = Source(thread), InstanceCount = lent, ZeroSizePreference = "default" }).GetAwaiter().GetResult();
                                        expectedStatus = "active";
                                        phase = Phase.WaitLent;
                                        break;
                                    case Phase.Zero:
                                        started = allocations.UpdateAsync(new UpdateAllocationRequest { CapacityReservationId = Source(thread), TargetInstanceCount = 0 }).GetAwaiter().GetResult();
                                        lent = 0;
                                        expectedStatus = "canceled";
                                        phase = Phase.WaitZero;
                                        break;
                                    default:
                                        var settled = allocations.WaitAsync(started, TimeSpan.FromSeconds(60), null).GetAwaiter().GetResult();
                                        if (settled.Status != expectedStatus || settled.InstanceCount != lent) Wrong($"wait {Source(thread)}: {settled.Status} {settled.InstanceCount}, expected {expectedStatus} {lent}");
                                        phase = phase == Phase.WaitLent ? Phase.Zero : Phase.Create;
                                        break;
                                }
                                break;
                            }
                            case 5:
                            {
                                var v = new CapacityReservationCancellationService(context).DryRunAsync(new CancelReservationRequest { CapacityReservationId = Source(thread) }).GetAwaiter().GetResult();
                                if (!v.IsAllowed) Wrong("cancel DryRun " + v.Describe());
                                break;
                            }
                            default:
                            {
                                // a refusal the test asks for: classified, never mixed up with another thread's call
                                var missing = Ids.Cr(0x9f, thread + 1);
                                try
                                {
                                    new CapacityReservationUsageService(context).GetAsync(missing, null, default).GetAwaiter().GetResult();
                                    Wrong("a missing reservation was found");
                                }
                                catch (Ec2OperationException e) when (e.Failure.Category == ErrorCategory.ObjectNotFound && e.Failure.TargetId == missing)
                                {
                                    Interlocked.Increment(ref expectedFailures);
                                }
                                break;
                            }
                        }
                        Interlocked.Increment(ref succeeded);
                    }
                    catch (Ec2OperationException e)
                    {
                        Interlocked.Increment(ref errors);
                        problems.Enqueue($"thread {thread} kind {kind}: {e.Failure.Category} {e.Failure.ErrorCode}: {e.Message}");
                    }
                    catch (Exception e)
                    {
                        Interlocked.Increment(ref unhandled);
                        problems.Enqueue($"thread {thread} kind {kind}: {e.GetType().FullName}: {e.Message}");
                    }
                }
                if (phase == Phase.WaitLent || phase == Phase.WaitZero)
                {
                    // settle the last step so the final state is known (not counted as one of the 250)
                    var connection = new ConnectionResolver(new DictionaryEnvironmentReader()) { AllowInstanceCredentials = false, AllowInstanceRegion = false, UseSdkProfileStore = false }.Resolve(combo.Options);
                    var settled = new InterruptibleAllocationService(new Ec2Context(cache.GetClient(connection), connection.RegionName), waitOptions)
                        .WaitAsync(started, TimeSpan.FromSeconds(60), null).GetAwaiter().GetResult();
                    if (settled.Status != expectedStatus) Wrong($"final wait {Source(thread)}: {settled.Status}");
                }
                finalPhase[thread] = (expectedStatus, lent);

                void Wrong(string text)
                {
                    Interlocked.Increment(ref wrongAnswers);
                    problems.Enqueue($"thread {thread}: {text}");
                }
            }

            var clock = Stopwatch.StartNew();
            var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() => Worker(t)) { IsBackground = true, Name = "cmdlet-" + t }).ToList();
            threads.ForEach(t => t.Start());
            await Task.Run(() => threads.ForEach(t => t.Join()));
            var elapsed = clock.Elapsed;

            // final state: each thread's own instances and source
            int stateMismatches = 0;
            foreach (var (emu, region) in new[] { (east, Keys.Region), (west, OtherRegion) })
            {
                var state = emu.State();
                foreach (var i in Emu.Instances(state))
                {
                    var id = (string)i["instanceId"];
                    int thread = int.Parse(id.Substring(2, 2), System.Globalization.NumberStyles.HexNumber) - 0x80;
                    bool mine = combos[thread % combos.Length].Emu == emu;
                    var expected = mine && finalCredits.TryGetValue(id, out var c) ? c : "standard";
                    if ((string)i["cpuCredits"] != expected) { stateMismatches++; problems.Enqueue($"{region} {id}: {(string)i["cpuCredits"]}, expected {expected}"); }
                }
                for (int t = 0; t < Threads; t++)
                {
                    var r = Emu.Reservation(state, Source(t));
                    var a = r["interruptibleCapacityAllocation"] as JsonObject;
                    bool mine = combos[t % combos.Length].Emu == emu;
                    var (status, lent) = finalPhase.TryGetValue(t, out var f) ? f : (null, 0);
                    if (!mine || status == null)
                    {
                        if (a != null && (!mine)) { stateMismatches++; problems.Enqueue($"{region} {Source(t)}: an allocation from another combination"); }
                        continue;
                    }
                    if (a == null || (string)a["status"] != status || (int)a["instanceCount"] != lent) { stateMismatches++; problems.Enqueue($"{region} {Source(t)}: {a?.ToJsonString()}, expected {status} {lent}"); }
                    int interruptible = Emu.Reservations(state).Count(x => (bool)x["interruptible"] && (string)x["interruptionInfo"]["sourceCapacityReservationId"] == Source(t) && (string)x["state"] != "cancelled");
                    if (interruptible > 1) { stateMismatches++; problems.Enqueue($"{region} {Source(t)}: {interruptible} live interruptible reservations"); }
                }
            }
            int requests = east.Journal().Count + west.Journal().Count;
            var accessKeysSeen = east.Journal().Select(e => e.AccessKeyId).Concat(west.Journal().Select(e => e.AccessKeyId)).Distinct().Count();

            figures.Add("threads × calls", $"{Threads} × {CallsPerThread}");
            figures.Add("calls", calls);
            figures.Add("calls per combination", string.Join(" / ", perCombo));
            figures.Add("succeeded", succeeded);
            figures.Add("  of which refusals the test asked for (unknown reservation, classified ObjectNotFound)", expectedFailures);
            figures.Add("errors (faults off: every error counts)", errors);
            figures.Add("unhandled exceptions", unhandled);
            figures.Add("wrong answers", wrongAnswers);
            figures.Add("final state differences", stateMismatches);
            figures.Add("distinct (credentials, region, endpoint) combinations", combos.Length);
            figures.Add("clients created by the cache", built);
            figures.Add("distinct client objects handed out", clients.Count);
            figures.Add("cache.ClientCount", cache.ClientCount);
            figures.Add("EC2 requests sent", requests);
            figures.Add("access key IDs seen by the emulators", accessKeysSeen);
            figures.Add("elapsed seconds", Math.Round(elapsed.TotalSeconds, 1));
            foreach (var p in problems.Take(30)) figures.Note("problem: " + p);

            Assert.Equal(Threads * CallsPerThread, calls);
            Assert.Equal(0, errors);
            Assert.Equal(0, unhandled);
            Assert.Equal(0, wrongAnswers);
            Assert.Equal(0, stateMismatches);
            Assert.Equal(calls, succeeded);
            Assert.Equal(combos.Length, built);
            Assert.Equal(combos.Length, clients.Count);
            Assert.Equal(combos.Length, cache.ClientCount);
        }
    }
}
