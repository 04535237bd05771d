using System;
using System.Collections.Generic;
using System.IO;

namespace Ec2Capacity
{
    /// <summary>
    /// The shared credentials and config files (<c>~/.aws/credentials</c>, <c>~/.aws/config</c>) as the AWS CLI and
    /// SDKs lay them out, located through an injected environment: <c>-ProfileLocation</c> or
    /// <c>AWS_SHARED_CREDENTIALS_FILE</c> for the credentials file, <c>AWS_CONFIG_FILE</c> or the credentials file's
    /// folder for the config file (the SDK's rule). Only the reading that resolution needs: profile existence,
    /// static keys and region. Role, SSO and process profiles are built by AWSSDK.Core.
    /// </summary>
    internal sealed class SharedProfileFiles
    {
        private readonly Dictionary<string, Dictionary<string, string>> _credentials;
        private readonly Dictionary<string, Dictionary<string, string>> _config;

        private SharedProfileFiles(string credentialsPath, string configPath)
        {
            CredentialsPath = credentialsPath;
            ConfigPath = configPath;
            _credentials = Read(credentialsPath, isConfig: false);
            _config = Read(configPath, isConfig: true);
        }

        /// <summary>The credentials file looked at (it may not exist); null when no home folder is known.</summary>
        public string CredentialsPath { get; }
        /// <summary>The config file looked at (it may not exist); null when no home folder is known.</summary>
        public string ConfigPath { get; }

        /// <summary>Locates and reads the files. <paramref name="profileLocation"/> (-ProfileLocation) wins over the environment.</summary>
        public static SharedProfileFiles Load(IEnvironmentReader env, string profileLocation)
        {
            string credentialsPath = NotEmpty(profileLocation) ?? NotEmpty(env.GetVariable("AWS_SHARED_CREDENTIALS_FILE"));
            string home = HomeFolder(env);
            if (credentialsPath == null && home != null) credentialsPath = Path.Combine(home, ".aws", "credentials");
            string configPath = NotEmpty(env.GetVariable("AWS_CONFIG_FILE"));
            if (configPath == null && credentialsPath != null)
            {
                var folder = Path.GetDirectoryName(Path.GetFullPath(credentialsPath));
                if (!string.IsNullOrEmpty(folder)) configPath = Path.Combine(folder, "config");
            }
            return new SharedProfileFiles(credentialsPath, configPath);
        }

        /// <summary>Where a profile would be found, for messages.</summary>
        public string DescribeLocations()
        {
            if (CredentialsPath == null && ConfigPath == null) return "no shared credentials file (no home folder is known)";
            if (ConfigPath == null) return CredentialsPath;
            return CredentialsPath + " and " + ConfigPath;
        }

        /// <summary>True when either file has a section for the profile.</summary>
        public bool Contains(string profileName) => _credentials.ContainsKey(profileName) || _config.ContainsKey(profileName);

        /// <summary>The profile's properties (keys lower-case), config first and the credentials file on top, as the SDK merges them.</summary>
        public bool TryGetProfile(string profileName, out IReadOnlyDictionary<string, string> properties)
        {
            properties = null;
            if (!Contains(profileName)) return false;
            var merged = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (_config.TryGetValue(profileName, out var fromConfig)) foreach (var pair in fromConfig) merged[pair.Key] = pair.Value;
            if (_credentials.TryGetValue(profileName, out var fromCredentials)) foreach (var pair in fromCredentials) merged[pair.Key] = pair.Value;
            properties = merged;
            return true;
        }

        /// <summary>The profile's region, or null.</summary>
        public string RegionOf(string profileName) =>
            TryGetProfile(profileName, out var properties) && properties.TryGetValue("region", out var region) ? NotEmpty(region) : null;

        internal static string HomeFolder(IEnvironmentReader env)
        {
            var home = NotEmpty(env.GetVariable("HOME")) ?? NotEmpty(env.GetVariable("USERPROFILE"));
            if (home == null)
            {
                var drive = NotEmpty(env.GetVariable("HOMEDRIVE"));
                var path = NotEmpty(env.GetVariable("HOMEPATH"));
                if (drive != null && path != null) home = drive + path;
            }
            return home;
        }

        private static string NotEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

        /// <summary>
        /// A tolerant INI reader: <c>[name]</c> sections (in the config file <c>[profile name]</c> and <c>[default]</c>;
        /// other section kinds such as <c>[sso-session x]</c> are skipped), <c>key = value</c>, comments with # or ;,
        /// indented sub-properties skipped. A file that cannot be read counts as empty.
        /// </summary>
        private static Dictionary<string, Dictionary<string, string>> Read(string path, bool isConfig)
        {
            var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
            if (path == null) return sections;
            string[] lines;
            try
            {
                if (!File.Exists(path)) return sections;
                lines = File.ReadAllLines(path);
            }
            catch (IOException) { return sections; }
            catch (UnauthorizedAccessException) { return sections; }
            catch (ArgumentException) { return sections; }
            catch (NotSupportedException) { return sections; }

            Dictionary<string, string> current = null;
            foreach (var raw in lines)
            {
                var trimmed = raw.Trim();
                if (trimmed.Length == 0 || trimmed[0] == '#' || trimmed[0] == ';') continue;
                if (trimmed[0] == '[')
                {
                    current = null;
                    int close = trimmed.IndexOf(']');
                    if (close < 0) continue;
                    var header = trimmed.Substring(1, close - 1).Trim();
                    string name = null;
                    if (!isConfig) name = header;
                    else if (header == "default") name = "default";
                    else if (header.StartsWith("profile ", StringComparison.Ordinal) || header.StartsWith("profile\t", StringComparison.Ordinal)) name = header.Substring(8).Trim();
                    if (string.IsNullOrEmpty(name)) continue;
                    if (!sections.TryGetValue(name, out current))
                    {
                        current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                        sections[name] = current;
                    }
                    continue;
                }
                if (current == null || char.IsWhiteSpace(raw[0])) continue; // outside a profile, or a nested sub-property
                int equals = trimmed.IndexOf('=');
                if (equals <= 0) continue;
                var key = trimmed.Substring(0, equals).Trim();
                var value = trimmed.Substring(equals + 1).Trim();
                current[key] = value;
            }
            return sections;
        }
    }
}
