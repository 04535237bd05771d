using System;
using System.IO;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Xunit;

namespace Ec2Capacity.Tests
{
    public class CompatibilityTests
    {
        private const string Ours = "4.0.102.19";

        [Theory]
        [InlineData(null, CompatibilityLevel.Ok)]           // nothing loaded yet: ours will be
        [InlineData("", CompatibilityLevel.Ok)]
        [InlineData("4.0.102.19", CompatibilityLevel.Ok)]   // the same file
        [InlineData("4.0.102.25", CompatibilityLevel.Ok)]   // newer patch
        [InlineData("4.0.110.1", CompatibilityLevel.Ok)]    // newer release
        [InlineData("4.1.0.0", CompatibilityLevel.Ok)]
        [InlineData("4.0.102.3", CompatibilityLevel.Warn)]  // older patch only
        [InlineData("4.0.101.40", CompatibilityLevel.Fail)] // a release behind: members may be missing
        [InlineData("4.0.0.1", CompatibilityLevel.Fail)]
        [InlineData("3.7.400.0", CompatibilityLevel.Fail)]  // AWS.Tools v4 / AWSPowerShell (SDK v3)
        [InlineData("5.0.0.0", CompatibilityLevel.Fail)]    // another major, newer
        [InlineData("not-a-version", CompatibilityLevel.Warn)]
        public void Decision_table(string loaded, object expectedArgument)
        {
            // xunit needs public test methods; the module's types are internal.
            var expected = (CompatibilityLevel)expectedArgument;
            var verdict = AwsSdkCompatibility.Evaluate(Ours, loaded);
            Assert.Equal(expected, verdict.Level);
            Assert.Equal(Ours, verdict.BuiltAgainst);
            if (expected == CompatibilityLevel.Ok)
            {
                Assert.Equal(string.Empty, verdict.Message);
                return;
            }
            // Names both versions and the remedy.
            Assert.Contains(Ours, verdict.Message);
            Assert.Contains(loaded, verdict.Message);
            Assert.Contains("Windows PowerShell 5.1, start a new session and run Import-Module Ec2Capacity before any AWS.Tools module", verdict.Message);
            Assert.Contains("update AWS.Tools", verdict.Message);
            Assert.Contains(verdict.Level.ToString(), verdict.ToString());
        }

        [Fact]
        public void Versions_with_suffixes_or_fewer_parts_are_compared_by_their_numbers()
        {
            Assert.Equal(CompatibilityLevel.Ok, AwsSdkCompatibility.Evaluate(Ours, "4.0.102.19 (built by: x)").Level);
            Assert.Equal(CompatibilityLevel.Ok, AwsSdkCompatibility.Evaluate("4.0", "4.0.0.0").Level);
            Assert.Equal(CompatibilityLevel.Fail, AwsSdkCompatibility.Evaluate(Ours, "4.0").Level);
        }

        [Fact]
        public void A_missing_built_against_version_means_ours()
        {
            Assert.Equal(AwsSdkCompatibility.BuiltAgainstAwsSdkCoreVersion, AwsSdkCompatibility.Evaluate(null, "4.0.102.19").BuiltAgainst);
        }

        [Fact]
        public void The_built_against_version_is_the_pinned_package_and_the_loaded_file()
        {
            var props = File.ReadAllText(Path.Combine(RepoRoot(), "Directory.Packages.props"));
            var pinned = Regex.Match(props, "<PackageVersion Include=\"AWSSDK.Core\" Version=\"([^\"]+)\"").Groups[1].Value;
            Assert.Equal(AwsSdkCompatibility.BuiltAgainstAwsSdkCoreVersion, pinned);
            Assert.Equal(pinned, AwsSdkCompatibility.FileVersionOf(typeof(AWSCredentials).Assembly));
        }

        [Fact]
        public void The_loaded_version_is_read_from_the_process()
        {
            GC.KeepAlive(typeof(AWSCredentials)); // AWSSDK.Core is loaded in this test process
            Assert.Equal(AwsSdkCompatibility.BuiltAgainstAwsSdkCoreVersion, AwsSdkCompatibility.GetLoadedAwsSdkCoreVersion());
            Assert.Equal(CompatibilityLevel.Ok, AwsSdkCompatibility.CheckCurrentProcess().Level);
        }

        internal static string RepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props"))) return dir.FullName;
            }
            throw new InvalidOperationException("Directory.Packages.props not found above " + AppContext.BaseDirectory);
        }
    }
}
