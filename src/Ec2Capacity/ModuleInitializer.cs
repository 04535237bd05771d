using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Ec2Capacity.Engine;

namespace Ec2Capacity
{
    /// <summary>
    /// Runs when PowerShell imports the module and when it removes it.
    /// <list type="bullet">
    /// <item>Windows PowerShell 5.1 (.NET Framework) applies no binding redirects to modules, and AWSSDK.Core's
    /// dependencies (System.Text.Json, System.Memory …) ask each other for assembly versions that differ from the
    /// files that ship. An AssemblyResolve handler answers a request for ANY version of an assembly whose file ships in
    /// the module's bin folder with that file (the rule: <see cref="ShippedAssemblies"/>). PowerShell 7 resolves from
    /// the module folder itself, so the handler is installed on .NET Framework only.</item>
    /// <item>The AWSSDK.Core already loaded in the session (AWS.Tools) is checked (<see cref="AwsSdkCompatibility"/>):
    /// Fail stops the import with the message; Warn is kept and written as a warning by the first Ec2Capacity cmdlet
    /// that runs (there is no host to write to during import).</item>
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
            if (IsNetFramework())
            {
                HookAssemblyResolve();
            }
            CheckAwsSdk();
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
            var path = _shipped?.Find(args.Name);
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
        private static void CheckAwsSdk()
        {
            var verdict = AwsSdkCompatibility.CheckCurrentProcess();
            switch (verdict.Level)
            {
                case CompatibilityLevel.Fail:
                    throw new InvalidOperationException(verdict.Message);
                case CompatibilityLevel.Warn:
                    Interlocked.Exchange(ref _pendingWarning, verdict.Message);
                    break;
            }
        }
    }
}
