using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Ec2Capacity.Reliability.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Ec2Capacity.Reliability.Tests
{
    /// <summary>
    /// Issue 5, item 7 (covered in depth by the engine and contract tests): the decision the cmdlet assembly takes at
    /// import when AWS.Tools has already loaded an AWSSDK.Core, as a table of loaded versions with the figures.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class CompatibilityTests
    {
        private readonly ITestOutputHelper _output;

        public CompatibilityTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void An_older_AWSSDK_Core_in_the_session_is_named_with_both_versions_and_the_remedy()
        {
            var figures = new Figures(_output, "Dependency conflict");
            string ours = AwsSdkCompatibility.BuiltAgainstAwsSdkCoreVersion;
            var table = new (string Loaded, CompatibilityLevel Expected)[]
            {
                (null, CompatibilityLevel.Ok),                      // nothing loaded yet: ours will be
                (ours, CompatibilityLevel.Ok),
                ("4.0.102.20", CompatibilityLevel.Ok),
                ("4.1.0.0", CompatibilityLevel.Ok),
                ("4.0.102.5", CompatibilityLevel.Warn),             // a patch behind
                ("4.0.101.0", CompatibilityLevel.Fail),             // a feature release behind (AWS.Tools 4.x older)
                ("4.0.0.0", CompatibilityLevel.Fail),
                ("3.7.400.0", CompatibilityLevel.Fail),             // AWSPowerShell / AWS.Tools 4.1 era: another major
                ("5.0.0.0", CompatibilityLevel.Fail),
                ("not-a-version", CompatibilityLevel.Warn),
            };
            int ok = 0, warn = 0, fail = 0, wrong = 0, messagesComplete = 0, notOk = 0;
            foreach (var (loaded, expected) in table)
            {
                var verdict = AwsSdkCompatibility.Evaluate(ours, loaded);
                if (verdict.Level != expected) { wrong++; figures.Note($"{loaded}: {verdict.Level}, expected {expected}"); }
                switch (verdict.Level)
                {
                    case CompatibilityLevel.Ok: ok++; Assert.Equal(string.Empty, verdict.Message); break;
                    case CompatibilityLevel.Warn: warn++; break;
                    default: fail++; break;
                }
                if (verdict.Level == CompatibilityLevel.Ok) continue;
                notOk++;
                bool complete = verdict.Message.Contains(ours, StringComparison.Ordinal) && verdict.Message.Contains(loaded, StringComparison.Ordinal)
                    && verdict.Message.Contains("Update-AWSToolsModule", StringComparison.Ordinal) && verdict.Message.Contains("start a new session and run Import-Module Ec2Capacity before any AWS.Tools module", StringComparison.Ordinal);
                if (complete) messagesComplete++;
                else figures.Note($"{loaded}: message lacks a version or the remedy: {verdict.Message}");
            }
            var here = AwsSdkCompatibility.CheckCurrentProcess();
            var pinned = Regex.Match(File.ReadAllText(Path.Combine(RepoRoot(), "Directory.Packages.props")), "\"AWSSDK.Core\" Version=\"([^\"]+)\"").Groups[1].Value;

            figures.Add("loaded versions judged", table.Length);
            figures.Add("Ok / Warn / Fail", $"{ok} / {warn} / {fail}");
            figures.Add("decisions other than expected", wrong);
            figures.Add("Warn/Fail messages naming both versions and the remedy", $"{messagesComplete} of {notOk}");
            figures.Add("this process (AWSSDK.Core " + (AwsSdkCompatibility.GetLoadedAwsSdkCoreVersion() ?? "none") + ")", here.Level);
            figures.Add("built against / pinned in Directory.Packages.props", ours + " / " + pinned);

            Assert.Equal(0, wrong);
            Assert.Equal(notOk, messagesComplete);
            Assert.Equal(CompatibilityLevel.Ok, here.Level);
            Assert.Equal(pinned, ours);
        }

        private static string RepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props"))) return dir.FullName;
            }
            throw new InvalidOperationException("Directory.Packages.props not found above " + AppContext.BaseDirectory);
        }
    }
}
