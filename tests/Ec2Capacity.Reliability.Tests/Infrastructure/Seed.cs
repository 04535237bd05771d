using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;

namespace Ec2Capacity.Reliability.Tests.Infrastructure
{
    /// <summary>IDs of the right form, made from a group and a number: <c>cr-</c>/<c>i-</c> + 17 lowercase hex characters.</summary>
    public static class Ids
    {
        public static string Cr(int group, int n) => "cr-" + group.ToString("x2", CultureInfo.InvariantCulture) + n.ToString("x15", CultureInfo.InvariantCulture);
        public static string I(int group, int n) => "i-" + group.ToString("x2", CultureInfo.InvariantCulture) + n.ToString("x15", CultureInfo.InvariantCulture);
    }

    /// <summary>The accounts of the reliability seeds.</summary>
    public static class Keys
    {
        public const string Region = "us-east-1";
        public const string AccountId = "210987654321";
        public const string OwnerAccessKey = "AKIDRELIABILITY00001";
        public const string OwnerSecret = "reliability-owner-secret-key-00000000001";
        public const string ReadOnlyAccessKey = "AKIDRELIABILITYREAD1";
        public const string ReadOnlySecret = "reliability-readonly-secret-key-0000002";
    }

    /// <summary>Seed JSON (issue 2's camelCase format) for the emulator.</summary>
    public sealed class Seed
    {
        private readonly JsonObject _root;

        public Seed(string region = Keys.Region, bool defaultAccounts = true)
        {
            _root = new JsonObject
            {
                ["region"] = region,
                ["accounts"] = new JsonArray(),
                ["capacityReservations"] = new JsonArray(),
                ["instances"] = new JsonArray(),
                ["behavior"] = new JsonObject { ["settleAfterReads"] = 2, ["maxCreditSpecificationsPerRequest"] = 1000 },
            };
            if (defaultAccounts)
            {
                Account(Keys.AccountId, Keys.OwnerAccessKey, Keys.OwnerSecret);
                Account("210987654322", Keys.ReadOnlyAccessKey, Keys.ReadOnlySecret, null, "GetCapacityReservationUsage");
            }
        }

        public Seed Account(string accountId, string accessKeyId, string secretAccessKey, string sessionToken = null, params string[] allowedActions)
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

        public Seed Reservation(string id, int total, int used = 0, string state = "active", string instanceType = "m5.large",
            string endDate = null, string commitmentEndDate = null, bool capacityBlock = false)
        {
            var usages = new JsonArray();
            if (used > 0)
            {
                // two accounts share the use, so paging has something to page
                int first = (used + 1) / 2;
                usages.Add(new JsonObject { ["accountId"] = Keys.AccountId, ["usedInstanceCount"] = first });
                if (used - first > 0) usages.Add(new JsonObject { ["accountId"] = "333344445555", ["usedInstanceCount"] = used - first });
            }
            var r = new JsonObject
            {
                ["capacityReservationId"] = id,
                ["ownerId"] = Keys.AccountId,
                ["instanceType"] = instanceType,
                ["totalInstanceCount"] = total,
                ["state"] = state,
                ["capacityBlock"] = capacityBlock,
                ["instanceUsages"] = usages,
            };
            if (endDate != null) r["endDate"] = endDate;
            if (commitmentEndDate != null) r["commitmentEndDate"] = commitmentEndDate;
            _root["capacityReservations"].AsArray().Add(r);
            return this;
        }

        /// <summary>
        /// Gives an existing source an interruptible allocation of <paramref name="instanceCount"/> instances lent to a new
        /// interruptible reservation <paramref name="interruptibleId"/> (the source's total must leave room for them).
        /// </summary>
        public Seed Allocation(string sourceId, string interruptibleId, int instanceCount, string status = "active", string zeroSizePreference = "default", int? targetInstanceCount = null)
        {
            var source = _root["capacityReservations"].AsArray().Select(n => n.AsObject()).Single(r => (string)r["capacityReservationId"] == sourceId);
            source["interruptibleCapacityAllocation"] = new JsonObject
            {
                ["instanceCount"] = instanceCount,
                ["targetInstanceCount"] = targetInstanceCount ?? instanceCount,
                ["status"] = status,
                ["interruptibleCapacityReservationId"] = interruptibleId,
                ["interruptionType"] = "adhoc",
                ["zeroSizePreference"] = zeroSizePreference,
            };
            _root["capacityReservations"].AsArray().Add(new JsonObject
            {
                ["capacityReservationId"] = interruptibleId,
                ["ownerId"] = Keys.AccountId,
                ["instanceType"] = (string)source["instanceType"],
                ["totalInstanceCount"] = instanceCount,
                ["state"] = "active",
                ["capacityBlock"] = false,
                ["instanceUsages"] = new JsonArray(),
                ["interruptible"] = true,
                ["interruptionInfo"] = new JsonObject { ["sourceCapacityReservationId"] = sourceId, ["interruptionType"] = "adhoc" },
            });
            return this;
        }

        public Seed Instance(string id, string instanceType = "t3.micro", string state = "running", string tenancy = "default", string cpuCredits = "standard")
        {
            var i = new JsonObject { ["instanceId"] = id, ["instanceType"] = instanceType, ["state"] = state, ["tenancy"] = tenancy };
            if (cpuCredits != null) i["cpuCredits"] = cpuCredits;
            _root["instances"].AsArray().Add(i);
            return this;
        }

        public Seed SettleAfterReads(int reads)
        {
            _root["behavior"]["settleAfterReads"] = reads;
            return this;
        }

        public Seed Faults(int seed, double throttleRate = 0, double serverErrorRate = 0, double dropRate = 0, double dropAfterCommitRate = 0, int latencyMs = 0)
        {
            _root["behavior"]["faults"] = new JsonObject
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

        public string Json() => _root.ToJsonString();

        public override string ToString() => Json();
    }
}
