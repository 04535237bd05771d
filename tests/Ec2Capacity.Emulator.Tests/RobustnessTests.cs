using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using System.Xml.Linq;
using Ec2Capacity.Emulator;
using Xunit;

namespace Ec2Capacity.Emulator.Tests
{
    public class RobustnessTests
    {
        [Fact]
        public async Task Bodies_over_one_MiB_get_413_with_an_EC2_error()
        {
            await using var server = await EmulatorServer.StartAsync();
            var big = Encoding.UTF8.GetBytes("Action=GetCapacityReservationUsage&Version=2016-11-15&Filler=" + new string('x', EmulatorServer.MaxEc2BodyBytes));
            var answer = await Raw.SendAsync(server, big);
            Assert.Equal(413, answer.Status);
            Assert.Equal("RequestEntityTooLarge", answer.ErrorCode);

            // no Content-Length (chunked): the limit holds while reading
            using var message = new HttpRequestMessage(HttpMethod.Post, server.BaseUri)
            {
                Content = new StreamContent(new NonSeekableStream(new byte[3 * 1024 * 1024])),
            };
            message.Headers.TransferEncodingChunked = true;
            using var response = await Raw.Client.SendAsync(message);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains("<Code>RequestEntityTooLarge</Code>", await response.Content.ReadAsStringAsync());

            // exactly at the limit is read and answered normally
            string head = "Action=GetCapacityReservationUsage&Version=2016-11-15&CapacityReservationId=" + DemoSeed.SourceReservationId + "&Filler=";
            var atLimit = Encoding.UTF8.GetBytes(head + new string('x', EmulatorServer.MaxEc2BodyBytes - head.Length));
            var ok = await Raw.SendAsync(server, atLimit);
            Assert.Equal("UnknownParameter", ok.ErrorCode);

            Assert.Equal(new[] { 413, 413, 400 }, server.GetJournal().Select(e => e.HttpStatus));
            Assert.Equal(200, (await Raw.GetAsync(server, "/_emulator/state")).Status);
        }

        [Fact]
        public async Task Garbage_gets_EC2_errors()
        {
            await using var server = await EmulatorServer.StartAsync();
            var rnd = new Random(7);
            var binary = new byte[4096];
            rnd.NextBytes(binary);
            binary[0] = 0xff;
            var answer = await Raw.SendAsync(server, binary);
            Assert.Equal(400, answer.Status);
            Assert.Equal("MalformedQueryString", answer.ErrorCode);

            foreach (var text in new[] { "", "&&&===%%%", "Action", "=", "Action=&Version=", "{\"Action\":\"GetCapacityReservationUsage\"}", "\0\0\0" })
            {
                var signed = await Raw.SendAsync(server, Encoding.UTF8.GetBytes(text));
                Assert.Equal(400, signed.Status);
                Assert.Equal("MissingAction", signed.ErrorCode);
                var unsigned = await Raw.SendAsync(server, Encoding.UTF8.GetBytes(text), sign: false);
                Assert.Equal(401, unsigned.Status);
                Assert.Equal("AuthFailure", unsigned.ErrorCode);
            }

            var json = await Raw.SendAsync(server, Encoding.UTF8.GetBytes("{}"), contentType: "application/json");
            Assert.Equal("MissingAction", json.ErrorCode);

            // hostile values are echoed safely in well-formed XML
            var hostile = await Raw.Ec2Async(server, ("Action", "GetCapacityReservationUsage"), ("Version", "2016-11-15"),
                ("CapacityReservationId", "<x>&amp;\u0001\u0007]]>\n" + new string('z', 5000)));
            Assert.Equal("InvalidCapacityReservationId.Malformed", hostile.ErrorCode);
            Assert.Contains("<x>&amp;", hostile.ErrorMessage);
            Assert.True(hostile.ErrorMessage.Length < 400);
            var action = await Raw.Ec2Async(server, ("Action", "<Run&Instances>"), ("Version", "2016-11-15"));
            Assert.Equal("InvalidAction", action.ErrorCode);

            using var get = await Raw.Client.GetAsync(server.BaseUri);
            Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
            XDocument.Parse(await get.Content.ReadAsStringAsync());

            Assert.Equal(200, (await Raw.GetAsync(server, "/_emulator/requests")).Status);
        }

        [Fact]
        public async Task Five_hundred_concurrent_requests_all_get_EC2_answers()
        {
            await using var server = await EmulatorServer.StartAsync();
            var kinds = new Func<int, Task<RawAnswer>>[]
            {
                i => Raw.Ec2Async(server, ("Action", "GetCapacityReservationUsage"), ("Version", "2016-11-15"), ("CapacityReservationId", DemoSeed.SharedReservationId),
                    ("MaxResults", "5")),
                i => Raw.Ec2Async(server, ("Action", "NoSuchAction"), ("Version", "2016-11-15")),
                i => Raw.SendAsync(server, Encoding.UTF8.GetBytes("%%garbage==&&" + i)),
                i => Raw.Ec2Async(server, ("Action", "CreateInterruptibleCapacityReservationAllocation"), ("Version", "2016-11-15"),
                    ("CapacityReservationId", DemoSeed.SourceReservationId), ("InstanceCount", "1"), ("DryRun", "true")),
                i => Raw.Ec2Async(server, ("Action", "ModifyInstanceCreditSpecification"), ("Version", "2016-11-15"), ("ClientToken", "c" + i),
                    ("InstanceCreditSpecification.1.InstanceId", "i-0123456789abcdef0"), ("InstanceCreditSpecification.1.CpuCredits", i % 2 == 0 ? "standard" : "unlimited")),
            };
            var expected = new[] { 200, 400, 400, 412, 200 };
            var tasks = Enumerable.Range(0, 500).Select(i => Task.Run(() => kinds[i % kinds.Length](i))).ToArray();
            var answers = await Task.WhenAll(tasks);
            for (int i = 0; i < answers.Length; i++) Assert.Equal(expected[i % kinds.Length], answers[i].Status);
            Assert.All(answers.Where((a, i) => i % kinds.Length == 0), a => Assert.NotNull(a.Value("nextToken")));

            var journal = server.GetJournal();
            Assert.Equal(500, journal.Count);
            Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), journal.Select(e => e.Sequence));
            Assert.Equal(200, (await Raw.Ec2Async(server, ("Action", "GetCapacityReservationUsage"), ("Version", "2016-11-15"),
                ("CapacityReservationId", DemoSeed.SourceReservationId))).Status);
        }

        [Fact]
        public async Task Concurrent_creates_on_one_source_lend_at_most_once()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server);
            var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
            {
                try
                {
                    await Ops.Create(ec2, DemoSeed.SourceReservationId, 3, clientToken: "t" + i);
                    return "ok";
                }
                catch (Amazon.EC2.AmazonEC2Exception ex)
                {
                    return ex.ErrorCode;
                }
            })));
            Assert.Single(results, r => r == "ok");
            Assert.All(results.Where(r => r != "ok"), r => Assert.Equal("InvalidParameterValue", r));
            Assert.Single(State.Reservations(server), r => (bool)r["interruptible"] && (string)r["interruptionInfo"]["sourceCapacityReservationId"] == DemoSeed.SourceReservationId);
        }

        private sealed class NonSeekableStream : MemoryStream
        {
            public NonSeekableStream(byte[] data) : base(data) { }
            public override bool CanSeek => false;
        }
    }
}
