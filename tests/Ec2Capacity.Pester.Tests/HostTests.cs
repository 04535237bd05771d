using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace Ec2Capacity.Pester.Tests
{
    /// <summary>The host itself: the pinned pwsh runs, and what Pester decides (pass, fail, broken file) is what xunit reports.</summary>
    public class HostTests
    {
        private static string Fixture(string name) => Path.Combine("tests", "Ec2Capacity.Pester.Tests", "Fixtures", name);

        [Fact]
        public async Task The_pwsh_that_runs_the_suites_is_the_version_the_manifest_and_the_props_pin()
        {
            using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Layout.RepoRoot, ".config", "dotnet-tools.json")));
            var pinned = manifest.RootElement.GetProperty("tools").GetProperty("powershell").GetProperty("version").GetString();
            Assert.Equal(Layout.PowerShellVersion, pinned);

            var run = await PowerShellProcess.RunAsync(new[] { "-Command", "$PSVersionTable.PSVersion.ToString()" }, TimeSpan.FromMinutes(1));
            Assert.Equal(0, run.ExitCode);
            Assert.Equal(pinned, run.Output.Trim());
        }

        [Fact]
        public async Task Each_outcome_is_the_one_Pester_reported()
        {
            var file = Fixture("Host.Tests.ps1");
            var results = (await PesterSuite.RunAsync(new[] { file }, discoverOnly: false))[file];

            Assert.Equal("Passed", results["host fixture > runs with the preferences of a user's fresh session"].Result);
            var broken = results["host fixture > fails on a broken assertion"];
            Assert.Equal("Failed", broken.Result);
            Assert.Contains("Expected 3, because this fixture proves a failed assertion fails the run, but got 2.", broken.Message);
            Assert.Contains("Host.Tests.ps1:13", broken.Message);
            Assert.Equal("Passed", results["host fixture > is data driven one"].Result);
            Assert.Equal("Passed", results["host fixture > is data driven two"].Result);
            var setup = results["a block whose BeforeAll throws > cannot pass"];
            Assert.Equal("Failed", setup.Result);
            Assert.Contains("setup broke", setup.Message);
        }

        [Fact]
        public async Task Discovery_names_tests_as_the_run_does()
        {
            var file = Fixture("Host.Tests.ps1");
            var discovered = (await PesterSuite.RunAsync(new[] { file }, discoverOnly: true))[file];
            var ran = (await PesterSuite.RunAsync(new[] { file }, discoverOnly: false))[file];
            Assert.Equal(ran.Keys.OrderBy(k => k, StringComparer.Ordinal), discovered.Keys.OrderBy(k => k, StringComparer.Ordinal));
            Assert.All(discovered.Values, d => Assert.Equal("NotRun", d.Result));
        }

        [Fact]
        public async Task A_file_that_does_not_parse_fails_as_a_whole()
        {
            var file = Fixture("Broken.Tests.ps1");
            var results = (await PesterSuite.RunAsync(new[] { file }, discoverOnly: false))[file];
            var whole = Assert.Single(results);
            Assert.Equal(PesterSuite.WholeFile, whole.Key);
            Assert.Equal("Failed", whole.Value.Result);
            Assert.Contains("Broken.Tests.ps1", whole.Value.Message);
        }
    }
}
