using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading.Tasks;

namespace Ec2Capacity.Pester.Tests
{
    /// <summary>Where the repository and the pinned tools are, as the build wrote them into this assembly.</summary>
    internal static class Layout
    {
        private static string Metadata(string key) =>
            typeof(Layout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value;

        public static string RepoRoot { get; } = Path.GetFullPath(Metadata("RepoRoot"));
        public static string PesterModule { get; } = Metadata("PesterModule");
        public static string PowerShellVersion { get; } = Metadata("PowerShellVersion");
        public static string Configuration { get; } = Metadata("Configuration");
        public static string NuGetPackageRoot { get; } = Metadata("NuGetPackageRoot");
        public static string Runner { get; } = Path.Combine(RepoRoot, "tests", "Pester", "Invoke-PesterRun.ps1");
    }

    internal sealed class ProcessResult
    {
        public int ExitCode { get; set; }
        public string Output { get; set; }
        public bool TimedOut { get; set; }
    }

    /// <summary>
    /// Starts the pwsh of the local tool manifest (<c>dotnet pwsh</c> from the repository root), as a user's fresh
    /// session: no profile, no AWS settings inherited from the machine running the tests.
    /// </summary>
    internal static class PowerShellProcess
    {
        public static async Task<ProcessResult> RunAsync(IEnumerable<string> arguments, TimeSpan timeout)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = Layout.RepoRoot,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("pwsh");
            start.ArgumentList.Add("-NoLogo");
            start.ArgumentList.Add("-NoProfile");
            start.ArgumentList.Add("-NonInteractive");
            foreach (var argument in arguments) start.ArgumentList.Add(argument);

            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.OrdinalIgnoreCase)).ToList())
                start.Environment.Remove(name);
            start.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
            start.Environment["POWERSHELL_UPDATECHECK"] = "Off";
            start.Environment["NO_COLOR"] = "1";
            start.Environment["EC2CAPACITY_CONFIGURATION"] = Layout.Configuration;
            // Where the suites find the other AWSSDK.Core files this project downloaded.
            start.Environment["EC2CAPACITY_NUGET_PACKAGES"] = Layout.NuGetPackageRoot;

            var output = new StringBuilder();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var exited = process.WaitForExitAsync();
            var timedOut = await Task.WhenAny(exited, Task.Delay(timeout)) != exited;
            if (timedOut)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            }
            await process.WaitForExitAsync();
            lock (output)
                return new ProcessResult { ExitCode = process.ExitCode, Output = output.ToString(), TimedOut = timedOut };
        }
    }
}
