using System;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Ec2Capacity
{
    /// <summary>How well the AWSSDK.Core loaded in the session suits the module.</summary>
    internal enum CompatibilityLevel
    {
        /// <summary>Nothing to say.</summary>
        Ok,
        /// <summary>Probably fine, but the user should know (a patch-level difference, or a version we cannot read).</summary>
        Warn,
        /// <summary>The module would fail later with MissingMethodException or a load error: stop the import.</summary>
        Fail,
    }

    /// <summary>The outcome of <see cref="AwsSdkCompatibility.Evaluate"/>.</summary>
    internal sealed class CompatibilityVerdict
    {
        internal CompatibilityVerdict(CompatibilityLevel level, string message, string builtAgainst, string loaded)
        {
            Level = level;
            Message = message;
            BuiltAgainst = builtAgainst;
            Loaded = loaded;
        }

        public CompatibilityLevel Level { get; }
        /// <summary>Empty when Ok; otherwise names both versions and the remedy.</summary>
        public string Message { get; }
        /// <summary>The AWSSDK.Core file version the module was built and tested with.</summary>
        public string BuiltAgainst { get; }
        /// <summary>The AWSSDK.Core file version already loaded in the session, or null.</summary>
        public string Loaded { get; }

        public override string ToString() => Level + (string.IsNullOrEmpty(Message) ? string.Empty : ": " + Message);
    }

    /// <summary>
    /// The AWS.Tools conflict, caught at import. AWSSDK.Core keeps assembly version 4.0.0.0 across every 4.x release,
    /// so when AWS.Tools has already loaded its own (older) AWSSDK.Core, PowerShell hands that one to this module too,
    /// and members the module's AWSSDK.EC2 needs may be missing (MissingMethodException at the first call). The file
    /// version tells the releases apart. This class never touches an AWS SDK type, so calling it loads no AWSSDK.Core.
    /// </summary>
    internal static class AwsSdkCompatibility
    {
        /// <summary>
        /// The AWSSDK.Core the module ships and was built against; it is also the minimum AWSSDK.EC2 declares
        /// ([4.0.102.19, 5.0)). Kept equal to Directory.Packages.props by a test.
        /// </summary>
        public const string BuiltAgainstAwsSdkCoreVersion = "4.0.102.19";

        private const string AwsSdkCoreName = "AWSSDK.Core";

        /// <summary>
        /// The decision. Loaded null (nothing loaded yet: ours will be) or the same or newer within the same major
        /// version → Ok. Older in the major, minor or build part (a feature release behind) or another major version →
        /// Fail. Older only in the revision (patch) part, or a version that cannot be read → Warn.
        /// </summary>
        public static CompatibilityVerdict Evaluate(string builtAgainst, string loaded)
        {
            builtAgainst = string.IsNullOrWhiteSpace(builtAgainst) ? BuiltAgainstAwsSdkCoreVersion : builtAgainst.Trim();
            loaded = string.IsNullOrWhiteSpace(loaded) ? null : loaded.Trim();
            if (loaded == null) return new CompatibilityVerdict(CompatibilityLevel.Ok, string.Empty, builtAgainst, null);

            if (!TryParse(builtAgainst, out var ours) || !TryParse(loaded, out var theirs))
            {
                return new CompatibilityVerdict(CompatibilityLevel.Warn,
                    $"Ec2Capacity was built against AWSSDK.Core {builtAgainst}, and the session has already loaded AWSSDK.Core {loaded}, "
                    + "whose version cannot be compared. If Ec2Capacity cmdlets fail with MissingMethodException or TypeLoadException, " + Remedy(builtAgainst),
                    builtAgainst, loaded);
            }
            if (theirs.Major != ours.Major)
            {
                return new CompatibilityVerdict(CompatibilityLevel.Fail,
                    $"Ec2Capacity needs AWSSDK.Core {ours.Major}.x (built against {builtAgainst}), but the session has already loaded AWSSDK.Core {loaded} "
                    + $"(another major version, for example from an older AWS.Tools or AWSPowerShell). The two cannot share a session. " + Remedy(builtAgainst),
                    builtAgainst, loaded);
            }
            if (theirs >= ours) return new CompatibilityVerdict(CompatibilityLevel.Ok, string.Empty, builtAgainst, loaded);

            bool patchOnly = theirs.Minor == ours.Minor && theirs.Build == ours.Build;
            if (patchOnly)
            {
                return new CompatibilityVerdict(CompatibilityLevel.Warn,
                    $"The session has already loaded AWSSDK.Core {loaded}, a patch release older than the {builtAgainst} Ec2Capacity was built against "
                    + "(probably by AWS.Tools). Ec2Capacity will use it; if its cmdlets fail with MissingMethodException, " + Remedy(builtAgainst),
                    builtAgainst, loaded);
            }
            return new CompatibilityVerdict(CompatibilityLevel.Fail,
                $"The session has already loaded AWSSDK.Core {loaded} (probably by AWS.Tools), older than the {builtAgainst} Ec2Capacity needs; "
                + "its cmdlets would fail with MissingMethodException. " + Remedy(builtAgainst),
                builtAgainst, loaded);
        }

        /// <summary>Evaluates the current process: <see cref="BuiltAgainstAwsSdkCoreVersion"/> against <see cref="GetLoadedAwsSdkCoreVersion"/>.</summary>
        public static CompatibilityVerdict CheckCurrentProcess() => Evaluate(BuiltAgainstAwsSdkCoreVersion, GetLoadedAwsSdkCoreVersion());

        /// <summary>
        /// The file version of the AWSSDK.Core already loaded in this process, or null when none is. Looks through the
        /// AppDomain's assemblies without loading anything; when several are loaded (PowerShell 7 load contexts), the
        /// lowest version, the one most likely to break.
        /// </summary>
        public static string GetLoadedAwsSdkCoreVersion()
        {
            string lowestText = null;
            Version lowest = null;
            foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
            {
                AssemblyName name;
                try { name = assembly.GetName(); }
                catch (Exception e) when (!(e is OutOfMemoryException)) { continue; }
                if (!string.Equals(name.Name, AwsSdkCoreName, StringComparison.OrdinalIgnoreCase)) continue;
                var text = FileVersionOf(assembly) ?? name.Version?.ToString();
                if (text == null) continue;
                if (!TryParse(text, out var version))
                {
                    if (lowestText == null) lowestText = text;
                    continue;
                }
                if (lowest == null || version < lowest) { lowest = version; lowestText = text; }
            }
            return lowestText;
        }

        /// <summary>AssemblyFileVersion (AWSSDK.Core's informational version is a meaningless 1.0.0+hash), else the file's own version info.</summary>
        internal static string FileVersionOf(Assembly assembly)
        {
            try
            {
                foreach (var data in assembly.GetCustomAttributesData())
                {
                    if (data.AttributeType.FullName == typeof(AssemblyFileVersionAttribute).FullName && data.ConstructorArguments.Count == 1)
                    {
                        if (data.ConstructorArguments[0].Value is string value && value.Length > 0) return value;
                    }
                }
            }
            catch (Exception e) when (!(e is OutOfMemoryException)) { }
            try
            {
                if (!assembly.IsDynamic && !string.IsNullOrEmpty(assembly.Location))
                {
                    var info = FileVersionInfo.GetVersionInfo(assembly.Location).FileVersion;
                    if (!string.IsNullOrEmpty(info)) return info;
                }
            }
            catch (Exception e) when (!(e is OutOfMemoryException)) { }
            return null;
        }

        // Windows PowerShell 5.1 only (PowerShell 7 keeps our AWSSDK.Core private). Our AWSSDK.Core loads when our
        // module is imported, and AWS.Tools accepts a newer AWSSDK.Core than its own, so importing us first works.
        private static string Remedy(string builtAgainst) =>
            "To fix it in Windows PowerShell 5.1, start a new session and run Import-Module Ec2Capacity before any AWS.Tools "
            + $"module (or AWSPowerShell), or update AWS.Tools (Update-AWSToolsModule) so that its AWSSDK.Core is {builtAgainst} "
            + "or newer. PowerShell 7.4+ has no such conflict.";

        private static bool TryParse(string text, out Version version)
        {
            version = null;
            if (string.IsNullOrEmpty(text)) return false;
            // File versions may carry a suffix ("4.0.102.19 (abc)", "4.0.102.19-preview").
            int end = 0;
            while (end < text.Length && (char.IsDigit(text[end]) || text[end] == '.')) end++;
            var core = text.Substring(0, end).TrimEnd('.');
            if (!Version.TryParse(core, out var parsed)) return false;
            // Missing parts count as 0, so 4.0 compares equal to 4.0.0.0.
            version = new Version(parsed.Major, parsed.Minor, Math.Max(0, parsed.Build), Math.Max(0, parsed.Revision));
            return true;
        }

    }
}
