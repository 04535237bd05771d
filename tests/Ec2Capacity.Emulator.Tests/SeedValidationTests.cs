using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Ec2Capacity.Emulator;
using Xunit;

namespace Ec2Capacity.Emulator.Tests
{
    public class SeedValidationTests
    {
        private static readonly Dictionary<string, Action<JsonObject>> Edits = new Dictionary<string, Action<JsonObject>>
        {
            ["region"] = s => s.Remove("region"),
            ["region "] = s => s["region"] = "Mars",
            ["accounts"] = s => s["accounts"] = "everyone",
            ["accounts[0].accountId"] = s => s["accounts"][0]["accountId"] = "12",
            ["accounts[1].accessKeyId"] = s => s["accounts"][1]["accessKeyId"] = DemoSeed.AccessKeyId,
            ["accounts[0].secretAccessKey"] = s => s["accounts"][0].AsObject().Remove("secretAccessKey"),
            ["accounts[2].sessionToken"] = s => s["accounts"][2]["sessionToken"] = 5,
            ["accounts[0].allowedActions"] = s => s["accounts"][0].AsObject().Remove("allowedActions"),
            ["accounts[0].allowedActions[1]"] = s => s["accounts"][0]["allowedActions"].AsArray().Add("RunInstances"),
            ["accounts[0].password"] = s => s["accounts"][0]["password"] = "x",
            ["capacityReservations[2].totalInstanceCount"] = s => s["capacityReservations"][2]["totalInstanceCount"] = -1,
            ["capacityReservations[0].totalInstanceCount"] = s => s["capacityReservations"][0]["totalInstanceCount"] = 2.5,
            ["capacityReservations[0].capacityReservationId"] = s => s["capacityReservations"][0]["capacityReservationId"] = "cr-123",
            ["capacityReservations[1].capacityReservationId"] = s => s["capacityReservations"][1]["capacityReservationId"] = DemoSeed.SourceReservationId,
            ["capacityReservations[0].ownerId"] = s => s["capacityReservations"][0]["ownerId"] = "owner",
            ["capacityReservations[0].instanceType"] = s => s["capacityReservations"][0]["instanceType"] = "large",
            ["capacityReservations[0].state"] = s => s["capacityReservations"][0]["state"] = "running",
            ["capacityReservations[0].instanceUsages"] = s => s["capacityReservations"][0]["instanceUsages"][0]["usedInstanceCount"] = 10,
            ["capacityReservations[1].instanceUsages"] = s => s["capacityReservations"][1]["totalInstanceCount"] = 8, // 5 used + 4 lent > 8
            ["capacityReservations[0].instanceUsages[0].usedInstanceCount"] = s => s["capacityReservations"][0]["instanceUsages"][0]["usedInstanceCount"] = "3",
            ["capacityReservations[0].instanceUsages[1].accountId"] = s => s["capacityReservations"][0]["instanceUsages"][1]["accountId"] = "123456789012",
            ["capacityReservations[0].endDate"] = s => s["capacityReservations"][0]["endDate"] = "tomorrow",
            ["capacityReservations[0].capacityBlock"] = s => s["capacityReservations"][0]["capacityBlock"] = "yes",
            ["capacityReservations[0].totalInstanceCont"] = s => s["capacityReservations"][0]["totalInstanceCont"] = 3,
            ["capacityReservations[1].interruptibleCapacityAllocation.status"] = s => s["capacityReservations"][1]["interruptibleCapacityAllocation"]["status"] = "running",
            ["capacityReservations[1].interruptibleCapacityAllocation.zeroSizePreference"] = s => s["capacityReservations"][1]["interruptibleCapacityAllocation"]["zeroSizePreference"] = "keep",
            ["capacityReservations[1].interruptibleCapacityAllocation.instanceCount"] = s => s["capacityReservations"][1]["interruptibleCapacityAllocation"]["instanceCount"] = 3,
            ["capacityReservations[1].interruptibleCapacityAllocation.interruptibleCapacityReservationId"] = s =>
                s["capacityReservations"][1]["interruptibleCapacityAllocation"]["interruptibleCapacityReservationId"] = "cr-00000000000000001",
            ["capacityReservations[2].interruptionInfo"] = s => s["capacityReservations"][2].AsObject().Remove("interruptionInfo"),
            ["capacityReservations[0].tags[0].key"] = s => s["capacityReservations"][0]["tags"][0]["key"] = "",
            ["instances[0].instanceId"] = s => s["instances"][0]["instanceId"] = "i-XYZ",
            ["instances[1].instanceId"] = s => s["instances"][1]["instanceId"] = "i-0123456789abcdef0",
            ["instances[0].state"] = s => s["instances"][0]["state"] = "sleeping",
            ["instances[0].tenancy"] = s => s["instances"][0]["tenancy"] = "shared",
            ["instances[0].cpuCredits"] = s => s["instances"][0]["cpuCredits"] = "turbo",
            ["instances[5].cpuCredits"] = s => s["instances"][5]["cpuCredits"] = "standard",
            ["behavior.settleAfterReads"] = s => s["behavior"]["settleAfterReads"] = -1,
            ["behavior.maxCreditSpecificationsPerRequest"] = s => s["behavior"]["maxCreditSpecificationsPerRequest"] = 0,
            ["behavior.faults.throttleRate"] = s => s["behavior"]["faults"]["throttleRate"] = 1.5,
            ["behavior.faults.latencyMs"] = s => s["behavior"]["faults"]["latencyMs"] = "x",
            ["behavior.faults.seed"] = s => s["behavior"]["faults"]["seed"] = "abc",
        };

        public static IEnumerable<object[]> Cases()
        {
            foreach (var key in Edits.Keys) yield return new object[] { key };
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public async Task A_bad_seed_is_rejected_naming_the_field_and_the_state_is_kept(string field)
        {
            await using var server = await EmulatorServer.StartAsync();
            string before = server.GetStateJson();
            var seed = Seeds.Demo();
            Edits[field](seed);
            var ex = Assert.Throws<SeedException>(() => server.Reset(seed.ToJsonString()));
            Assert.Equal(field.Trim(), ex.Field);
            Assert.StartsWith(field.Trim() + ": ", ex.Message);
            Assert.Equal(before, server.GetStateJson());
        }

        [Theory]
        [InlineData("{ \"region\": ")]
        [InlineData("[]")]
        [InlineData("42")]
        [InlineData("   ")]
        public async Task Documents_that_are_not_a_seed_object_name_the_root(string text)
        {
            await using var server = await EmulatorServer.StartAsync();
            var ex = Assert.Throws<SeedException>(() => server.Reset(text));
            Assert.Equal("$", ex.Field);
        }

        [Fact]
        public async Task StartAsync_rejects_a_bad_seed()
        {
            var ex = await Assert.ThrowsAsync<SeedException>(() => EmulatorServer.StartAsync("{\"region\":\"us-east-1\"}"));
            Assert.Equal("accounts", ex.Field);
        }

        [Fact]
        public async Task A_minimal_seed_is_enough_and_optional_fields_take_their_defaults()
        {
            const string seed = """
            {
              "region": "ap-southeast-2",
              "accounts": [ { "accountId": "210987654321", "accessKeyId": "AKIDMINIMAL", "secretAccessKey": "s3cr3t", "allowedActions": ["*"] } ],
              "capacityReservations": [
                { "capacityReservationId": "cr-00000000000000001", "ownerId": "210987654321", "instanceType": "m7g.medium", "totalInstanceCount": 3, "state": "active" }
              ],
              "instances": [ { "instanceId": "i-0000000a", "instanceType": "t3.micro", "state": "running" } ]
            }
            """;
            await using var server = await EmulatorServer.StartAsync(seed);
            var state = State.Of(server);
            var r = state["capacityReservations"][0];
            Assert.False((bool)r["capacityBlock"]);
            Assert.False((bool)r["interruptible"]);
            Assert.Equal(3, (int)r["availableInstanceCount"]);
            Assert.Equal("default", (string)state["instances"][0]["tenancy"]);
            Assert.Equal("unlimited", (string)state["instances"][0]["cpuCredits"]);
            Assert.Equal(2, (int)state["behavior"]["settleAfterReads"]);
            Assert.Equal(1000, (int)state["behavior"]["maxCreditSpecificationsPerRequest"]);

            using var ec2 = Sdk.Client(server, "AKIDMINIMAL", "s3cr3t");
            var usage = await Ops.Usage(ec2, "cr-00000000000000001");
            Assert.Equal(3, usage.AvailableInstanceCount);
        }
    }
}
