using System.Linq;
using System.Text.Json.Nodes;
using Ec2Capacity.Emulator;

namespace Ec2Capacity.Tests.Infrastructure
{
    /// <summary>
    /// Builds emulator seed JSON (the camelCase format of issue 2) in a line or two:
    /// <c>SeedBuilder.Demo().Faults(throttleRate: 0.3).Json()</c>, or
    /// <c>new SeedBuilder().Account(...).Reservation(...).Json()</c>.
    /// </summary>
    public sealed class SeedBuilder
    {
        private readonly JsonObject _root;

        /// <summary>An empty world in <paramref name="region"/>: no accounts, reservations or instances.</summary>
        public SeedBuilder(string region = DemoSeed.Region)
        {
            _root = new JsonObject
            {
                ["region"] = region,
                ["accounts"] = new JsonArray(),
                ["capacityReservations"] = new JsonArray(),
                ["instances"] = new JsonArray(),
            };
        }

        private SeedBuilder(JsonObject root) { _root = root; }

        /// <summary>The emulator's demo seed (<see cref="DemoSeed"/>), to be changed further.</summary>
        public static SeedBuilder Demo() => new SeedBuilder(JsonNode.Parse(DemoSeed.Json).AsObject());

        /// <summary>Adds an account with its key pair, optional session token and allowed actions ("*" by default).</summary>
        public SeedBuilder Account(string accountId, string accessKeyId, string secretAccessKey, string sessionToken = null, params string[] allowedActions)
        {
            var account = new JsonObject
            {
                ["accountId"] = accountId,
                ["accessKeyId"] = accessKeyId,
                ["secretAccessKey"] = secretAccessKey,
                ["allowedActions"] = new JsonArray((allowedActions.Length == 0 ? new[] { "*" } : allowedActions).Select(a => (JsonNode)a).ToArray()),
            };
            if (sessionToken != null) account["sessionToken"] = sessionToken;
            _root["accounts"].AsArray().Add(account);
            return this;
        }

        /// <summary>Adds a reservation. <paramref name="usages"/>: (accountId, usedInstanceCount) per account that uses it.</summary>
        public SeedBuilder Reservation(string capacityReservationId, int totalInstanceCount, (string AccountId, int Used)[] usages = null,
            string state = "active", string instanceType = "m5.large", string ownerId = DemoSeed.AccountId)
        {
            var list = new JsonArray();
            foreach (var (accountId, used) in usages ?? new (string, int)[0])
            {
                list.Add(new JsonObject { ["accountId"] = accountId, ["usedInstanceCount"] = used });
            }
            _root["capacityReservations"].AsArray().Add(new JsonObject
            {
                ["capacityReservationId"] = capacityReservationId,
                ["ownerId"] = ownerId,
                ["instanceType"] = instanceType,
                ["totalInstanceCount"] = totalInstanceCount,
                ["state"] = state,
                ["capacityBlock"] = false,
                ["instanceUsages"] = list,
            });
            return this;
        }

        /// <summary>Sets <c>behavior.faults</c> (deterministic for a given <paramref name="seed"/>).</summary>
        public SeedBuilder Faults(double throttleRate = 0, double serverErrorRate = 0, double dropRate = 0, double dropAfterCommitRate = 0,
            int latencyMs = 0, int seed = 1)
        {
            Behavior()["faults"] = new JsonObject
            {
                ["seed"] = seed,
                ["throttleRate"] = throttleRate,
                ["serverErrorRate"] = serverErrorRate,
                ["dropRate"] = dropRate,
                ["dropAfterCommitRate"] = dropAfterCommitRate,
                ["latencyMs"] = latencyMs,
            };
            return this;
        }

        /// <summary>The seed document.</summary>
        public string Json() => _root.ToJsonString();

        public override string ToString() => Json();

        private JsonObject Behavior()
        {
            if (!(_root["behavior"] is JsonObject behavior))
            {
                behavior = new JsonObject();
                _root["behavior"] = behavior;
            }
            return behavior;
        }
    }
}
