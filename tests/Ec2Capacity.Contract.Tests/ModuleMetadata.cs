using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Ec2Capacity.Contract.Tests
{
    /// <summary>
    /// The built cmdlet assembly read through MetadataLoadContext, for what PowerShell cannot tell us (what Windows
    /// PowerShell 5.1 would need at load time). Everything PowerShell can answer is asked of it in tests/Pester.
    /// </summary>
    internal sealed class ModuleMetadata
    {
        private static readonly Lazy<ModuleMetadata> _instance = new Lazy<ModuleMetadata>(() => new ModuleMetadata());
        public static ModuleMetadata Instance => _instance.Value;

        public const string Sma = "System.Management.Automation.";

        public MetadataLoadContext Context { get; }
        public Assembly CmdletAssembly { get; }

        private ModuleMetadata()
        {
            if (!File.Exists(RepoLayout.CmdletAssembly))
                throw new InvalidOperationException($"{RepoLayout.CmdletAssembly} does not exist: build src/Ec2Capacity first (it lays out module/bin/).");

            var paths = new List<string>();
            paths.AddRange(Directory.GetFiles(RepoLayout.DesktopBin, "*.dll"));
            paths.Add(RepoLayout.SmaReference);
            var shipped = new HashSet<string>(paths.Select(Path.GetFileName), StringComparer.OrdinalIgnoreCase);
            // Runtime assemblies only for names the module does not ship, so module/bin always wins.
            paths.AddRange(Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
                .Where(p => !shipped.Contains(Path.GetFileName(p))));

            Context = new MetadataLoadContext(new PathAssemblyResolver(paths));
            CmdletAssembly = Context.LoadFromAssemblyPath(RepoLayout.CmdletAssembly);
        }
    }
}
