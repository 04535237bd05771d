using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;

namespace Ec2Capacity.Benchmarks
{
    /// <summary>
    /// <c>--quick</c> and <c>--smoke</c>: every comparison once, with the same benchmark classes and methods the
    /// BenchmarkDotNet run uses, timed with a Stopwatch. Engine and reference samples are interleaved (ABBA…)
    /// so drift on a shared machine hits both sides alike; each figure is the median of its samples.
    /// </summary>
    public static class QuickRunner
    {
        public sealed class Plan
        {
            public string Name;
            public int PerCallWarmup, PerCallSamples, PerCallInvocations;
            public int HeavyWarmup, HeavySamples;
            public int PagingWarmup, PagingSamples;
            public int ColdStartRuns;

            public static readonly Plan Quick = new Plan
            {
                Name = "quick", PerCallWarmup = 300, PerCallSamples = 61, PerCallInvocations = 30,
                HeavyWarmup = 1, HeavySamples = 5, PagingWarmup = 2, PagingSamples = 7, ColdStartRuns = 7,
            };

            /// <summary>Same sizes as --quick (so every figure means the same), fewest samples: for the smoke test.</summary>
            public static readonly Plan Smoke = new Plan
            {
                Name = "smoke", PerCallWarmup = 20, PerCallSamples = 3, PerCallInvocations = 5,
                HeavyWarmup = 0, HeavySamples = 1, PagingWarmup = 0, PagingSamples = 1, ColdStartRuns = 1,
            };
        }

        private struct Sample
        {
            public double Ns;
            public double Bytes;
        }

        private sealed class Pair
        {
            public readonly List<double> ANs = new List<double>(), BNs = new List<double>(), ABytes = new List<double>(), BBytes = new List<double>();
            public double ANsMedian => Ratios.Median(ANs);
            public double BNsMedian => Ratios.Median(BNs);
            public double ABytesMedian => Ratios.Median(ABytes);
            public double BBytesMedian => Ratios.Median(BBytes);

            /// <summary>
            /// Median of the per-sample ratios A_i / B_i. Each A sample is taken right beside its B sample, so a
            /// burst of load from other processes hits both; this is the time ratio reported.
            /// </summary>
            public double TimeRatio
            {
                get
                {
                    var r = new List<double>();
                    for (int i = 0; i < Math.Min(ANs.Count, BNs.Count); i++) r.Add(ANs[i] / BNs[i]);
                    return Ratios.Median(r);
                }
            }
        }

        public static Ratios Run(Plan plan, Action<string> log)
        {
            var total = Stopwatch.StartNew();
            var ratios = new Ratios();
            Step(log, "per-call", () => RunPerCall(plan, ratios, log));
            Step(log, "per-call-client-only", () =>
            {
                var r = ClientOnlyAllocations.Measure(plan.PerCallWarmup, plan.PerCallSamples, plan.PerCallInvocations, log);
                ratios.Note($"per-call client-only engine-bytes {r.EngineBytes:0} raw-bytes {r.RawBytes:0} (resolve {r.ResolveBytes:0}, get-client {r.GetClientBytes:0})");
                ratios.Set("per-call-alloc-client", r.Ratio);
            });
            Step(log, "client-reuse", () => RunClientReuse(plan, ratios, log));
            Step(log, "batching", () => RunBatching(plan, ratios, log));
            Step(log, "paging", () => RunPaging(plan, ratios, log));
            Step(log, "cold-start", () => RunColdStart(plan, ratios, log));
            log($"# {plan.Name} run finished in {total.Elapsed.TotalSeconds:0.0} s");
            return ratios;
        }

        private static void Step(Action<string> log, string name, Action body)
        {
            var watch = Stopwatch.StartNew();
            try
            {
                body();
            }
            catch (Exception e)
            {
                // A comparison that fails prints NaN for its figures; the others still run.
                log($"# {name}: FAILED {e.GetType().Name}: {e.Message}");
                log(e.ToString());
            }
            log($"# {name}: {watch.Elapsed.TotalSeconds:0.0} s");
        }

        private static Sample Measure(Func<Task> op, int invocations)
        {
            long before = GC.GetTotalAllocatedBytes(true);
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < invocations; i++)
            {
                op().GetAwaiter().GetResult();
            }
            long end = Stopwatch.GetTimestamp();
            long after = GC.GetTotalAllocatedBytes(true);
            return new Sample
            {
                Ns = (end - start) * 1e9 / Stopwatch.Frequency / invocations,
                Bytes = (double)(after - before) / invocations,
            };
        }

        /// <summary>A = engine, B = reference; interleaved, warmed up first.</summary>
        private static Pair Compare(Func<Task> a, Func<Task> b, int warmup, int samples, int invocations) => Compare(a, b, warmup, samples, invocations, invocations);

        /// <summary>A and B with their own invocation counts per sample (figures are per operation).</summary>
        private static Pair Compare(Func<Task> a, Func<Task> b, int warmup, int samples, int invocationsA, int invocationsB)
        {
            for (int i = 0; i < warmup; i++)
            {
                a().GetAwaiter().GetResult();
                b().GetAwaiter().GetResult();
            }
            var pair = new Pair();
            for (int s = 0; s < samples; s++)
            {
                bool aFirst = (s % 4 == 0) || (s % 4 == 3);
                for (int k = 0; k < 2; k++)
                {
                    bool doA = (k == 0) == aFirst;
                    var sample = Measure(doA ? a : b, doA ? invocationsA : invocationsB);
                    (doA ? pair.ANs : pair.BNs).Add(sample.Ns);
                    (doA ? pair.ABytes : pair.BBytes).Add(sample.Bytes);
                }
            }
            return pair;
        }

        private static string Us(double ns) => (ns / 1000).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " us";
        private static string Ms(double ns) => (ns / 1e6).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + " ms";

        private static void RunPerCall(Plan plan, Ratios ratios, Action<string> log)
        {
            var bench = new PerCall();
            bench.Setup();
            try
            {
                var pair = Compare(bench.Engine, bench.RawReusedClient, plan.PerCallWarmup, plan.PerCallSamples, plan.PerCallInvocations);
                log($"per-call: engine {Us(pair.ANsMedian)} {pair.ABytesMedian:0} B | raw reused client {Us(pair.BNsMedian)} {pair.BBytesMedian:0} B | engine adds {pair.ABytesMedian - pair.BBytesMedian:0} B per call");
                ratios.Note($"per-call engine-ns {pair.ANsMedian:0} raw-ns {pair.BNsMedian:0} engine-bytes {pair.ABytesMedian:0} raw-bytes {pair.BBytesMedian:0}");
                ratios.Set("per-call-time", pair.TimeRatio);
                ratios.Set("per-call-alloc", pair.ABytesMedian / pair.BBytesMedian);

                var piped = Compare(bench.EnginePiped, bench.RawReusedClient, plan.PerCallWarmup, plan.PerCallSamples, plan.PerCallInvocations);
                log($"per-call, piped (connection resolved once): engine {Us(piped.ANsMedian)} {piped.ABytesMedian:0} B | raw reused client {Us(piped.BNsMedian)} {piped.BBytesMedian:0} B");
                ratios.Set("per-call-piped-time", piped.TimeRatio);
                ratios.Set("per-call-piped-alloc", piped.ABytesMedian / piped.BBytesMedian);

                // A/A control: the reference against itself, measured the same way (the spread of this method).
                var control = Compare(bench.RawReusedClientAgain, bench.RawReusedClient, plan.PerCallWarmup, plan.PerCallSamples, plan.PerCallInvocations);
                log($"per-call, A/A control (raw reused client against itself): {Us(control.ANsMedian)} | {Us(control.BNsMedian)}");
                ratios.Set("per-call-aa-time", control.TimeRatio);
            }
            finally
            {
                bench.Cleanup();
            }
        }

        private static void RunClientReuse(Plan plan, Ratios ratios, Action<string> log)
        {
            var bench = new ClientReuse { Lookups = 200 };
            bench.Setup();
            try
            {
                var pair = Compare(bench.Engine, bench.NewClientPerCall, plan.HeavyWarmup, plan.HeavySamples, 1);
                log($"client-reuse ({bench.Lookups} lookups): engine {Ms(pair.ANsMedian)} | new client per call {Ms(pair.BNsMedian)}");
                ratios.Set("client-reuse", pair.TimeRatio);
                ratios.Set("client-reuse-alloc", pair.ABytesMedian / pair.BBytesMedian);
            }
            finally
            {
                bench.Cleanup();
            }
        }

        private static void RunBatching(Plan plan, Ratios ratios, Action<string> log)
        {
            var bench = new Batching { Instances = 1000 };
            bench.Setup();
            try
            {
                // Requests sent, from the emulator's journal: one operation of each side on a freshly reset emulator.
                bench.Fixture.Reset();
                bench.Engine().GetAwaiter().GetResult();
                int engineRequests = bench.Fixture.CountRequests(Batching.Action);
                bench.Fixture.Reset();
                bench.OneRequestPerInstance().GetAwaiter().GetResult();
                int rawRequests = bench.Fixture.CountRequests(Batching.Action);
                bench.Fixture.Reset();
                log($"batching ({bench.Instances} instances): requests engine {engineRequests} | one per instance {rawRequests}");
                ratios.Note($"batching-requests engine {engineRequests} reference {rawRequests}");
                ratios.Set("batching-requests", (double)engineRequests / rawRequests);

                var pair = Compare(bench.Engine, bench.OneRequestPerInstance, plan.HeavyWarmup, plan.HeavySamples, 1);
                log($"batching ({bench.Instances} instances): engine {Ms(pair.ANsMedian)} | one request per instance {Ms(pair.BNsMedian)}");
                ratios.Set("batching-time", pair.TimeRatio);
            }
            finally
            {
                bench.Cleanup();
            }
        }

        private static void RunPaging(Plan plan, Ratios ratios, Action<string> log)
        {
            var bench = new Paging();
            bench.Setup();
            try
            {
                // Linearity is a ratio of two sizes, so the two sizes are interleaved like engine and reference
                // elsewhere: one sample = one 10,000-account read beside ten 1,000-account reads (equal work).
                var pages = new Dictionary<int, Pair>();
                foreach (int page in new[] { 1000, 100 })
                {
                    var pair = Compare(() => bench.EngineFor(10000, page), () => bench.EngineFor(1000, page), plan.PagingWarmup, plan.PagingSamples, 1, 10);
                    pages[page] = pair;
                    log($"paging, pages of {page}: engine 10,000 accounts {Ms(pair.ANsMedian)} {pair.ABytesMedian / 1024:0} KiB ({pair.ANsMedian / 10000:0} ns, {pair.ABytesMedian / 10000:0} B per account)"
                        + $" | 1,000 accounts {Ms(pair.BNsMedian)} {pair.BBytesMedian / 1024:0} KiB ({pair.BNsMedian / 1000:0} ns, {pair.BBytesMedian / 1000:0} B per account)");
                }
                var vsRaw = Compare(() => bench.EngineFor(10000, 1000), () => bench.RawFor(10000, 1000), plan.PagingWarmup, plan.PagingSamples, 1, 1);
                log($"paging 10,000 accounts, pages of 1000: engine {Ms(vsRaw.ANsMedian)} {vsRaw.ABytesMedian / 1024:0} KiB | raw paging loop {Ms(vsRaw.BNsMedian)} {vsRaw.BBytesMedian / 1024:0} KiB");

                var p1000 = pages[1000];
                ratios.Set("paging-1000-per-account-ns", p1000.BNsMedian / 1000);
                ratios.Set("paging-10000-per-account-ns", p1000.ANsMedian / 10000);
                ratios.Set("paging-1000-per-account-bytes", p1000.BBytesMedian / 1000);
                ratios.Set("paging-10000-per-account-bytes", p1000.ABytesMedian / 10000);
                // Per-account cost at 10,000 over that at 1,000 (the two figures above divided): 1 = linear.
                ratios.Set("paging-linearity", (p1000.ANsMedian / 10000) / (p1000.BNsMedian / 1000));
                ratios.Set("paging-linearity-alloc", (p1000.ABytesMedian / 10000) / (p1000.BBytesMedian / 1000));
                ratios.Set("paging-100-linearity", (pages[100].ANsMedian / 10000) / (pages[100].BNsMedian / 1000));
                ratios.Set("paging-vs-raw", vsRaw.TimeRatio);
            }
            finally
            {
                bench.Cleanup();
            }
        }

        private static void RunColdStart(Plan plan, Ratios ratios, Action<string> log)
        {
            var bench = new ColdStart();
            bench.Setup();
            try
            {
                var engine = new List<double>();
                var raw = new List<double>();
                // One untimed run of each first (the first start after a build pays for the disk cache), which
                // also checks that each child loaded only what a real caller would.
                ColdStart.Spawn(ColdStart.EngineArg, BaseUriOf(bench), true, out string engineOut);
                ColdStart.Spawn(ColdStart.RawArg, BaseUriOf(bench), true, out string rawOut);
                CheckLoaded(engineOut, "engine", mustHave: "Ec2Capacity", mustNotHave: new[] { "BenchmarkDotNet", "Ec2Capacity.Emulator" });
                CheckLoaded(rawOut, "raw", mustHave: "AWSSDK.EC2", mustNotHave: new[] { "BenchmarkDotNet", "Ec2Capacity.Emulator", "Ec2Capacity" });
                log("cold-start children: engine loads " + CountLoaded(engineOut) + " assemblies, raw SDK " + CountLoaded(rawOut));
                for (int i = 0; i < plan.ColdStartRuns; i++)
                {
                    bool engineFirst = i % 2 == 0;
                    for (int k = 0; k < 2; k++)
                    {
                        bool doEngine = (k == 0) == engineFirst;
                        var t = ColdStart.Spawn(doEngine ? ColdStart.EngineArg : ColdStart.RawArg, BaseUriOf(bench));
                        (doEngine ? engine : raw).Add(t.TotalMilliseconds);
                    }
                }
                double e = Ratios.Median(engine), r = Ratios.Median(raw);
                log($"cold-start ({plan.ColdStartRuns} new processes each): engine median {e:0} ms | raw SDK median {r:0} ms");
                ratios.Note($"cold-start engine-ms {e:0} raw-ms {r:0}");
                ratios.Set("cold-start", e / r);
            }
            finally
            {
                bench.Cleanup();
            }
        }

        private static Uri BaseUriOf(ColdStart bench) => bench.Endpoint;

        private static void CheckLoaded(string output, string side, string mustHave, string[] mustNotHave)
        {
            var loaded = new HashSet<string>(output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("loaded ", StringComparison.Ordinal)).Select(l => l.Substring(7)));
            if (!loaded.Contains(mustHave)) throw new InvalidOperationException("the " + side + " cold-start child did not load " + mustHave);
            foreach (string name in mustNotHave)
            {
                if (loaded.Contains(name)) throw new InvalidOperationException("the " + side + " cold-start child loaded " + name + ": it would not measure a real caller");
            }
        }

        private static int CountLoaded(string output) => output.Split('\n').Count(l => l.StartsWith("loaded ", StringComparison.Ordinal));
    }
}
