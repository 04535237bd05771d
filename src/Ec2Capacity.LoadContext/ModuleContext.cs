using System;
using System.Collections.Concurrent;
using System.IO;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;

namespace Ec2Capacity.LoadContext
{
    /// <summary>
    /// The module's private load context: an assembly whose file ships in the cmdlets' folder always loads from there;
    /// everything else (the framework, System.Management.Automation) comes from the default context, shared with PowerShell.
    /// </summary>
    public sealed class ModuleContext : AssemblyLoadContext
    {
        // Assemblies cannot be unloaded here, so a second Import-Module (-Force) gets the context the first one made.
        // Keyed by the build (the assembly's MVID), not the path: the same files imported through another path (a link,
        // a packaged copy) would otherwise be a second context with the same type names, which PowerShell's parameter
        // binding cannot tell apart (InvalidCastException when a runspace binds the other copy's cmdlet).
        private static readonly ConcurrentDictionary<Guid, Assembly> Loaded = new ConcurrentDictionary<Guid, Assembly>();

        private readonly string _folder;

        private ModuleContext(string folder) : base("Ec2Capacity", isCollectible: false) => _folder = folder;

        /// <summary>Loads the cmdlet assembly at <paramref name="path"/> into the module's context, for Import-Module -Assembly.</summary>
        public static Assembly LoadCmdlets(string path)
        {
            var full = Path.GetFullPath(path);
            return Loaded.GetOrAdd(BuildOf(full), _ => new ModuleContext(Path.GetDirectoryName(full)).LoadFromAssemblyPath(full));
        }

        private static Guid BuildOf(string path)
        {
            using (var stream = File.OpenRead(path))
            using (var pe = new PEReader(stream))
            {
                var metadata = pe.GetMetadataReader();
                return metadata.GetGuid(metadata.GetModuleDefinition().Mvid);
            }
        }

        protected override Assembly Load(AssemblyName name)
        {
            var file = Path.Combine(_folder, name.Name + ".dll");
            return File.Exists(file) ? LoadFromAssemblyPath(file) : null;
        }
    }
}
