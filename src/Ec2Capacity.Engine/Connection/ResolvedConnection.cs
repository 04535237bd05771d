using System;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using Amazon.Runtime;

namespace Ec2Capacity.Engine
{
    /// <summary>
    /// Where requests go and as whom: the outcome of <see cref="ConnectionResolver.Resolve"/>. Every string this
    /// object produces (properties, <see cref="Describe"/>, <see cref="ToString"/>) is free of secret keys and session
    /// tokens; only <see cref="Credentials"/> holds them.
    /// </summary>
    public sealed class ResolvedConnection
    {
        private static readonly ConditionalWeakTable<object, object> ObjectIds = new ConditionalWeakTable<object, object>();
        private static long _nextObjectId;

        internal ResolvedConnection(AWSCredentials credentials, string accessKeyId, string credentialSource, string credentialIdentity,
            string regionName, string regionSource, string endpointUrl)
        {
            Credentials = credentials;
            AccessKeyId = accessKeyId;
            CredentialSource = credentialSource;
            CredentialIdentity = credentialIdentity;
            RegionName = regionName;
            RegionSource = regionSource;
            EndpointUrl = endpointUrl;
        }

        /// <summary>
        /// Builds a connection from credentials the caller already has (tests, benchmarks, hosts that resolve on their own).
        /// </summary>
        public static ResolvedConnection Create(AWSCredentials credentials, string regionName, string endpointUrl = null, string credentialSource = "supplied credentials")
        {
            if (credentials == null) throw new ArgumentNullException(nameof(credentials));
            var region = ConnectionResolver.ValidateRegion(regionName, "-Region");
            var endpoint = endpointUrl == null ? null : ConnectionResolver.ValidateEndpoint(endpointUrl);
            var accessKeyId = StaticAccessKeyId(credentials, out var identity, null);
            return new ResolvedConnection(credentials, accessKeyId, credentialSource, identity, region, "supplied", endpoint);
        }

        /// <summary>The credentials the EC2 client signs with.</summary>
        public AWSCredentials Credentials { get; }
        /// <summary>The access key ID, when known without a network call (fixed keys); null for refreshing credentials.</summary>
        public string AccessKeyId { get; }
        /// <summary>Where the credentials came from, in words (-AccessKey/-SecretKey, profile 'x' …). No secret.</summary>
        public string CredentialSource { get; }
        /// <summary>The region's system name.</summary>
        public string RegionName { get; }
        /// <summary>Where the region came from, in words.</summary>
        public string RegionSource { get; }
        /// <summary>The endpoint requests go to instead of EC2's regional endpoint (normalized absolute URL), or null.</summary>
        public string EndpointUrl { get; }

        /// <summary>
        /// Identifies the credentials for the client cache without holding a secret in clear: the access key ID plus a
        /// SHA-256 of secret and token for fixed keys; the profile for profile-built refreshing credentials; otherwise
        /// the credentials object's identity.
        /// </summary>
        internal string CredentialIdentity { get; }

        /// <summary>The cache key: credentials identity, region, endpoint.</summary>
        internal string CacheKey => CredentialIdentity + "|" + RegionName + "|" + (EndpointUrl ?? string.Empty);

        /// <summary>One line for -Verbose: where credentials, region and endpoint came from. Never a secret.</summary>
        public string Describe()
        {
            var text = new StringBuilder("Credentials: ").Append(CredentialSource);
            if (!string.IsNullOrEmpty(AccessKeyId)) text.Append(" (access key ID ").Append(AccessKeyId).Append(')');
            text.Append("; region: ").Append(RegionName).Append(" (").Append(RegionSource).Append(')');
            text.Append("; endpoint: ").Append(EndpointUrl ?? "EC2 regional endpoint");
            if (EndpointUrl != null) text.Append(", signed for ").Append(RegionName);
            return text.Append('.').ToString();
        }

        public override string ToString() => Describe();

        /// <summary>
        /// Reads the access key ID of fixed credentials and computes the cache identity. For refreshing credentials
        /// the identity is <paramref name="refreshingIdentity"/> or the object's own identity.
        /// </summary>
        internal static string StaticAccessKeyId(AWSCredentials credentials, out string identity, string refreshingIdentity)
        {
            bool isStatic = credentials is BasicAWSCredentials || credentials is SessionAWSCredentials
                || (credentials is ForeignCredentials foreign && foreign.IsStatic);
            if (isStatic)
            {
                var keys = credentials.GetCredentials();
                if (keys != null && !string.IsNullOrEmpty(keys.AccessKey))
                {
                    identity = "keys:" + keys.AccessKey + ":" + Sha256Hex(keys.SecretKey + "\n" + (keys.Token ?? string.Empty));
                    return keys.AccessKey;
                }
            }
            object reference = credentials is ForeignCredentials f ? f.Foreign : credentials;
            identity = refreshingIdentity ?? "object:" + ObjectIds.GetValue(reference, _ => Interlocked.Increment(ref _nextObjectId).ToString(System.Globalization.CultureInfo.InvariantCulture));
            return null;
        }

        // Keyed per process, so the digest of a secret means nothing outside this process (a dump, a log).
        private static readonly byte[] DigestKey = NewDigestKey();

        private static byte[] NewDigestKey()
        {
            var key = new byte[32];
            using (var random = RandomNumberGenerator.Create()) random.GetBytes(key);
            return key;
        }

        private static string Sha256Hex(string text)
        {
            using (var hmac = new HMACSHA256(DigestKey))
            {
                var hash = hmac.ComputeHash(Encoding.UTF8.GetBytes(text ?? string.Empty));
                var hex = new StringBuilder(hash.Length * 2);
                foreach (var b in hash) hex.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                return hex.ToString();
            }
        }
    }
}
