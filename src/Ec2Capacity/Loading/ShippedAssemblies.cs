using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace Ec2Capacity
{
    /// <summary>
    /// The rule behind the module's AssemblyResolve handler on Windows PowerShell 5.1 (.NET Framework, no binding
    /// redirects for modules): a request for ANY version of an assembly whose file ships in the module's bin folder is
    /// answered with that file, but only when the asking assembly is one of those files itself, so that no other
    /// module is handed our copies. Everything else (PowerShell's own assemblies, resource satellites, names we do not
    /// ship, requests from anyone else) is left to the runtime.
    /// </summary>
    internal sealed class ShippedAssemblies
    {
        private readonly Dictionary<string, string> _bySimpleName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        /// <param name="folder">The module's bin folder.</param>
        /// <param name="fileNames">The file names (or paths) found there; only *.dll counts.</param>
        public ShippedAssemblies(string folder, IEnumerable<string> fileNames)
        {
            Folder = folder ?? throw new ArgumentNullException(nameof(folder));
            foreach (var file in fileNames ?? new string[0])
            {
                var name = Path.GetFileName(file);
                if (name == null || !name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) continue;
                var simple = name.Substring(0, name.Length - 4);
                if (IsNeverAnswered(simple)) continue;
                _bySimpleName[simple] = Path.Combine(folder, name);
            }
        }

        /// <summary>The bin folder the files were listed from.</summary>
        public string Folder { get; }

        /// <summary>The simple names (without .dll) of the assemblies the handler answers for.</summary>
        public IEnumerable<string> Names => _bySimpleName.Keys;

        /// <summary>Lists the *.dll files of <paramref name="folder"/>.</summary>
        public static ShippedAssemblies FromFolder(string folder) =>
            new ShippedAssemblies(folder, Directory.Exists(folder) ? Directory.GetFiles(folder, "*.dll") : new string[0]);

        /// <summary>
        /// The path of the shipped file that answers a request for <paramref name="requestedAssemblyName"/> (a full or
        /// simple assembly name, any version, culture neutral) made by the assembly loaded from
        /// <paramref name="requestingAssemblyPath"/>, or null when the module does not ship it or someone else asks.
        /// </summary>
        public string Find(string requestedAssemblyName, string requestingAssemblyPath)
        {
            if (string.IsNullOrWhiteSpace(requestedAssemblyName) || !IsShippedFile(requestingAssemblyPath)) return null;
            AssemblyName parsed;
            try
            {
                parsed = new AssemblyName(requestedAssemblyName);
            }
            catch (Exception e) when (e is ArgumentException || e is FileLoadException)
            {
                return null;
            }
            var simple = parsed.Name;
            if (string.IsNullOrEmpty(simple) || IsNeverAnswered(simple)) return null;
            // A satellite (culture-specific resources) request is never ours: we ship neutral assemblies only.
            var culture = parsed.CultureName;
            if (!string.IsNullOrEmpty(culture)) return null;
            return _bySimpleName.TryGetValue(simple, out var path) ? path : null;
        }

        private bool IsShippedFile(string path)
        {
            if (string.IsNullOrEmpty(path)) return false;
            var name = Path.GetFileNameWithoutExtension(path);
            return _bySimpleName.TryGetValue(name, out var shipped)
                && string.Equals(Path.GetFullPath(shipped), Path.GetFullPath(path), StringComparison.OrdinalIgnoreCase);
        }

        private static bool IsNeverAnswered(string simpleName) =>
            simpleName.EndsWith(".resources", StringComparison.OrdinalIgnoreCase)
            || string.Equals(simpleName, "System.Management.Automation", StringComparison.OrdinalIgnoreCase)
            || string.Equals(simpleName, "mscorlib", StringComparison.OrdinalIgnoreCase)
            || string.Equals(simpleName, "netstandard", StringComparison.OrdinalIgnoreCase);
    }
}
