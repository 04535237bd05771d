using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Ec2Capacity.Emulator;
using Xunit;

namespace Ec2Capacity.Emulator.Tests
{
    public class CreditTests
    {
        [Fact]
        public async Task Each_item_succeeds_or_fails_on_its_own()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            var ids = new[]
            {
                "i-0123456789abcdef0", // t3.micro running standard → ok
                "i-0123456789abcdef1", // t3.large stopped → ok
                "i-0123456789abcdef2", // t2.micro → ok
                "i-0123456789abcdef3", // t4g.small → ok
                "i-0123456789abcdef4", // t3a.medium → ok
                "i-0123456789abcdef5", // m5.large → NotSupported
                "i-0123456789abcdef6", // terminated
                "i-0123456789abcdef7", // t3 on a Dedicated Host → unlimited not supported
                "i-0123456789abcdef8", // stopping
                "i-0123456789abcdef9", // shutting-down
                "i-1a2b3c4d",          // old 8-hex form, t2 stopped → ok
                "i-xyz",               // malformed
                "i-0000000000000000f", // unknown
            };
            var result = await Ops.Credits(ec2, "unlimited", ids);
            Assert.Equal(new[] { "i-0123456789abcdef0", "i-0123456789abcdef1", "i-0123456789abcdef2", "i-0123456789abcdef3", "i-0123456789abcdef4", "i-1a2b3c4d" },
                result.SuccessfulInstanceCreditSpecifications.Select(s => s.InstanceId));
            var failed = result.UnsuccessfulInstanceCreditSpecifications.ToDictionary(u => u.InstanceId, u => u.Error.Code.Value);
            Assert.Equal("InstanceCreditSpecification.NotSupported", failed["i-0123456789abcdef5"]);
            Assert.Equal("IncorrectInstanceState", failed["i-0123456789abcdef6"]);
            Assert.Equal("InstanceCreditSpecification.NotSupported", failed["i-0123456789abcdef7"]);
            Assert.Equal("IncorrectInstanceState", failed["i-0123456789abcdef8"]);
            Assert.Equal("IncorrectInstanceState", failed["i-0123456789abcdef9"]);
            Assert.Equal("InvalidInstanceID.Malformed", failed["i-xyz"]);
            Assert.Equal("InvalidInstanceID.NotFound", failed["i-0000000000000000f"]);
            Assert.Equal(7, failed.Count);
            Assert.All(result.UnsuccessfulInstanceCreditSpecifications, u => Assert.False(string.IsNullOrEmpty(u.Error.Message)));
            Assert.Equal(200, server.GetJournal().Single().HttpStatus);

            Assert.Equal("unlimited", (string)State.Instance(server, "i-0123456789abcdef0")["cpuCredits"]);
            Assert.Equal("unlimited", (string)State.Instance(server, "i-1a2b3c4d")["cpuCredits"]);
            Assert.Equal("standard", (string)State.Instance(server, "i-0123456789abcdef7")["cpuCredits"]);
            Assert.Equal("standard", (string)State.Instance(server, "i-0123456789abcdef6")["cpuCredits"]);
            Assert.Null((string)State.Instance(server, "i-0123456789abcdef5")["cpuCredits"]);

            // a T3 on a Dedicated Host may be standard
            var host = await Ops.Credits(ec2, "standard", "i-0123456789abcdef7");
            Assert.Single(host.SuccessfulInstanceCreditSpecifications);
            Assert.Empty(host.UnsuccessfulInstanceCreditSpecifications ?? new());
        }

        [Fact]
        public async Task Whole_request_failures_change_nothing()
        {
            await using var server = await EmulatorServer.StartAsync(Seeds.Demo(s => s["behavior"]["maxCreditSpecificationsPerRequest"] = 3));
            using var ec2 = Sdk.Client(server);
            string before = server.GetStateJson();

            var badValue = await Sdk.Fails(() => Ops.Credits(ec2, "turbo", "i-0123456789abcdef0"));
            Assert.Equal("InvalidParameterValue", badValue.ErrorCode);
            Assert.Contains("CpuCredits", badValue.Message);
            Assert.Equal("InvalidParameterValue", (await Sdk.Fails(() => Ops.Credits(ec2, "Unlimited", "i-0123456789abcdef0"))).ErrorCode);

            var duplicate = await Sdk.Fails(() => Ops.Credits(ec2, "unlimited", "i-0123456789abcdef0", "i-0123456789abcdef2", "i-0123456789abcdef0"));
            Assert.Equal("InvalidInstanceCreditSpecification.DuplicateInstanceId", duplicate.ErrorCode);

            var tooMany = await Sdk.Fails(() => Ops.Credits(ec2, "unlimited", "i-0123456789abcdef0", "i-0123456789abcdef1", "i-0123456789abcdef2", "i-0123456789abcdef3"));
            Assert.Equal("InvalidParameterValue", tooMany.ErrorCode);
            Assert.Contains("at most 3", tooMany.Message);

            var none = await Sdk.Fails(() => Ops.Credits(ec2, "unlimited"));
            Assert.Equal("MissingParameter", none.ErrorCode);
            Assert.Contains("InstanceCreditSpecification", none.Message);

            var noCredits = await Raw.Ec2Async(server, ("Action", "ModifyInstanceCreditSpecification"), ("Version", "2016-11-15"),
                ("InstanceCreditSpecification.1.InstanceId", "i-0123456789abcdef0"));
            Assert.Equal("MissingParameter", noCredits.ErrorCode);
            Assert.Contains("InstanceCreditSpecification.1.CpuCredits", noCredits.ErrorMessage);
            var noId = await Raw.Ec2Async(server, ("Action", "ModifyInstanceCreditSpecification"), ("Version", "2016-11-15"),
                ("InstanceCreditSpecification.1.CpuCredits", "standard"));
            Assert.Equal("MissingParameter", noId.ErrorCode);
            var strange = await Raw.Ec2Async(server, ("Action", "ModifyInstanceCreditSpecification"), ("Version", "2016-11-15"),
                ("InstanceCreditSpecification.1.InstanceId", "i-0123456789abcdef0"), ("InstanceCreditSpecification.1.CpuCredits", "standard"),
                ("InstanceCreditSpecification.1.Color", "blue"));
            Assert.Equal("UnknownParameter", strange.ErrorCode);

            Assert.Equal(before, server.GetStateJson());
        }

        [Fact]
        public async Task A_ClientToken_replays_the_first_answer_without_applying_it_again()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            var ids = new[] { "i-0123456789abcdef0", "i-0123456789abcdef5" };
            var first = await Ops.CreditsWithToken(ec2, "credits-1", "unlimited", ids);
            Assert.Equal("unlimited", (string)State.Instance(server, ids[0])["cpuCredits"]);

            await Ops.CreditsWithToken(ec2, "credits-2", "standard", new[] { ids[0] });
            Assert.Equal("standard", (string)State.Instance(server, ids[0])["cpuCredits"]);

            var replay = await Ops.CreditsWithToken(ec2, "credits-1", "unlimited", ids);
            Assert.Equal(first.SuccessfulInstanceCreditSpecifications.Select(s => s.InstanceId), replay.SuccessfulInstanceCreditSpecifications.Select(s => s.InstanceId));
            Assert.Equal(first.UnsuccessfulInstanceCreditSpecifications.Select(s => s.Error.Code.Value), replay.UnsuccessfulInstanceCreditSpecifications.Select(s => s.Error.Code.Value));
            Assert.Equal("standard", (string)State.Instance(server, ids[0])["cpuCredits"]); // not applied twice

            var mismatch = await Sdk.Fails(() => Ops.CreditsWithToken(ec2, "credits-1", "standard", ids));
            Assert.Equal("IdempotentParameterMismatch", mismatch.ErrorCode);
        }

        [Fact]
        public async Task A_thousand_items_in_one_request_are_handled()
        {
            var seed = Seeds.Demo();
            var instances = new JsonArray();
            for (int i = 0; i < 1000; i++)
                instances.Add(new JsonObject { ["instanceId"] = "i-" + i.ToString("x17"), ["instanceType"] = i % 10 == 0 ? "m5.large" : "t3.micro", ["state"] = "running" });
            seed["instances"] = instances;
            await using var server = await EmulatorServer.StartAsync(seed.ToJsonString());
            using var ec2 = Sdk.Client(server);
            var ids = Enumerable.Range(0, 1000).Select(i => "i-" + i.ToString("x17")).ToArray();
            var result = await Ops.Credits(ec2, "standard", ids);
            Assert.Equal(900, result.SuccessfulInstanceCreditSpecifications.Count);
            Assert.Equal(100, result.UnsuccessfulInstanceCreditSpecifications.Count);
            Assert.Single(server.GetJournal());

            var tooMany = await Sdk.Fails(() => Ops.Credits(ec2, "standard", ids.Concat(new[] { "i-0000000f" }).ToArray()));
            Assert.Equal("InvalidParameterValue", tooMany.ErrorCode);
        }
    }
}
