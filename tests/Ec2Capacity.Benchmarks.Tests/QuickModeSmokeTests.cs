using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace Ec2Capacity.Benchmarks.Tests
{
    /// <summary>
    /// Runs the benchmarks' <c>--smoke</c> mode (the quick runner with the fewest samples) as a child process and
    /// checks that it completes and prints one <c>ratio NAME VALUE</c> line per comparison with a positive number.
    /// Nothing here judges a time: absolute and relative timings on a shared machine are noise for a test.
    /// </summary>
    public class QuickModeSmokeTests
    {
        private static readonly string[] ExpectedNames = Ratios.Names;

        private readonly ITestOutputHelper _output;

        public QuickModeSmokeTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void SmokeModeCompletesAndPrintsEveryRatioLine()
        {
            var (exitCode, stdout, stderr) = RunBenchmarks("--smoke", TimeSpan.FromMinutes(4));
            _output.WriteLine(stdout);
            if (stderr.Length > 0) _output.WriteLine("stderr: " + stderr);

            Assert.True(exitCode == 0, "exit code " + exitCode + "\n" + stdout + stderr);
            Assert.DoesNotContain("FAILED", stdout);

            var lines = stdout.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            var ratioLines = lines.Where(l => l.StartsWith("ratio ", StringComparison.Ordinal)).ToList();
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (string line in ratioLines)
            {
                var m = Regex.Match(line, @"^ratio (\S+) (\S+)$");
                Assert.True(m.Success, "malformed ratio line: " + line);
                Assert.True(double.TryParse(m.Groups[2].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v), "not a number: " + line);
                values[m.Groups[1].Value] = v;
            }
            foreach (string name in ExpectedNames)
            {
                Assert.True(values.ContainsKey(name), "no 'ratio " + name + "' line");
                Assert.True(values[name] > 0 && !double.IsInfinity(values[name]), "ratio " + name + " is not a positive number: " + values[name]);
            }

            // The ratio lines come last.
            int lastNonEmpty = lines.FindLastIndex(l => l.Length > 0);
            Assert.Equal(ExpectedNames.Length, lines.Take(lastNonEmpty + 1).Reverse().TakeWhile(l => l.StartsWith("ratio ", StringComparison.Ordinal)).Count());
            // Batching is counted from the emulator journal: fewer requests than one per instance.
            Assert.True(values["batching-requests"] < 1, "the engine sent as many requests as one per instance");
        }

        private static (int, string, string) RunBenchmarks(string arguments, TimeSpan timeout, params (string, string)[] environment)
        {
            var psi = new ProcessStartInfo(DotnetHost(), "exec \"" + BenchmarksDll() + "\" " + arguments)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            foreach (var (name, value) in environment) psi.Environment[name] = value;
            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            using (var process = new Process { StartInfo = psi })
            {
                process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (stdout) stdout.Append(e.Data).Append('\n'); };
                process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.Append(e.Data).Append('\n'); };
                process.Start();
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                if (!process.WaitForExit((int)timeout.TotalMilliseconds))
                {
                    try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                    throw new TimeoutException("benchmarks " + arguments + " did not finish in " + timeout + "\n" + stdout);
                }
                process.WaitForExit();
                return (process.ExitCode, stdout.ToString(), stderr.ToString());
            }
        }

        /// <summary>The benchmarks dll with its runtimeconfig: beside this test's assembly, else in the benchmark project's own output.</summary>
        private static string BenchmarksDll()
        {
            string here = Path.Combine(AppContext.BaseDirectory, "Ec2Capacity.Benchmarks.dll");
            if (File.Exists(here) && File.Exists(Path.ChangeExtension(here, ".runtimeconfig.json"))) return here;
            // tests/Ec2Capacity.Benchmarks.Tests/bin/<Configuration>/net10.0/ → tests/Ec2Capacity.Benchmarks/bin/<Configuration>/net10.0/
            var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string configuration = tfmDir.Parent.Name;
            string candidate = Path.Combine(tfmDir.Parent.Parent.Parent.Parent.FullName, "Ec2Capacity.Benchmarks", "bin", configuration, tfmDir.Name, "Ec2Capacity.Benchmarks.dll");
            Assert.True(File.Exists(candidate), "benchmarks not built: " + candidate);
            return candidate;
        }

        private static string DotnetHost()
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
}
