using System;
using System.IO;
using System.Linq;
using System.Reflection;

namespace Ec2Capacity.Contract.Tests
{
    /// <summary>Where the built module lives. Everything is found from the repository root, never from the current directory.</summary>
    internal static class RepoLayout
    {
        private static readonly Lazy<string> _root = new Lazy<string>(FindRoot);

        /// <summary>The folder that holds Ec2Capacity.sln (and Ec2Capacity.psd1, the module base).</summary>
        public static string Root => _root.Value;

        public static string Manifest => Path.Combine(Root, "Ec2Capacity.psd1");
        public static string ModuleBin => Path.Combine(Root, "module", "bin");
        /// <summary>The net472 build that Windows PowerShell 5.1 loads: the one whose closure only metadata can check here.</summary>
        public static string DesktopBin => Path.Combine(ModuleBin, "Desktop");
        public static string CmdletAssembly => Path.Combine(DesktopBin, "Ec2Capacity.dll");

        /// <summary>
        /// The reference System.Management.Automation.dll of PowerShellStandard.Library, as the csproj recorded it at build time
        /// (AssemblyMetadata "SystemManagementAutomationReference"). Only ever read through MetadataLoadContext.
        /// </summary>
        public static string SmaReference
        {
            get
            {
                var path = typeof(RepoLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                    .Where(a => a.Key == "SystemManagementAutomationReference").Select(a => a.Value).FirstOrDefault();
                if (string.IsNullOrEmpty(path) || !File.Exists(path))
                    throw new InvalidOperationException(
                        $"The test project did not record a usable PowerShellStandard.Library reference assembly (got '{path}'); " +
                        "check the PackageReference with GeneratePathProperty in Ec2Capacity.Contract.Tests.csproj.");
                return Path.GetFullPath(path);
            }
        }

        private static string FindRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Ec2Capacity.sln"))) return dir.FullName;
                dir = dir.Parent;
            }
            throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Ec2Capacity.sln.");
        }
    }
}
