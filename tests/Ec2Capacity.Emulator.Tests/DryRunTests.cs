using System;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using Ec2Capacity.Emulator;
using Xunit;

namespace Ec2Capacity.Emulator.Tests
{
    public class DryRunTests
    {
        [Fact]
        public async Task Every_action_answers_412_DryRunOperation_through_the_real_SDK_and_changes_nothing()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            string before = server.GetStateJson();
            var calls = new Func<Task>[]
            {
                () => Ops.Usage(ec2, DemoSeed.SourceWithAllocationId, dryRun: true),
                () => Ops.Create(ec2, DemoSeed.SourceReservationId, 2, dryRun: true, tags: ("a", "b")),
                () => Ops.Update(ec2, DemoSeed.SourceWithAllocationId, 0, "default", dryRun: true),
                () => Ops.Cancel(ec2, DemoSeed.SourceWithAllocationId, dryRun: true),
                () => Ops.CreditsWithToken(ec2, "tok-1", "unlimited", new[] { "i-0123456789abcdef0", "i-0123456789abcdef5" }, dryRun: true),
            };
            foreach (var call in calls)
            {
                var ex = await Sdk.Fails(call);
                Assert.Equal("DryRunOperation", ex.ErrorCode);
                Assert.Equal(HttpStatusCode.PreconditionFailed, ex.StatusCode);
                Assert.Equal("Request would have succeeded, but DryRun flag is set.", ex.Message);
            }
            Assert.Equal(before, server.GetStateJson());
            var journal = server.GetJournal();
            Assert.Equal(5, journal.Count);
            Assert.All(journal, e =>
            {
                Assert.True(e.DryRun);
                Assert.Equal(412, e.HttpStatus);
                Assert.Equal("DryRunOperation", e.ErrorCode);
                Assert.Equal("true", e.Parameters["DryRun"]);
            });

            // a DryRun ClientToken is not remembered: the real call with the same token goes through
            var real = await Ops.CreditsWithToken(ec2, "tok-1", "unlimited", new[] { "i-0123456789abcdef0" });
            Assert.Single(real.SuccessfulInstanceCreditSpecifications);
        }

        [Fact]
        public async Task Validation_errors_come_before_the_DryRun_verdict()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            Assert.Equal("InvalidCapacityReservationId.Malformed", (await Sdk.Fails(() => Ops.Usage(ec2, "cr-123", dryRun: true))).ErrorCode);
            Assert.Equal("InvalidCapacityReservationId.NotFound", (await Sdk.Fails(() => Ops.Cancel(ec2, "cr-00000000000000000", dryRun: true))).ErrorCode);
            Assert.Equal("InvalidParameterValue", (await Sdk.Fails(() => Ops.Create(ec2, DemoSeed.SourceReservationId, 0, dryRun: true))).ErrorCode);
            Assert.Equal("InvalidParameterValue", (await Sdk.Fails(() => Ops.Usage(ec2, DemoSeed.SourceReservationId, maxResults: 0, dryRun: true))).ErrorCode);
            Assert.Equal("InvalidParameterValue",
                (await Sdk.Fails(() => Ops.CreditsWithToken(ec2, null, "turbo", new[] { "i-0123456789abcdef0" }, dryRun: true))).ErrorCode);
        }

        [Fact]
        public async Task DryRun_reads_do_not_settle_an_allocation()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            await Ops.Create(ec2, DemoSeed.SourceReservationId, 2);
            string before = server.GetStateJson();
            for (int i = 0; i < 5; i++) await Sdk.Fails(() => Ops.Usage(ec2, DemoSeed.SourceReservationId, dryRun: true));
            Assert.Equal(before, server.GetStateJson());
            Assert.Equal("pending", (await Ops.Usage(ec2, DemoSeed.SourceReservationId)).InterruptibleCapacityAllocation.Status);
        }
    }
}
