using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Amazon;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Xunit;

namespace Ec2Capacity.Tests
{
    public class ClientCacheTests
    {
        private const string Ak = "AKIACACHE00000000001", Sk = "cache-secret-000000000000000000000000001", Token = "cache-token-0000000000000000000001";

        private static ResolvedConnection Connection(string access = Ak, string secret = Sk, string token = null, string region = "eu-west-1", string endpoint = null) =>
            ResolvedConnection.Create(token == null ? new BasicAWSCredentials(access, secret) : new SessionAWSCredentials(access, secret, token), region, endpoint);

        /// <summary>A cache whose factory counts builds (real clients, no network: building one sends nothing).</summary>
        private sealed class CountingCache
        {
            public int Builds;
            public readonly ConcurrentDictionary<string, int> BuildsPerKey = new ConcurrentDictionary<string, int>();
            public readonly Ec2ClientCache Cache;

            public CountingCache()
            {
                Cache = new Ec2ClientCache(new Ec2ClientSettings(), (connection, settings) =>
                {
                    Interlocked.Increment(ref Builds);
                    BuildsPerKey.AddOrUpdate(connection.CacheKey, 1, (_, n) => n + 1);
                    Thread.Sleep(20); // widen the race window
                    return Ec2ClientCache.CreateClient(connection, settings);
                });
            }
        }

        [Fact]
        public void The_same_connection_gets_the_same_client()
        {
            var counting = new CountingCache();
            var first = counting.Cache.GetClient(Connection());
            var second = counting.Cache.GetClient(Connection());
            Assert.Same(first, second);
            Assert.Equal(1, counting.Cache.ClientCount);
            Assert.Equal(1, counting.Builds);
        }

        [Fact]
        public void Region_endpoint_keys_and_token_each_make_another_client()
        {
            var cache = new Ec2ClientCache();
            var baseline = cache.GetClient(Connection());
            var others = new[]
            {
                cache.GetClient(Connection(region: "eu-west-2")),
                cache.GetClient(Connection(endpoint: "http://127.0.0.1:5000/")),
                cache.GetClient(Connection(endpoint: "http://127.0.0.1:5001/")),
                cache.GetClient(Connection(access: "AKIACACHE00000000002")),
                cache.GetClient(Connection(secret: "another-secret")),
                cache.GetClient(Connection(token: Token)),
                cache.GetClient(Connection(token: Token + "2")),
            };
            Assert.Equal(8, new[] { baseline }.Concat(others).Distinct().Count());
            Assert.Equal(8, cache.ClientCount);
        }

        [Fact]
        public void Refreshing_credentials_are_keyed_by_the_object()
        {
            var cache = new Ec2ClientCache();
            var refreshing = new AnonymousAWSCredentials();
            var a = cache.GetClient(ResolvedConnection.Create(refreshing, "us-east-1"));
            Assert.Same(a, cache.GetClient(ResolvedConnection.Create(refreshing, "us-east-1")));
            Assert.NotSame(a, cache.GetClient(ResolvedConnection.Create(new AnonymousAWSCredentials(), "us-east-1")));
        }

        [Fact]
        public async Task Eight_threads_hammering_build_one_client_per_key()
        {
            var counting = new CountingCache();
            var connections = new[]
            {
                Connection(), Connection(region: "us-east-1"), Connection(endpoint: "http://127.0.0.1:5000/"), Connection(token: Token),
            };
            const int threads = 8, callsPerThread = 250;
            using var start = new Barrier(threads);
            var seen = new ConcurrentDictionary<string, ConcurrentBag<IAmazonEC2>>();
            var tasks = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                for (int i = 0; i < callsPerThread; i++)
                {
                    // Each call resolves afresh, as a cmdlet does: equal connections, different objects.
                    var template = connections[(i + t) % connections.Length];
                    var connection = ResolvedConnection.Create(template.Credentials, template.RegionName, template.EndpointUrl);
                    seen.GetOrAdd(connection.CacheKey, _ => new ConcurrentBag<IAmazonEC2>()).Add(counting.Cache.GetClient(connection));
                }
            }, TaskCreationOptions.LongRunning)).ToArray();
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(connections.Length, counting.Cache.ClientCount);
            Assert.Equal(connections.Length, counting.Builds);
            Assert.All(counting.BuildsPerKey.Values, n => Assert.Equal(1, n));
            Assert.All(seen.Values, bag => Assert.Single(bag.Distinct()));
            Assert.Equal(threads * callsPerThread, seen.Values.Sum(b => b.Count));
        }

        [Fact]
        public void Clear_forgets_every_client()
        {
            var cache = new Ec2ClientCache();
            var first = cache.GetClient(Connection());
            cache.Clear();
            Assert.Equal(0, cache.ClientCount);
            Assert.NotSame(first, cache.GetClient(Connection()));
        }

        [Fact]
        public void A_failed_build_is_not_cached()
        {
            int calls = 0;
            var cache = new Ec2ClientCache(null, (c, s) =>
            {
                if (Interlocked.Increment(ref calls) == 1) throw new InvalidOperationException("first build fails");
                return Ec2ClientCache.CreateClient(c, s);
            });
            Assert.Throws<InvalidOperationException>(() => cache.GetClient(Connection()));
            Assert.NotNull(cache.GetClient(Connection()));
            Assert.Equal(1, cache.ClientCount);
        }

        [Fact]
        public void The_cache_key_is_built_once_with_the_connection()
        {
            var c = Connection(token: Token);
            Assert.Same(c.CacheKey, c.CacheKey);
            Assert.Equal(c.CredentialIdentity + "|eu-west-1|", c.CacheKey);
            Assert.Equal(c.CredentialIdentity + "|eu-west-1|http://127.0.0.1:5000/", Connection(token: Token, endpoint: "http://127.0.0.1:5000/").CacheKey);
        }

        [Fact]
        public void A_built_client_is_found_for_another_connection_object_with_the_same_key_without_a_build()
        {
            var counting = new CountingCache();
            var first = counting.Cache.GetClient(Connection());
            for (int i = 0; i < 5; i++) Assert.Same(first, counting.Cache.GetClient(Connection()));
            Assert.Equal(1, counting.Builds);
        }

        [Fact]
        public void A_failed_build_is_retried_on_every_call_until_one_succeeds()
        {
            int calls = 0;
            var cache = new Ec2ClientCache(null, (c, s) =>
            {
                if (Interlocked.Increment(ref calls) <= 2) throw new InvalidOperationException("build " + calls + " fails");
                return Ec2ClientCache.CreateClient(c, s);
            });
            Assert.Equal("build 1 fails", Assert.Throws<InvalidOperationException>(() => cache.GetClient(Connection())).Message);
            Assert.Equal(0, cache.ClientCount);
            Assert.Equal("build 2 fails", Assert.Throws<InvalidOperationException>(() => cache.GetClient(Connection())).Message);
            var client = cache.GetClient(Connection());
            Assert.Same(client, cache.GetClient(Connection()));
            Assert.Equal(3, calls);
        }

        [Fact]
        public void The_shared_cache_exists_once()
        {
            Assert.Same(Ec2ClientCache.Shared, Ec2ClientCache.Shared);
            Assert.Equal(5, Ec2ClientCache.Shared.Settings.MaxAttempts);
        }

        [Fact]
        public void Keys_hold_no_secret_or_token()
        {
            var c = Connection(token: Token);
            Assert.StartsWith("keys:" + Ak + ":", c.CacheKey);
            Assert.DoesNotContain(Sk, c.CacheKey);
            Assert.DoesNotContain(Token, c.CacheKey);
            Assert.Contains("|eu-west-1|", c.CacheKey);
        }

        private static RetryPolicy RetryPolicyOf(IAmazonEC2 client)
        {
            var pipeline = (RuntimePipeline)typeof(AmazonServiceClient).GetProperty("RuntimePipeline", BindingFlags.Instance | BindingFlags.NonPublic).GetValue(client);
            return pipeline.Handlers.OfType<RetryHandler>().Single().RetryPolicy;
        }

        [Fact]
        public void Clients_use_standard_retries_the_chosen_attempts_timeout_and_user_agent()
        {
            var client = Ec2ClientCache.CreateClient(Connection(), Ec2ClientSettings.Default);
            var config = (AmazonEC2Config)client.Config;
            Assert.Equal(RequestRetryMode.Standard, config.RetryMode);
            Assert.Equal(4, config.MaxErrorRetry); // 5 attempts in all
            Assert.Equal(TimeSpan.FromSeconds(30), config.Timeout);
            Assert.False(config.ThrottleRetries); // no client-side retry quota by default (see Ec2ClientSettings.UseRetryQuota)
            Assert.StartsWith("Ec2Capacity/", config.ClientAppId);
            Assert.Equal(RegionEndpoint.EUWest1, config.RegionEndpoint);
            var policy = Assert.IsAssignableFrom<StandardRetryPolicy>(RetryPolicyOf(client));
            Assert.Equal(4, policy.MaxRetries);
            Assert.Equal(20000, policy.MaxBackoffInMilliseconds);
        }

        [Fact]
        public void With_an_endpoint_the_client_sends_there_and_signs_for_the_resolved_region()
        {
            var settings = new Ec2ClientSettings { MaxAttempts = 3, Timeout = TimeSpan.FromSeconds(2), MaxBackoff = TimeSpan.FromMilliseconds(7), UseRetryQuota = true };
            var client = Ec2ClientCache.CreateClient(Connection(region: "ap-south-2", endpoint: "http://127.0.0.1:5000/"), settings);
            var config = (AmazonEC2Config)client.Config;
            Assert.Equal("http://127.0.0.1:5000/", config.ServiceURL);
            Assert.Equal("ap-south-2", config.AuthenticationRegion);
            Assert.Null(config.RegionEndpoint);
            Assert.Equal(2, config.MaxErrorRetry);
            Assert.Equal(TimeSpan.FromSeconds(2), config.Timeout);
            Assert.True(config.ThrottleRetries); // the quota can still be turned on
            Assert.Equal(7, Assert.IsAssignableFrom<StandardRetryPolicy>(RetryPolicyOf(client)).MaxBackoffInMilliseconds);
        }

        [Fact]
        public void The_user_agent_names_the_module_version_from_the_manifest()
        {
            var psd1 = System.IO.File.ReadAllText(System.IO.Path.Combine(CompatibilityTests.RepoRoot(), "Ec2Capacity.psd1"));
            var version = System.Text.RegularExpressions.Regex.Match(psd1, "ModuleVersion\\s*=\\s*'([0-9.]+)'").Groups[1].Value;
            Assert.Equal("Ec2Capacity/" + version, Ec2ClientCache.UserAgentApp);
        }

        [Fact]
        public void Settings_out_of_range_are_refused()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new Ec2ClientCache(new Ec2ClientSettings { MaxAttempts = 0 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => new Ec2ClientCache(new Ec2ClientSettings { Timeout = TimeSpan.Zero }));
            Assert.Throws<ArgumentOutOfRangeException>(() => new Ec2ClientCache(new Ec2ClientSettings { MaxBackoff = TimeSpan.FromSeconds(-1) }));
        }

        [Fact]
        public void New_credentials_objects_all_day_keep_at_most_Capacity_clients_and_the_newest_stays_cached()
        {
            var cache = new Ec2ClientCache(new Ec2ClientSettings(), (connection, settings) => Ec2ClientCache.CreateClient(connection, settings));
            ResolvedConnection last = null;
            for (int i = 0; i < Ec2ClientCache.Capacity * 3; i++)
            {
                // Refreshing credentials are keyed by the object: every new object is a new key.
                last = ResolvedConnection.Create(new AnonymousAWSCredentials(), "eu-west-1");
                cache.GetClient(last);
                Assert.True(cache.ClientCount <= Ec2ClientCache.Capacity, $"{cache.ClientCount} clients after {i + 1} objects");
            }
            Assert.Equal(Ec2ClientCache.Capacity, cache.ClientCount);
            Assert.Same(cache.GetClient(last), cache.GetClient(last));
        }
    }
}
