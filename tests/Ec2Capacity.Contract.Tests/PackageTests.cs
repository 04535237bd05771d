using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Ec2Capacity.Contract.Tests
{
    /// <summary>
    /// The publishable module (issue 7 "Package"): built by the MSBuild target into a temporary folder, then checked
    /// file by file — the manifest, the assemblies for both editions, the format file and the help, and nothing else.
    /// </summary>
    public sealed class PackageTests : IClassFixture<PackageTests.BuiltPackage>
    {
        private readonly BuiltPackage _package;

        public PackageTests(BuiltPackage package) => _package = package;

        [Fact]
        public void Package_holds_exactly_the_manifest_assemblies_format_file_and_help()
        {
            var expected = new SortedSet<string>(StringComparer.Ordinal)
            {
                "Ec2Capacity.psd1",
                "module/Ec2Capacity.format.ps1xml",
                "module/Ec2Capacity.psm1",
                "en-US/Ec2Capacity.dll-Help.xml",
                "en-US/about_Ec2Capacity.help.txt",
            };
            foreach (var dll in Directory.GetFiles(RepoLayout.ModuleBin, "*.dll", SearchOption.AllDirectories))
            {
                expected.Add("module/bin/" + Path.GetRelativePath(RepoLayout.ModuleBin, dll).Replace('\\', '/'));
            }

            var actual = new SortedSet<string>(_package.Files(), StringComparer.Ordinal);
            var missing = expected.Except(actual).ToList();
            var extra = actual.Except(expected).ToList();
            Assert.True(missing.Count == 0 && extra.Count == 0,
                $"package content differs from the built module. Missing: [{string.Join(", ", missing)}]; unexpected: [{string.Join(", ", extra)}]");
        }

        [Fact]
        public void Package_ships_no_pdb_no_test_or_emulator_assembly_and_no_System_Management_Automation()
        {
            var forbidden = _package.Files().Where(f =>
                f.EndsWith(".pdb", StringComparison.OrdinalIgnoreCase)
                || f.IndexOf("System.Management.Automation", StringComparison.OrdinalIgnoreCase) >= 0
                || f.IndexOf("Emulator", StringComparison.OrdinalIgnoreCase) >= 0
                || f.IndexOf("Tests", StringComparison.OrdinalIgnoreCase) >= 0
                || f.IndexOf("xunit", StringComparison.OrdinalIgnoreCase) >= 0
                || f.IndexOf("Benchmark", StringComparison.OrdinalIgnoreCase) >= 0).ToList();
            Assert.True(forbidden.Count == 0, "the package ships files it must not: " + string.Join(", ", forbidden));
            Assert.Contains("module/bin/Ec2Capacity.LoadContext.dll", _package.Files());
            Assert.DoesNotContain(_package.Files(), f => f.EndsWith("Ec2Capacity.Engine.dll", StringComparison.Ordinal));
            foreach (var edition in new[] { "Core", "Desktop" })
                foreach (var dll in new[] { "Ec2Capacity.dll", "AWSSDK.Core.dll", "AWSSDK.EC2.dll" })
                    Assert.Contains($"module/bin/{edition}/{dll}", _package.Files());
        }

        [Fact]
        public void Packaged_manifest_equals_the_root_manifest_apart_from_FileList_and_sits_in_its_version_folder()
        {
            // Text, not a parse: the packaged manifest is the root one with only its FileList filled in.
            string WithoutFileList(string text) => Regex.Replace(text, @"FileList\s*=\s*@\([^)]*\)", "FileList = @(...)").TrimEnd();
            var root = File.ReadAllText(RepoLayout.Manifest);
            var packaged = File.ReadAllText(Path.Combine(_package.Directory, "Ec2Capacity.psd1"));
            Assert.Equal(WithoutFileList(root), WithoutFileList(packaged));
            var version = Regex.Match(root, @"ModuleVersion\s*=\s*'([0-9.]+)'").Groups[1].Value;
            Assert.Equal(version, new DirectoryInfo(_package.Directory).Name);
            Assert.Equal("Ec2Capacity", new DirectoryInfo(_package.Directory).Parent.Name);
        }

        /// <summary>Runs the MSBuild PackageModule target once, into a temporary folder, over the module the build laid out.</summary>
        public sealed class BuiltPackage : IDisposable
        {
            private readonly string _root = Path.Combine(Path.GetTempPath(), "ec2capacity-package-" + Guid.NewGuid().ToString("N"));

            public BuiltPackage()
            {
                var project = Path.Combine(RepoLayout.Root, "src", "Ec2Capacity", "Ec2Capacity.csproj");
                var start = new ProcessStartInfo("dotnet")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                    WorkingDirectory = RepoLayout.Root,
                };
                foreach (var arg in new[] { "msbuild", project, "-t:PackageModule", "-nologo", "-v:minimal", "-p:PackageRoot=" + _root + "/" })
                {
                    start.ArgumentList.Add(arg);
                }
                using var process = Process.Start(start);
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"dotnet msbuild -t:PackageModule failed ({process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
                }
                var versions = System.IO.Directory.GetDirectories(Path.Combine(_root, "Ec2Capacity"));
                if (versions.Length != 1) throw new InvalidOperationException($"expected one version folder, found {versions.Length}");
                Directory = versions[0];
            }

            /// <summary>out/Ec2Capacity/&lt;version&gt;/ of the temporary package root.</summary>
            public string Directory { get; }

            /// <summary>Every file in the package, relative, with forward slashes.</summary>
            public IReadOnlyList<string> Files() =>
                System.IO.Directory.GetFiles(Directory, "*", SearchOption.AllDirectories)
                    .Select(f => Path.GetRelativePath(Directory, f).Replace('\\', '/'))
                    .OrderBy(f => f, StringComparer.Ordinal)
                    .ToList();

            public void Dispose()
            {
                try { System.IO.Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }
}
