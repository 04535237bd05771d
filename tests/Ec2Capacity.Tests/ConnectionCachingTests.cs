using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Amazon.Runtime;
using Xunit;

namespace Ec2Capacity.Tests
{
    /// <summary>
    /// What resolution remembers (fully explicit options, key identities) and what it must never remember (anything
    /// read from the environment, the profile files or the session variables). The shared caches are process-wide and
    /// xunit runs test classes in parallel, so every test here uses access key IDs of its own.
    /// </summary>
    public class ConnectionCachingTests
    {
        private const string Sk = "caching-secret-0000000000000000000000001", OtherSk = "caching-secret-0000000000000000000000002";
        private const string Token = "caching-token-that-must-never-show-up-01", OtherToken = "caching-token-that-must-never-show-up-02";
        private const string ProfileSk = "caching-profile-secret-00000000000000003", EnvSk = "caching-environment-secret-0000000000004";
        private static readonly string[] Secrets = { Sk, OtherSk, Token, OtherToken, ProfileSk, EnvSk };

        /// <summary>A fresh access key ID for one test (so tests running in parallel never share cache entries).</summary>
        private static string NewAk() => "AKIACACHING" + Guid.NewGuid().ToString("N").Substring(0, 9).ToUpperInvariant();

        /// <summary>Environment variables that can change between two resolutions, with a record of every name read.</summary>
        private sealed class LiveEnvironment : IEnvironmentReader
        {
            public readonly ConcurrentDictionary<string, string> Variables = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
            public readonly ConcurrentQueue<string> Reads = new ConcurrentQueue<string>();

            public string GetVariable(string name)
            {
                Reads.Enqueue(name);
                return Variables.TryGetValue(name, out var value) ? value : null;
            }

            /// <summary>True when anything was asked that locates the shared profile files (what SharedProfileFiles.Load reads first).</summary>
            public bool LocatedProfileFiles => Reads.Any(n => n == "AWS_SHARED_CREDENTIALS_FILE" || n == "AWS_CONFIG_FILE" || n == "HOME" || n == "USERPROFILE");
        }

        /// <summary>Profile files in a folder of their own, named by AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE.</summary>
        private sealed class ProfileFiles : IDisposable
        {
            public ProfileFiles(LiveEnvironment env)
            {
                Folder = Path.Combine(Path.GetTempPath(), "ec2cap-caching-" + Guid.NewGuid().ToString("n"));
                Directory.CreateDirectory(Folder);
                env.Variables["HOME"] = Folder;
                env.Variables["AWS_SHARED_CREDENTIALS_FILE"] = CredentialsPath;
                env.Variables["AWS_CONFIG_FILE"] = ConfigPath;
            }

            public string Folder { get; }
            public string CredentialsPath => Path.Combine(Folder, "credentials");
            public string ConfigPath => Path.Combine(Folder, "config");

            public void Dispose()
            {
                try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }

        private static ConnectionResolver Resolver(IEnvironmentReader env) => new ConnectionResolver(env)
        {
            AllowInstanceCredentials = false,
            AllowInstanceRegion = false,
            UseSdkProfileStore = false,
        };

        private static ConnectionOptions Explicit(string ak, string secret = Sk, string token = null, string region = "eu-west-1", string endpoint = "http://127.0.0.1:5000/") =>
            new ConnectionOptions { AccessKey = ak, SecretKey = secret, SessionToken = token, Region = region, EndpointUrl = endpoint };

        private static void AssertNoSecret(string text)
        {
            if (text == null) return;
            foreach (var secret in Secrets) Assert.DoesNotContain(secret, text);
        }

        // ----- explicit options are resolved once ---------------------------------------------------------------------

        [Fact]
        public void Explicit_options_resolve_to_the_same_connection_without_reading_the_environment_or_profile_files()
        {
            var env = new LiveEnvironment();
            using var files = new ProfileFiles(env);
            File.WriteAllText(files.CredentialsPath, $"[default]\naws_access_key_id = AKIAPROFILE000000009\naws_secret_access_key = {ProfileSk}\n");
            File.WriteAllText(files.ConfigPath, "[default]\nregion = ap-south-1\n");
            env.Reads.Clear();
            var resolver = Resolver(env);
            var ak = NewAk();

            var first = resolver.Resolve(Explicit(ak));
            var second = resolver.Resolve(Explicit(ak));
            // Another resolver (a cmdlet makes one per call) with another environment gets the same object too.
            var third = Resolver(new LiveEnvironment()).Resolve(Explicit(ak));

            Assert.Same(first, second);
            Assert.Same(first, third);
            Assert.Equal(ak, first.AccessKeyId);
            Assert.Equal("-AccessKey/-SecretKey", first.CredentialSource);
            Assert.Equal("eu-west-1", first.RegionName);
            Assert.Equal("-Region", first.RegionSource);
            Assert.Equal("http://127.0.0.1:5000/", first.EndpointUrl);
            // Not one variable read, so the profile files were not even located, let alone read.
            Assert.Empty(env.Reads);
        }

        [Fact]
        public void Explicit_keys_and_region_are_remembered_whatever_else_is_given_because_nothing_else_is_consulted()
        {
            var env = new LiveEnvironment();
            var ak = NewAk();
            var options = Explicit(ak);
            options.ProfileName = "somewhere";
            options.ProfileLocation = "/nonexistent/credentials";
            options.Credential = new BasicAWSCredentials("AKIAOTHER00000000001", OtherSk);
            options.StoredCredentials = new BasicAWSCredentials("AKIAOTHER00000000002", OtherSk);
            options.StoredRegion = "us-west-2";

            var first = Resolver(env).Resolve(options);
            var second = Resolver(env).Resolve(Explicit(ak));

            Assert.Same(first, second);
            Assert.Equal(ak, first.AccessKeyId);
            Assert.Equal("eu-west-1", first.RegionName);
            Assert.Empty(env.Reads);
        }

        [Fact]
        public void Session_credentials_are_remembered_per_token()
        {
            var resolver = Resolver(new LiveEnvironment());
            var ak = NewAk();
            var withToken = resolver.Resolve(Explicit(ak, token: Token));
            var withOtherToken = resolver.Resolve(Explicit(ak, token: OtherToken));
            var withoutToken = resolver.Resolve(Explicit(ak));

            Assert.IsType<SessionAWSCredentials>(withToken.Credentials);
            Assert.Equal(OtherToken, withOtherToken.Credentials.GetCredentials().Token);
            Assert.IsType<BasicAWSCredentials>(withoutToken.Credentials);
            Assert.Equal("-AccessKey/-SecretKey/-SessionToken", withToken.CredentialSource);
            Assert.Equal(3, new[] { withToken.CacheKey, withOtherToken.CacheKey, withoutToken.CacheKey }.Distinct().Count());

            // One entry per access key, region and endpoint: going back to a token resolves again, to the same identity.
            var again = resolver.Resolve(Explicit(ak, token: Token));
            Assert.Equal(withToken.CacheKey, again.CacheKey);
            Assert.Equal(Token, again.Credentials.GetCredentials().Token);
            Assert.Same(again, resolver.Resolve(Explicit(ak, token: Token)));
        }

        [Fact]
        public void Each_region_and_endpoint_is_its_own_connection()
        {
            var resolver = Resolver(new LiveEnvironment());
            var ak = NewAk();
            var a = resolver.Resolve(Explicit(ak));
            var b = resolver.Resolve(Explicit(ak, region: "eu-west-2"));
            var c = resolver.Resolve(Explicit(ak, endpoint: null));
            var d = resolver.Resolve(Explicit(ak, endpoint: "http://127.0.0.1:5001/"));
            Assert.Equal(new[] { "eu-west-1", "eu-west-2", "eu-west-1", "eu-west-1" }, new[] { a, b, c, d }.Select(x => x.RegionName));
            Assert.Equal(new[] { "http://127.0.0.1:5000/", "http://127.0.0.1:5000/", null, "http://127.0.0.1:5001/" }, new[] { a, b, c, d }.Select(x => x.EndpointUrl));
            Assert.Equal(4, new[] { a, b, c, d }.Select(x => x.CacheKey).Distinct().Count());
            Assert.Same(c, resolver.Resolve(Explicit(ak, endpoint: null)));
        }

        [Fact]
        public void A_different_secret_under_the_same_access_key_is_never_served_the_remembered_connection()
        {
            var resolver = Resolver(new LiveEnvironment());
            var ak = NewAk();
            var first = resolver.Resolve(Explicit(ak, Sk));
            var other = resolver.Resolve(Explicit(ak, OtherSk));

            Assert.NotSame(first, other);
            Assert.Equal(OtherSk, other.Credentials.GetCredentials().SecretKey);
            Assert.Equal(ak, other.AccessKeyId);
            Assert.NotEqual(first.CacheKey, other.CacheKey);
            Assert.NotEqual(first.CredentialIdentity, other.CredentialIdentity);

            // Back to the first secret: the same identity (and so the same cached client) as before.
            var again = resolver.Resolve(Explicit(ak, Sk));
            Assert.Equal(Sk, again.Credentials.GetCredentials().SecretKey);
            Assert.Equal(first.CacheKey, again.CacheKey);
            Assert.Same(again, resolver.Resolve(Explicit(ak, Sk)));
        }

        [Fact]
        public void Bad_explicit_options_fail_every_time_and_are_not_remembered()
        {
            var resolver = Resolver(new LiveEnvironment());
            var ak = NewAk();
            for (int i = 0; i < 2; i++)
            {
                Assert.Equal(ConnectionErrorIds.InvalidRegion, Assert.Throws<ConnectionResolutionException>(() => resolver.Resolve(Explicit(ak, region: "moon-1"))).ErrorId);
                Assert.Equal(ConnectionErrorIds.InvalidEndpointUrl, Assert.Throws<ConnectionResolutionException>(() => resolver.Resolve(Explicit(ak, endpoint: "ftp://x/"))).ErrorId);
            }
        }

        [Fact]
        public void The_remembered_connections_are_bounded_and_the_least_recently_used_goes_first()
        {
            var cache = new ExplicitConnections(3);
            var resolver = Resolver(new LiveEnvironment());
            var options = Enumerable.Range(0, 4).Select(_ => Explicit(NewAk())).ToArray();
            for (int i = 0; i < 3; i++) cache.Remember(options[i], resolver.Resolve(options[i]));
            Assert.NotNull(cache.Find(options[0])); // 0 is now more recent than 1
            cache.Remember(options[3], resolver.Resolve(options[3]));

            Assert.Equal(3, cache.Count);
            Assert.Null(cache.Find(options[1]));
            Assert.NotNull(cache.Find(options[0]));
            Assert.NotNull(cache.Find(options[2]));
            Assert.NotNull(cache.Find(options[3]));
            Assert.Equal(ExplicitConnections.DefaultCapacity, ExplicitConnections.Shared.Capacity);
        }

        // ----- everything else is resolved again on every call --------------------------------------------------------

        [Fact]
        public void Environment_keys_are_read_again_on_every_call()
        {
            var env = new LiveEnvironment();
            var ak1 = NewAk();
            var ak2 = NewAk();
            env.Variables["AWS_ACCESS_KEY_ID"] = ak1;
            env.Variables["AWS_SECRET_ACCESS_KEY"] = EnvSk;
            var resolver = Resolver(env);
            var options = new ConnectionOptions { Region = "eu-west-1" };

            var first = resolver.Resolve(options);
            env.Variables["AWS_ACCESS_KEY_ID"] = ak2;
            var second = resolver.Resolve(options);
            env.Variables["AWS_SESSION_TOKEN"] = Token;
            var third = resolver.Resolve(options);

            Assert.Equal(ak1, first.AccessKeyId);
            Assert.Equal(ak2, second.AccessKeyId);
            Assert.Equal(Token, third.Credentials.GetCredentials().Token);
            Assert.NotSame(first, resolver.Resolve(new ConnectionOptions { Region = "eu-west-1" }));
            // The environment keys won before any profile step: the profile files were never located.
            Assert.False(env.LocatedProfileFiles);
        }

        [Fact]
        public void With_explicit_keys_but_no_region_the_region_is_looked_up_again_on_every_call()
        {
            var env = new LiveEnvironment();
            using var files = new ProfileFiles(env);
            env.Variables["AWS_REGION"] = "eu-central-1";
            var resolver = Resolver(env);
            var ak = NewAk();
            var options = new ConnectionOptions { AccessKey = ak, SecretKey = Sk };

            Assert.Equal("eu-central-1", resolver.Resolve(options).RegionName);
            env.Variables["AWS_REGION"] = "eu-north-1";
            Assert.Equal("eu-north-1", resolver.Resolve(options).RegionName);
            File.WriteAllText(files.ConfigPath, "[default]\nregion = ap-south-1\n");
            var fromProfile = resolver.Resolve(options);
            Assert.Equal("ap-south-1", fromProfile.RegionName);
            Assert.Equal("profile 'default'", fromProfile.RegionSource);
            Assert.True(env.LocatedProfileFiles);
        }

        [Fact]
        public void Profiles_are_read_again_on_every_call()
        {
            var env = new LiveEnvironment();
            using var files = new ProfileFiles(env);
            var ak1 = NewAk();
            var ak2 = NewAk();
            var resolver = Resolver(env);
            var options = new ConnectionOptions { ProfileName = "admin", Region = "eu-west-1" };

            File.WriteAllText(files.CredentialsPath, $"[admin]\naws_access_key_id = {ak1}\naws_secret_access_key = {ProfileSk}\n");
            var first = resolver.Resolve(options);
            File.WriteAllText(files.CredentialsPath, $"[admin]\naws_access_key_id = {ak2}\naws_secret_access_key = {ProfileSk}\n");
            var second = resolver.Resolve(options);

            Assert.Equal(ak1, first.AccessKeyId);
            Assert.Equal(ak2, second.AccessKeyId);

            File.Delete(files.CredentialsPath);
            Assert.Equal(ConnectionErrorIds.ProfileNotFound, Assert.Throws<ConnectionResolutionException>(() => resolver.Resolve(options)).ErrorId);
        }

        [Fact]
        public void An_edited_role_profile_is_a_new_identity_and_a_new_client_not_the_old_one_under_the_same_name()
        {
            var env = new LiveEnvironment();
            using var files = new ProfileFiles(env);
            var resolver = new ConnectionResolver(env) { AllowInstanceCredentials = false, AllowInstanceRegion = false, UseSdkProfileStore = false };
            var options = new ConnectionOptions { ProfileName = "ops", Region = "eu-west-1" };
            string RoleProfile(string role) =>
                $"[base]\naws_access_key_id = {NewAk()}\naws_secret_access_key = {ProfileSk}\n[ops]\nrole_arn = arn:aws:iam::123456789012:role/{role}\nsource_profile = base\n";

            File.WriteAllText(files.CredentialsPath, RoleProfile("Reader"));
            var first = resolver.Resolve(options);
            var again = resolver.Resolve(options);
            File.WriteAllText(files.CredentialsPath, RoleProfile("Admin"));
            var edited = resolver.Resolve(options);

            Assert.IsNotType<BasicAWSCredentials>(first.Credentials); // an assume-role credentials object, built by AWSSDK.Core
            Assert.Equal(first.CacheKey, again.CacheKey);
            Assert.NotEqual(first.CacheKey, edited.CacheKey);
            var cache = new Ec2ClientCache();
            Assert.NotSame(cache.GetClient(first), cache.GetClient(edited));
            AssertNoSecret(first.CacheKey);
            AssertNoSecret(edited.CacheKey);
        }

        [Fact]
        public void Credential_objects_and_stored_sessions_are_taken_as_given_on_every_call_without_reading_profile_files()
        {
            var env = new LiveEnvironment();
            var resolver = Resolver(env);
            var ak1 = NewAk();
            var ak2 = NewAk();

            var fromCredential = resolver.Resolve(new ConnectionOptions { Credential = new BasicAWSCredentials(ak1, Sk), Region = "eu-west-1" });
            var fromOther = resolver.Resolve(new ConnectionOptions { Credential = new BasicAWSCredentials(ak2, Sk), Region = "eu-west-1" });
            var fromStored = resolver.Resolve(new ConnectionOptions { StoredCredentials = new BasicAWSCredentials(ak1, OtherSk), StoredRegion = "eu-west-2" });

            Assert.Equal(ak1, fromCredential.AccessKeyId);
            Assert.Equal(ak2, fromOther.AccessKeyId);
            Assert.Equal(ak1, fromStored.AccessKeyId);
            Assert.Equal("eu-west-2", fromStored.RegionName);
            Assert.NotEqual(fromCredential.CacheKey.Split('|')[0], fromStored.CacheKey.Split('|')[0]);
            Assert.False(env.LocatedProfileFiles);
        }

        // ----- key identities ------------------------------------------------------------------------------------------

        [Fact]
        public void A_key_identity_is_computed_once_per_access_key_secret_and_token()
        {
            var ak = NewAk();
            var identity = ResolvedConnection.KeyIdentities.Get(ak, Sk, null);
            Assert.Same(identity, ResolvedConnection.KeyIdentities.Get(ak, Sk, null));
            Assert.Same(identity, ResolvedConnection.Create(new BasicAWSCredentials(ak, Sk), "eu-west-1").CredentialIdentity);
            Assert.StartsWith("keys:" + ak + ":", identity);

            var otherSecret = ResolvedConnection.KeyIdentities.Get(ak, OtherSk, null);
            var withToken = ResolvedConnection.KeyIdentities.Get(ak, Sk, Token);
            var otherToken = ResolvedConnection.KeyIdentities.Get(ak, Sk, OtherToken);
            Assert.Equal(4, new[] { identity, otherSecret, withToken, otherToken }.Distinct().Count());
            // Computed again after others replaced it: the same text (the digest key is fixed for the process).
            Assert.Equal(identity, ResolvedConnection.KeyIdentities.Get(ak, Sk, null));
            Assert.True(ResolvedConnection.KeyIdentities.Count <= ResolvedConnection.KeyIdentities.Capacity);
        }

        [Fact]
        public void Different_secrets_with_the_same_access_key_id_have_different_identities_and_clients()
        {
            var ak = NewAk();
            var a = ResolvedConnection.Create(new BasicAWSCredentials(ak, Sk), "eu-west-1");
            var b = ResolvedConnection.Create(new BasicAWSCredentials(ak, OtherSk), "eu-west-1");
            Assert.NotEqual(a.CredentialIdentity, b.CredentialIdentity);
            var cache = new Ec2ClientCache();
            Assert.NotSame(cache.GetClient(a), cache.GetClient(b));
            Assert.Equal(2, cache.ClientCount);
        }

        [Theory]
        [InlineData("abc", "abc", true)]
        [InlineData("abc", "abd", false)]
        [InlineData("abc", "ab", false)]
        [InlineData("", "", true)]
        [InlineData(null, null, true)]
        [InlineData(null, "", false)]
        public void Secrets_are_compared_exactly(string a, string b, bool same) =>
            Assert.Equal(same, ResolvedConnection.KeyIdentities.SameText(a, b));

        // ----- no secret anywhere -------------------------------------------------------------------------------------

        [Fact]
        public void No_cache_key_or_text_holds_a_secret_or_token()
        {
            var resolver = Resolver(new LiveEnvironment());
            var ak = NewAk();
            var connections = new[]
            {
                resolver.Resolve(Explicit(ak)),
                resolver.Resolve(Explicit(ak, OtherSk, Token)),
                resolver.Resolve(Explicit(NewAk(), Sk, OtherToken, endpoint: null)),
            };
            var texts = new List<string>();
            foreach (var c in connections)
            {
                texts.AddRange(new[] { c.CacheKey, c.CredentialIdentity, c.Describe(), c.ToString(), c.CredentialSource, c.AccessKeyId });
            }
            // The keys and entries of both process-wide caches, as text.
            foreach (var (owner, type, field) in new (object, Type, string)[]
            {
                (ExplicitConnections.Shared, typeof(ExplicitConnections), "_entries"),
                (null, typeof(ResolvedConnection.KeyIdentities), "Entries"),
            })
            {
                var dictionary = (IDictionary)type.GetField(field, BindingFlags.Instance | BindingFlags.Static | BindingFlags.NonPublic).GetValue(owner);
                foreach (DictionaryEntry entry in dictionary)
                {
                    texts.Add(entry.Key.ToString());
                    texts.Add(entry.Value.ToString());
                }
            }
            Assert.Contains(texts, t => t != null && t.Contains(ak));
            foreach (var text in texts) AssertNoSecret(text);
        }
    }
}
