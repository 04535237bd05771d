using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;

namespace Ec2Capacity.Benchmarks
{
    /// <summary>
    /// (5) Cold start: a new process that loads the engine and answers one usage request, vs a new process that
    /// does the same with the raw SDK. Both are this same assembly started with <c>dotnet</c> in a child mode
    /// (<see cref="ColdStartChild"/>), so the runtime's own start-up is the same on both sides; each invocation is
    /// a fresh process, and the median over the iterations is the figure.
    /// </summary>
    [Config(typeof(ColdStartConfig))]
    public class ColdStart
    {
        public const string EngineArg = "--cold-start-engine";
        public const string RawArg = "--cold-start-raw";
        /// <summary>Set by the host so the benchmark process (BenchmarkDotNet's or ours) finds the built dll with its runtimeconfig.</summary>
        public const string DllEnvironmentVariable = "EC2CAPACITY_BENCHMARKS_DLL";

        private EmulatorFixture _fx;

        public sealed class ColdStartConfig : ManualConfig
        {
            public ColdStartConfig()
            {
                AddJob(Job.Default
                    .WithStrategy(RunStrategy.Monitoring)
                    .WithLaunchCount(1)
                    .WithWarmupCount(1)
                    .WithIterationCount(9)
                    .WithInvocationCount(1)
                    .WithUnrollFactor(1)
                    .WithId("ColdStart"));
            }
        }

        [GlobalSetup]
        public void Setup() => _fx = EmulatorFixture.Start(null, 0);

        [GlobalCleanup]
        public void Cleanup() => _fx?.Dispose();

        public Uri Endpoint => _fx.BaseUri;

        [Benchmark(Baseline = true, Description = "new process, raw SDK")]
        public void RawProcess() => Spawn(RawArg, _fx.BaseUri);

        [Benchmark(Description = "new process, engine")]
        public void EngineProcess() => Spawn(EngineArg, _fx.BaseUri);

        /// <summary>Starts the child mode, waits for it, and returns its wall time.</summary>
        public static TimeSpan Spawn(string mode, Uri endpoint) => Spawn(mode, endpoint, false, out _);

        /// <summary>
        /// Starts the child mode and waits for it; with <paramref name="listAssemblies"/> the child also prints the
        /// assemblies it loaded (after it answered), to check that it loaded only what a real caller would.
        /// </summary>
        public static TimeSpan Spawn(string mode, Uri endpoint, bool listAssemblies, out string output)
        {
            var psi = new ProcessStartInfo(DotnetHost(), "exec \"" + BenchmarksDll() + "\" " + mode + " " + endpoint + " " + BenchSeed.SmallReservationId)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            // The child reads its keys from its own environment, like any SDK program would.
            psi.Environment["EC2CAPACITY_BENCH_ACCESS_KEY"] = BenchSeed.AccessKeyId;
            psi.Environment["EC2CAPACITY_BENCH_SECRET_KEY"] = BenchSeed.SecretAccessKey;
            psi.Environment["EC2CAPACITY_BENCH_REGION"] = BenchSeed.Region;
            if (listAssemblies) psi.Environment[ColdStartChild.ListAssembliesVariable] = "1";
            var watch = Stopwatch.StartNew();
            using (var process = Process.Start(psi))
            {
                string stdout = process.StandardOutput.ReadToEnd();
                string stderr = process.StandardError.ReadToEnd();
                if (!process.WaitForExit(120000))
                {
                    try { process.Kill(); } catch (InvalidOperationException) { }
                    throw new TimeoutException("cold-start child " + mode + " did not finish in 120 s");
                }
                watch.Stop();
                if (process.ExitCode != 0 || !stdout.Contains(BenchSeed.SmallReservationId))
                {
                    throw new InvalidOperationException("cold-start child " + mode + " failed (exit " + process.ExitCode + "): " + stdout + stderr);
                }
                output = stdout;
            }
            return watch.Elapsed;
        }

        public static string BenchmarksDll()
        {
            string fromHost = Environment.GetEnvironmentVariable(DllEnvironmentVariable);
            if (!string.IsNullOrEmpty(fromHost) && File.Exists(fromHost)) return fromHost;
            string here = typeof(ColdStart).Assembly.Location;
            return here;
        }

        /// <summary>The dotnet muxer of the running runtime (…/dotnet/shared/Microsoft.NETCore.App/x.y.z → …/dotnet/dotnet).</summary>
        public static string DotnetHost()
        {
            string exe = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet";
            var dir = new DirectoryInfo(RuntimeEnvironment.GetRuntimeDirectory());
            for (int i = 0; i < 4 && dir != null; i++, dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, exe);
                if (File.Exists(candidate)) return candidate;
            }
            return exe;
        }
    }

    /// <summary>
    /// The child modes of the cold-start comparison. Only the engine or only the SDK is touched here: no
    /// BenchmarkDotNet, no emulator, so the process loads what a real caller's would.
    /// </summary>
    public static class ColdStartChild
    {
        public const string ListAssembliesVariable = "EC2CAPACITY_BENCH_LIST_ASSEMBLIES";

        public static int Run(string mode, string endpoint, string reservationId)
        {
            string accessKey = Environment.GetEnvironmentVariable("EC2CAPACITY_BENCH_ACCESS_KEY");
            string secretKey = Environment.GetEnvironmentVariable("EC2CAPACITY_BENCH_SECRET_KEY");
            string region = Environment.GetEnvironmentVariable("EC2CAPACITY_BENCH_REGION");
            string id = mode == ColdStart.EngineArg
                ? ViaEngine(endpoint, reservationId, accessKey, secretKey, region)
                : ViaRawSdk(endpoint, reservationId, accessKey, secretKey, region);
            Console.WriteLine(id);
            if (Environment.GetEnvironmentVariable(ListAssembliesVariable) == "1")
            {
                foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
                {
                    Console.WriteLine("loaded " + assembly.GetName().Name);
                }
            }
            return 0;
        }

        private static string ViaEngine(string endpoint, string reservationId, string accessKey, string secretKey, string region)
        {
            var usage = new EngineCaller(new Uri(endpoint), region, accessKey, secretKey)
                .GetUsageAsync(reservationId).GetAwaiter().GetResult();
            return usage.CapacityReservationId;
        }

        private static string ViaRawSdk(string endpoint, string reservationId, string accessKey, string secretKey, string region)
        {
            using (var client = new AmazonEC2Client(new BasicAWSCredentials(accessKey, secretKey), RawCaller.NewConfig(new Uri(endpoint), region)))
            {
                var response = client.GetCapacityReservationUsageAsync(
                    new GetCapacityReservationUsageRequest { CapacityReservationId = reservationId }, CancellationToken.None).GetAwaiter().GetResult();
                return response.CapacityReservationId;
            }
        }
    }
}
