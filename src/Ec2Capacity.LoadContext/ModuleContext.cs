using System;
using System.Collections.Concurrent;
using System.IO;
using System.Reflection;
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
        private static readonly ConcurrentDictionary<string, Assembly> Loaded = new ConcurrentDictionary<string, Assembly>(StringComparer.Ordinal);

        private readonly string _folder;

        private ModuleContext(string folder) : base("Ec2Capacity", isCollectible: false) => _folder = folder;

        /// <summary>Loads the cmdlet assembly at <paramref name="path"/> into the module's context, for Import-Module -Assembly.</summary>
        public static Assembly LoadCmdlets(string path)
        {
            var full = Path.GetFullPath(path);
            return Loaded.GetOrAdd(full, p => new ModuleContext(Path.GetDirectoryName(p)).LoadFromAssemblyPath(p));
        }

        protected override Assembly Load(AssemblyName name)
        {
            var file = Path.Combine(_folder, name.Name + ".dll");
            return File.Exists(file) ? LoadFromAssemblyPath(file) : null;
        }
    }
}
