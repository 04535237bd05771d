using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System;

namespace Ec2Capacity
{
    /// <summary>
    /// Runs when PowerShell imports the module and when it removes it.
    /// <list type="bullet">
    /// <item>PowerShell 7: nothing to do. module/Ec2Capacity.psm1 loaded us into our own load context, where every
    /// assembly we ship comes from our folder, whatever another module loaded.</item>
    /// <item>Windows PowerShell 5.1 (.NET Framework) applies no binding redirects to modules, and AWSSDK.Core's
    /// dependencies (System.Text.Json, System.Memory …) ask each other for assembly versions that differ from the
    /// files that ship. An AssemblyResolve handler answers our own assemblies' requests for ANY version of a file we
    /// ship with that file (the rule: <see cref="ShippedAssemblies"/>).</item>
    /// <item>Windows PowerShell 5.1 has one AWSSDK.Core per session: the one already loaded (AWS.Tools) is checked
    /// (<see cref="AwsSdkCompatibility"/>) at import, which a Fail stops, and again before the first cmdlet, for one
    /// loaded after the import. A Warn is written by the first cmdlet (there is no host to write to during import).</item>
    /// </list>
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly object Gate = new object();
        private static ShippedAssemblies _shipped;
        private static bool _hooked;
        private static string _pendingWarning;

        [ThreadStatic]
        private static bool _resolving;

        /// <summary>Called by PowerShell after it loaded the module's assembly.</summary>
        public void OnImport()
        {
            if (!IsNetFramework()) return;
            HookAssemblyResolve();
            var verdict = CheckAwsSdk();
            if (verdict.Level == CompatibilityLevel.Fail) throw new InvalidOperationException(verdict.Message);
            if (verdict.Level == CompatibilityLevel.Warn) Interlocked.Exchange(ref _pendingWarning, verdict.Message);
            // Load ours now: a module imported after us then gets our (newer) AWSSDK.Core instead of bringing an older one.
            Assembly.LoadFrom(Path.Combine(_shipped.Folder, "AWSSDK.Core.dll"));
        }

        /// <summary>Called by PowerShell when the module is removed (Remove-Module).</summary>
        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            lock (Gate)
            {
                if (_hooked)
                {
                    AppDomain.CurrentDomain.AssemblyResolve -= OnAssemblyResolve;
                    _hooked = false;
                }
            }
        }

        /// <summary>The AWSSDK.Core warning found at import, once: the first cmdlet that runs writes it.</summary>
        internal static string TakePendingWarning() => Interlocked.Exchange(ref _pendingWarning, null);

        /// <summary>
        /// Windows PowerShell 5.1, before a cmdlet touches the SDK: an AWSSDK.Core that another module loaded after our
        /// import is the one our cmdlets would get. Ok on PowerShell 7, where ours is private.
        /// </summary>
        internal static CompatibilityVerdict CheckBeforeCmdlet() =>
            IsNetFramework() ? CheckAwsSdk() : AwsSdkCompatibility.Evaluate(null, null);

        private static bool IsNetFramework() =>
            RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

        private static void HookAssemblyResolve()
        {
            lock (Gate)
            {
                if (_hooked) return;
                var folder = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location);
                _shipped = ShippedAssemblies.FromFolder(folder);
                AppDomain.CurrentDomain.AssemblyResolve += OnAssemblyResolve;
                _hooked = true;
            }
        }

        private static Assembly OnAssemblyResolve(object sender, ResolveEventArgs args)
        {
            if (_resolving) return null;
            var path = _shipped?.Find(args.Name, args.RequestingAssembly?.Location);
            if (path == null || !File.Exists(path)) return null;
            try
            {
                _resolving = true;
                return Assembly.LoadFrom(path);
            }
            finally
            {
                _resolving = false;
            }
        }

        // Kept out of OnImport so that the resolve handler is installed before anything touches AWSSDK.Core's dependencies.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static CompatibilityVerdict CheckAwsSdk() => AwsSdkCompatibility.CheckCurrentProcess();
    }

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
