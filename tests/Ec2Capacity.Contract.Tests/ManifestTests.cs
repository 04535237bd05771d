using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace Ec2Capacity.Contract.Tests
{
    /// <summary>Ec2Capacity.psd1 at the repository root (issue 2 "Layout and build").</summary>
    public class ManifestTests
    {
        /// <summary>Keys Test-ModuleManifest / Import-Module accept in a manifest (Windows PowerShell 5.1 and PowerShell 7).</summary>
        private static readonly HashSet<string> ValidKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "RootModule", "ModuleToProcess", "ModuleVersion", "CompatiblePSEditions", "GUID", "Author", "CompanyName", "Copyright",
            "Description", "PowerShellVersion", "PowerShellHostName", "PowerShellHostVersion", "DotNetFrameworkVersion",
            "CLRVersion", "ProcessorArchitecture", "RequiredModules", "RequiredAssemblies", "ScriptsToProcess", "TypesToProcess",
            "FormatsToProcess", "NestedModules", "FunctionsToExport", "CmdletsToExport", "VariablesToExport", "AliasesToExport",
            "DscResourcesToExport", "ModuleList", "FileList", "PrivateData", "HelpInfoURI", "DefaultCommandPrefix",
        };

        internal static Dictionary<string, object> Manifest()
        {
            Assert.True(File.Exists(RepoLayout.Manifest), $"{RepoLayout.Manifest} does not exist");
            try { return Psd1Parser.ParseHashtable(File.ReadAllText(RepoLayout.Manifest)); }
            catch (FormatException e) { throw new Xunit.Sdk.XunitException($"Ec2Capacity.psd1 does not parse: {e.Message}"); }
        }

        private static string Str(Dictionary<string, object> m, string key) => m.TryGetValue(key, out var v) ? v as string : null;

        /// <summary>A single value where an array is expected counts as a one-element array (PowerShell does the same).</summary>
        internal static List<string> StrList(Dictionary<string, object> m, string key, Problems p)
        {
            if (!m.TryGetValue(key, out var v) || v == null) return null;
            var items = v is List<object> l ? l : new List<object> { v };
            var result = new List<string>();
            foreach (var item in items)
            {
                if (item is string s) result.Add(s);
                else p.Add($"{key}: element {item ?? "$null"} is not a string");
            }
            return result;
        }

        [Fact]
        public void Manifest_fields_match_the_spec()
        {
            var m = Manifest();
            var p = new Problems("Ec2Capacity.psd1");

            foreach (var key in m.Keys.Where(k => !ValidKeys.Contains(k)))
                p.Add($"unknown manifest key '{key}' (Test-ModuleManifest rejects it)");

            p.Check(Str(m, "RootModule") == "module/bin/Ec2Capacity.dll", $"RootModule is '{Str(m, "RootModule")}', expected 'module/bin/Ec2Capacity.dll'");
            foreach (var key in new[] { "ModuleVersion", "GUID", "Author", "Description" })
                p.Check(!string.IsNullOrWhiteSpace(Str(m, key)), $"{key} is missing or empty");
            p.Check(Guid.TryParseExact(Str(m, "GUID") ?? "", "D", out _), $"GUID '{Str(m, "GUID")}' is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
            p.Check(Version.TryParse(Str(m, "ModuleVersion") ?? "", out _), $"ModuleVersion '{Str(m, "ModuleVersion")}' is not a version");

            var editions = StrList(m, "CompatiblePSEditions", p) ?? new List<string>();
            p.Check(new HashSet<string>(editions).SetEquals(new[] { "Core", "Desktop" }),
                $"CompatiblePSEditions is [{string.Join(", ", editions)}], expected Core and Desktop");
            p.Check(Str(m, "PowerShellVersion") == "5.1", $"PowerShellVersion is '{Str(m, "PowerShellVersion")}', expected '5.1'");
            p.Check(Str(m, "DotNetFrameworkVersion") == "4.7.2", $"DotNetFrameworkVersion is '{Str(m, "DotNetFrameworkVersion")}', expected '4.7.2'");

            foreach (var key in new[] { "FunctionsToExport", "AliasesToExport", "VariablesToExport" })
            {
                var list = StrList(m, key, p);
                if (list == null) p.Add($"{key} is missing: without it PowerShell exports '*' and has to scan (set it to @())");
                else p.Check(list.Count == 0, $"{key} is [{string.Join(", ", list)}], expected @()");
            }

            var formats = StrList(m, "FormatsToProcess", p) ?? new List<string>();
            p.Check(formats.Contains("module/Ec2Capacity.format.ps1xml"),
                $"FormatsToProcess is [{string.Join(", ", formats)}], expected it to hold 'module/Ec2Capacity.format.ps1xml'");

            var privateData = m.TryGetValue("PrivateData", out var pd) ? pd as Dictionary<string, object> : null;
            var psData = privateData != null && privateData.TryGetValue("PSData", out var ps) ? ps as Dictionary<string, object> : null;
            if (psData == null) p.Add("PrivateData.PSData is missing");
            else
            {
                var tags = StrList(psData, "Tags", p) ?? new List<string>();
                foreach (var tag in new[] { "PSEdition_Core", "PSEdition_Desktop" })
                    p.Check(tags.Contains(tag), $"PrivateData.PSData.Tags lacks {tag} (has [{string.Join(", ", tags)}])");
                foreach (var tag in tags.Where(t => t.Any(char.IsWhiteSpace)))
                    p.Add($"PrivateData.PSData.Tags: '{tag}' contains whitespace (the gallery rejects it)");
                foreach (var key in new[] { "ProjectUri", "LicenseUri" })
                {
                    var uri = Str(psData, key);
                    p.Check(Uri.TryCreate(uri ?? "", UriKind.Absolute, out var u) && (u.Scheme == "https" || u.Scheme == "http"),
                        $"PrivateData.PSData.{key} '{uri}' is missing or not an absolute http(s) URI");
                }
                p.Check(!string.IsNullOrWhiteSpace(Str(psData, "ReleaseNotes")), "PrivateData.PSData.ReleaseNotes is missing or empty");
            }
            p.AssertNone();
        }

        [Fact]
        public void Every_file_the_manifest_names_exists_after_the_build()
        {
            var m = Manifest();
            var p = new Problems("files named in Ec2Capacity.psd1 (relative to the module base " + RepoLayout.Root + ")");
            foreach (var key in new[] { "RootModule", "FormatsToProcess", "TypesToProcess", "RequiredAssemblies", "NestedModules", "ScriptsToProcess" })
                foreach (var path in StrList(m, key, p) ?? new List<string>())
                {
                    p.Check(!Path.IsPathRooted(path), $"{key}: '{path}' is absolute; it must be relative to the module base");
                    p.Check(!path.Contains('\\'), $"{key}: '{path}' uses '\\'; use '/' so it resolves on Linux and macOS too");
                    var full = Path.Combine(RepoLayout.Root, path.Replace('\\', '/'));
                    p.Check(File.Exists(full), $"{key}: '{path}' does not exist ({full})");
                }
            p.AssertNone();
        }

        [Fact]
        public void CmdletsToExport_equals_the_cmdlets_in_the_assembly()
        {
            var m = Manifest();
            var p = new Problems("CmdletsToExport");
            var listed = StrList(m, "CmdletsToExport", p);
            if (listed == null) { p.Add("CmdletsToExport is missing (it must list the cmdlets explicitly)"); p.AssertNone(); }
            foreach (var name in listed.Where(n => n.Contains('*') || n.Contains('?')))
                p.Add($"'{name}' is a wildcard; list the cmdlets explicitly");
            var inAssembly = ModuleMetadata.Instance.Cmdlets.Select(c => c.Name).ToList();
            foreach (var name in inAssembly.Except(listed, StringComparer.Ordinal))
                p.Add($"{name} is a cmdlet in Ec2Capacity.dll but is not exported");
            foreach (var name in listed.Except(inAssembly, StringComparer.Ordinal))
                p.Add($"{name} is exported but no class in Ec2Capacity.dll declares it (check spelling/case)");
            foreach (var dup in listed.GroupBy(x => x, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
                p.Add($"{dup.Key} is listed {dup.Count()} times");
            p.AssertNone();
        }

        [Fact]
        public void ModuleVersion_is_the_version_of_the_built_assemblies()
        {
            var m = Manifest();
            var p = new Problems("version");
            Assert.True(Version.TryParse(Str(m, "ModuleVersion") ?? "", out var moduleVersion), $"ModuleVersion '{Str(m, "ModuleVersion")}' is not a version");
            var normalized = new Version(moduleVersion.Major, moduleVersion.Minor, Math.Max(0, moduleVersion.Build), Math.Max(0, moduleVersion.Revision));
            foreach (var asm in new[] { ModuleMetadata.Instance.CmdletAssembly, ModuleMetadata.Instance.EngineAssembly })
            {
                var v = asm.GetName().Version;
                p.Check(v == normalized, $"{asm.GetName().Name}.dll has assembly version {v}, the manifest says {moduleVersion} (stale module/bin? the build reads ModuleVersion)");
            }
            p.AssertNone();
        }
    }

    public class Psd1ParserTests
    {
        [Fact]
        public void Reads_the_manifest_subset()
        {
            var t = Psd1Parser.ParseHashtable(@"
# comment
@{
    RootModule = 'a/b.dll' # trailing
    <# block
       comment #>
    'Quoted Key' = ""plain""
    List = @(
        'x', 'it''s'
        'y'
    )
    Empty = @()
    Bare = 'p', 'q'
    Flags = $true; Off = $FALSE; N = 42; D = 1.5; Nothing = $null
    Nested = @{ Inner = @{ Deep = @('z') } }
}");
            Assert.Equal("a/b.dll", t["rootmodule"]);
            Assert.Equal("plain", t["Quoted Key"]);
            Assert.Equal(new List<object> { "x", "it's", "y" }, t["List"]);
            Assert.Empty((List<object>)t["Empty"]);
            Assert.Equal(new List<object> { "p", "q" }, t["Bare"]);
            Assert.Equal(true, t["Flags"]);
            Assert.Equal(false, t["Off"]);
            Assert.Equal(42L, t["N"]);
            Assert.Equal(1.5m, t["D"]);
            Assert.Null(t["Nothing"]);
            var deep = (Dictionary<string, object>)((Dictionary<string, object>)((Dictionary<string, object>)t["Nested"])["Inner"]);
            Assert.Equal(new List<object> { "z" }, deep["Deep"]);
        }

        [Theory]
        [InlineData("@{ A = \"$env:X\" }", "double-quoted")]
        [InlineData("@{ A = Get-Date }", "unsupported value")]
        [InlineData("@{ A = 'x' B = 'y' }", "after the value of 'A'")]
        [InlineData("@{ A = 'x'\n a = 'y' }", "duplicate key")]
        [InlineData("@{ A = 'x'", "unterminated")]
        [InlineData("@{ A = $env }", "only $true")]
        [InlineData("@('a')", "not a hashtable")]
        public void Rejects_what_it_does_not_understand(string text, string expected)
        {
            var e = Assert.Throws<FormatException>(() => Psd1Parser.ParseHashtable(text));
            Assert.Contains(expected, e.Message);
        }
    }
}
