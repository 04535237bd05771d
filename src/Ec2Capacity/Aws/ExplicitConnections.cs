using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;

namespace Ec2Capacity
{
    /// <summary>
    /// The connections resolved from fully explicit options: -AccessKey, -SecretKey (and -SessionToken) and -Region
    /// given, -EndpointUrl given or not. Their outcome depends on those values alone (the first step of each chain
    /// wins; no environment variable, profile file or session variable is read), so <see cref="ConnectionResolver"/>
    /// resolves them once and hands the same <see cref="ResolvedConnection"/> to every later call with the same input.
    /// Resolutions that reach any other source are never remembered: those sources can change between calls.
    /// </summary>
    /// <remarks>
    /// Keyed by access key ID, region and endpoint exactly as given (none of them secret). Each entry also holds the
    /// secret key and session token it was resolved from, so a hit is an exact match (compared in fixed time), never
    /// a hash match; a different secret or token under the same key replaces the entry. The entries hold the strings
    /// the connection's credentials hold anyway; no key, string or ToString shows them. At most
    /// <see cref="Capacity"/> entries; past it the least recently used one goes.
    /// </remarks>
    internal sealed class ExplicitConnections
    {
        /// <summary>Distinct (access key, region, endpoint) inputs remembered by <see cref="Shared"/>.</summary>
        internal const int DefaultCapacity = 64;

        private readonly ConcurrentDictionary<Key, Entry> _entries = new ConcurrentDictionary<Key, Entry>();
        private long _clock;

        internal ExplicitConnections(int capacity)
        {
            if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity));
            Capacity = capacity;
        }

        /// <summary>The one every <see cref="ConnectionResolver"/> uses (the outcome does not depend on the resolver's settings).</summary>
        internal static ExplicitConnections Shared { get; } = new ExplicitConnections(DefaultCapacity);

        internal int Capacity { get; }

        /// <summary>Entries held now.</summary>
        internal int Count => _entries.Count;

        /// <summary>Forgets every entry.</summary>
        internal void Clear() => _entries.Clear();

        /// <summary>
        /// True when the options decide the outcome on their own: both keys and the region given. (-ProfileName,
        /// -Credential and the session variables are not consulted at all then, so they do not matter.)
        /// </summary>
        internal static bool Applies(ConnectionOptions options) =>
            !string.IsNullOrWhiteSpace(options.AccessKey) && !string.IsNullOrWhiteSpace(options.SecretKey) && !string.IsNullOrWhiteSpace(options.Region);

        /// <summary>The connection resolved earlier from exactly these options, or null.</summary>
        internal ResolvedConnection Find(ConnectionOptions options)
        {
            if (!_entries.TryGetValue(new Key(options), out var entry)) return null;
            if (!(ResolvedConnection.KeyIdentities.SameText(entry.SecretKey, options.SecretKey)
                & ResolvedConnection.KeyIdentities.SameText(entry.SessionToken, options.SessionToken))) return null;
            entry.LastUsed = Interlocked.Increment(ref _clock);
            return entry.Connection;
        }

        /// <summary>Remembers a connection resolved from options for which <see cref="Applies"/> is true.</summary>
        internal void Remember(ConnectionOptions options, ResolvedConnection connection)
        {
            var key = new Key(options);
            if (!_entries.ContainsKey(key))
            {
                while (_entries.Count >= Capacity && EvictLeastRecentlyUsed()) { }
            }
            _entries[key] = new Entry(options.SecretKey, options.SessionToken, connection, Interlocked.Increment(ref _clock));
        }

        private bool EvictLeastRecentlyUsed()
        {
            KeyValuePair<Key, Entry>? oldest = null;
            foreach (var pair in _entries)
            {
                if (oldest == null || pair.Value.LastUsed < oldest.Value.Value.LastUsed) oldest = pair;
            }
            return oldest != null && ((ICollection<KeyValuePair<Key, Entry>>)_entries).Remove(oldest.Value);
        }

        private sealed class Entry
        {
            public Entry(string secretKey, string sessionToken, ResolvedConnection connection, long lastUsed)
            {
                SecretKey = secretKey;
                SessionToken = sessionToken;
                Connection = connection;
                LastUsed = lastUsed;
            }

            public readonly string SecretKey, SessionToken;
            public readonly ResolvedConnection Connection;
            public long LastUsed;
        }

        /// <summary>Access key ID, region and endpoint as given: no secret.</summary>
        private readonly struct Key : IEquatable<Key>
        {
            private readonly string _accessKey, _region, _endpointUrl;

            public Key(ConnectionOptions options)
            {
                _accessKey = options.AccessKey;
                _region = options.Region;
                _endpointUrl = options.EndpointUrl;
            }

            public bool Equals(Key other) =>
                string.Equals(_accessKey, other._accessKey, StringComparison.Ordinal)
                && string.Equals(_region, other._region, StringComparison.Ordinal)
                && string.Equals(_endpointUrl, other._endpointUrl, StringComparison.Ordinal);

            public override bool Equals(object obj) => obj is Key other && Equals(other);

            public override int GetHashCode()
            {
                unchecked
                {
                    int hash = StringComparer.Ordinal.GetHashCode(_accessKey);
                    hash = hash * 31 + StringComparer.Ordinal.GetHashCode(_region);
                    return hash * 31 + (_endpointUrl == null ? 0 : StringComparer.Ordinal.GetHashCode(_endpointUrl));
                }
            }

            public override string ToString() => "explicit:" + _accessKey + "|" + _region + "|" + _endpointUrl;
        }
    }
}
