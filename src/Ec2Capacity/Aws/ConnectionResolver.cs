using System.Globalization;
using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;

namespace Ec2Capacity
{
    /// <summary>Credentials found by a host-level source (container or EC2 instance profile).</summary>
    internal sealed class HostCredentials
    {
        public HostCredentials(AWSCredentials credentials, string source)
        {
            Credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));
            Source = source ?? "host credentials";
        }

        public AWSCredentials Credentials { get; }
        /// <summary>Where they came from, in words.</summary>
        public string Source { get; }
    }

    /// <summary>
    /// Finds credentials and region the way AWS.Tools for PowerShell does, plus AWS_PROFILE and the region of the
    /// profile named by -ProfileName.
    /// <para>Credentials: -AccessKey/-SecretKey[/-SessionToken] → -ProfileName (+ -ProfileLocation; a missing profile is
    /// an error) → -Credential → $StoredAWSCredentials → AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN] →
    /// the profile named by AWS_PROFILE → the <c>default</c> profile → container, then EC2 instance-profile credentials.</para>
    /// <para>Region: -Region → $StoredAWSRegion → region of the -ProfileName profile → region of the AWS_PROFILE (or
    /// <c>default</c>) profile → AWS_REGION → AWS_DEFAULT_REGION → EC2 instance metadata.</para>
    /// Only the last step of each chain touches the network; both can be switched off (tests always do).
    /// </summary>
    internal sealed class ConnectionResolver
    {
        /// <summary>AWS.Tools' wording, kept so users recognise it.</summary>
        public const string NoCredentialsMessage = "No credentials specified or obtained from persisted/shell defaults.";
        public const string NoRegionMessage = "No region specified or obtained from persisted/shell defaults.";

        private static readonly Regex RegionPattern = new Regex("^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$", RegexOptions.CultureInvariant);
        public ConnectionResolver(IEnvironmentReader environment = null)
        {
            Environment = environment ?? ProcessEnvironmentReader.Instance;
        }

        /// <summary>Where environment variables come from.</summary>
        public IEnvironmentReader Environment { get; }

        /// <summary>Whether the last credential step (container, then EC2 instance profile) runs. Off in tests: it can reach the network.</summary>
        public bool AllowInstanceCredentials { get; set; } = true;

        /// <summary>Whether the last region step (EC2 instance metadata) runs. Off in tests: it reaches the network.</summary>
        public bool AllowInstanceRegion { get; set; } = true;

        /// <summary>
        /// Whether a profile not found in the shared files is also looked up through AWSSDK.Core's
        /// CredentialProfileStoreChain (on Windows this adds the encrypted SDK store that AWS.Tools'
        /// <c>Set-AWSCredential -StoreAs</c> writes to). On by default on Windows only.
        /// </summary>
        public bool UseSdkProfileStore { get; set; } = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>The container/instance credential step; returns null when none is available. Replaceable for tests.</summary>
        public Func<IEnvironmentReader, HostCredentials> HostCredentialsProvider { get; set; } = DefaultHostCredentials;

        /// <summary>The instance-metadata region step; returns null when none is available. Replaceable for tests.</summary>
        public Func<IEnvironmentReader, string> InstanceRegionProvider { get; set; } = DefaultInstanceRegion;

        /// <summary>Resolves credentials, region and endpoint. Throws <see cref="ConnectionResolutionException"/> when something is missing or wrong.</summary>
        /// <remarks>
        /// When -AccessKey, -SecretKey and -Region are all given, nothing else can change the outcome (the first step of
        /// each chain wins, and neither reads the environment, a file or a session variable), so the connection is
        /// remembered per exact input (<see cref="ExplicitConnections"/>) and later calls with the same input get
        /// the same object back without resolving again. Every other resolution runs in full on every call: the
        /// environment, the profile files and the session variables may have changed since the last one.
        /// </remarks>
        public ResolvedConnection Resolve(ConnectionOptions options)
        {
            options = options ?? new ConnectionOptions();
            if (!ExplicitConnections.Applies(options)) return ResolveNow(options);
            var remembered = ExplicitConnections.Shared.Find(options);
            if (remembered != null) return remembered;
            var resolved = ResolveNow(options);
            ExplicitConnections.Shared.Remember(options, resolved);
            return resolved;
        }

        private ResolvedConnection ResolveNow(ConnectionOptions options)
        {
            string endpoint = IsGiven(options.EndpointUrl) ? ValidateEndpoint(options.EndpointUrl) : null;
            // The shared files are read only when a step that needs them is reached (not at all for explicit keys and region).
            var files = new ProfileFilesOnDemand(Environment, Given(options.ProfileLocation));
            var credentials = ResolveCredentials(options, files);
            RefuseUnsafeKeyText(credentials);
            var region = ResolveRegion(options, files);
            return new ResolvedConnection(credentials.Credentials, credentials.AccessKeyId, credentials.Source, credentials.Identity,
                region.Key, region.Value, endpoint);
        }

        /// <summary>The shared profile files of one resolution, read on first use (at most once).</summary>
        private sealed class ProfileFilesOnDemand
        {
            private readonly IEnvironmentReader _environment;
            private readonly string _profileLocation;
            private SharedProfileFiles _files;

            public ProfileFilesOnDemand(IEnvironmentReader environment, string profileLocation)
            {
                _environment = environment;
                _profileLocation = profileLocation;
            }

            public SharedProfileFiles Files => _files ?? (_files = SharedProfileFiles.Load(_environment, _profileLocation));
        }

        // ----- credentials -------------------------------------------------------------------------------------------

        /// <summary>
        /// Keys and tokens go into HTTP headers as they are: a line break would inject a header, a non-ASCII character
        /// breaks the request. Checked for fixed keys from every source, before any request; the value is never shown.
        /// </summary>
        private static void RefuseUnsafeKeyText(Found found)
        {
            if (found.AccessKeyId == null) return; // refreshing credentials: their keys come from AWS, not from a person
            var keys = found.Credentials.GetCredentials();
            Check(keys.AccessKey, "access key ID");
            Check(keys.SecretKey, "secret access key");
            Check(keys.Token, "session token");

            void Check(string text, string what)
            {
                if (string.IsNullOrEmpty(text)) return;
                for (int i = 0; i < text.Length; i++)
                {
                    char c = text[i];
                    if (c >= 0x20 && c <= 0x7e) continue;
                    var kind = c == '\r' || c == '\n' ? "a line break" : c < 0x20 || c == 0x7f ? "a control character" : "a non-ASCII character";
                    throw new ConnectionResolutionException(
                        string.Format(CultureInfo.InvariantCulture, Messages.UnsafeCredentialText, what, found.Source, kind, i + 1),
                        ConnectionErrorIds.InvalidCredentialText);
                }
            }
        }

        private sealed class Found
        {
            public AWSCredentials Credentials;
            public string Source;
            public string Identity;
            public string AccessKeyId;
        }

        private Found ResolveCredentials(ConnectionOptions options, ProfileFilesOnDemand files)
        {
            var tried = new List<string>();

            // 1. -AccessKey / -SecretKey [/ -SessionToken]
            bool hasAccess = IsGiven(options.AccessKey), hasSecret = IsGiven(options.SecretKey), hasToken = IsGiven(options.SessionToken);
            if (hasAccess != hasSecret)
            {
                throw new ConnectionResolutionException(hasAccess
                    ? Messages.AccessKeyWithoutSecretKey
                    : Messages.SecretKeyWithoutAccessKey,
                    ConnectionErrorIds.IncompleteKeys);
            }
            if (hasToken && !hasAccess)
            {
                throw new ConnectionResolutionException(Messages.SessionTokenWithoutKeys,
                    ConnectionErrorIds.IncompleteKeys);
            }
            if (hasAccess)
            {
                var access = options.AccessKey.Trim();
                AWSCredentials keys = hasToken
                    ? new SessionAWSCredentials(access, options.SecretKey.Trim(), options.SessionToken.Trim())
                    : (AWSCredentials)new BasicAWSCredentials(access, options.SecretKey.Trim());
                return Static(keys, hasToken ? "-AccessKey/-SecretKey/-SessionToken" : "-AccessKey/-SecretKey");
            }
            tried.Add("-AccessKey/-SecretKey (not given)");

            // 2. -ProfileName: a missing profile is an error, no fall-through.
            var profileName = Given(options.ProfileName);
            if (profileName != null)
            {
                var hit = FromProfile(profileName, files, options, "-ProfileName");
                if (hit == null)
                {
                    throw new ConnectionResolutionException(
                        string.Format(CultureInfo.InvariantCulture, Messages.ProfileNotFound, profileName, files.Files.DescribeLocations(), UseSdkProfileStore && Given(options.ProfileLocation) == null ? Messages.OrTheSdkCredentialStore : string.Empty),
                        ConnectionErrorIds.ProfileNotFound);
                }
                if (hit.Credentials == null)
                {
                    throw new ConnectionResolutionException(
                        string.Format(CultureInfo.InvariantCulture, Messages.ProfileWithoutCredentials, profileName),
                        ConnectionErrorIds.InvalidProfile);
                }
                return hit;
            }
            tried.Add("-ProfileName (not given)");

            // 3. -Credential
            if (options.Credential != null)
            {
                return FromObject(options.Credential, "-Credential");
            }
            tried.Add("-Credential (not given)");

            // 4. $StoredAWSCredentials (AWS.Tools' Set-AWSCredential)
            if (options.StoredCredentials != null && !(options.StoredCredentials is string s && s.Trim().Length == 0))
            {
                return FromObject(options.StoredCredentials, "$StoredAWSCredentials");
            }
            tried.Add("$StoredAWSCredentials (not set)");

            // 5. environment keys
            var envAccess = Given(Environment.GetVariable("AWS_ACCESS_KEY_ID"));
            var envSecret = Given(Environment.GetVariable("AWS_SECRET_ACCESS_KEY"));
            var envToken = Given(Environment.GetVariable("AWS_SESSION_TOKEN"));
            if (envAccess != null && envSecret != null)
            {
                AWSCredentials keys = envToken != null ? new SessionAWSCredentials(envAccess, envSecret, envToken) : (AWSCredentials)new BasicAWSCredentials(envAccess, envSecret);
                return Static(keys, envToken != null
                    ? "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN"
                    : "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
            }
            tried.Add(envAccess == null && envSecret == null
                ? "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (not set)"
                : envAccess == null ? "environment variables (AWS_SECRET_ACCESS_KEY set but AWS_ACCESS_KEY_ID missing)"
                : "environment variables (AWS_ACCESS_KEY_ID set but AWS_SECRET_ACCESS_KEY missing)");

            // 6. AWS_PROFILE: a profile that does not exist is an error, like in the AWS CLI and SDKs.
            var envProfile = Given(Environment.GetVariable("AWS_PROFILE"));
            if (envProfile != null)
            {
                var hit = FromProfile(envProfile, files, options, "AWS_PROFILE");
                if (hit == null)
                {
                    throw new ConnectionResolutionException(
                        string.Format(CultureInfo.InvariantCulture, Messages.AwsProfileNotFound, envProfile, files.Files.DescribeLocations()),
                        ConnectionErrorIds.ProfileNotFound);
                }
                if (hit.Credentials != null) return hit;
                tried.Add($"AWS_PROFILE profile '{envProfile}' (no credentials in it)");
            }
            else
            {
                tried.Add("AWS_PROFILE (not set)");
            }

            // 7. the default profile
            if (envProfile != "default")
            {
                var hit = FromProfile("default", files, options, "default profile");
                if (hit?.Credentials != null) return hit;
                tried.Add(hit == null
                    ? $"profile 'default' in {files.Files.DescribeLocations()} (not found)"
                    : "profile 'default' (no credentials in it)");
            }

            // 8. container, then instance profile
            if (AllowInstanceCredentials && HostCredentialsProvider != null)
            {
                HostCredentials host = null;
                string problem = "not available";
                try { host = HostCredentialsProvider(Environment); }
                catch (Exception e) when (!(e is OutOfMemoryException)) { problem = e.Message; }
                if (host != null)
                {
                    var accessKeyId = ResolvedConnection.StaticAccessKeyId(host.Credentials, out var identity, "host:" + host.Source);
                    return new Found { Credentials = host.Credentials, Source = host.Source, Identity = identity, AccessKeyId = accessKeyId };
                }
                tried.Add("container and EC2 instance credentials (" + problem + ")");
            }
            else
            {
                tried.Add("container and EC2 instance credentials (not tried)");
            }

            throw new ConnectionResolutionException(
                string.Format(CultureInfo.InvariantCulture, Messages.NoCredentials, NoCredentialsMessage, string.Join(", ", tried)),
                ConnectionErrorIds.NoCredentials);
        }

        private static Found Static(AWSCredentials credentials, string source)
        {
            var accessKeyId = ResolvedConnection.StaticAccessKeyId(credentials, out var identity, null);
            return new Found { Credentials = credentials, Source = source, Identity = identity, AccessKeyId = accessKeyId };
        }

        private static Found FromObject(object value, string parameter)
        {
            var credentials = CredentialObjects.Extract(value, out var detail);
            if (credentials == null)
            {
                var typeName = (value is IFormattable || value is string) ? value.GetType().Name : value.GetType().FullName;
                throw new ConnectionResolutionException(
                    string.Format(CultureInfo.InvariantCulture, Messages.NotCredentials, parameter, typeName),
                    ConnectionErrorIds.InvalidCredential);
            }
            var source = parameter == "$StoredAWSCredentials" ? "$StoredAWSCredentials (AWS.Tools session" + (detail != null ? ", " + detail : string.Empty) + ")"
                : detail != null ? parameter + " (" + detail + ")" : parameter;
            if (credentials is ForeignCredentials foreign) source += " [read from " + foreign.ForeignTypeName + " of another AWSSDK.Core load]";
            var accessKeyId = ResolvedConnection.StaticAccessKeyId(credentials, out var identity, null);
            return new Found { Credentials = credentials, Source = source, Identity = identity, AccessKeyId = accessKeyId };
        }

        /// <summary>
        /// Looks a profile up. Null: not found. Credentials null: found without credentials.
        /// </summary>
        private Found FromProfile(string name, ProfileFilesOnDemand onDemand, ConnectionOptions options, string how)
        {
            var files = onDemand.Files;
            var label = how == "-ProfileName" ? $"profile '{name}' (-ProfileName)"
                : how == "AWS_PROFILE" ? $"profile '{name}' (AWS_PROFILE)" : $"profile '{name}'";
            if (files.TryGetProfile(name, out var profile))
            {
                label += " in " + files.DescribeLocations();
                var o = profile.Options;
                string access = o.AccessKey, secret = o.SecretKey, token = o.Token;
                // Role, process, web-identity and SSO profiles: AWSSDK.Core builds (and refreshes) their credentials.
                bool sdkBuilt = IsGiven(o.RoleArn) || IsGiven(o.CredentialProcess) || IsGiven(o.CredentialSource) || IsGiven(o.SourceProfile)
                    || IsGiven(o.WebIdentityTokenFile) || IsGiven(o.SsoSession) || IsGiven(o.SsoStartUrl) || IsGiven(o.SsoAccountId)
                    || IsGiven(o.SsoRoleName) || IsGiven(o.LoginSession);
                if (sdkBuilt)
                {
                    return FromSdkProfile(name, files.CredentialsPath, label, required: true);
                }
                if (IsGiven(access) && IsGiven(secret))
                {
                    AWSCredentials keys = IsGiven(token) ? new SessionAWSCredentials(access, secret, token) : (AWSCredentials)new BasicAWSCredentials(access, secret);
                    return Static(keys, label);
                }
                if (IsGiven(access) || IsGiven(secret))
                {
                    throw new ConnectionResolutionException(
                        string.Format(CultureInfo.InvariantCulture, Messages.ProfileWithHalfAKey, name, files.DescribeLocations(), IsGiven(access) ? "aws_access_key_id" : "aws_secret_access_key", IsGiven(access) ? "aws_secret_access_key" : "aws_access_key_id"),
                        ConnectionErrorIds.InvalidProfile);
                }
                return new Found { Source = label };
            }
            if (UseSdkProfileStore && Given(options.ProfileLocation) == null)
            {
                return FromSdkProfile(name, null, $"profile '{name}' in the AWS SDK credential store", required: false);
            }
            return null;
        }

        /// <summary>Lets AWSSDK.Core build role, SSO, process (and SDK-store) profiles.</summary>
        private static Found FromSdkProfile(string name, string location, string label, bool required)
        {
            AWSCredentials credentials = null;
            string definition = null;
            Exception failure = null;
            try
            {
                var chain = location == null ? new CredentialProfileStoreChain() : new CredentialProfileStoreChain(location);
                if (chain.TryGetProfile(name, out var profile))
                {
                    if (!profile.CanCreateAWSCredentials) return new Found { Source = label };
                    credentials = AWSCredentialsFactory.GetAWSCredentials(profile, chain);
                    definition = ProfileDefinition.Of(profile, chain);
                }
            }
            catch (Exception e) when (!(e is OutOfMemoryException))
            {
                failure = e;
            }
            if (credentials == null)
            {
                if (!required && failure == null) return null;
                throw new ConnectionResolutionException(
                    string.Format(CultureInfo.InvariantCulture, Messages.ProfileCredentialsUnavailable, label, failure != null ? ": " + failure.Message : "."),
                    ConnectionErrorIds.ProfileCredentialsUnavailable, failure);
            }
            // Keyed by what decides the identity, not the name: an edited role, SSO or process profile is a new client.
            var accessKeyId = ResolvedConnection.StaticAccessKeyId(credentials, out var identity, "profile:" + (location ?? "sdk") + "#" + name + "#" + definition);
            return new Found { Credentials = credentials, Source = label, Identity = identity, AccessKeyId = accessKeyId };
        }

        // ----- region ------------------------------------------------------------------------------------------------

        private KeyValuePair<string, string> ResolveRegion(ConnectionOptions options, ProfileFilesOnDemand files)
        {
            var tried = new List<string>();

            if (IsGiven(options.Region)) return Region(ValidateRegion(options.Region, "-Region"), "-Region");
            tried.Add("-Region");

            var stored = RegionText(options.StoredRegion);
            if (stored != null) return Region(ValidateRegion(stored, "$StoredAWSRegion"), "$StoredAWSRegion");
            tried.Add("$StoredAWSRegion");

            var profileName = Given(options.ProfileName);
            if (profileName != null)
            {
                var fromProfile = RegionOfProfile(profileName, files, options);
                if (fromProfile != null) return Region(ValidateRegion(fromProfile, $"the region of profile '{profileName}'"), $"profile '{profileName}' (-ProfileName)");
                tried.Add($"the region of profile '{profileName}'");
            }

            var envProfile = Given(Environment.GetVariable("AWS_PROFILE"));
            var activeProfile = envProfile ?? "default";
            if (activeProfile != profileName)
            {
                var fromActive = RegionOfProfile(activeProfile, files, options);
                var how = envProfile != null ? $"profile '{activeProfile}' (AWS_PROFILE)" : "profile 'default'";
                if (fromActive != null) return Region(ValidateRegion(fromActive, "the region of " + how), how);
                tried.Add("the region of " + how);
            }

            foreach (var variable in new[] { "AWS_REGION", "AWS_DEFAULT_REGION" })
            {
                var fromEnvironment = Given(Environment.GetVariable(variable));
                if (fromEnvironment != null) return Region(ValidateRegion(fromEnvironment, "the environment variable " + variable), "environment variable " + variable);
            }
            tried.Add("AWS_REGION/AWS_DEFAULT_REGION");

            if (AllowInstanceRegion && InstanceRegionProvider != null)
            {
                string fromInstance = null;
                try { fromInstance = Given(InstanceRegionProvider(Environment)); }
                catch (Exception e) when (!(e is OutOfMemoryException)) { fromInstance = null; }
                if (fromInstance != null) return Region(ValidateRegion(fromInstance, "EC2 instance metadata"), "EC2 instance metadata");
                tried.Add("EC2 instance metadata");
            }

            throw new ConnectionResolutionException(
                string.Format(CultureInfo.InvariantCulture, Messages.NoRegion, NoRegionMessage, string.Join(", ", tried)),
                ConnectionErrorIds.NoRegion);
        }

        private static KeyValuePair<string, string> Region(string name, string source) => new KeyValuePair<string, string>(name, source);

        private string RegionOfProfile(string name, ProfileFilesOnDemand onDemand, ConnectionOptions options)
        {
            var files = onDemand.Files;
            var region = files.RegionOf(name);
            if (region != null || !UseSdkProfileStore || Given(options.ProfileLocation) != null || files.Contains(name)) return region;
            try
            {
                return new CredentialProfileStoreChain().TryGetProfile(name, out var profile) ? profile.Region?.SystemName : null;
            }
            catch (Exception e) when (!(e is OutOfMemoryException))
            {
                return null;
            }
        }

        /// <summary>
        /// The region text in <c>$StoredAWSRegion</c>: a plain string (what AWS.Tools stores), or an object whose
        /// <c>SystemName</c> or <c>Region</c> property, or whose ToString(), gives it. PSObject wrappers are unwrapped.
        /// </summary>
        internal static string RegionText(object value)
        {
            for (int depth = 0; depth < 4 && value != null; depth++)
            {
                if (value is string text) return Given(text);
                var type = value.GetType();
                var baseObject = type.GetProperty("BaseObject", BindingFlags.Instance | BindingFlags.Public);
                if (baseObject != null && baseObject.GetIndexParameters().Length == 0)
                {
                    var inner = CredentialObjects.SafeGet(baseObject, value);
                    if (inner != null && !ReferenceEquals(inner, value)) { value = inner; continue; }
                }
                object named = null;
                foreach (var name in new[] { "SystemName", "Region" })
                {
                    var property = CredentialObjects.FindProperty(type, name);
                    named = property == null ? null : CredentialObjects.SafeGet(property, value);
                    if (named != null) break;
                }
                if (named != null) { value = named; continue; }
                var shown = value.ToString();
                return shown == type.FullName ? null : Given(shown);
            }
            return null;
        }

        /// <summary>True for a region's system name (the one rule for -Region and for its tab completion).</summary>
        internal static bool IsRegionName(string text) => !string.IsNullOrEmpty(text) && RegionPattern.IsMatch(text);

        /// <summary>Checks a region's system name (us-east-1, eu-central-2, us-gov-west-1, cn-north-1 …) and returns it lower-cased.</summary>
        public static string ValidateRegion(string region, string source)
        {
            var text = region?.Trim().ToLowerInvariant();
            if (string.IsNullOrEmpty(text) || !RegionPattern.IsMatch(text))
            {
                throw new ConnectionResolutionException(
                    string.Format(CultureInfo.InvariantCulture, Messages.InvalidRegion, source, InputValidator.Quote(region)),
                    ConnectionErrorIds.InvalidRegion);
            }
            return text;
        }

        /// <summary>Checks -EndpointUrl: an absolute http or https URL without user information. Returns it normalized.</summary>
        public static string ValidateEndpoint(string endpointUrl)
        {
            const string expected = " Expected an absolute http or https URL such as http://127.0.0.1:5000/ or https://ec2.eu-west-1.amazonaws.com.";
            var text = endpointUrl?.Trim();
            if (string.IsNullOrEmpty(text) || !Uri.TryCreate(text, UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
            {
                throw new ConnectionResolutionException(string.Format(CultureInfo.InvariantCulture, Messages.EndpointUrlNotAUrl, InputValidator.Quote(endpointUrl)) + expected, ConnectionErrorIds.InvalidEndpointUrl);
            }
            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                // Not echoed: user information may be a password.
                throw new ConnectionResolutionException(Messages.EndpointUrlWithUserInfo + expected, ConnectionErrorIds.InvalidEndpointUrl);
            }
            if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            {
                throw new ConnectionResolutionException(string.Format(CultureInfo.InvariantCulture, Messages.EndpointUrlWithQuery, InputValidator.Quote(endpointUrl)) + expected, ConnectionErrorIds.InvalidEndpointUrl);
            }
            return uri.AbsoluteUri;
        }

        // ----- host sources ------------------------------------------------------------------------------------------

        /// <summary>Container credentials when AWS_CONTAINER_CREDENTIALS_* is set, otherwise the EC2 instance profile (unless AWS_EC2_METADATA_DISABLED=true).</summary>
        public static HostCredentials DefaultHostCredentials(IEnvironmentReader env)
        {
            if (Given(env.GetVariable("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) != null || Given(env.GetVariable("AWS_CONTAINER_CREDENTIALS_FULL_URI")) != null)
            {
                return new HostCredentials(new GenericContainerCredentials(), "container credentials (AWS_CONTAINER_CREDENTIALS_*)");
            }
            if (string.Equals(Given(env.GetVariable("AWS_EC2_METADATA_DISABLED")), "true", StringComparison.OrdinalIgnoreCase)) return null;
            // Whether an instance profile is attached (instance metadata's iam/info), so "nothing found" is reported here
            // and not at the first request; its credentials are fetched by the SDK when a request needs them.
            var profile = Amazon.Util.EC2InstanceMetadata.IAMInstanceProfileInfo;
            if (profile == null || string.IsNullOrEmpty(profile.InstanceProfileArn)) return null;
            return new HostCredentials(new InstanceProfileAWSCredentials(), "EC2 instance profile");
        }

        /// <summary>The region from EC2 instance metadata, unless AWS_EC2_METADATA_DISABLED=true.</summary>
        public static string DefaultInstanceRegion(IEnvironmentReader env)
        {
            if (string.Equals(Given(env.GetVariable("AWS_EC2_METADATA_DISABLED")), "true", StringComparison.OrdinalIgnoreCase)) return null;
            return Amazon.Util.EC2InstanceMetadata.Region?.SystemName;
        }

        private static bool IsGiven(string value) => !string.IsNullOrWhiteSpace(value);

        private static string Given(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
