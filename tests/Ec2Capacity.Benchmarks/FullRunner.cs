using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Ec2Capacity.Benchmarks
{
    /// <summary>The BenchmarkDotNet run (<c>--filter '*'</c> and any other BenchmarkDotNet arguments), then the ratio lines from its summaries.</summary>
    public static class FullRunner
    {
        public static int Run(string[] args)
        {
            var config = DefaultConfig.Instance
                .AddColumn(StatisticColumn.Median)
                .WithArtifactsPath(ArtifactsPath())
                .WithOptions(ConfigOptions.DisableLogFile);
            var summaries = BenchmarkSwitcher.FromAssembly(typeof(FullRunner).Assembly).Run(args, config).ToList();
            if (summaries.Count == 0 || summaries.All(s => s.Reports.Length == 0))
            {
                return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
            }

            var ratios = FromSummaries(summaries);
            if (summaries.Any(s => s.Reports.Any(r => r.BenchmarkCase.Descriptor.Type == typeof(Batching))))
            {
                CountBatchingRequests(ratios);
            }
            if (summaries.Any(s => s.Reports.Any(r => r.BenchmarkCase.Descriptor.Type == typeof(PerCall))))
            {
                // Not a BenchmarkDotNet figure: the caller's allocations with the emulator out of process (see ClientOnlyAllocations).
                var clientOnly = ClientOnlyAllocations.Measure(500, 25, 40, line => Console.WriteLine("# " + line));
                ratios.Note($"per-call client-only engine-bytes {clientOnly.EngineBytes:0} raw-bytes {clientOnly.RawBytes:0} (resolve {clientOnly.ResolveBytes:0}, get-client {clientOnly.GetClientBytes:0})");
                ratios.Set("per-call-alloc-client", clientOnly.Ratio);
            }
            Console.WriteLine();
            Console.WriteLine("# Ec2Capacity benchmark figures (engine / reference; from the BenchmarkDotNet summary)");
            foreach (string note in ratios.Notes) Console.WriteLine("# " + note);
            Console.Write(ratios.ToLines());
            return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
        }

        /// <summary>BenchmarkDotNet.Artifacts beside the project (not in whatever directory dotnet run was started from).</summary>
        private static string ArtifactsPath()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            for (int i = 0; i < 5 && dir != null; i++, dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Ec2Capacity.Benchmarks.csproj")))
                {
                    return Path.Combine(dir.FullName, "BenchmarkDotNet.Artifacts");
                }
            }
            return Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts");
        }

        private sealed class Figure
        {
            public double MeanNs;
            public double MedianNs;
            public double Bytes;
        }

        private static string Key(Type type, string method, params (string, object)[] parameters)
        {
            return type.Name + "." + method + string.Concat(parameters.Select(p => "|" + p.Item1 + "=" + p.Item2));
        }

        public static Ratios FromSummaries(IEnumerable<Summary> summaries)
        {
            var figures = new Dictionary<string, Figure>();
            foreach (var summary in summaries)
            {
                foreach (var report in summary.Reports)
                {
                    var stats = report.ResultStatistics;
                    if (stats == null) continue;
                    var bc = report.BenchmarkCase;
                    var parameters = bc.Parameters.Items.Select(p => (p.Name, p.Value)).OrderBy(p => p.Name, StringComparer.Ordinal).ToArray();
                    double bytes = double.NaN;
                    var perOp = report.GcStats.GetBytesAllocatedPerOperation(bc);
                    if (perOp.HasValue) bytes = perOp.Value;
                    figures[Key(bc.Descriptor.Type, bc.Descriptor.WorkloadMethod.Name, parameters)] =
                        new Figure { MeanNs = stats.Mean, MedianNs = stats.Median, Bytes = bytes };
                }
            }

            var ratios = new Ratios();
            Figure F(Type t, string m, params (string, object)[] p)
            {
                figures.TryGetValue(Key(t, m, p.OrderBy(x => x.Item1, StringComparer.Ordinal).ToArray()), out var f);
                return f;
            }
            void SetRatio(string name, Figure engine, Figure reference, Func<Figure, double> pick)
            {
                if (engine != null && reference != null) ratios.Set(name, pick(engine) / pick(reference));
            }

            var pcE = F(typeof(PerCall), nameof(PerCall.Engine));
            var pcR = F(typeof(PerCall), nameof(PerCall.RawReusedClient));
            SetRatio("per-call-time", pcE, pcR, f => f.MeanNs);
            SetRatio("per-call-alloc", pcE, pcR, f => f.Bytes);
            var pcP = F(typeof(PerCall), nameof(PerCall.EnginePiped));
            SetRatio("per-call-piped-time", pcP, pcR, f => f.MeanNs);
            SetRatio("per-call-piped-alloc", pcP, pcR, f => f.Bytes);
            SetRatio("per-call-aa-time", F(typeof(PerCall), nameof(PerCall.RawReusedClientAgain)), pcR, f => f.MeanNs);
            if (pcE != null && pcR != null)
            {
                ratios.Note($"per-call engine-ns {pcE.MeanNs:0} raw-ns {pcR.MeanNs:0} engine-bytes {pcE.Bytes:0} raw-bytes {pcR.Bytes:0}");
            }

            var crE = F(typeof(ClientReuse), nameof(ClientReuse.Engine), ("Lookups", 200));
            var crR = F(typeof(ClientReuse), nameof(ClientReuse.NewClientPerCall), ("Lookups", 200));
            SetRatio("client-reuse", crE, crR, f => f.MeanNs);
            SetRatio("client-reuse-alloc", crE, crR, f => f.Bytes);

            SetRatio("batching-time",
                F(typeof(Batching), nameof(Batching.Engine), ("Instances", 1000)),
                F(typeof(Batching), nameof(Batching.OneRequestPerInstance), ("Instances", 1000)), f => f.MeanNs);

            Figure P(string m, int accounts, int page) => F(typeof(Paging), m, ("Accounts", accounts), ("PageSize", page));
            var small = P(nameof(Paging.Engine), 1000, 1000);
            var large = P(nameof(Paging.Engine), 10000, 1000);
            if (small != null && large != null)
            {
                ratios.Set("paging-1000-per-account-ns", small.MeanNs / 1000);
                ratios.Set("paging-10000-per-account-ns", large.MeanNs / 10000);
                ratios.Set("paging-1000-per-account-bytes", small.Bytes / 1000);
                ratios.Set("paging-10000-per-account-bytes", large.Bytes / 10000);
                ratios.Set("paging-linearity", (large.MeanNs / 10000) / (small.MeanNs / 1000));
                ratios.Set("paging-linearity-alloc", (large.Bytes / 10000) / (small.Bytes / 1000));
            }
            var small100 = P(nameof(Paging.Engine), 1000, 100);
            var large100 = P(nameof(Paging.Engine), 10000, 100);
            if (small100 != null && large100 != null)
            {
                ratios.Set("paging-100-linearity", (large100.MeanNs / 10000) / (small100.MeanNs / 1000));
            }
            SetRatio("paging-vs-raw", large, P(nameof(Paging.RawPagingLoop), 10000, 1000), f => f.MeanNs);

            var csE = F(typeof(ColdStart), nameof(ColdStart.EngineProcess));
            var csR = F(typeof(ColdStart), nameof(ColdStart.RawProcess));
            SetRatio("cold-start", csE, csR, f => f.MedianNs);
            if (csE != null && csR != null)
            {
                ratios.Note($"cold-start engine-ms {csE.MedianNs / 1e6:0} raw-ms {csR.MedianNs / 1e6:0}");
            }
            return ratios;
        }

        /// <summary>Requests are counted, not timed: one operation of each side against a fresh emulator, read from its journal.</summary>
        private static void CountBatchingRequests(Ratios ratios)
        {
            var bench = new Batching { Instances = 1000 };
            bench.Setup();
            try
            {
                bench.Fixture.Reset();
                bench.Engine().GetAwaiter().GetResult();
                int engineRequests = bench.Fixture.CountRequests(Batching.Action);
                bench.Fixture.Reset();
                bench.OneRequestPerInstance().GetAwaiter().GetResult();
                int rawRequests = bench.Fixture.CountRequests(Batching.Action);
                ratios.Note($"batching-requests engine {engineRequests} reference {rawRequests}");
                ratios.Set("batching-requests", (double)engineRequests / rawRequests);
            }
            finally
            {
                bench.Cleanup();
            }
        }
    }
}
