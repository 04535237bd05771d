using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Amazon.Runtime;
using Ec2Capacity.Emulator;

namespace Ec2Capacity.Reliability.Tests.Infrastructure
{
    /// <summary>An in-process emulator owned by one test, with readers for its state dump and journal.</summary>
    public sealed class Emu : IAsyncDisposable
    {
        private Emu(EmulatorServer server) => Server = server;

        public EmulatorServer Server { get; }

        /// <summary>The endpoint as -EndpointUrl takes it.</summary>
        public string Endpoint => Server.BaseUri.AbsoluteUri;

        public string Region => Server.Region;

        public static async Task<Emu> StartAsync(Seed seed) => new Emu(await EmulatorServer.StartAsync(seed.Json()));

        public ValueTask DisposeAsync() => Server.DisposeAsync();

        /// <summary>A connection the way a host that already holds credentials builds one.</summary>
        internal ResolvedConnection Connection(string accessKey = Keys.OwnerAccessKey, string secret = Keys.OwnerSecret, string sessionToken = null)
        {
            AWSCredentials credentials = sessionToken == null
                ? new BasicAWSCredentials(accessKey, secret)
                : new SessionAWSCredentials(accessKey, secret, sessionToken);
            return ResolvedConnection.Create(credentials, Region, Endpoint, "reliability test credentials");
        }

        /// <summary>An engine context on a client from <paramref name="cache"/> (a fresh production-like cache when null).</summary>
        internal Ec2Context Context(ResolvedConnection connection = null, Ec2ClientCache cache = null, Action<string> verbose = null)
        {
            connection = connection ?? Connection();
            cache = cache ?? new Ec2ClientCache(ClientSettings.ProductionWithShortBackoff());
            return new Ec2Context(cache.GetClient(connection), connection.RegionName, verbose);
        }

        public JsonObject State() => JsonNode.Parse(Server.GetStateJson()).AsObject();

        public IReadOnlyList<JournalEntry> Journal() => Server.GetJournal();

        public static IEnumerable<JsonObject> Reservations(JsonObject state) => state["capacityReservations"].AsArray().Select(n => n.AsObject());

        public static JsonObject Reservation(JsonObject state, string id) => Reservations(state).Single(r => (string)r["capacityReservationId"] == id);

        public static IEnumerable<JsonObject> Instances(JsonObject state) => state["instances"].AsArray().Select(n => n.AsObject());

        /// <summary>Waits (bounded) until the journal satisfies <paramref name="condition"/>; returns whether it did.</summary>
        public async Task<bool> JournalEventuallyAsync(Func<IReadOnlyList<JournalEntry>, bool> condition, TimeSpan limit)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (condition(Server.GetJournal())) return true;
                if (clock.Elapsed > limit) return false;
                await Task.Delay(20);
            }
        }
    }

    /// <summary>Client settings for the tests.</summary>
    public static class ClientSettings
    {
        /// <summary>
        /// What production uses (<see cref="Ec2ClientSettings.Default"/>: standard retry mode, 5 attempts, 30 s per attempt,
        /// the SDK's retry quota off) with only the backoff ceiling shortened, so the suites run in seconds.
        /// </summary>
        internal static Ec2ClientSettings ProductionWithShortBackoff()
        {
            var s = Ec2ClientSettings.Default;
            s.MaxBackoff = TimeSpan.FromMilliseconds(10);
            return s;
        }
    }
}
