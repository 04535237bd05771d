using System;
using System.Collections.Concurrent;
using System.Reflection;
using System.Threading;
using Amazon;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace Ec2Capacity
{
    /// <summary>How the EC2 clients the cache builds retry and time out. Defaults are for production; tests and benchmarks tune them.</summary>
    internal sealed class Ec2ClientSettings
    {
        /// <summary>
        /// Attempts per request in all, the first included (the SDK's MaxErrorRetry is this minus one). 5, not the
        /// SDK's default 3: EC2 throttles per account and region (RequestLimitExceeded), and runbooks that fan out with
        /// <c>ForEach-Object -Parallel</c> meet it in bursts. With a 30% chance per attempt that a request is throttled,
        /// 3 attempts still fail 2.7% of calls, 5 attempts 0.24%. More buys little and makes a real outage take longer
        /// to report; the SDK's standard mode adds jittered exponential backoff (up to <see cref="MaxBackoff"/>), so one
        /// call adds at most 4 retries spread over up to a minute or so: more attempts cannot turn into a retry storm.
        /// </summary>
        public int MaxAttempts { get; set; } = 5;

        /// <summary>
        /// Timeout of one HTTP attempt. 30 seconds: EC2 answers these calls in well under a second, so a silent
        /// connection is better retried than waited on for the SDK's default 100 seconds; the whole call stays bounded
        /// by attempts × (timeout + backoff).
        /// </summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>Upper bound of the jittered exponential backoff between attempts (SDK standard mode: 20 s). Tests use a few milliseconds.</summary>
        public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(20);

        /// <summary>
        /// Whether the SDK's client-side retry quota (standard mode's token bucket, shared by every call of a client)
        /// applies. Off by default. The quota exists to stop high-volume services from piling retries onto a failing
        /// endpoint; this is a low-volume admin tool whose unattended runbooks must ride out throttling. With the quota
        /// on, a burst of throttling and server errors empties the shared bucket and every later call of the client
        /// fails on its first error without retrying: in the reliability suite (30% throttling, 10% server errors,
        /// 10% dropped connections) 29% of operations failed with the quota on against 1.5% with it off. What bounds
        /// the load we add instead: at most <see cref="MaxAttempts"/> attempts per call with jittered exponential
        /// backoff up to <see cref="MaxBackoff"/>.
        /// </summary>
        public bool UseRetryQuota { get; set; }

#if NETCOREAPP
        /// <summary>Tests only: the SDK's HttpClientFactory for the clients built with these settings (null: the SDK's own).</summary>
        internal HttpClientFactory HttpClientFactory { get; set; }
#endif

        /// <summary>The production defaults.</summary>
        public static Ec2ClientSettings Default => new Ec2ClientSettings();

        internal void Validate()
        {
            if (MaxAttempts < 1 || MaxAttempts > 20) throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "From 1 to 20 attempts.");
            if (Timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "Must be positive.");
            if (MaxBackoff < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(MaxBackoff), MaxBackoff, "Must not be negative.");
        }
    }

    /// <summary>
    /// One EC2 client per (credentials, region, endpoint), shared by every cmdlet call in the process (runspaces and
    /// <c>ForEach-Object -Parallel</c> included) and built once even when many threads ask at the same moment.
    /// Keys never hold a secret in clear (see <see cref="ResolvedConnection"/>). At most <see cref="Capacity"/>
    /// clients are kept: a session that makes new credentials objects all day must not grow without end.
    /// </summary>
    internal sealed class Ec2ClientCache
    {
        /// <summary>How many clients are kept; the oldest is forgotten first (not disposed: a call may still use it).</summary>
        public const int Capacity = 64;

        private readonly ConcurrentDictionary<string, Lazy<IAmazonEC2>> _clients = new ConcurrentDictionary<string, Lazy<IAmazonEC2>>(StringComparer.Ordinal);
        private readonly ConcurrentQueue<string> _added = new ConcurrentQueue<string>();
        private readonly Func<ResolvedConnection, Ec2ClientSettings, IAmazonEC2> _factory;

        /// <summary>The cache cmdlets use, with production settings.</summary>
        public static Ec2ClientCache Shared { get; } = new Ec2ClientCache();

        /// <param name="settings">Retry and timeout settings; null for <see cref="Ec2ClientSettings.Default"/>.</param>
        /// <param name="factory">Builds a client; null for <see cref="CreateClient"/>. Tests inject one to count builds.</param>
        public Ec2ClientCache(Ec2ClientSettings settings = null, Func<ResolvedConnection, Ec2ClientSettings, IAmazonEC2> factory = null)
        {
            Settings = settings ?? Ec2ClientSettings.Default;
            Settings.Validate();
            _factory = factory ?? CreateClient;
        }

        /// <summary>The settings every client of this cache is built with.</summary>
        public Ec2ClientSettings Settings { get; }

        /// <summary>How many clients the cache holds.</summary>
        public int ClientCount => _clients.Count;

        /// <summary>The client for this connection: built on first use, then shared.</summary>
        public IAmazonEC2 GetClient(ResolvedConnection connection)
        {
            if (connection == null) throw new ArgumentNullException(nameof(connection));
            // The usual case, a client built earlier: one lookup, no closure, no new key string.
            if (_clients.TryGetValue(connection.CacheKey, out var built) && built.IsValueCreated) return built.Value;
            return GetOrBuild(connection);
        }

        private IAmazonEC2 GetOrBuild(ResolvedConnection connection)
        {
            var created = false;
            var lazy = _clients.GetOrAdd(connection.CacheKey, _ =>
            {
                created = true;
                return new Lazy<IAmazonEC2>(() => _factory(connection, Settings), LazyThreadSafetyMode.ExecutionAndPublication);
            });
            if (created)
            {
                _added.Enqueue(connection.CacheKey);
                while (_clients.Count > Capacity && _added.TryDequeue(out var oldest))
                {
                    if (oldest != connection.CacheKey) _clients.TryRemove(oldest, out _);
                }
            }
            try
            {
                return lazy.Value;
            }
            catch
            {
                // A failed build is not cached: the next call tries again.
                ((System.Collections.Generic.ICollection<System.Collections.Generic.KeyValuePair<string, Lazy<IAmazonEC2>>>)_clients)
                    .Remove(new System.Collections.Generic.KeyValuePair<string, Lazy<IAmazonEC2>>(connection.CacheKey, lazy));
                throw;
            }
        }

        /// <summary>
        /// Forgets every client (for example after credentials were rotated). Clients are not disposed: calls on other
        /// threads may still be using them; they are collected when the last call ends.
        /// </summary>
        public void Clear()
        {
            _clients.Clear();
            while (_added.TryDequeue(out _)) { }
        }

        /// <summary>
        /// Builds an uncached client: SDK standard retry mode, <see cref="Ec2ClientSettings.MaxAttempts"/> attempts,
        /// the per-attempt timeout, and "Ec2Capacity/&lt;version&gt;" in the user agent. With an endpoint the client
        /// sends to that URL (ServiceURL) and signs for the resolved region (AuthenticationRegion); otherwise it uses
        /// the region's EC2 endpoint.
        /// </summary>
        public static IAmazonEC2 CreateClient(ResolvedConnection connection, Ec2ClientSettings settings)
        {
            if (connection == null) throw new ArgumentNullException(nameof(connection));
            settings = settings ?? Ec2ClientSettings.Default;
            settings.Validate();
            var config = new AmazonEC2Config
            {
                RetryMode = RequestRetryMode.Standard,
                MaxErrorRetry = settings.MaxAttempts - 1,
                Timeout = settings.Timeout,
                ThrottleRetries = settings.UseRetryQuota,
                ClientAppId = UserAgentApp,
            };
            CountEveryResendAsAnAttempt(config);
#if NETCOREAPP
            if (settings.HttpClientFactory != null) config.HttpClientFactory = settings.HttpClientFactory;
#endif
            if (connection.EndpointUrl != null)
            {
                // ServiceURL clears RegionEndpoint (they are exclusive) and stops the SDK from probing for a region;
                // AuthenticationRegion makes SigV4 sign for the resolved region instead of one guessed from the host.
                config.ServiceURL = connection.EndpointUrl;
                config.AuthenticationRegion = connection.RegionName;
            }
            else
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(connection.RegionName);
            }
            return new TunedEc2Client(connection.Credentials, config, settings.MaxBackoff);
        }

        /// <summary>
        /// AWSSDK.Core resends a request whose connection was reset up to ten more times without counting them as
        /// attempts ("stale pooled connection"); a server that drops every answer after acting then got 15 requests per
        /// call instead of the 5 attempts we promise. With none, a reset is retried like any transient failure, within
        /// MaxErrorRetry. Older AWSSDK.Core builds (accepted on Windows PowerShell 5.1) lack the setting and never did it.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static void CountEveryResendAsAnAttempt(AmazonEC2Config config)
        {
            try
            {
                SetNoStaleConnectionRetries(config);
            }
            catch (MissingMethodException)
            {
            }
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static void SetNoStaleConnectionRetries(AmazonEC2Config config) => config.MaxStaleConnectionRetries = 0;

        /// <summary>"Ec2Capacity/&lt;version&gt;": the SDK puts it in the User-Agent header as <c>app/…</c>.</summary>
        public static string UserAgentApp { get; } = "Ec2Capacity/" + ModuleVersion();

        private static string ModuleVersion()
        {
            var assembly = typeof(Ec2ClientCache).Assembly;
            var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            if (!string.IsNullOrEmpty(informational))
            {
                int plus = informational.IndexOf('+');
                return plus > 0 ? informational.Substring(0, plus) : informational;
            }
            return assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        }

        /// <summary>
        /// The SDK client with the standard retry policy's backoff ceiling set from our settings, and the attempt
        /// recorder of <see cref="RequestAttempts"/> just inside the SDK's RetryHandler (so it sees every attempt).
        /// </summary>
        private sealed class TunedEc2Client : AmazonEC2Client
        {
            public TunedEc2Client(AWSCredentials credentials, AmazonEC2Config config, TimeSpan maxBackoff)
                : base(credentials, config)
            {
                // The pipeline is built inside the base constructor; it is tuned here, after it.
                int ceiling = (int)Math.Min(int.MaxValue, Math.Max(0, maxBackoff.TotalMilliseconds));
                foreach (var handler in RuntimePipeline.Handlers)
                {
                    if (handler is RetryHandler retry && retry.RetryPolicy is StandardRetryPolicy standard) standard.MaxBackoffInMilliseconds = ceiling;
                }
                RequestAttempts.Install(RuntimePipeline);
            }
        }
    }
}
