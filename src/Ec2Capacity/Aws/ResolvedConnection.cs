using System;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using Amazon.Runtime;

namespace Ec2Capacity
{
    /// <summary>
    /// Where requests go and as whom: the outcome of <see cref="ConnectionResolver.Resolve"/>. Every string this
    /// object produces (properties, <see cref="Describe"/>, <see cref="ToString"/>) is free of secret keys and session
    /// tokens; only <see cref="Credentials"/> holds them.
    /// </summary>
    internal sealed class ResolvedConnection
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
            CacheKey = credentialIdentity + "|" + regionName + "|" + (endpointUrl ?? string.Empty);
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

        /// <summary>The client cache's key: credentials identity, region, endpoint (built once, with the object).</summary>
        internal string CacheKey { get; }

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
                    identity = KeyIdentities.Get(keys.AccessKey, keys.SecretKey, keys.Token);
                    return keys.AccessKey;
                }
            }
            object reference = credentials is ForeignCredentials f ? f.Foreign : credentials;
            identity = refreshingIdentity ?? "object:" + ObjectIds.GetValue(reference, _ => Interlocked.Increment(ref _nextObjectId).ToString(System.Globalization.CultureInfo.InvariantCulture));
            return null;
        }

        /// <summary>
        /// The identities of fixed keys ("keys:&lt;access key ID&gt;:&lt;HMAC-SHA256 of secret and token&gt;"), computed
        /// once per (access key ID, secret, token) instead of once per resolution. Keyed by the access key ID alone
        /// (not a secret); each entry also holds the secret and token it was computed from, so a hit is an exact match
        /// (compared in fixed time), never a hash match: a different secret or token under the same access key ID
        /// computes, and replaces, its own identity. The entries hold the same strings the credentials objects of
        /// the client cache hold anyway; no string, key or ToString shows them. Bounded by <see cref="Capacity"/>.
        /// </summary>
        internal static class KeyIdentities
        {
            /// <summary>Access key IDs remembered; past it the cache starts over (a process rarely sees more than a few).</summary>
            internal const int Capacity = 256;

            private static readonly ConcurrentDictionary<string, Entry> Entries = new ConcurrentDictionary<string, Entry>(StringComparer.Ordinal);

            private sealed class Entry
            {
                public Entry(string secret, string token, string identity)
                {
                    Secret = secret;
                    Token = token;
                    Identity = identity;
                }

                public readonly string Secret, Token, Identity;
            }

            /// <summary>Access key IDs held now (tests).</summary>
            internal static int Count => Entries.Count;

            public static string Get(string accessKey, string secret, string token)
            {
                secret = secret ?? string.Empty;
                token = token ?? string.Empty;
                if (Entries.TryGetValue(accessKey, out var entry) && SameText(entry.Secret, secret) & SameText(entry.Token, token)) return entry.Identity;
                var identity = "keys:" + accessKey + ":" + Sha256Hex(secret + "\n" + token);
                if (Entries.Count >= Capacity && !Entries.ContainsKey(accessKey)) Entries.Clear();
                Entries[accessKey] = new Entry(secret, token, identity);
                return identity;
            }

            /// <summary>Ordinal equality whose time depends on the lengths only, not on where the texts differ.</summary>
            internal static bool SameText(string a, string b)
            {
                if (a == null || b == null) return ReferenceEquals(a, b);
                if (a.Length != b.Length) return false;
                int difference = 0;
                for (int i = 0; i < a.Length; i++) difference |= a[i] ^ b[i];
                return difference == 0;
            }
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
                var hex = new char[hash.Length * 2];
                for (int i = 0; i < hash.Length; i++)
                {
                    hex[2 * i] = HexDigits[hash[i] >> 4];
                    hex[2 * i + 1] = HexDigits[hash[i] & 0xF];
                }
                return new string(hex);
            }
        }

        private const string HexDigits = "0123456789abcdef";
    }
}
