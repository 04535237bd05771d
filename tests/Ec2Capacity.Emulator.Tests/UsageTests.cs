using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using System.Xml.Linq;
using Ec2Capacity.Emulator;
using Xunit;

namespace Ec2Capacity.Emulator.Tests
{
    public class UsageTests
    {
        [Fact]
        public async Task A_source_an_interruptible_and_a_plain_reservation_show_consistent_counts()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);

            var source = await Ops.Usage(ec2, DemoSeed.SourceWithAllocationId);
            Assert.Equal("c5.xlarge", source.InstanceType);
            Assert.Equal(20, source.TotalInstanceCount);
            Assert.Equal(11, source.AvailableInstanceCount);
            Assert.Equal("active", source.State);
            Assert.False(source.Interruptible);
            Assert.Null(source.InterruptionInfo);
            var a = source.InterruptibleCapacityAllocation;
            Assert.Equal(4, a.InstanceCount);
            Assert.Equal(4, a.TargetInstanceCount);
            Assert.Equal("active", a.Status.Value);
            Assert.Equal(DemoSeed.InterruptibleReservationId, a.InterruptibleCapacityReservationId);
            Assert.Equal("adhoc", a.InterruptionType.Value);
            Assert.Equal("retain", a.ZeroSizePreference.Value);
            Assert.Null(source.NextToken);
            Ops.AssertAddsUp(source);

            var ir = await Ops.Usage(ec2, DemoSeed.InterruptibleReservationId);
            Assert.True(ir.Interruptible);
            Assert.Equal(4, ir.TotalInstanceCount);
            Assert.Equal(2, ir.AvailableInstanceCount);
            Assert.Equal("444455556666", ir.InstanceUsages.Single().AccountId);
            Assert.Equal(DemoSeed.SourceWithAllocationId, ir.InterruptionInfo.SourceCapacityReservationId);
            Assert.Equal("adhoc", ir.InterruptionInfo.InterruptionType.Value);
            Assert.Null(ir.InterruptibleCapacityAllocation);
            Ops.AssertAddsUp(ir);

            var plain = await Ops.Usage(ec2, DemoSeed.SourceReservationId);
            Assert.Equal(10, plain.TotalInstanceCount);
            Assert.Equal(6, plain.AvailableInstanceCount);
            Assert.Equal(new[] { "123456789012", "111122223333" }, plain.InstanceUsages.Select(u => u.AccountId));
            Assert.False(plain.Interruptible);
            Assert.Null(plain.InterruptibleCapacityAllocation);
            Assert.Null(plain.InterruptionInfo);
            Ops.AssertAddsUp(plain);

            var cancelled = await Ops.Usage(ec2, DemoSeed.CancelledReservationId);
            Assert.Equal("cancelled", cancelled.State);
        }

        [Fact]
        public async Task The_wire_format_is_the_EC2_query_protocol()
        {
            await using var server = await EmulatorServer.StartAsync();
            var answer = await Raw.Ec2Async(server, ("Action", "GetCapacityReservationUsage"), ("Version", "2016-11-15"),
                ("CapacityReservationId", DemoSeed.SourceWithAllocationId), ("MaxResults", "1"));
            Assert.Equal(200, answer.Status);
            Assert.StartsWith("text/xml", answer.ContentType);
            XNamespace ns = "http://ec2.amazonaws.com/doc/2016-11-15/";
            var root = answer.Document.Root;
            Assert.Equal(ns + "GetCapacityReservationUsageResponse", root.Name);
            var children = root.Elements().Select(e => e.Name.LocalName).ToList();
            Assert.Equal("requestId", children[0]);
            Assert.Equal(new[] { "requestId", "capacityReservationId", "instanceType", "totalInstanceCount", "availableInstanceCount", "state",
                "instanceUsageSet", "interruptible", "interruptibleCapacityAllocation" }, children);
            var item = root.Element(ns + "instanceUsageSet").Elements().Single();
            Assert.Equal(ns + "item", item.Name);
            Assert.Equal(new[] { "accountId", "usedInstanceCount" }, item.Elements().Select(e => e.Name.LocalName));
            Assert.Equal(new[] { "instanceCount", "targetInstanceCount", "status", "interruptibleCapacityReservationId", "interruptionType", "zeroSizePreference" },
                root.Element(ns + "interruptibleCapacityAllocation").Elements().Select(e => e.Name.LocalName));
            Assert.Equal(server.GetJournal().Single().RequestId, root.Element(ns + "requestId").Value);

            var error = await Raw.Ec2Async(server, ("Action", "GetCapacityReservationUsage"), ("Version", "2016-11-15"), ("CapacityReservationId", "cr-1"));
            Assert.Equal(400, error.Status);
            Assert.Equal("Response", error.Document.Root.Name.LocalName);
            Assert.Equal(XNamespace.None, error.Document.Root.Name.Namespace);
            var e = error.Document.Root.Element("Errors").Element("Error");
            Assert.Equal(new[] { "Code", "Message" }, e.Elements().Select(x => x.Name.LocalName));
            Assert.Equal("InvalidCapacityReservationId.Malformed", e.Element("Code").Value);
            Assert.False(string.IsNullOrEmpty(error.Document.Root.Element("RequestID").Value));
        }

        [Fact]
        public async Task Usage_pages_across_three_pages_and_merges_to_every_account()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            var accounts = new List<string>();
            var pages = new List<int>();
            string token = null;
            do
            {
                var page = await Ops.Usage(ec2, DemoSeed.SharedReservationId, maxResults: 10, nextToken: token);
                Assert.Equal(60, page.TotalInstanceCount);
                Assert.Equal(10, page.AvailableInstanceCount);
                pages.Add(page.InstanceUsages.Count);
                accounts.AddRange(page.InstanceUsages.Select(u => u.AccountId));
                token = page.NextToken;
            }
            while (token != null);
            Assert.Equal(new[] { 10, 10, 5 }, pages);
            Assert.Equal(Enumerable.Range(1, 25).Select(i => "1000000000" + i.ToString("00")), accounts);

            var exact = await Ops.Usage(ec2, DemoSeed.SharedReservationId, maxResults: 25);
            Assert.Equal(25, exact.InstanceUsages.Count);
            Assert.Null(exact.NextToken);
            var all = await Ops.Usage(ec2, DemoSeed.SharedReservationId);
            Assert.Equal(25, all.InstanceUsages.Count);
            Assert.Null(all.NextToken);
            var single = await Ops.Usage(ec2, DemoSeed.SharedReservationId, maxResults: 1);
            Assert.Single(single.InstanceUsages);
            Assert.NotNull(single.NextToken);
        }

        [Fact]
        public async Task Each_validation_error_has_EC2s_code_and_message()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);

            var missing = await Sdk.Fails(() => Ops.Usage(ec2, null));
            Assert.Equal("MissingParameter", missing.ErrorCode);
            Assert.Equal("The request must contain the parameter CapacityReservationId", missing.Message);
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);

            foreach (var bad in new[] { "cr-123", "CR-0123456789ABCDEF0", "cr-0123456789ABCDEF0", "i-0123456789abcdef0", "cr-0123456789abcdef0 ", "cr-0123456789abcdefg",
                         "cr-0123456789abcdef0&Action=CancelCapacityReservation", "сr-0123456789abcdef0" })
            {
                var ex = await Sdk.Fails(() => Ops.Usage(ec2, bad));
                Assert.Equal("InvalidCapacityReservationId.Malformed", ex.ErrorCode);
                Assert.Contains("is malformed", ex.Message);
            }

            var notFound = await Sdk.Fails(() => Ops.Usage(ec2, "cr-00000000000000000"));
            Assert.Equal("InvalidCapacityReservationId.NotFound", notFound.ErrorCode);
            Assert.Equal("The capacity reservation ID 'cr-00000000000000000' does not exist", notFound.Message);

            foreach (int max in new[] { 0, -5, 1001, int.MaxValue })
            {
                var ex = await Sdk.Fails(() => Ops.Usage(ec2, DemoSeed.SharedReservationId, maxResults: max));
                Assert.Equal("InvalidParameterValue", ex.ErrorCode);
                Assert.Contains("MaxResults", ex.Message);
            }
            var notNumber = await Raw.Ec2Async(server, ("Action", "GetCapacityReservationUsage"), ("Version", "2016-11-15"),
                ("CapacityReservationId", DemoSeed.SharedReservationId), ("MaxResults", "ten"));
            Assert.Equal("InvalidParameterValue", notNumber.ErrorCode);

            foreach (var bad in new[] { "garbage", "Y3ItMGFhYWFhYWFhYWFhYWFhYTE6MTA6MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw", new string('A', 300), "%%%" })
            {
                var ex = await Sdk.Fails(() => Ops.Usage(ec2, DemoSeed.SharedReservationId, nextToken: bad));
                Assert.Equal("InvalidNextToken", ex.ErrorCode);
            }

            // a token is bound to its reservation
            var first = await Ops.Usage(ec2, DemoSeed.SharedReservationId, maxResults: 1);
            var foreign = await Sdk.Fails(() => Ops.Usage(ec2, DemoSeed.SourceReservationId, nextToken: first.NextToken));
            Assert.Equal("InvalidNextToken", foreign.ErrorCode);
            Assert.Equal("The specified NextToken is not valid.", foreign.Message);
        }

        [Fact]
        public async Task Unknown_actions_parameters_and_versions_are_refused()
        {
            await using var server = await EmulatorServer.StartAsync();
            var unknown = await Raw.Ec2Async(server, ("Action", "RunInstances"), ("Version", "2016-11-15"));
            Assert.Equal(400, unknown.Status);
            Assert.Equal("InvalidAction", unknown.ErrorCode);
            Assert.Equal("The action RunInstances is not valid for this web service.", unknown.ErrorMessage);

            var missing = await Raw.Ec2Async(server, ("Version", "2016-11-15"));
            Assert.Equal("MissingAction", missing.ErrorCode);

            var noVersion = await Raw.Ec2Async(server, ("Action", "GetCapacityReservationUsage"), ("CapacityReservationId", DemoSeed.SourceReservationId));
            Assert.Equal("MissingParameter", noVersion.ErrorCode);
            var oldVersion = await Raw.Ec2Async(server, ("Action", "GetCapacityReservationUsage"), ("Version", "2014-01-01"),
                ("CapacityReservationId", DemoSeed.SourceReservationId));
            Assert.Equal("NoSuchVersion", oldVersion.ErrorCode);

            var unknownParameter = await Raw.Ec2Async(server, ("Action", "GetCapacityReservationUsage"), ("Version", "2016-11-15"),
                ("CapacityReservationId", DemoSeed.SourceReservationId), ("InstanceCount", "3"));
            Assert.Equal("UnknownParameter", unknownParameter.ErrorCode);
            Assert.Equal("The parameter InstanceCount is not recognized", unknownParameter.ErrorMessage);

            var badDryRun = await Raw.Ec2Async(server, ("Action", "GetCapacityReservationUsage"), ("Version", "2016-11-15"),
                ("CapacityReservationId", DemoSeed.SourceReservationId), ("DryRun", "maybe"));
            Assert.Equal("InvalidParameterValue", badDryRun.ErrorCode);
        }
    }
}
