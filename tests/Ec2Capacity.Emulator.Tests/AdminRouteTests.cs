using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Ec2Capacity.Emulator;
using Xunit;

namespace Ec2Capacity.Emulator.Tests
{
    public class AdminRouteTests
    {
        private static readonly string[] Secrets = { DemoSeed.SecretAccessKey, DemoSeed.ReadOnlySecretAccessKey, DemoSeed.SessionSecretAccessKey, DemoSeed.SessionToken };

        [Fact]
        public async Task State_route_returns_the_seeded_state_without_secrets()
        {
            await using var server = await EmulatorServer.StartAsync();
            var (status, body) = await Raw.GetAsync(server, "/_emulator/state");
            Assert.Equal(200, status);
            Assert.Equal(server.GetStateJson(), body);
            var state = JsonNode.Parse(body).AsObject();
            Assert.Equal("us-east-1", (string)state["region"]);
            Assert.Equal(3, state["accounts"].AsArray().Count);
            Assert.True((bool)state["accounts"][2]["hasSessionToken"]);
            Assert.Equal(12, state["capacityReservations"].AsArray().Count);
            Assert.Equal(11, state["instances"].AsArray().Count);
            foreach (var secret in Secrets) Assert.DoesNotContain(secret, body);
            Assert.DoesNotContain("secretAccessKey", body);
            Assert.DoesNotContain("sessionToken\"", body);
        }

        [Fact]
        public async Task State_is_byte_identical_while_nothing_changes()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            string before = server.GetStateJson();
            await Ops.Usage(ec2, DemoSeed.SharedReservationId);
            await Sdk.Fails(() => Ops.Cancel(ec2, DemoSeed.CancelledReservationId));
            await Sdk.Fails(() => Ops.Create(ec2, DemoSeed.SourceReservationId, 1, dryRun: true));
            Assert.Equal(before, server.GetStateJson());
            Assert.Equal(before, (await Raw.GetAsync(server, "/_emulator/state")).Body);
        }

        [Fact]
        public async Task Requests_route_lists_every_EC2_request_in_camelCase_without_secrets()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            await Ops.Usage(ec2, DemoSeed.SourceReservationId, maxResults: 5);
            await Sdk.Fails(() => Ops.Usage(ec2, "cr-00000000000000000"));
            using var session = Sdk.Client(server, DemoSeed.SessionAccessKeyId, DemoSeed.SessionSecretAccessKey, DemoSeed.SessionToken);
            await Ops.Usage(session, DemoSeed.SourceReservationId);

            var (status, body) = await Raw.GetAsync(server, "/_emulator/requests");
            Assert.Equal(200, status);
            foreach (var secret in Secrets) Assert.DoesNotContain(secret, body);
            var array = JsonNode.Parse(body).AsArray();
            Assert.Equal(3, array.Count);
            var first = array[0].AsObject();
            Assert.Equal(new[] { "sequence", "action", "dryRun", "httpStatus", "errorCode", "accessKeyId", "requestId", "parameters" },
                first.Select(p => p.Key).ToArray());

            var entries = JsonSerializer.Deserialize<JournalEntry[]>(body, new JsonSerializerOptions(JsonSerializerDefaults.Web));
            var journal = server.GetJournal();
            Assert.Equal(journal.Count, entries.Length);
            Assert.Equal(new long[] { 1, 2, 3 }, entries.Select(e => e.Sequence));
            Assert.Equal("GetCapacityReservationUsage", entries[0].Action);
            Assert.Equal(200, entries[0].HttpStatus);
            Assert.Null(entries[0].ErrorCode);
            Assert.Equal(DemoSeed.AccessKeyId, entries[0].AccessKeyId);
            Assert.Equal("5", entries[0].Parameters["MaxResults"]);
            Assert.Equal(DemoSeed.SourceReservationId, entries[0].Parameters["CapacityReservationId"]);
            Assert.Equal(400, entries[1].HttpStatus);
            Assert.Equal("InvalidCapacityReservationId.NotFound", entries[1].ErrorCode);
            Assert.Equal(DemoSeed.SessionAccessKeyId, entries[2].AccessKeyId);
            Assert.Equal(journal[2].RequestId, entries[2].RequestId);
        }

        [Fact]
        public async Task Reset_route_replaces_state_and_clears_the_journal()
        {
            await using var server = await EmulatorServer.StartAsync();
            using (var ec2 = Sdk.Client(server)) await Ops.Usage(ec2, DemoSeed.SourceReservationId);
            Assert.Single(server.GetJournal());

            string seed = Seeds.Demo(s =>
            {
                s["region"] = "eu-west-1";
                Seeds.Reservation(s, DemoSeed.SourceReservationId)["totalInstanceCount"] = 50;
            });
            var (status, body) = await Raw.PostAsync(server, "/_emulator/reset", seed);
            Assert.Equal(200, status);
            Assert.Contains("eu-west-1", body);
            Assert.Empty(server.GetJournal());
            Assert.Equal("[]", (await Raw.GetAsync(server, "/_emulator/requests")).Body.Trim());
            Assert.Equal("eu-west-1", server.Region);
            Assert.Equal(50, (int)State.Reservation(server, DemoSeed.SourceReservationId)["totalInstanceCount"]);

            using var ec2eu = Sdk.Client(server); // signs for the new region
            var usage = await Ops.Usage(ec2eu, DemoSeed.SourceReservationId);
            Assert.Equal(50, usage.TotalInstanceCount);
        }

        [Fact]
        public async Task Reset_route_rejects_a_malformed_seed_naming_the_field_and_keeps_the_state()
        {
            await using var server = await EmulatorServer.StartAsync();
            using (var ec2 = Sdk.Client(server)) await Ops.Usage(ec2, DemoSeed.SourceReservationId);
            string before = server.GetStateJson();

            string seed = Seeds.Demo(s => s["capacityReservations"][2]["totalInstanceCount"] = -1);
            var (status, body) = await Raw.PostAsync(server, "/_emulator/reset", seed);
            Assert.Equal(400, status);
            var error = JsonNode.Parse(body).AsObject();
            Assert.Equal("InvalidSeed", (string)error["error"]);
            Assert.Equal("capacityReservations[2].totalInstanceCount", (string)error["field"]);
            Assert.Contains("capacityReservations[2].totalInstanceCount", (string)error["message"]);
            Assert.Equal(before, server.GetStateJson());
            Assert.Single(server.GetJournal());

            (status, body) = await Raw.PostAsync(server, "/_emulator/reset", "{ not json");
            Assert.Equal(400, status);
            Assert.Equal("$", (string)JsonNode.Parse(body)["field"]);
            (status, _) = await Raw.PostAsync(server, "/_emulator/reset", "");
            Assert.Equal(400, status);
            Assert.Equal(before, server.GetStateJson());
        }

        [Fact]
        public async Task Unknown_admin_routes_and_wrong_methods_get_JSON_errors()
        {
            await using var server = await EmulatorServer.StartAsync();
            Assert.Equal(404, (await Raw.GetAsync(server, "/_emulator/nothing")).Status);
            Assert.Equal(405, (await Raw.GetAsync(server, "/_emulator/reset")).Status);
            Assert.Equal(405, (await Raw.PostAsync(server, "/_emulator/state", "{}")).Status);
            Assert.Equal(405, (await Raw.PostAsync(server, "/_emulator/requests", "{}")).Status);
            Assert.Empty(server.GetJournal());
        }

        [Fact]
        public async Task Admin_routes_are_never_faulted()
        {
            string seed = Seeds.Demo(s =>
            {
                var f = Seeds.Faults(s);
                f["throttleRate"] = 1.0;
                f["dropRate"] = 1.0;
            });
            await using var server = await EmulatorServer.StartAsync(seed);
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(200, (await Raw.GetAsync(server, "/_emulator/state")).Status);
                Assert.Equal(200, (await Raw.GetAsync(server, "/_emulator/requests")).Status);
            }
            Assert.Equal(200, (await Raw.PostAsync(server, "/_emulator/reset", seed)).Status);
            var answer = await Raw.Ec2Async(server, ("Action", "GetCapacityReservationUsage"), ("Version", "2016-11-15"),
                ("CapacityReservationId", DemoSeed.SourceReservationId));
            Assert.Equal(503, answer.Status);
            Assert.Equal("RequestLimitExceeded", answer.ErrorCode);
        }

        [Fact]
        public async Task A_state_dump_with_the_secrets_added_back_is_a_seed_that_reproduces_it()
        {
            await using var server = await EmulatorServer.StartAsync();
            using (var ec2 = Sdk.Client(server))
            {
                await Ops.Create(ec2, DemoSeed.SourceReservationId, 3, tags: ("team", "ml"));
                await Ops.Update(ec2, DemoSeed.SourceWithAllocationId, 1);
                await Ops.Cancel(ec2, DemoSeed.AssessingReservationId);
            }
            string dump = server.GetStateJson();
            var seed = JsonNode.Parse(dump).AsObject();
            var demo = Seeds.Demo();
            for (int i = 0; i < 3; i++)
            {
                var account = seed["accounts"][i].AsObject();
                account["secretAccessKey"] = (string)demo["accounts"][i]["secretAccessKey"];
                if ((bool)account["hasSessionToken"]) account["sessionToken"] = (string)demo["accounts"][i]["sessionToken"];
            }
            server.Reset(seed.ToJsonString());
            Assert.Equal(dump, server.GetStateJson());
        }

        [Fact]
        public async Task The_demo_seed_file_matches_the_compiled_demo_seed()
        {
            string path = System.IO.Path.Combine(System.AppContext.BaseDirectory, "..", "..", "..", "..", "Ec2Capacity.Emulator", "demo-seed.json");
            Assert.Equal(JsonNode.Parse(DemoSeed.Json).ToJsonString(), JsonNode.Parse(await System.IO.File.ReadAllTextAsync(path)).ToJsonString());
            await using var server = await EmulatorServer.StartAsync(null);
            Assert.Equal(DemoSeed.Region, server.Region);
            Assert.StartsWith("http://127.0.0.1:", server.BaseUri.ToString());
            Assert.EndsWith("/", server.BaseUri.ToString());
        }
    }
}
