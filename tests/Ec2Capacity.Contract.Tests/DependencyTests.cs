using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Xunit;

namespace Ec2Capacity.Contract.Tests
{
    /// <summary>
    /// module/bin/Desktop/ as Windows PowerShell 5.1 (.NET Framework 4.7.2, no binding redirects for modules) will load
    /// it: read from metadata only, since 5.1 cannot run here. PowerShell 7's build (module/bin/Core/) is proven by
    /// importing it in pwsh (tests/Pester).
    /// </summary>
    public class DependencyTests
    {
        /// <summary>
        /// Assemblies a DLL in module/bin/ may reference without shipping them:
        /// - the classic .NET Framework assemblies (mscorlib, System, System.Core, System.Xml, System.Xml.Linq, System.Data,
        ///   System.Numerics, System.Net.Http, System.Runtime.Serialization, System.Configuration, System.Security,
        ///   System.ComponentModel.DataAnnotations, System.IO.Compression(.FileSystem), System.Transactions, System.Drawing,
        ///   Microsoft.CSharp): in the GAC of every .NET Framework 4.7.2 at version 4.0.0.0, and present as same-named
        ///   facades in every .NET runtime PowerShell 7 runs on;
        /// - netstandard: .NET Framework 4.7.1+ ships netstandard.dll 2.0.0.0 in-box (that is what lets a netstandard2.0
        ///   library load without shipping facades), and .NET has it too. In practice it is the only framework reference
        ///   the shipped DLLs make.
        /// Deliberately NOT accepted: the individual contract facades (System.Runtime, System.Collections, …) and
        /// look-alikes such as System.Memory, System.Buffers or System.Text.Json. The facades .NET Framework 4.7.2 has
        /// in-box carry older versions than newer packages ask for, and without binding redirects (none for modules) such a
        /// reference fails on Windows PowerShell 5.1; the look-alikes are not in-box at all and must ship. If one shows up,
        /// this test fails and a person decides.
        /// System.Management.Automation is accepted from Ec2Capacity.dll only: PowerShell itself supplies it.
        /// </summary>
        private static readonly HashSet<string> FrameworkAssemblies = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "mscorlib", "System", "System.Core", "System.Xml", "System.Xml.Linq", "System.Data", "System.Numerics", "System.Net.Http",
            "System.Runtime.Serialization", "System.Configuration", "System.Security", "System.ComponentModel.DataAnnotations",
            "System.IO.Compression", "System.IO.Compression.FileSystem", "System.Transactions", "System.Drawing", "Microsoft.CSharp",
            "netstandard",
        };

        private sealed class Dll
        {
            public string File;
            public string Name;
            public Version Version;
            public List<(string Name, Version Version)> References = new List<(string, Version)>();
            public List<string> TypeReferences = new List<string>();
            public List<string> MemberReferences = new List<string>();
        }

        private static readonly Lazy<List<Dll>> _bin = new Lazy<List<Dll>>(() =>
        {
            Assert.True(Directory.Exists(RepoLayout.DesktopBin), $"{RepoLayout.DesktopBin} does not exist: build src/Ec2Capacity first");
            return Directory.GetFiles(RepoLayout.DesktopBin, "*.dll").OrderBy(f => f, StringComparer.Ordinal).Select(Read).ToList();
        });

        private static Dll Read(string path)
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            var md = pe.GetMetadataReader();
            var def = md.GetAssemblyDefinition();
            var dll = new Dll { File = Path.GetFileName(path), Name = md.GetString(def.Name), Version = def.Version };
            foreach (var h in md.AssemblyReferences)
            {
                var r = md.GetAssemblyReference(h);
                dll.References.Add((md.GetString(r.Name), r.Version));
            }
            foreach (var h in md.TypeReferences)
            {
                var t = md.GetTypeReference(h);
                dll.TypeReferences.Add(md.GetString(t.Namespace) + "." + md.GetString(t.Name));
            }
            foreach (var h in md.MemberReferences)
            {
                var m = md.GetMemberReference(h);
                var parent = m.Parent.Kind == HandleKind.TypeReference
                    ? md.GetString(md.GetTypeReference((TypeReferenceHandle)m.Parent).Namespace) + "." + md.GetString(md.GetTypeReference((TypeReferenceHandle)m.Parent).Name)
                    : "?";
                dll.MemberReferences.Add(parent + "::" + md.GetString(m.Name));
            }
            return dll;
        }

        [Fact]
        public void No_System_Management_Automation_ships_and_only_the_module_assembly_references_it()
        {
            var p = new Problems("System.Management.Automation");
            foreach (var sma in Directory.GetFiles(RepoLayout.ModuleBin, "System.Management.Automation.dll", SearchOption.AllDirectories))
                p.Add($"{sma} exists: PowerShellStandard.Library must be PrivateAssets=\"all\" (PowerShell supplies its own)");
            foreach (var dll in _bin.Value.Where(d => d.Name != "Ec2Capacity"))
                foreach (var r in dll.References.Where(r => r.Name.StartsWith("System.Management.Automation", StringComparison.OrdinalIgnoreCase)
                                                            || r.Name.StartsWith("Microsoft.PowerShell", StringComparison.OrdinalIgnoreCase)))
                    p.Add($"{dll.File} references {r.Name} {r.Version}: only Ec2Capacity.dll may depend on PowerShell");
            p.AssertNone();
        }

        [Fact]
        public void Every_reference_is_shipped_or_part_of_the_framework()
        {
            var p = new Problems("module/bin dependency closure");
            var shipped = _bin.Value.ToDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);
            foreach (var dll in _bin.Value)
            {
                p.Check(string.Equals(dll.Name + ".dll", dll.File, StringComparison.OrdinalIgnoreCase), $"{dll.File} holds assembly {dll.Name} (file name must match for probing)");
                foreach (var (name, version) in dll.References)
                {
                    if (shipped.ContainsKey(name) || FrameworkAssemblies.Contains(name)) continue;
                    if (dll.Name == "Ec2Capacity" && name == "System.Management.Automation") continue;
                    p.Add($"{dll.File} references {name} {version}, which is neither in module/bin nor part of .NET Framework 4.7.2 / netstandard 2.0");
                }
            }
            foreach (var unwanted in _bin.Value.Where(d => d.Name.IndexOf("Test", StringComparison.OrdinalIgnoreCase) >= 0
                                                         || d.Name.IndexOf("Emulator", StringComparison.OrdinalIgnoreCase) >= 0
                                                         || d.Name.StartsWith("xunit", StringComparison.OrdinalIgnoreCase)))
                p.Add($"{unwanted.File} is a test/emulator assembly and must not ship in module/bin");
            p.AssertNone();
        }

        [Fact]
        public void Version_mismatches_among_shipped_dependencies_are_handled_by_a_module_initializer()
        {
            var shipped = _bin.Value.ToDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);
            var mismatches = new List<string>();
            foreach (var dll in _bin.Value)
                foreach (var (name, version) in dll.References)
                    if (shipped.TryGetValue(name, out var target) && target.Version != version)
                        mismatches.Add($"{dll.File} asks for {name} {version}, module/bin has {target.Version}");

            var p = new Problems("version mismatches (" + mismatches.Count + "): " + (mismatches.Count == 0 ? "none" : "\n      " + string.Join("\n      ", mismatches)) + "\n");
            if (mismatches.Count > 0)
            {
                // Windows PowerShell 5.1 applies no binding redirects for modules: an AssemblyResolve handler registered from
                // an IModuleAssemblyInitializer must answer any version of a shipped dependency with the shipped file.
                var initializers = ModuleMetadata.Instance.CmdletAssembly.GetTypes()
                    .Where(t => !t.IsAbstract && t.GetInterfaces().Any(i => i.FullName == ModuleMetadata.Sma + "IModuleAssemblyInitializer")).ToList();
                p.Check(initializers.Count == 1,
                    $"Ec2Capacity.dll has {initializers.Count} public classes implementing IModuleAssemblyInitializer; expected exactly one (design: ModuleInitializer.cs)");
                p.Check(initializers.All(t => t.IsPublic), "the IModuleAssemblyInitializer class must be public (PowerShell only looks at exported types)");
                var cmdletDll = _bin.Value.Single(d => d.Name == "Ec2Capacity");
                p.Check(cmdletDll.MemberReferences.Contains("System.AppDomain::add_AssemblyResolve"),
                    "Ec2Capacity.dll never subscribes AppDomain.AssemblyResolve, so nothing redirects those versions on .NET Framework");
            }
            p.AssertNone();
        }
    }
}
