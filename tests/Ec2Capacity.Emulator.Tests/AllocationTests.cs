using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Ec2Capacity.Emulator;
using Xunit;

namespace Ec2Capacity.Emulator.Tests
{
    public class AllocationTests
    {
        private const string Source = DemoSeed.SourceReservationId; // m5.large, total 10, used 4, available 6

        [Fact]
        public async Task Create_lends_capacity_answers_pending_and_settles_after_reads_of_the_source()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);

            var created = await Ops.Create(ec2, Source, 4, tags: new[] { ("team", "batch"), ("cost-center", "42") });
            Assert.Equal(Source, created.SourceCapacityReservationId);
            Assert.Equal(4, created.TargetInstanceCount);
            Assert.Equal("pending", created.Status.Value);
            Assert.Equal("adhoc", created.InterruptionType.Value);

            var first = await Ops.Usage(ec2, Source);
            var a = first.InterruptibleCapacityAllocation;
            Assert.Equal("pending", a.Status.Value);
            Assert.Equal(4, a.InstanceCount);
            Assert.Equal(4, a.TargetInstanceCount);
            Assert.Equal("default", a.ZeroSizePreference.Value);
            Assert.Matches("^cr-[0-9a-f]{17}$", a.InterruptibleCapacityReservationId);
            Assert.Equal(10, first.TotalInstanceCount);
            Assert.Equal(2, first.AvailableInstanceCount);
            Ops.AssertAddsUp(first);

            var second = await Ops.Usage(ec2, Source); // settleAfterReads = 2
            Assert.Equal("active", second.InterruptibleCapacityAllocation.Status.Value);

            var ir = await Ops.Usage(ec2, a.InterruptibleCapacityReservationId);
            Assert.True(ir.Interruptible);
            Assert.Equal(4, ir.TotalInstanceCount);
            Assert.Equal(4, ir.AvailableInstanceCount);
            Assert.Equal("active", ir.State);
            Assert.Equal(Source, ir.InterruptionInfo.SourceCapacityReservationId);
            Assert.Empty(ir.InstanceUsages ?? new());

            var dumped = State.Reservation(server, a.InterruptibleCapacityReservationId);
            Assert.Equal("123456789012", (string)dumped["ownerId"]);
            Assert.Equal("m5.large", (string)dumped["instanceType"]);
            Assert.True((bool)dumped["interruptible"]);
            Assert.Equal(Source, (string)dumped["interruptionInfo"]["sourceCapacityReservationId"]);
            Assert.Equal("[{\"key\":\"team\",\"value\":\"batch\"},{\"key\":\"cost-center\",\"value\":\"42\"}]", dumped["tags"].ToJsonString());
        }

        [Fact]
        public async Task Settling_follows_settleAfterReads()
        {
            await using var server = await EmulatorServer.StartAsync(Seeds.Demo(s => s["behavior"]["settleAfterReads"] = 0));
            using var ec2 = Sdk.Client(server);
            await Ops.Create(ec2, Source, 1);
            Assert.Equal("active", (await Ops.Usage(ec2, Source)).InterruptibleCapacityAllocation.Status.Value);

            server.Reset(Seeds.Demo(s => s["behavior"]["settleAfterReads"] = 4));
            await Ops.Create(ec2, Source, 1);
            var statuses = new System.Collections.Generic.List<string>();
            for (int i = 0; i < 5; i++) statuses.Add((await Ops.Usage(ec2, Source)).InterruptibleCapacityAllocation.Status.Value);
            Assert.Equal(new[] { "pending", "pending", "pending", "active", "active" }, statuses);
        }

        [Fact]
        public async Task Only_pages_after_the_first_do_not_count_as_reads()
        {
            string seed = Seeds.Demo(s =>
            {
                var usages = new JsonArray();
                for (int i = 1; i <= 5; i++) usages.Add(new JsonObject { ["accountId"] = "20000000000" + i, ["usedInstanceCount"] = 1 });
                Seeds.Reservation(s, Source)["instanceUsages"] = usages;
            });
            await using var server = await EmulatorServer.StartAsync(seed);
            using var ec2 = Sdk.Client(server);
            await Ops.Create(ec2, Source, 2);
            var page1 = await Ops.Usage(ec2, Source, maxResults: 2);
            var page2 = await Ops.Usage(ec2, Source, maxResults: 2, nextToken: page1.NextToken);
            var page3 = await Ops.Usage(ec2, Source, maxResults: 2, nextToken: page2.NextToken);
            Assert.Null(page3.NextToken);
            Assert.All(new[] { page1, page2, page3 }, p => Assert.Equal("pending", p.InterruptibleCapacityAllocation.Status.Value));
            Assert.Equal("active", (await Ops.Usage(ec2, Source)).InterruptibleCapacityAllocation.Status.Value);
        }

        [Fact]
        public async Task Create_refuses_what_the_rules_forbid()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            string before = server.GetStateJson();

            async Task Expect(string code, System.Func<Task> call, string messagePart = null)
            {
                var ex = await Sdk.Fails(call);
                Assert.Equal(code, ex.ErrorCode);
                if (messagePart != null) Assert.Contains(messagePart, ex.Message);
            }

            await Expect("InvalidParameterValue", () => Ops.Create(ec2, Source, 0));
            await Expect("InvalidParameterValue", () => Ops.Create(ec2, Source, -1));
            await Expect("InvalidParameterValue", () => Ops.Create(ec2, Source, 1001));
            await Expect("InvalidParameterValue", () => Ops.Create(ec2, Source, 7), "available capacity (6)");
            await Expect("InvalidParameterValue", () => Ops.Create(ec2, Source, 1, zeroSize: "keep"));
            await Expect("InvalidParameterValue", () => Ops.Create(ec2, Source, 1, tags: ("aws:owner", "x")), "aws:");
            await Expect("InvalidParameterValue", () => Ops.Create(ec2, Source, 1, tags: (new string('k', 128), "x")));
            await Expect("InvalidParameterValue", () => Ops.Create(ec2, Source, 1, tags: ("k", new string('v', 257))));
            await Expect("InvalidParameterValue", () => Ops.Create(ec2, Source, 1, clientToken: new string('t', 65)));
            await Expect("InvalidParameterValue", () => Ops.Create(ec2, DemoSeed.SourceWithAllocationId, 1), "already has an interruptible allocation");
            await Expect("InvalidParameterValue", () => Ops.Create(ec2, DemoSeed.InterruptibleReservationId, 1), "interruptible");
            await Expect("IncorrectState", () => Ops.Create(ec2, DemoSeed.EndDatedReservationId, 1), "end date");
            await Expect("IncorrectState", () => Ops.Create(ec2, DemoSeed.CancelledReservationId, 1), "cancelled");
            await Expect("IncorrectState", () => Ops.Create(ec2, DemoSeed.ScheduledReservationId, 1));
            await Expect("UnsupportedOperation", () => Ops.Create(ec2, DemoSeed.CapacityBlockReservationId, 1));
            await Expect("InvalidCapacityReservationId.NotFound", () => Ops.Create(ec2, "cr-00000000000000000", 1));
            await Expect("InvalidCapacityReservationId.Malformed", () => Ops.Create(ec2, "cr-0", 1));
            await Expect("MissingParameter", () => Ops.Create(ec2, null, 1));

            var noCount = await Raw.Ec2Async(server, ("Action", "CreateInterruptibleCapacityReservationAllocation"), ("Version", "2016-11-15"),
                ("CapacityReservationId", Source));
            Assert.Equal("MissingParameter", noCount.ErrorCode);
            Assert.Contains("InstanceCount", noCount.ErrorMessage);
            var wrongType = await Raw.Ec2Async(server, ("Action", "CreateInterruptibleCapacityReservationAllocation"), ("Version", "2016-11-15"),
                ("CapacityReservationId", Source), ("InstanceCount", "1"), ("TagSpecification.1.ResourceType", "instance"),
                ("TagSpecification.1.Tag.1.Key", "a"), ("TagSpecification.1.Tag.1.Value", "b"));
            Assert.Equal("InvalidParameterValue", wrongType.ErrorCode);

            Assert.Equal(before, server.GetStateJson());
        }

        [Fact]
        public async Task Lowering_reclaims_capacity_when_settled_and_terminates_usage_that_no_longer_fits()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            const string src = DemoSeed.SourceWithAllocationId; // total 20, used 5, lends 4 (2 used in the interruptible one)

            var updated = await Ops.Update(ec2, src, 1);
            Assert.Equal(DemoSeed.InterruptibleReservationId, updated.InterruptibleCapacityReservationId);
            Assert.Equal(src, updated.SourceCapacityReservationId);
            Assert.Equal(4, updated.InstanceCount);
            Assert.Equal(1, updated.TargetInstanceCount);
            Assert.Equal("updating", updated.Status.Value);
            Assert.Equal("adhoc", updated.InterruptionType.Value);

            var during = await Ops.Usage(ec2, src);
            Assert.Equal("updating", during.InterruptibleCapacityAllocation.Status.Value);
            Assert.Equal(11, during.AvailableInstanceCount);
            var settled = await Ops.Usage(ec2, src);
            Assert.Equal("active", settled.InterruptibleCapacityAllocation.Status.Value);
            Assert.Equal(1, settled.InterruptibleCapacityAllocation.InstanceCount);
            Assert.Equal(14, settled.AvailableInstanceCount);
            Ops.AssertAddsUp(settled);

            var ir = await Ops.Usage(ec2, DemoSeed.InterruptibleReservationId);
            Assert.Equal(1, ir.TotalInstanceCount);
            Assert.Equal(1, Ops.Used(ir));
            Assert.Equal(0, ir.AvailableInstanceCount);
            Assert.Equal("active", ir.State);
        }

        [Fact]
        public async Task Raising_needs_available_capacity_and_moves_it_at_once()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            const string src = DemoSeed.SourceWithAllocationId; // available 11

            var tooMuch = await Sdk.Fails(() => Ops.Update(ec2, src, 16));
            Assert.Equal("InvalidParameterValue", tooMuch.ErrorCode);
            Assert.Contains("11 available", tooMuch.Message);
            var outOfRange = await Sdk.Fails(() => Ops.Update(ec2, src, 1001));
            Assert.Equal("InvalidParameterValue", outOfRange.ErrorCode);

            var raised = await Ops.Update(ec2, src, 15);
            Assert.Equal(15, raised.InstanceCount);
            Assert.Equal("updating", raised.Status.Value);
            var u = await Ops.Usage(ec2, src);
            Assert.Equal(0, u.AvailableInstanceCount);
            Ops.AssertAddsUp(u);
            Assert.Equal(15, (await Ops.Usage(ec2, DemoSeed.InterruptibleReservationId)).TotalInstanceCount);
            Assert.Equal("active", (await Ops.ReadUntilSettled(ec2, src)).InterruptibleCapacityAllocation.Status.Value);
        }

        [Fact]
        public async Task Reaching_zero_with_default_cancels_the_interruptible_reservation_and_returns_the_capacity()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            await Ops.Create(ec2, Source, 5);
            var id = (await Ops.ReadUntilSettled(ec2, Source)).InterruptibleCapacityAllocation.InterruptibleCapacityReservationId;

            var zero = await Ops.Update(ec2, Source, 0);
            Assert.Equal("canceling", zero.Status.Value);
            Assert.Equal(5, zero.InstanceCount);
            Assert.Equal(0, zero.TargetInstanceCount);
            Assert.Equal("canceling", (await Ops.Usage(ec2, Source)).InterruptibleCapacityAllocation.Status.Value);
            var done = await Ops.Usage(ec2, Source);
            Assert.Equal("canceled", done.InterruptibleCapacityAllocation.Status.Value);
            Assert.Equal(0, done.InterruptibleCapacityAllocation.InstanceCount);
            Assert.Equal(6, done.AvailableInstanceCount);
            Ops.AssertAddsUp(done);

            var ir = await Ops.Usage(ec2, id);
            Assert.Equal("cancelled", ir.State);
            Assert.Equal(0, ir.TotalInstanceCount);

            var again = await Sdk.Fails(() => Ops.Update(ec2, Source, 2));
            Assert.Equal("IncorrectState", again.ErrorCode);
            Assert.Contains("canceled", again.Message);

            // a canceled allocation does not block a new one
            await Ops.Create(ec2, Source, 6);
            var fresh = await Ops.Usage(ec2, Source);
            Assert.NotEqual(id, fresh.InterruptibleCapacityAllocation.InterruptibleCapacityReservationId);
            Assert.Equal(0, fresh.AvailableInstanceCount);
        }

        [Fact]
        public async Task Reaching_zero_with_retain_keeps_the_interruptible_reservation_active_at_zero()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            await Ops.Create(ec2, Source, 3, zeroSize: "retain");
            var id = (await Ops.ReadUntilSettled(ec2, Source)).InterruptibleCapacityAllocation.InterruptibleCapacityReservationId;

            var zero = await Ops.Update(ec2, Source, 0);
            Assert.Equal("updating", zero.Status.Value);
            var settled = await Ops.ReadUntilSettled(ec2, Source);
            Assert.Equal("active", settled.InterruptibleCapacityAllocation.Status.Value);
            Assert.Equal(0, settled.InterruptibleCapacityAllocation.InstanceCount);
            Assert.Equal("retain", settled.InterruptibleCapacityAllocation.ZeroSizePreference.Value);
            Assert.Equal(6, settled.AvailableInstanceCount);
            var ir = await Ops.Usage(ec2, id);
            Assert.Equal("active", ir.State);
            Assert.Equal(0, ir.TotalInstanceCount);

            // lend again into the retained reservation, then switch the preference alone: at zero, 'default' cancels
            var up = await Ops.Update(ec2, Source, 2);
            Assert.Equal(id, up.InterruptibleCapacityReservationId);
            await Ops.ReadUntilSettled(ec2, Source);
            await Ops.Update(ec2, Source, 0);
            await Ops.ReadUntilSettled(ec2, Source);
            var pref = await Ops.Update(ec2, Source, null, "default");
            Assert.Equal("canceling", pref.Status.Value);
            Assert.Equal("canceled", (await Ops.ReadUntilSettled(ec2, Source)).InterruptibleCapacityAllocation.Status.Value);
            Assert.Equal("cancelled", (await Ops.Usage(ec2, id)).State);
        }

        [Fact]
        public async Task Update_errors_say_what_is_wrong()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            string before = server.GetStateJson();

            var viaInterruptible = await Sdk.Fails(() => Ops.Update(ec2, DemoSeed.InterruptibleReservationId, 1));
            Assert.Equal("InvalidParameterValue", viaInterruptible.ErrorCode);
            Assert.Contains("is an interruptible Capacity Reservation", viaInterruptible.Message);
            Assert.Contains(DemoSeed.SourceWithAllocationId, viaInterruptible.Message);

            var noAllocation = await Sdk.Fails(() => Ops.Update(ec2, Source, 1));
            Assert.Equal("IncorrectState", noAllocation.ErrorCode);
            Assert.Contains("has no interruptible capacity allocation", noAllocation.Message);

            var nothing = await Sdk.Fails(() => Ops.Update(ec2, DemoSeed.SourceWithAllocationId, null));
            Assert.Equal("MissingParameter", nothing.ErrorCode);
            Assert.Equal("InvalidParameterValue", (await Sdk.Fails(() => Ops.Update(ec2, DemoSeed.SourceWithAllocationId, -1))).ErrorCode);
            Assert.Equal("InvalidParameterValue", (await Sdk.Fails(() => Ops.Update(ec2, DemoSeed.SourceWithAllocationId, null, "never"))).ErrorCode);
            Assert.Equal("InvalidCapacityReservationId.NotFound", (await Sdk.Fails(() => Ops.Update(ec2, "cr-00000000000000000", 1))).ErrorCode);
            Assert.Equal("InvalidCapacityReservationId.Malformed", (await Sdk.Fails(() => Ops.Update(ec2, "sir-123", 1))).ErrorCode);
            var clientToken = await Raw.Ec2Async(server, ("Action", "UpdateInterruptibleCapacityReservationAllocation"), ("Version", "2016-11-15"),
                ("CapacityReservationId", DemoSeed.SourceWithAllocationId), ("TargetInstanceCount", "1"), ("ClientToken", "x"));
            Assert.Equal("UnknownParameter", clientToken.ErrorCode);
            Assert.Equal(before, server.GetStateJson());
        }

        [Fact]
        public async Task A_ClientToken_makes_Create_idempotent_per_account()
        {
            string seed = Seeds.Demo(s => s["accounts"].AsArray().Add(new JsonObject
            {
                ["accountId"] = "999988887777",
                ["accessKeyId"] = "AKIAOTHERACCOUNT0001",
                ["secretAccessKey"] = "other-secret",
                ["allowedActions"] = new JsonArray("*"),
            }));
            await using var server = await EmulatorServer.StartAsync(seed);
            using var ec2 = Sdk.Client(server);

            var first = await Ops.Create(ec2, Source, 2, clientToken: "lend-1", tags: ("a", "b"));
            var again = await Ops.Create(ec2, Source, 2, clientToken: "lend-1", tags: ("a", "b"));
            Assert.Equal(first.Status, again.Status);
            Assert.Equal(first.TargetInstanceCount, again.TargetInstanceCount);
            Assert.Equal(first.SourceCapacityReservationId, again.SourceCapacityReservationId);
            Assert.NotEqual(first.ResponseMetadata.RequestId, again.ResponseMetadata.RequestId);
            Assert.Single(State.Reservations(server), r => (bool)r["interruptible"] && (string)r["interruptionInfo"]["sourceCapacityReservationId"] == Source);

            var mismatch = await Sdk.Fails(() => Ops.Create(ec2, Source, 3, clientToken: "lend-1", tags: ("a", "b")));
            Assert.Equal("IdempotentParameterMismatch", mismatch.ErrorCode);
            Assert.Equal("IdempotentParameterMismatch", (await Sdk.Fails(() => Ops.Create(ec2, Source, 2, clientToken: "lend-1"))).ErrorCode);

            // another account's token space is its own: the same token is a new request there (refused by the rules, not as a replay)
            using var other = Sdk.Client(server, "AKIAOTHERACCOUNT0001", "other-secret");
            var ex = await Sdk.Fails(() => Ops.Create(other, Source, 2, clientToken: "lend-1", tags: ("a", "b")));
            Assert.Equal("InvalidParameterValue", ex.ErrorCode);
            Assert.Contains("already has an interruptible allocation", ex.Message);
        }

        [Fact]
        public async Task Empty_lists_as_the_v4_SDK_sends_them_are_accepted()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            // the SDK sends "TagSpecification=" for an explicitly empty list, and "TagSpecification.1.Tag=" for a spec without tags
            await ec2.CreateInterruptibleCapacityReservationAllocationAsync(new Amazon.EC2.Model.CreateInterruptibleCapacityReservationAllocationRequest
            {
                CapacityReservationId = Source,
                InstanceCount = 1,
                ClientToken = "empty-lists",
                TagSpecifications = new(),
            });
            Assert.Equal("", server.GetJournal().Last().Parameters["TagSpecification"]);
            // the same request without the marker is the same request
            await Ops.Create(ec2, Source, 1, clientToken: "empty-lists");
            // a spec without tags still names a resource type: other parameters than the first request
            var mismatch = await Sdk.Fails(() => ec2.CreateInterruptibleCapacityReservationAllocationAsync(
                new Amazon.EC2.Model.CreateInterruptibleCapacityReservationAllocationRequest
                {
                    CapacityReservationId = Source,
                    InstanceCount = 1,
                    ClientToken = "empty-lists",
                    TagSpecifications = new() { new Amazon.EC2.Model.TagSpecification { ResourceType = "capacity-reservation", Tags = new() } },
                }));
            Assert.Equal("IdempotentParameterMismatch", mismatch.ErrorCode);
            Assert.Equal("", server.GetJournal().Last().Parameters["TagSpecification.1.Tag"]);
            Assert.Single(State.Reservations(server), r => (bool)r["interruptible"] && (string)r["interruptionInfo"]["sourceCapacityReservationId"] == Source);
        }

        [Fact]
        public async Task A_retry_after_dropAfterCommit_gets_the_stored_answer_and_lends_only_once()
        {
            // the first request is dropped after it took effect; the SDK's retry (same ClientToken) is not faulted
            int seed = FaultSeeds.Find(2, d => d[0][FaultSeeds.DropAfterCommit] < 0.5 && d[1][FaultSeeds.DropAfterCommit] >= 0.5);
            await using var server = await EmulatorServer.StartAsync(Seeds.Demo(s =>
            {
                var f = Seeds.Faults(s);
                f["seed"] = seed;
                f["dropAfterCommitRate"] = 0.5;
            }));
            using var ec2 = Sdk.Client(server, maxErrorRetry: 3);

            var created = await Ops.Create(ec2, Source, 4, tags: ("run", "1"));
            Assert.Equal("pending", created.Status.Value);
            Assert.Equal(4, created.TargetInstanceCount);

            var journal = server.GetJournal();
            Assert.Equal(2, journal.Count);
            Assert.Equal("DroppedAfterCommit", journal[0].ErrorCode);
            Assert.Equal(0, journal[0].HttpStatus);
            Assert.Equal(200, journal[1].HttpStatus);
            Assert.Equal(journal[0].Parameters["ClientToken"], journal[1].Parameters["ClientToken"]);
            Assert.Single(State.Reservations(server), r => (bool)r["interruptible"] && (string)r["interruptionInfo"]["sourceCapacityReservationId"] == Source);
            Assert.Equal(2, (int)State.Reservation(server, Source)["availableInstanceCount"]);
        }
    }
}
