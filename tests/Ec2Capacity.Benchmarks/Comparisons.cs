using System.Collections.Generic;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace Ec2Capacity.Benchmarks
{
    // Each class pairs the engine with the reference it is judged against; the reference is the Baseline,
    // so BenchmarkDotNet's Ratio and Alloc Ratio columns read "engine / reference" (lower is better).

    /// <summary>(1) Per-call overhead: one usage lookup through the engine vs the same request on a reused raw client.</summary>
    [MemoryDiagnoser]
    public class PerCall
    {
        private EmulatorFixture _fx;

        [GlobalSetup]
        public void Setup() => _fx = EmulatorFixture.Start(null, 0);

        [GlobalCleanup]
        public void Cleanup() => _fx?.Dispose();

        [Benchmark(Baseline = true, Description = "raw SDK, reused client")]
        public Task RawReusedClient() => RawCaller.GetUsageAsync(_fx.Raw.Reused, BenchSeed.SmallReservationId);

        [Benchmark(Description = "engine (resolve + cached client + service)")]
        public Task Engine() => _fx.Engine.GetUsageAsync(BenchSeed.SmallReservationId);

        /// <summary>The same without the per-call resolution: later objects of one pipeline.</summary>
        [Benchmark(Description = "engine, piped (connection resolved once)")]
        public Task EnginePiped() => _fx.Engine.GetUsagePipedAsync(BenchSeed.SmallReservationId);

        /// <summary>
        /// A/A control: the baseline's own code again, measured as a case of its own (after the engine's). Its ratio
        /// to the baseline is pure measurement spread (process to process, drift over the run), the yardstick for
        /// reading the engine's ratios of this run.
        /// </summary>
        [Benchmark(Description = "raw SDK, reused client, again (A/A control)")]
        public Task RawReusedClientAgain() => RawCaller.GetUsageAsync(_fx.Raw.Reused, BenchSeed.SmallReservationId);
    }

    /// <summary>(2) Client reuse: sequential lookups through the engine vs a new client per call (how AWS.Tools service cmdlets work).</summary>
    [MemoryDiagnoser]
    public class ClientReuse
    {
        private EmulatorFixture _fx;

        /// <summary>Sequential lookups per operation (200 in the issue).</summary>
        [Params(200)]
        public int Lookups { get; set; } = 200;

        [GlobalSetup]
        public void Setup() => _fx = EmulatorFixture.Start(null, 0);

        [GlobalCleanup]
        public void Cleanup() => _fx?.Dispose();

        [Benchmark(Baseline = true, Description = "new client per call (AWS.Tools)")]
        public async Task NewClientPerCall()
        {
            for (int i = 0; i < Lookups; i++)
            {
                using (var client = _fx.Raw.NewClient())
                {
                    await RawCaller.GetUsageAsync(client, BenchSeed.SmallReservationId).ConfigureAwait(false);
                }
            }
        }

        [Benchmark(Description = "engine (cached client)")]
        public async Task Engine()
        {
            for (int i = 0; i < Lookups; i++)
            {
                await _fx.Engine.GetUsageAsync(BenchSeed.SmallReservationId).ConfigureAwait(false);
            }
        }
    }

    /// <summary>(3) Batching: the credit option of many instances, engine batches vs one request per instance.</summary>
    [MemoryDiagnoser]
    public class Batching
    {
        public const string Action = "ModifyInstanceCreditSpecification";
        private EmulatorFixture _fx;
        private List<string> _ids;

        /// <summary>Instances per operation (1,000 in the issue).</summary>
        [Params(1000)]
        public int Instances { get; set; } = 1000;

        /// <summary>The engine's batch size: the cmdlet's default (100).</summary>
        public int BatchSize { get; set; } = 100;

        public EmulatorFixture Fixture => _fx;

        [GlobalSetup]
        public void Setup()
        {
            _fx = EmulatorFixture.Start(null, Instances);
            _ids = new List<string>(Instances);
            for (int i = 1; i <= Instances; i++) _ids.Add(BenchSeed.InstanceId(i));
        }

        [GlobalCleanup]
        public void Cleanup() => _fx?.Dispose();

        [Benchmark(Baseline = true, Description = "one request per instance (raw, reused client)")]
        public async Task OneRequestPerInstance()
        {
            var client = _fx.Raw.Reused;
            foreach (string id in _ids)
            {
                await RawCaller.SetCreditsAsync(client, id, "unlimited").ConfigureAwait(false);
            }
        }

        [Benchmark(Description = "engine (CreditBatcher, batches of 100, 4 in flight as the cmdlet sends them)")]
        public async Task Engine()
        {
            int ok = await _fx.Engine.SetCreditsAsync(_ids, "unlimited", BatchSize).ConfigureAwait(false);
            if (ok != _ids.Count) throw new System.InvalidOperationException("engine set " + ok + " of " + _ids.Count + " instances");
        }
    }

    /// <summary>(4) Paging at scale: a reservation with 1,000 or 10,000 using accounts, in pages of 100 or 1,000.</summary>
    [MemoryDiagnoser]
    public class Paging
    {
        public static readonly int[] AccountSizes = { 1000, 10000 };
        private EmulatorFixture _fx;

        [Params(1000, 10000)]
        public int Accounts { get; set; } = 1000;

        [Params(100, 1000)]
        public int PageSize { get; set; } = 1000;

        [GlobalSetup]
        public void Setup()
        {
            _fx = EmulatorFixture.Start(AccountSizes, 0);
        }

        [GlobalCleanup]
        public void Cleanup() => _fx?.Dispose();

        [Benchmark(Baseline = true, Description = "raw SDK paging loop, reused client")]
        public Task<int> RawPagingLoop() => RawFor(Accounts, PageSize);

        [Benchmark(Description = "engine (all pages merged)")]
        public Task<int> Engine() => EngineFor(Accounts, PageSize);

        public async Task<int> RawFor(int accounts, int pageSize) =>
            (await RawCaller.GetAllUsagesAsync(_fx.Raw.Reused, BenchSeed.ReservationWithAccounts(accounts), pageSize).ConfigureAwait(false)).Count;

        public async Task<int> EngineFor(int accounts, int pageSize)
        {
            var usage = await _fx.Engine.GetUsageAsync(BenchSeed.ReservationWithAccounts(accounts), pageSize).ConfigureAwait(false);
            if (usage.InstanceUsages.Length != accounts) throw new System.InvalidOperationException("engine merged " + usage.InstanceUsages.Length + " of " + accounts + " accounts");
            return usage.InstanceUsages.Length;
        }
    }
}
