using System.Management.Automation;
using System;
using System.Collections.Generic;
using System.IO;
using Amazon;
using Amazon.Runtime;
using Xunit;

namespace Ec2Capacity.Tests
{
    /// <summary>A private HOME with ~/.aws files and an injected environment; nothing of the machine's own is read.</summary>
    internal sealed class ProfileSandbox : IDisposable
    {
        public ProfileSandbox()
        {
            Home = Path.Combine(Path.GetTempPath(), "ec2cap-conn-" + Guid.NewGuid().ToString("n"));
            Directory.CreateDirectory(Path.Combine(Home, ".aws"));
            Variables["HOME"] = Home;
        }

        public string Home { get; }
        public Dictionary<string, string> Variables { get; } = new Dictionary<string, string>();
        public string CredentialsPath => Path.Combine(Home, ".aws", "credentials");
        public string ConfigPath => Path.Combine(Home, ".aws", "config");

        public ProfileSandbox Credentials(string text) { File.WriteAllText(CredentialsPath, text); return this; }
        public ProfileSandbox Config(string text) { File.WriteAllText(ConfigPath, text); return this; }
        public ProfileSandbox Env(string name, string value) { Variables[name] = value; return this; }

        public string File_(string name, string text)
        {
            var path = Path.Combine(Home, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path));
            File.WriteAllText(path, text);
            return path;
        }

        /// <summary>A resolver on this sandbox with every network step off.</summary>
        public ConnectionResolver Resolver() => new ConnectionResolver(new DictionaryEnvironmentReader(Variables))
        {
            AllowInstanceCredentials = false,
            AllowInstanceRegion = false,
            UseSdkProfileStore = false,
        };

        public ResolvedConnection Resolve(ConnectionOptions options) => Resolver().Resolve(options);

        public void Dispose()
        {
            try { Directory.Delete(Home, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    public class ConnectionResolverTests
    {
        internal const string ExplicitAk = "AKIAEXPLICIT00000001", ExplicitSk = "explicit-secret-0000000000000000000000001";
        internal const string ProfileAk = "AKIAPROFILE000000002", ProfileSk = "profile-secret-00000000000000000000000002";
        internal const string EnvAk = "AKIAENVIRONMENT00003", EnvSk = "environment-secret-000000000000000000003";
        internal const string EnvProfileAk = "AKIAENVPROFILE000004", EnvProfileSk = "envprofile-secret-0000000000000000000004";
        internal const string DefaultAk = "AKIADEFAULT000000005", DefaultSk = "default-secret-00000000000000000000000005";
        internal const string CredAk = "AKIACREDENTIAL000006", CredSk = "credential-secret-0000000000000000000006";
        internal const string StoredAk = "AKIASTORED0000000007", StoredSk = "stored-secret-000000000000000000000000007";
        internal const string Token = "session-token-that-must-never-show-up-0001";

        internal static readonly string[] Secrets = { ExplicitSk, ProfileSk, EnvSk, EnvProfileSk, DefaultSk, CredSk, StoredSk, Token };

        /// <summary>A sandbox where every credential source has keys of its own, so each test removes the ones that should lose.</summary>
        private static ProfileSandbox Everything()
        {
            var box = new ProfileSandbox()
                .Credentials($"[named]\naws_access_key_id = {ProfileAk}\naws_secret_access_key = {ProfileSk}\n\n"
                    + $"[envprofile]\naws_access_key_id={EnvProfileAk}\naws_secret_access_key={EnvProfileSk}\n\n"
                    + $"[default]\naws_access_key_id = {DefaultAk}\naws_secret_access_key = {DefaultSk}\n")
                .Config("[default]\nregion = eu-west-1\n\n[profile named]\nregion = ap-southeast-2\n\n[profile envprofile]\nregion = ca-central-1\n")
                .Env("AWS_ACCESS_KEY_ID", EnvAk).Env("AWS_SECRET_ACCESS_KEY", EnvSk)
                .Env("AWS_PROFILE", "envprofile")
                .Env("AWS_REGION", "sa-east-1");
            return box;
        }

        private static ConnectionOptions AllOptions() => new ConnectionOptions
        {
            AccessKey = ExplicitAk,
            SecretKey = ExplicitSk,
            ProfileName = "named",
            Credential = new BasicAWSCredentials(CredAk, CredSk),
            StoredCredentials = new BasicAWSCredentials(StoredAk, StoredSk),
        };

        internal static void AssertNoSecret(string text)
        {
            if (text == null) return;
            foreach (var secret in Secrets) Assert.DoesNotContain(secret, text);
        }

        private static void AssertNoSecret(ResolvedConnection c)
        {
            AssertNoSecret(c.Describe());
            AssertNoSecret(c.ToString());
            AssertNoSecret(c.CredentialSource);
            AssertNoSecret(c.RegionSource);
            AssertNoSecret(c.AccessKeyId);
            AssertNoSecret(c.CacheKey);
        }

        // ----- credentials, case by case ----------------------------------------------------------------------------

        [Fact]
        public void Explicit_keys_beat_everything()
        {
            using var box = Everything();
            var c = box.Resolve(AllOptions());
            Assert.Equal(ExplicitAk, c.AccessKeyId);
            Assert.Equal("-AccessKey/-SecretKey", c.CredentialSource);
            Assert.IsType<BasicAWSCredentials>(c.Credentials);
            AssertNoSecret(c);
        }

        [Fact]
        public void Explicit_keys_with_a_session_token_are_session_credentials()
        {
            using var box = Everything();
            var options = AllOptions();
            options.SessionToken = Token;
            var c = box.Resolve(options);
            Assert.IsType<SessionAWSCredentials>(c.Credentials);
            Assert.Equal(Token, c.Credentials.GetCredentials().Token);
            Assert.Equal("-AccessKey/-SecretKey/-SessionToken", c.CredentialSource);
            AssertNoSecret(c);
        }

        [Theory]
        [InlineData(ExplicitAk, null, null, "-AccessKey was given without -SecretKey")]
        [InlineData(null, ExplicitSk, null, "-SecretKey was given without -AccessKey")]
        [InlineData(null, null, Token, "-SessionToken was given without -AccessKey and -SecretKey")]
        [InlineData(ExplicitAk, null, Token, "-AccessKey was given without -SecretKey")]
        public void Half_a_key_pair_is_an_error(string access, string secret, string token, string message)
        {
            using var box = Everything();
            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions { AccessKey = access, SecretKey = secret, SessionToken = token }));
            Assert.Equal(ConnectionErrorIds.IncompleteKeys, e.ErrorId);
            Assert.Contains(message, e.Message);
            AssertNoSecret(e.ToString());
        }

        [Fact]
        public void Profile_beats_credential_stored_session_and_environment()
        {
            using var box = Everything();
            var options = AllOptions();
            options.AccessKey = options.SecretKey = null;
            var c = box.Resolve(options);
            Assert.Equal(ProfileAk, c.AccessKeyId);
            Assert.Contains("profile 'named' (-ProfileName)", c.CredentialSource);
            Assert.Contains(box.CredentialsPath, c.CredentialSource);
            AssertNoSecret(c);
        }

        [Fact]
        public void Credential_beats_stored_session_and_environment()
        {
            using var box = Everything();
            var options = AllOptions();
            options.AccessKey = options.SecretKey = options.ProfileName = null;
            var c = box.Resolve(options);
            Assert.Equal(CredAk, c.AccessKeyId);
            Assert.Equal("-Credential", c.CredentialSource);
            Assert.Same(options.Credential, c.Credentials);
        }

        [Fact]
        public void Stored_session_beats_environment()
        {
            using var box = Everything();
            var c = box.Resolve(new ConnectionOptions { StoredCredentials = new BasicAWSCredentials(StoredAk, StoredSk) });
            Assert.Equal(StoredAk, c.AccessKeyId);
            Assert.StartsWith("$StoredAWSCredentials", c.CredentialSource);
        }

        [Fact]
        public void Environment_keys_beat_AWS_PROFILE()
        {
            using var box = Everything();
            box.Env("AWS_SESSION_TOKEN", Token);
            var c = box.Resolve(new ConnectionOptions());
            Assert.Equal(EnvAk, c.AccessKeyId);
            Assert.Equal(Token, c.Credentials.GetCredentials().Token);
            Assert.Contains("AWS_ACCESS_KEY_ID", c.CredentialSource);
            AssertNoSecret(c);
        }

        [Fact]
        public void AWS_PROFILE_beats_the_default_profile()
        {
            using var box = Everything();
            box.Variables.Remove("AWS_ACCESS_KEY_ID");
            box.Variables.Remove("AWS_SECRET_ACCESS_KEY");
            var c = box.Resolve(new ConnectionOptions());
            Assert.Equal(EnvProfileAk, c.AccessKeyId);
            Assert.Contains("profile 'envprofile' (AWS_PROFILE)", c.CredentialSource);
        }

        [Fact]
        public void The_default_profile_comes_last()
        {
            using var box = Everything();
            box.Variables.Remove("AWS_ACCESS_KEY_ID");
            box.Variables.Remove("AWS_SECRET_ACCESS_KEY");
            box.Variables.Remove("AWS_PROFILE");
            var c = box.Resolve(new ConnectionOptions());
            Assert.Equal(DefaultAk, c.AccessKeyId);
            Assert.Contains("profile 'default'", c.CredentialSource);
        }

        [Fact]
        public void Half_an_environment_key_pair_is_skipped_and_reported()
        {
            using var box = new ProfileSandbox().Env("AWS_ACCESS_KEY_ID", EnvAk).Env("AWS_REGION", "us-east-1");
            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions()));
            Assert.Equal(ConnectionErrorIds.NoCredentials, e.ErrorId);
            Assert.Contains("AWS_SECRET_ACCESS_KEY missing", e.Message);
        }

        [Fact]
        public void Container_and_instance_credentials_come_after_everything_and_only_when_allowed()
        {
            using var box = new ProfileSandbox().Env("AWS_REGION", "us-east-1");
            var resolver = box.Resolver();
            resolver.HostCredentialsProvider = _ => new HostCredentials(new BasicAWSCredentials("AKIAHOST000000000008", "host-secret"), "EC2 instance profile (test)");
            Assert.Throws<ConnectionResolutionException>(() => resolver.Resolve(new ConnectionOptions()));

            resolver.AllowInstanceCredentials = true;
            var c = resolver.Resolve(new ConnectionOptions());
            Assert.Equal("EC2 instance profile (test)", c.CredentialSource);
            Assert.Equal("AKIAHOST000000000008", c.AccessKeyId);

            box.Credentials($"[default]\naws_access_key_id = {DefaultAk}\naws_secret_access_key = {DefaultSk}\n");
            Assert.Equal(DefaultAk, resolver.Resolve(new ConnectionOptions()).AccessKeyId);
        }

        [Fact]
        public void Nothing_found_says_what_was_tried()
        {
            using var box = new ProfileSandbox().Env("AWS_REGION", "us-east-1");
            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions()));
            Assert.Equal(ConnectionErrorIds.NoCredentials, e.ErrorId);
            Assert.Equal(ErrorCategory.AuthenticationError, ConnectionErrorIds.CategoryOf(e.ErrorId));
            Assert.StartsWith("No credentials specified or obtained from persisted/shell defaults. Tried: -AccessKey/-SecretKey", e.Message);
            foreach (var step in new[] { "-ProfileName", "-Credential", "$StoredAWSCredentials", "AWS_ACCESS_KEY_ID", "AWS_PROFILE", "profile 'default'", "container and EC2 instance credentials" })
            {
                Assert.Contains(step, e.Message);
            }
            Assert.Contains(box.CredentialsPath, e.Message);
        }

        [Fact]
        public void A_host_credentials_failure_is_reported_not_thrown()
        {
            using var box = new ProfileSandbox().Env("AWS_REGION", "us-east-1");
            var resolver = box.Resolver();
            resolver.AllowInstanceCredentials = true;
            resolver.HostCredentialsProvider = _ => throw new InvalidOperationException("no instance metadata here");
            var e = Assert.Throws<ConnectionResolutionException>(() => resolver.Resolve(new ConnectionOptions()));
            Assert.Contains("no instance metadata here", e.Message);
        }

        // ----- profiles ---------------------------------------------------------------------------------------------

        [Fact]
        public void A_missing_named_profile_is_an_error_without_fall_through()
        {
            using var box = Everything();
            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions { ProfileName = "nope", Credential = new BasicAWSCredentials(CredAk, CredSk) }));
            Assert.Equal(ConnectionErrorIds.ProfileNotFound, e.ErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, ConnectionErrorIds.CategoryOf(e.ErrorId));
            Assert.Contains("'nope'", e.Message);
            Assert.Contains(box.CredentialsPath, e.Message);
            Assert.Contains(box.ConfigPath, e.Message);
        }

        [Fact]
        public void A_named_profile_without_credentials_is_an_error()
        {
            using var box = new ProfileSandbox().Config("[profile regiononly]\nregion = eu-north-1\n");
            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions { ProfileName = "regiononly" }));
            Assert.Equal(ConnectionErrorIds.InvalidProfile, e.ErrorId);
        }

        [Fact]
        public void A_profile_with_half_a_key_pair_is_an_error()
        {
            using var box = new ProfileSandbox().Credentials($"[half]\naws_access_key_id = {ProfileAk}\n");
            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions { ProfileName = "half", Region = "us-east-1" }));
            Assert.Equal(ConnectionErrorIds.InvalidProfile, e.ErrorId);
            Assert.Contains("no aws_secret_access_key", e.Message);
        }

        [Fact]
        public void A_missing_AWS_PROFILE_profile_is_an_error()
        {
            using var box = new ProfileSandbox().Env("AWS_PROFILE", "ghost").Env("AWS_REGION", "us-east-1")
                .Credentials($"[default]\naws_access_key_id = {DefaultAk}\naws_secret_access_key = {DefaultSk}\n");
            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions()));
            Assert.Equal(ConnectionErrorIds.ProfileNotFound, e.ErrorId);
            Assert.Contains("AWS_PROFILE", e.Message);
        }

        [Fact]
        public void Profiles_in_the_config_file_and_session_tokens_are_read()
        {
            using var box = new ProfileSandbox().Config($"[profile cfg]\naws_access_key_id = {ProfileAk}\naws_secret_access_key = {ProfileSk}\naws_session_token = {Token}\nregion = eu-west-3\n"
                + "# a comment\n; another\n[sso-session corp]\nsso_region = us-east-1\n");
            var c = box.Resolve(new ConnectionOptions { ProfileName = "cfg" });
            Assert.IsType<SessionAWSCredentials>(c.Credentials);
            Assert.Equal(Token, c.Credentials.GetCredentials().Token);
            Assert.Equal("eu-west-3", c.RegionName);
            AssertNoSecret(c);
        }

        [Fact]
        public void The_credentials_file_wins_over_the_config_file_for_the_same_profile()
        {
            using var box = new ProfileSandbox()
                .Config($"[profile p]\naws_access_key_id = {DefaultAk}\naws_secret_access_key = {DefaultSk}\nregion = eu-west-3\n")
                .Credentials($"[p]\naws_access_key_id = {ProfileAk}\naws_secret_access_key = {ProfileSk}\n");
            var c = box.Resolve(new ConnectionOptions { ProfileName = "p" });
            Assert.Equal(ProfileAk, c.AccessKeyId);
            Assert.Equal("eu-west-3", c.RegionName);
        }

        [Fact]
        public void ProfileLocation_points_at_another_credentials_file()
        {
            using var box = Everything();
            var path = box.File_("elsewhere/creds.ini", $"[named]\naws_access_key_id = {CredAk}\naws_secret_access_key = {CredSk}\nregion = us-west-1\n");
            var c = box.Resolve(new ConnectionOptions { ProfileName = "named", ProfileLocation = path });
            Assert.Equal(CredAk, c.AccessKeyId);
            Assert.Equal("us-west-1", c.RegionName);
            Assert.Contains(path, c.CredentialSource);

            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions { ProfileName = "envprofile", ProfileLocation = path }));
            Assert.Equal(ConnectionErrorIds.ProfileNotFound, e.ErrorId);
            Assert.Contains(path, e.Message);
        }

        [Fact]
        public void AWS_SHARED_CREDENTIALS_FILE_comes_from_the_injected_environment_and_AWSSDK_Core_reads_its_config_beside_it()
        {
            // Which credentials file is our order; reading it and its config file (AWS_CONFIG_FILE, else the file
            // beside it) is AWSSDK.Core's SharedCredentialsFile, as in AWS.Tools.
            using var box = new ProfileSandbox();
            var credentials = box.File_("a/credentials-file", $"[p]\naws_access_key_id = {ProfileAk}\naws_secret_access_key = {ProfileSk}\n");
            box.File_("a/config", "[profile p]\nregion = me-central-1\n");
            box.Env("AWS_SHARED_CREDENTIALS_FILE", credentials);
            var c = box.Resolve(new ConnectionOptions { ProfileName = "p" });
            Assert.Equal(ProfileAk, c.AccessKeyId);
            Assert.Equal("me-central-1", c.RegionName);
        }

        [Fact]
        public void Role_profiles_are_built_by_AWSSDK_Core()
        {
            using var box = new ProfileSandbox();
            var path = box.File_("roles/credentials",
                $"[base]\naws_access_key_id = {ProfileAk}\naws_secret_access_key = {ProfileSk}\n\n"
                + "[admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\nregion = eu-west-1\n");
            var c = box.Resolve(new ConnectionOptions { ProfileName = "admin", ProfileLocation = path });
            Assert.Equal("AssumeRoleAWSCredentials", c.Credentials.GetType().Name);
            Assert.Null(c.AccessKeyId); // refreshing credentials: not read at resolution (that would call STS)
            Assert.Equal("eu-west-1", c.RegionName);
            Assert.Equal(c.CacheKey, box.Resolve(new ConnectionOptions { ProfileName = "admin", ProfileLocation = path }).CacheKey);
            AssertNoSecret(c);
        }

        // ----- region ------------------------------------------------------------------------------------------------

        [Fact]
        public void Region_parameter_beats_everything()
        {
            using var box = Everything();
            var options = AllOptions();
            options.Region = "us-gov-west-1";
            options.StoredRegion = "eu-central-2";
            var c = box.Resolve(options);
            Assert.Equal("us-gov-west-1", c.RegionName);
            Assert.Equal("-Region", c.RegionSource);
        }

        [Fact]
        public void Stored_region_beats_profile_regions_and_environment()
        {
            using var box = Everything();
            var c = box.Resolve(new ConnectionOptions { ProfileName = "named", StoredRegion = "eu-central-2" });
            Assert.Equal("eu-central-2", c.RegionName);
            Assert.Equal("$StoredAWSRegion", c.RegionSource);
        }

        [Fact]
        public void The_named_profiles_region_beats_the_active_profile_and_environment()
        {
            using var box = Everything();
            var c = box.Resolve(new ConnectionOptions { AccessKey = ExplicitAk, SecretKey = ExplicitSk, ProfileName = "named" });
            Assert.Equal("ap-southeast-2", c.RegionName);
            Assert.Equal("profile 'named' (-ProfileName)", c.RegionSource);
        }

        [Fact]
        public void The_AWS_PROFILE_profiles_region_replaces_the_default_profiles()
        {
            using var box = Everything();
            var c = box.Resolve(new ConnectionOptions());
            Assert.Equal("ca-central-1", c.RegionName);
            Assert.Contains("AWS_PROFILE", c.RegionSource);
        }

        [Fact]
        public void The_default_profiles_region_beats_the_environment()
        {
            using var box = Everything();
            box.Variables.Remove("AWS_PROFILE");
            var c = box.Resolve(new ConnectionOptions());
            Assert.Equal("eu-west-1", c.RegionName);
            Assert.Equal("profile 'default'", c.RegionSource);
        }

        [Fact]
        public void AWS_REGION_beats_AWS_DEFAULT_REGION_which_beats_instance_metadata()
        {
            using var box = new ProfileSandbox().Env("AWS_ACCESS_KEY_ID", EnvAk).Env("AWS_SECRET_ACCESS_KEY", EnvSk)
                .Env("AWS_REGION", "us-west-2").Env("AWS_DEFAULT_REGION", "eu-south-1");
            var resolver = box.Resolver();
            resolver.AllowInstanceRegion = true;
            resolver.InstanceRegionProvider = _ => "il-central-1";
            Assert.Equal("us-west-2", resolver.Resolve(new ConnectionOptions()).RegionName);
            box.Variables.Remove("AWS_REGION");
            resolver = box.Resolver();
            resolver.AllowInstanceRegion = true;
            resolver.InstanceRegionProvider = _ => "il-central-1";
            Assert.Equal("eu-south-1", resolver.Resolve(new ConnectionOptions()).RegionName);
            box.Variables.Remove("AWS_DEFAULT_REGION");
            resolver = box.Resolver();
            resolver.AllowInstanceRegion = true;
            resolver.InstanceRegionProvider = _ => "il-central-1";
            var c = resolver.Resolve(new ConnectionOptions());
            Assert.Equal("il-central-1", c.RegionName);
            Assert.Equal("EC2 instance metadata", c.RegionSource);
        }

        [Fact]
        public void No_region_says_what_was_tried()
        {
            using var box = new ProfileSandbox();
            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions { AccessKey = ExplicitAk, SecretKey = ExplicitSk, ProfileName = "named" }));
            Assert.Equal(ConnectionErrorIds.NoRegion, e.ErrorId);
            Assert.StartsWith("No region specified or obtained from persisted/shell defaults. Tried: -Region, $StoredAWSRegion, the region of profile 'named'", e.Message);
            Assert.Contains("AWS_REGION", e.Message);
            AssertNoSecret(e.Message);
        }

        [Theory]
        [InlineData("us-east-1")]
        [InlineData("eu-central-2")]
        [InlineData("us-gov-west-1")]
        [InlineData("cn-north-1")]
        [InlineData("ap-southeast-4")]
        [InlineData("us-isob-east-1")]
        [InlineData("eusc-de-east-1")]
        [InlineData(" EU-WEST-1 ")]
        public void Region_names_of_every_partition_are_accepted(string region) =>
            Assert.Equal(region.Trim().ToLowerInvariant(), ConnectionResolver.ValidateRegion(region, "-Region"));

        [Theory]
        [InlineData("useast1")]
        [InlineData("us-east")]
        [InlineData("us_east_1")]
        [InlineData("https://ec2.us-east-1.amazonaws.com")]
        [InlineData("us-east-1a")]
        [InlineData("us-east-1\nAction=CancelCapacityReservation")]
        [InlineData("")]
        public void Region_texts_that_are_not_region_names_are_rejected_naming_the_source(string region)
        {
            using var box = new ProfileSandbox();
            if (region.Trim().Length == 0)
            {
                // Blank means "not given": resolution goes on (and finds nothing here).
                Assert.Equal(ConnectionErrorIds.NoRegion, Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions { AccessKey = ExplicitAk, SecretKey = ExplicitSk, Region = region })).ErrorId);
                return;
            }
            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions { AccessKey = ExplicitAk, SecretKey = ExplicitSk, Region = region }));
            Assert.Equal(ConnectionErrorIds.InvalidRegion, e.ErrorId);
            Assert.StartsWith("-Region:", e.Message);
            Assert.Contains("such as us-east-1", e.Message);
            Assert.DoesNotContain("\n", e.Message);

            var stored = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions { AccessKey = ExplicitAk, SecretKey = ExplicitSk, StoredRegion = region }));
            Assert.StartsWith("$StoredAWSRegion:", stored.Message);
        }

        [Fact]
        public void A_bad_region_in_a_profile_names_the_profile()
        {
            using var box = new ProfileSandbox().Credentials($"[p]\naws_access_key_id = {ProfileAk}\naws_secret_access_key = {ProfileSk}\nregion = moon-base\n");
            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions { ProfileName = "p" }));
            Assert.Equal(ConnectionErrorIds.InvalidRegion, e.ErrorId);
            Assert.Contains("profile 'p'", e.Message);
        }

        private sealed class PsObjectStandIn
        {
            public PsObjectStandIn(object baseObject) { BaseObject = baseObject; }
            public object BaseObject { get; }
        }

        private sealed class HasRegionProperty
        {
            public string Region => "ap-northeast-3";
        }

        private sealed class ToStringRegion
        {
            public override string ToString() => "af-south-1";
        }

        [Fact]
        public void Stored_region_may_be_a_string_a_RegionEndpoint_or_anything_that_names_one()
        {
            Assert.Equal("eu-west-1", ConnectionResolver.RegionText("eu-west-1"));
            Assert.Equal("eu-west-2", ConnectionResolver.RegionText(RegionEndpoint.EUWest2));
            Assert.Equal("ap-northeast-3", ConnectionResolver.RegionText(new HasRegionProperty()));
            Assert.Equal("af-south-1", ConnectionResolver.RegionText(new ToStringRegion()));
            Assert.Equal("eu-west-2", ConnectionResolver.RegionText(new PsObjectStandIn(RegionEndpoint.EUWest2)));
            Assert.Equal("us-east-2", ConnectionResolver.RegionText(new PsObjectStandIn(" us-east-2 ")));
            Assert.Null(ConnectionResolver.RegionText(new object()));
            Assert.Null(ConnectionResolver.RegionText("  "));
            Assert.Null(ConnectionResolver.RegionText(null));

            using var box = new ProfileSandbox();
            var c = box.Resolve(new ConnectionOptions { AccessKey = ExplicitAk, SecretKey = ExplicitSk, StoredRegion = new PsObjectStandIn(RegionEndpoint.EUNorth1) });
            Assert.Equal("eu-north-1", c.RegionName);
        }

        // ----- endpoint ----------------------------------------------------------------------------------------------

        [Theory]
        [InlineData("http://127.0.0.1:5000", "http://127.0.0.1:5000/")]
        [InlineData("https://ec2.eu-west-1.amazonaws.com/", "https://ec2.eu-west-1.amazonaws.com/")]
        [InlineData(" http://localhost:8080/ec2/ ", "http://localhost:8080/ec2/")]
        public void EndpointUrl_takes_absolute_http_and_https_urls(string given, string expected)
        {
            using var box = new ProfileSandbox();
            var c = box.Resolve(new ConnectionOptions { AccessKey = ExplicitAk, SecretKey = ExplicitSk, Region = "eu-west-1", EndpointUrl = given });
            Assert.Equal(expected, c.EndpointUrl);
            Assert.Contains(expected, c.Describe());
            Assert.Contains("signed for eu-west-1", c.Describe());
        }

        [Theory]
        [InlineData("localhost:5000")]
        [InlineData("/relative/path")]
        [InlineData("ftp://127.0.0.1/")]
        [InlineData("file:///etc/passwd")]
        [InlineData("http://")]
        [InlineData("http://127.0.0.1:5000/?Action=CancelCapacityReservation")]
        public void EndpointUrl_rejects_everything_else_naming_the_parameter(string given)
        {
            using var box = new ProfileSandbox();
            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions { AccessKey = ExplicitAk, SecretKey = ExplicitSk, Region = "eu-west-1", EndpointUrl = given }));
            Assert.Equal(ConnectionErrorIds.InvalidEndpointUrl, e.ErrorId);
            Assert.StartsWith("-EndpointUrl:", e.Message);
            Assert.Contains("absolute http or https URL", e.Message);
        }

        [Fact]
        public void EndpointUrl_with_a_password_is_rejected_without_echoing_it()
        {
            using var box = new ProfileSandbox();
            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions
            {
                AccessKey = ExplicitAk, SecretKey = ExplicitSk, Region = "eu-west-1", EndpointUrl = "http://user:hunter2secret@127.0.0.1:5000/",
            }));
            Assert.Equal(ConnectionErrorIds.InvalidEndpointUrl, e.ErrorId);
            Assert.DoesNotContain("hunter2secret", e.Message);
        }

        [Fact]
        public void Without_EndpointUrl_the_regional_endpoint_is_described()
        {
            using var box = new ProfileSandbox();
            var c = box.Resolve(new ConnectionOptions { AccessKey = ExplicitAk, SecretKey = ExplicitSk, Region = "eu-west-1" });
            Assert.Null(c.EndpointUrl);
            Assert.Equal($"Credentials: -AccessKey/-SecretKey (access key ID {ExplicitAk}); region: eu-west-1 (-Region); endpoint: EC2 regional endpoint.", c.Describe());
        }

        // ----- secrets -----------------------------------------------------------------------------------------------

        [Fact]
        public void No_message_of_any_resolution_path_contains_a_secret_or_token()
        {
            using var box = Everything();
            box.Env("AWS_SESSION_TOKEN", Token);
            var texts = new List<string>();
            void Collect(Func<ResolvedConnection> resolve)
            {
                try
                {
                    var c = resolve();
                    texts.Add(c.Describe());
                    texts.Add(c.CredentialSource);
                    texts.Add(c.RegionSource);
                    texts.Add(c.CacheKey);
                }
                catch (Exception e)
                {
                    texts.Add(e.ToString());
                }
            }
            Collect(() => box.Resolve(AllOptions()));
            Collect(() => box.Resolve(new ConnectionOptions { AccessKey = ExplicitAk, SecretKey = ExplicitSk, SessionToken = Token, Region = "bad region" }));
            Collect(() => box.Resolve(new ConnectionOptions { SecretKey = ExplicitSk, SessionToken = Token }));
            Collect(() => box.Resolve(new ConnectionOptions { ProfileName = "named" }));
            Collect(() => box.Resolve(new ConnectionOptions { ProfileName = "missing" }));
            Collect(() => box.Resolve(new ConnectionOptions { Credential = new SessionAWSCredentials(CredAk, CredSk, Token) }));
            Collect(() => box.Resolve(new ConnectionOptions { Credential = CredSk }));
            Collect(() => box.Resolve(new ConnectionOptions { StoredCredentials = new SessionAWSCredentials(StoredAk, StoredSk, Token) }));
            Collect(() => box.Resolve(new ConnectionOptions()));
            Collect(() => box.Resolve(new ConnectionOptions { AccessKey = ExplicitAk, SecretKey = ExplicitSk, Region = "eu-west-1", EndpointUrl = "ftp://x/" }));
            Assert.True(texts.Count >= 10);
            foreach (var text in texts) AssertNoSecret(text);
        }

        [Fact]
        public void A_credential_of_the_wrong_type_is_an_error_that_names_the_type_not_the_value()
        {
            using var box = new ProfileSandbox();
            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions { Credential = CredSk, Region = "us-east-1" }));
            Assert.Equal(ConnectionErrorIds.InvalidCredential, e.ErrorId);
            Assert.Contains("-Credential holds a value of type String", e.Message);
            AssertNoSecret(e.Message);

            var stored = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions { StoredCredentials = 42, Region = "us-east-1" }));
            Assert.Contains("$StoredAWSCredentials holds a value of type Int32", stored.Message);
        }
    }
}
