using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace Ec2Capacity.Benchmarks
{
    /// <summary>
    /// Allocations of the client side alone. With the emulator in-process (as the benchmarks run it) every
    /// allocation counter also counts the server's work for the request, which is the same on both sides and
    /// so pulls the per-call allocation ratio towards 1. Here the emulator runs as a child process
    /// (<c>Ec2Capacity.Emulator.dll --port 0 --seed FILE</c>), so the process-wide counter sees only the caller:
    /// the engine vs the raw SDK, and the engine's own stages (resolution, client cache, service) one by one.
    /// </summary>
    public static class ClientOnlyAllocations
    {
        public sealed class Result
        {
            public double EngineBytes, RawBytes, EngineNs, RawNs;
            public double ResolveBytes, ResolveNs, GetClientBytes, GetClientNs;
            public double Ratio => EngineBytes / RawBytes;
        }

        public static Result Measure(int warmup, int samples, int invocations, Action<string> log)
        {
            string seedFile = Path.Combine(Path.GetTempPath(), "ec2capacity-bench-seed-" + Environment.ProcessId + ".json");
            File.WriteAllText(seedFile, BenchSeed.Build(Array.Empty<int>(), 0));
            Process emulator = null;
            try
            {
                emulator = StartEmulator(seedFile, out Uri endpoint);
                var engine = new EngineCaller(endpoint, BenchSeed.Region, BenchSeed.AccessKeyId, BenchSeed.SecretAccessKey);
                using (var raw = new RawCaller(endpoint, BenchSeed.Region, BenchSeed.AccessKeyId, BenchSeed.SecretAccessKey))
                {
                    Func<Task> e = () => engine.GetUsageAsync(BenchSeed.SmallReservationId);
                    Func<Task> r = () => RawCaller.GetUsageAsync(raw.Reused, BenchSeed.SmallReservationId);
                    for (int i = 0; i < warmup; i++)
                    {
                        e().GetAwaiter().GetResult();
                        r().GetAwaiter().GetResult();
                    }
                    var eb = new List<double>(); var rb = new List<double>(); var en = new List<double>(); var rn = new List<double>();
                    for (int s = 0; s < samples; s++)
                    {
                        bool engineFirst = s % 2 == 0;
                        for (int k = 0; k < 2; k++)
                        {
                            bool doEngine = (k == 0) == engineFirst;
                            var (ns, bytes) = Run(doEngine ? e : r, invocations);
                            (doEngine ? en : rn).Add(ns);
                            (doEngine ? eb : rb).Add(bytes);
                        }
                    }

                    // The engine's stages without a request: what a call pays before the SDK sends anything.
                    var resolver = new ConnectionResolver();
                    var options = new ConnectionOptions { Region = BenchSeed.Region, AccessKey = BenchSeed.AccessKeyId, SecretKey = BenchSeed.SecretAccessKey, EndpointUrl = endpoint.ToString() };
                    var connection = resolver.Resolve(options);
                    Ec2ClientCache.Shared.GetClient(connection);
                    var (resolveNs, resolveBytes) = Run(() => { resolver.Resolve(options); return Task.CompletedTask; }, 2000);
                    var (clientNs, clientBytes) = Run(() => { Ec2ClientCache.Shared.GetClient(connection); return Task.CompletedTask; }, 2000);

                    var result = new Result
                    {
                        EngineBytes = Ratios.Median(eb), RawBytes = Ratios.Median(rb), EngineNs = Ratios.Median(en), RawNs = Ratios.Median(rn),
                        ResolveBytes = resolveBytes, ResolveNs = resolveNs, GetClientBytes = clientBytes, GetClientNs = clientNs,
                    };
                    log($"per-call, client side only (emulator in a child process): engine {result.EngineBytes:0} B {result.EngineNs / 1000:0.0} us | raw reused client {result.RawBytes:0} B {result.RawNs / 1000:0.0} us | ratio {result.Ratio:0.000}");
                    log($"  engine stages: ConnectionResolver.Resolve {result.ResolveBytes:0} B {result.ResolveNs / 1000:0.00} us; Ec2ClientCache.GetClient {result.GetClientBytes:0} B {result.GetClientNs / 1000:0.00} us; "
                        + $"service + output object (the rest) {result.EngineBytes - result.RawBytes - result.ResolveBytes - result.GetClientBytes:0} B");
                    return result;
                }
            }
            finally
            {
                if (emulator != null)
                {
                    try { if (!emulator.HasExited) emulator.Kill(); } catch (InvalidOperationException) { }
                    emulator.WaitForExit(10000);
                    emulator.Dispose();
                }
                try { File.Delete(seedFile); } catch (IOException) { }
            }
        }

        private static (double ns, double bytes) Run(Func<Task> op, int invocations)
        {
            long before = GC.GetTotalAllocatedBytes(true);
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < invocations; i++) op().GetAwaiter().GetResult();
            long end = Stopwatch.GetTimestamp();
            long after = GC.GetTotalAllocatedBytes(true);
            return ((end - start) * 1e9 / Stopwatch.Frequency / invocations, (double)(after - before) / invocations);
        }

        /// <summary>The emulator's own dll, copied beside ours by the project reference.</summary>
        private static Process StartEmulator(string seedFile, out Uri endpoint)
        {
            string dll = Path.Combine(AppContext.BaseDirectory, "Ec2Capacity.Emulator.dll");
            var psi = new ProcessStartInfo(ColdStart.DotnetHost(), "exec \"" + dll + "\" --port 0 --seed \"" + seedFile + "\"")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            var process = Process.Start(psi);
            process.ErrorDataReceived += (_, __) => { };
            process.BeginErrorReadLine();
            var read = Task.Run(() =>
            {
                string line;
                while ((line = process.StandardOutput.ReadLine()) != null)
                {
                    var m = Regex.Match(line, @"listening on (http://127\.0\.0\.1:\d+)");
                    if (m.Success) return m.Groups[1].Value;
                }
                return null;
            });
            if (!read.Wait(TimeSpan.FromSeconds(60)) || read.Result == null)
            {
                try { process.Kill(); } catch (InvalidOperationException) { }
                throw new InvalidOperationException("the emulator child process did not report 'listening on'");
            }
            // Keep draining its output so it never blocks on a full pipe.
            Task.Run(() => { while (process.StandardOutput.ReadLine() != null) { } });
            endpoint = new Uri(read.Result + "/");
            return process;
        }
    }
}
