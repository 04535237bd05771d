using System;
using System.Reflection;
using System.Runtime.Loader;
using Amazon.Runtime;
using Xunit;

namespace Ec2Capacity.Tests
{
    /// <summary>The shape of AWS.Tools' CredentialsSource enum.</summary>
    public enum StandInCredentialsSource { Strings, Profile, Container, InstanceProfile, Session, Environment, Unknown }

    /// <summary>
    /// Same shape as AWS.Tools' <c>Amazon.PowerShell.Common.AWSPSCredentials</c>, what <c>Set-AWSCredential</c> stores in
    /// <c>$StoredAWSCredentials</c>: the AWSCredentials in a non-public instance property <c>Credentials</c>, with
    /// <c>Name</c> and <c>Source</c> beside it.
    /// </summary>
    public sealed class AWSPSCredentials
    {
        internal AWSPSCredentials(object credentials, string name, StandInCredentialsSource source)
        {
            Credentials = credentials;
            Name = name;
            Source = source;
        }

        internal object Credentials { get; }
        public string Name { get; }
        public StandInCredentialsSource Source { get; }
    }

    /// <summary>What PowerShell passes when a value arrives wrapped: an object with a BaseObject.</summary>
    public sealed class PSObjectStandIn
    {
        public PSObjectStandIn(object baseObject) { BaseObject = baseObject; }
        public object BaseObject { get; }
        public override string ToString() => BaseObject?.ToString() ?? string.Empty;
    }

    /// <summary>Credentials that are not AWSCredentials of ours but look like them: a GetCredentials() with AccessKey/SecretKey/Token.</summary>
    public sealed class DuckCredentials
    {
        private readonly string _access, _secret, _token;
        public DuckCredentials(string access, string secret, string token = null) { _access = access; _secret = secret; _token = token; }
        public int Calls { get; private set; }
        public DuckImmutable GetCredentials() { Calls++; return new DuckImmutable { AccessKey = _access, SecretKey = _secret, Token = _token }; }
    }

    public sealed class DuckImmutable
    {
        public string AccessKey { get; set; }
        public string SecretKey { get; set; }
        public string Token { get; set; }
    }

    /// <summary>
    /// AWSSDK.Core loaded a second time, into its own load context: the situation of credentials made by an AWS.Tools
    /// that loaded another AWSSDK.Core file. Its types have our names but are not our types.
    /// </summary>
    public static class ForeignSdk
    {
        private static readonly Lazy<Assembly> Core = new Lazy<Assembly>(() =>
        {
            var context = new AssemblyLoadContext("ForeignAwsSdkCore", isCollectible: false);
            return context.LoadFromAssemblyPath(typeof(AWSCredentials).Assembly.Location);
        });

        public static object Basic(string access, string secret) =>
            Activator.CreateInstance(Core.Value.GetType("Amazon.Runtime.BasicAWSCredentials", true), access, secret);

        public static object Session(string access, string secret, string token) =>
            Activator.CreateInstance(Core.Value.GetType("Amazon.Runtime.SessionAWSCredentials", true), access, secret, token);

        public static Type ForeignAwsCredentialsType => Core.Value.GetType("Amazon.Runtime.AWSCredentials", true);
    }

    public class ConnectionAwsToolsSessionTests
    {
        private const string Ak = "AKIASESSION000000001", Sk = "aws-tools-session-secret-000000000000001", Token = "aws-tools-session-token-0000000000000001";

        private static ResolvedConnection ResolveStored(object stored)
        {
            using var box = new ProfileSandbox();
            return box.Resolve(new ConnectionOptions { StoredCredentials = stored, StoredRegion = "eu-west-1" });
        }

        private static void AssertNoSecret(ResolvedConnection c)
        {
            foreach (var text in new[] { c.Describe(), c.CredentialSource, c.CacheKey, c.ToString() })
            {
                Assert.DoesNotContain(Sk, text);
                Assert.DoesNotContain(Token, text);
            }
        }

        [Fact]
        public void StoredAWSCredentials_from_Set_AWSCredential_are_reused()
        {
            var inner = new SessionAWSCredentials(Ak, Sk, Token);
            var c = ResolveStored(new AWSPSCredentials(inner, "prod", StandInCredentialsSource.Profile));
            Assert.Same(inner, c.Credentials);
            Assert.Equal(Ak, c.AccessKeyId);
            Assert.Equal("$StoredAWSCredentials (AWS.Tools session, name 'prod', source Profile)", c.CredentialSource);
            Assert.Equal("eu-west-1", c.RegionName);
            Assert.Equal("$StoredAWSRegion", c.RegionSource);
            AssertNoSecret(c);
        }

        [Fact]
        public void A_PSObject_wrapper_is_unwrapped()
        {
            var inner = new BasicAWSCredentials(Ak, Sk);
            var c = ResolveStored(new PSObjectStandIn(new AWSPSCredentials(inner, null, StandInCredentialsSource.Session)));
            Assert.Same(inner, c.Credentials);
            Assert.Equal("$StoredAWSCredentials (AWS.Tools session, source Session)", c.CredentialSource);
            Assert.Same(inner, ResolveStored(new PSObjectStandIn(inner)).Credentials);
        }

        [Fact]
        public void The_Credential_parameter_takes_AWSCredentials_and_AWS_Tools_sessions()
        {
            using var box = new ProfileSandbox();
            var inner = new BasicAWSCredentials(Ak, Sk);
            var fromSession = box.Resolve(new ConnectionOptions { Credential = new AWSPSCredentials(inner, "dev", StandInCredentialsSource.Strings), Region = "us-east-1" });
            Assert.Same(inner, fromSession.Credentials);
            Assert.Equal("-Credential (name 'dev', source Strings)", fromSession.CredentialSource);
            var bare = box.Resolve(new ConnectionOptions { Credential = new PSObjectStandIn(inner), Region = "us-east-1" });
            Assert.Same(inner, bare.Credentials);
            Assert.Equal("-Credential", bare.CredentialSource);
        }

        [Fact]
        public void A_session_without_credentials_inside_is_an_error()
        {
            using var box = new ProfileSandbox();
            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions
            {
                StoredCredentials = new AWSPSCredentials(null, "broken", StandInCredentialsSource.Unknown),
                Region = "us-east-1",
            }));
            Assert.Equal(ConnectionErrorIds.InvalidCredential, e.ErrorId);
            Assert.Contains("AWSPSCredentials", e.Message);
        }

        [Fact]
        public void Credentials_from_another_AWSSDK_Core_load_are_read_through_their_own_GetCredentials()
        {
            var foreign = ForeignSdk.Session(Ak, Sk, Token);
            Assert.False(foreign is AWSCredentials);
            Assert.NotEqual(typeof(AWSCredentials), ForeignSdk.ForeignAwsCredentialsType);
            Assert.Equal(typeof(AWSCredentials).FullName, ForeignSdk.ForeignAwsCredentialsType.FullName);

            var c = ResolveStored(new AWSPSCredentials(foreign, "old-core", StandInCredentialsSource.Session));
            Assert.IsAssignableFrom<AWSCredentials>(c.Credentials);
            var keys = c.Credentials.GetCredentials();
            Assert.Equal(Ak, keys.AccessKey);
            Assert.Equal(Sk, keys.SecretKey);
            Assert.Equal(Token, keys.Token);
            Assert.Equal(Ak, c.AccessKeyId);
            Assert.Contains("another AWSSDK.Core load", c.CredentialSource);
            AssertNoSecret(c);

            var basic = ResolveStored(ForeignSdk.Basic(Ak, Sk)).Credentials.GetCredentials();
            Assert.Equal(Sk, basic.SecretKey);
            Assert.False(basic.UseToken);
        }

        [Fact]
        public void Static_foreign_keys_share_a_cache_key_with_the_same_keys_of_ours()
        {
            var ours = ResolveStored(new BasicAWSCredentials(Ak, Sk));
            var theirs = ResolveStored(ForeignSdk.Basic(Ak, Sk));
            Assert.Equal(ours.CacheKey, theirs.CacheKey);
        }

        [Fact]
        public async System.Threading.Tasks.Task Duck_typed_credentials_are_read_on_every_use_and_keyed_by_identity()
        {
            var duck = new DuckCredentials(Ak, Sk, Token);
            var c = ResolveStored(duck);
            Assert.Null(c.AccessKeyId); // not a known fixed-key type: not read at resolution
            Assert.Equal(0, duck.Calls);
            Assert.Equal(Token, c.Credentials.GetCredentials().Token);
            Assert.Equal(Token, (await c.Credentials.GetCredentialsAsync()).Token);
            Assert.Equal(2, duck.Calls);

            Assert.Equal(c.CacheKey, ResolveStored(duck).CacheKey);
            Assert.NotEqual(c.CacheKey, ResolveStored(new DuckCredentials(Ak, Sk, Token)).CacheKey);
            AssertNoSecret(c);
        }

        [Fact]
        public void Something_that_is_not_credentials_is_rejected()
        {
            using var box = new ProfileSandbox();
            foreach (var value in new object[] { new object(), new PSObjectStandIn(42), "AKIA-not-credentials", new DuckImmutable() })
            {
                var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions { StoredCredentials = value, Region = "us-east-1" }));
                Assert.Equal(ConnectionErrorIds.InvalidCredential, e.ErrorId);
            }
        }

        [Fact]
        public void A_blank_stored_value_counts_as_not_set()
        {
            using var box = new ProfileSandbox();
            var e = Assert.Throws<ConnectionResolutionException>(() => box.Resolve(new ConnectionOptions { StoredCredentials = "  ", Region = "us-east-1" }));
            Assert.Equal(ConnectionErrorIds.NoCredentials, e.ErrorId);
        }
    }
}
