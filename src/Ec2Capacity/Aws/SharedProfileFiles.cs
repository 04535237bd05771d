using System;
using System.IO;
using Amazon.Runtime.CredentialManagement;

namespace Ec2Capacity
{
    /// <summary>
    /// The shared credentials and config files. Which credentials file is ours to decide (-ProfileLocation, then
    /// <c>AWS_SHARED_CREDENTIALS_FILE</c>, then <c>~/.aws/credentials</c>, located through an injected environment so the
    /// order is testable); reading it, and finding its config file (<c>AWS_CONFIG_FILE</c>, else beside it), is
    /// AWSSDK.Core's <see cref="SharedCredentialsFile"/>, the reader AWS.Tools uses.
    /// </summary>
    internal sealed class SharedProfileFiles
    {
        private readonly SharedCredentialsFile _file;

        private SharedProfileFiles(string credentialsPath)
        {
            CredentialsPath = credentialsPath;
            if (credentialsPath == null) return;
            try
            {
                _file = new SharedCredentialsFile(credentialsPath);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                _file = null; // an unreadable file counts as no profiles; the messages say where we looked
            }
        }

        /// <summary>The credentials file looked at (it may not exist); null when no home folder is known.</summary>
        public string CredentialsPath { get; }

        /// <summary>The config file AWSSDK.Core reads with it.</summary>
        public string ConfigPath => _file?.ConfigFilePath is string configured && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_CONFIG_FILE"))
            ? configured
            : CredentialsPath == null ? null : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(CredentialsPath)) ?? string.Empty, "config");

        /// <summary>Locates the credentials file. <paramref name="profileLocation"/> (-ProfileLocation) wins over the environment.</summary>
        public static SharedProfileFiles Load(IEnvironmentReader env, string profileLocation)
        {
            string credentialsPath = NotEmpty(profileLocation) ?? NotEmpty(env.GetVariable("AWS_SHARED_CREDENTIALS_FILE"));
            string home = HomeFolder(env);
            if (credentialsPath == null && home != null) credentialsPath = Path.Combine(home, ".aws", "credentials");
            return new SharedProfileFiles(credentialsPath);
        }

        /// <summary>Where a profile would be found, for messages.</summary>
        public string DescribeLocations()
        {
            if (CredentialsPath == null) return "no shared credentials file (no home folder is known)";
            return CredentialsPath + " and " + ConfigPath;
        }

        /// <summary>The profile as AWSSDK.Core reads it from either file, or false.</summary>
        public bool TryGetProfile(string profileName, out CredentialProfile profile)
        {
            profile = null;
            if (_file == null) return false;
            try
            {
                return _file.TryGetProfile(profileName, out profile);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is InvalidOperationException)
            {
                return false;
            }
        }

        /// <summary>True when either file has the profile.</summary>
        public bool Contains(string profileName) => TryGetProfile(profileName, out _);

        /// <summary>The profile's region, or null.</summary>
        public string RegionOf(string profileName) => TryGetProfile(profileName, out var profile) ? profile.Region?.SystemName : null;

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
    }
}
