using System.Threading.Tasks;
using Ec2Capacity.Emulator;
using Xunit;

namespace Ec2Capacity.Emulator.Tests
{
    public class CancelTests
    {
        private const string Quote = "crcq-0123456789abcdef0";

        [Theory]
        [InlineData(DemoSeed.SourceReservationId)]   // active, no commitment
        [InlineData(DemoSeed.AssessingReservationId)]
        [InlineData(DemoSeed.DelayedReservationId)]
        public async Task Cancellable_states_become_cancelled(string id)
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            var result = await Ops.Cancel(ec2, id);
            Assert.True(result.Return);
            Assert.Equal("cancelled", (string)State.Reservation(server, id)["state"]);
            Assert.Equal("cancelled", (await Ops.Usage(ec2, id)).State);
            var again = await Sdk.Fails(() => Ops.Cancel(ec2, id));
            Assert.Equal("IncorrectState", again.ErrorCode);
            Assert.Contains("already cancelled", again.Message);
        }

        [Fact]
        public async Task An_elapsed_commitment_needs_no_quote_and_quote_parameters_are_ignored_then()
        {
            await using var server = await EmulatorServer.StartAsync(Seeds.Demo(s =>
                Seeds.Reservation(s, DemoSeed.CommittedReservationId)["commitmentEndDate"] = "2001-01-01T00:00:00Z"));
            using var ec2 = Sdk.Client(server);
            Assert.True((await Ops.Cancel(ec2, DemoSeed.CommittedReservationId, Quote, "commitment-wind-down")).Return);
            Assert.Equal("cancelled", (string)State.Reservation(server, DemoSeed.CommittedReservationId)["state"]);
        }

        [Theory]
        [InlineData(DemoSeed.CommittedReservationId)]
        [InlineData(DemoSeed.ScheduledReservationId)]
        public async Task Inside_a_commitment_or_scheduled_needs_a_quote_and_passes_through_cancelling(string id)
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            string before = server.GetStateJson();

            var noQuote = await Sdk.Fails(() => Ops.Cancel(ec2, id));
            Assert.Equal("IncorrectState", noQuote.ErrorCode);
            Assert.Contains("QuoteId", noQuote.Message);
            var onlyQuote = await Sdk.Fails(() => Ops.Cancel(ec2, id, Quote));
            Assert.Equal("MissingParameter", onlyQuote.ErrorCode);
            Assert.Contains("ApplyCancellationCharges", onlyQuote.Message);
            var onlyCharges = await Sdk.Fails(() => Ops.Cancel(ec2, id, null, "commitment-wind-down"));
            Assert.Equal("MissingParameter", onlyCharges.ErrorCode);
            Assert.Contains("QuoteId", onlyCharges.Message);
            Assert.Equal("InvalidParameterValue", (await Sdk.Fails(() => Ops.Cancel(ec2, id, "crcq-123", "commitment-wind-down"))).ErrorCode);
            Assert.Equal("InvalidParameterValue", (await Sdk.Fails(() => Ops.Cancel(ec2, id, Quote, "pay-now"))).ErrorCode);
            Assert.Equal(before, server.GetStateJson());

            Assert.True((await Ops.Cancel(ec2, id, Quote, "commitment-wind-down")).Return);
            Assert.Equal("cancelling", (await Ops.Usage(ec2, id)).State);
            Assert.Equal("IncorrectState", (await Sdk.Fails(() => Ops.Cancel(ec2, id, Quote, "commitment-wind-down"))).ErrorCode);
            Assert.Equal("cancelled", (await Ops.Usage(ec2, id)).State);
        }

        [Fact]
        public async Task Capacity_blocks_expired_and_cancelled_reservations_are_refused()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            string before = server.GetStateJson();
            var block = await Sdk.Fails(() => Ops.Cancel(ec2, DemoSeed.CapacityBlockReservationId));
            Assert.Equal("UnsupportedOperation", block.ErrorCode);
            Assert.Contains("Capacity Block", block.Message);
            Assert.Equal("IncorrectState", (await Sdk.Fails(() => Ops.Cancel(ec2, DemoSeed.ExpiredReservationId))).ErrorCode);
            Assert.Equal("IncorrectState", (await Sdk.Fails(() => Ops.Cancel(ec2, DemoSeed.CancelledReservationId))).ErrorCode);
            Assert.Equal("MissingParameter", (await Sdk.Fails(() => Ops.Cancel(ec2, null))).ErrorCode);
            Assert.Equal("InvalidCapacityReservationId.Malformed", (await Sdk.Fails(() => Ops.Cancel(ec2, "cr-xyz"))).ErrorCode);
            Assert.Equal("InvalidCapacityReservationId.NotFound", (await Sdk.Fails(() => Ops.Cancel(ec2, "cr-00000000000000000"))).ErrorCode);
            Assert.Equal(before, server.GetStateJson());
        }

        [Fact]
        public async Task Cancelling_a_source_cancels_its_allocation_and_the_interruptible_reservation()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            Assert.True((await Ops.Cancel(ec2, DemoSeed.SourceWithAllocationId)).Return);

            var source = await Ops.Usage(ec2, DemoSeed.SourceWithAllocationId);
            Assert.Equal("cancelled", source.State);
            Assert.Equal("canceled", source.InterruptibleCapacityAllocation.Status.Value);
            Assert.Equal(0, source.InterruptibleCapacityAllocation.InstanceCount);
            Assert.Equal(0, source.InterruptibleCapacityAllocation.TargetInstanceCount);
            Assert.Equal(5, Ops.Used(source)); // running instances keep running
            Ops.AssertAddsUp(source);

            var ir = await Ops.Usage(ec2, DemoSeed.InterruptibleReservationId);
            Assert.Equal("cancelled", ir.State);
            Assert.Equal(0, ir.TotalInstanceCount);
            Assert.Equal(0, ir.AvailableInstanceCount);
            Assert.Equal(DemoSeed.SourceWithAllocationId, ir.InterruptionInfo.SourceCapacityReservationId);

            Assert.Equal("IncorrectState", (await Sdk.Fails(() => Ops.Update(ec2, DemoSeed.SourceWithAllocationId, 1))).ErrorCode);
            Assert.Equal("IncorrectState", (await Sdk.Fails(() => Ops.Create(ec2, DemoSeed.SourceWithAllocationId, 1))).ErrorCode);
        }

        [Fact]
        public async Task Cancelling_an_interruptible_reservation_directly_is_refused_with_the_way_to_reclaim()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            string before = server.GetStateJson();
            var ex = await Sdk.Fails(() => Ops.Cancel(ec2, DemoSeed.InterruptibleReservationId));
            Assert.Equal("OperationNotPermitted", ex.ErrorCode);
            Assert.Contains(DemoSeed.SourceWithAllocationId, ex.Message);
            Assert.Contains("UpdateInterruptibleCapacityReservationAllocation", ex.Message);
            Assert.Equal(before, server.GetStateJson());

            // once reclaimed to zero with 'default' it is cancelled, and cancelling it again is IncorrectState
            await Ops.Update(ec2, DemoSeed.SourceWithAllocationId, 0, "default");
            await Ops.ReadUntilSettled(ec2, DemoSeed.SourceWithAllocationId);
            Assert.Equal("IncorrectState", (await Sdk.Fails(() => Ops.Cancel(ec2, DemoSeed.InterruptibleReservationId))).ErrorCode);
        }
    }
}
