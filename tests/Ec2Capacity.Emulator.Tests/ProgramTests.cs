using System;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Ec2Capacity.Emulator;
using Xunit;

namespace Ec2Capacity.Emulator.Tests
{
    public class ProgramTests
    {
        [Theory]
        [InlineData("--bogus")]
        [InlineData("--port")]
        [InlineData("--port", "abc")]
        [InlineData("--port", "70000")]
        [InlineData("--port", "-1")]
        [InlineData("--seed")]
        [InlineData("--seed", "/nonexistent/seed.json")]
        public async Task Bad_arguments_print_the_usage_and_exit_2(params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = await Program.RunAsync(args, stdout, stderr, CancellationToken.None);
            Assert.Equal(2, code);
            Assert.Contains("error:", stderr.ToString());
            Assert.DoesNotContain("listening on", stdout.ToString());
        }

        [Fact]
        public async Task An_invalid_seed_file_exits_2_naming_the_field()
        {
            string file = Path.GetTempFileName();
            try
            {
                await File.WriteAllTextAsync(file, Seeds.Demo(s => s["capacityReservations"][0]["state"] = "running"));
                var stderr = new StringWriter();
                Assert.Equal(2, await Program.RunAsync(new[] { "--seed", file }, new StringWriter(), stderr, CancellationToken.None));
                Assert.Contains("capacityReservations[0].state", stderr.ToString());
            }
            finally
            {
                File.Delete(file);
            }
        }

        [Fact]
        public async Task Help_exits_0()
        {
            var stdout = new StringWriter();
            Assert.Equal(0, await Program.RunAsync(new[] { "--help" }, stdout, new StringWriter(), CancellationToken.None));
            Assert.Contains("--seed FILE", stdout.ToString());
        }

        [Fact]
        public async Task It_prints_the_listening_line_serves_the_seed_and_stops_on_cancel()
        {
            string file = Path.GetTempFileName();
            try
            {
                await File.WriteAllTextAsync(file, Seeds.Demo(s => s["region"] = "eu-central-1"));
                var stdout = new LineWriter();
                using var stop = new CancellationTokenSource();
                var run = Program.RunAsync(new[] { "--port", "0", "--seed", file }, stdout, new StringWriter(), stop.Token);
                string line = await stdout.FirstLine.Task.WaitAsync(TimeSpan.FromSeconds(20));
                var m = Regex.Match(line, @"listening on (http://127\.0\.0\.1:(\d+))$");
                Assert.True(m.Success, line);
                Assert.NotEqual("0", m.Groups[2].Value);
                using var response = await Raw.Client.GetAsync(m.Groups[1].Value + "/_emulator/state");
                Assert.Contains("eu-central-1", await response.Content.ReadAsStringAsync());
                stop.Cancel();
                Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(20)));
            }
            finally
            {
                File.Delete(file);
            }
        }

        [Fact]
        public async Task As_a_process_it_announces_itself_and_exits_cleanly_on_SIGTERM()
        {
            string dll = Path.Combine(AppContext.BaseDirectory, "Ec2Capacity.Emulator.dll");
            string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
            var psi = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(dll);
            psi.ArgumentList.Add("--port");
            psi.ArgumentList.Add("0");
            using var process = Process.Start(psi);
            try
            {
                string line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
                var m = Regex.Match(line ?? "", @"listening on (http://127\.0\.0\.1:\d+)$");
                Assert.True(m.Success, line);
                using var response = await Raw.Client.GetAsync(m.Groups[1].Value + "/_emulator/state");
                Assert.Contains(DemoSeed.SourceReservationId, await response.Content.ReadAsStringAsync());

                if (OperatingSystem.IsWindows()) return;
                using (var kill = Process.Start("kill", "-TERM " + process.Id)) await kill.WaitForExitAsync();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
                Assert.Equal(0, process.ExitCode);
            }
            finally
            {
                if (!process.HasExited) process.Kill();
            }
        }

        private sealed class LineWriter : StringWriter
        {
            public TaskCompletionSource<string> FirstLine { get; } = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

            public override void WriteLine(string value)
            {
                base.WriteLine(value);
                FirstLine.TrySetResult(value);
            }
        }
    }
}
