using System;
using System.Threading.Tasks;
using Ec2Capacity.Emulator;

namespace Ec2Capacity.Benchmarks
{
    /// <summary>
    /// The in-process emulator on loopback (ephemeral port, no faults) plus the two callers pointed at it.
    /// Started in each benchmark class's GlobalSetup, so it lives in the process that measures.
    /// </summary>
    public sealed class EmulatorFixture : IDisposable
    {
        private EmulatorFixture(EmulatorServer server, string seed)
        {
            Server = server;
            Seed = seed;
            Engine = new EngineCaller(server.BaseUri, BenchSeed.Region, BenchSeed.AccessKeyId, BenchSeed.SecretAccessKey);
            Raw = new RawCaller(server.BaseUri, BenchSeed.Region, BenchSeed.AccessKeyId, BenchSeed.SecretAccessKey);
        }

        public EmulatorServer Server { get; }
        public string Seed { get; }
        public EngineCaller Engine { get; }
        public RawCaller Raw { get; }
        public Uri BaseUri => Server.BaseUri;

        public static EmulatorFixture Start(int[] accountSizes, int instances)
        {
            string seed = BenchSeed.Build(accountSizes ?? Array.Empty<int>(), instances);
            var server = Task.Run(() => EmulatorServer.StartAsync(seed, 0)).GetAwaiter().GetResult();
            return new EmulatorFixture(server, seed);
        }

        /// <summary>EC2 requests of one action the emulator has journaled since the last reset.</summary>
        public int CountRequests(string action)
        {
            int n = 0;
            foreach (var entry in Server.GetJournal())
            {
                if (string.Equals(entry.Action, action, StringComparison.Ordinal)) n++;
            }
            return n;
        }

        /// <summary>Back to the seeded state with an empty journal (the journal grows with every request).</summary>
        public void Reset() => Server.Reset(Seed);

        public void Dispose()
        {
            Raw.Dispose();
            Task.Run(async () => await Server.DisposeAsync()).GetAwaiter().GetResult();
        }
    }
}
