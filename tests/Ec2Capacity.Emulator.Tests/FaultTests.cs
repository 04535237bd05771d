using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;
using Ec2Capacity.Emulator;
using Xunit;

namespace Ec2Capacity.Emulator.Tests
{
    public class FaultTests
    {
        private static string WithFaults(Action<System.Text.Json.Nodes.JsonObject> edit) => Seeds.Demo(s => edit(Seeds.Faults(s)));

        /// <summary>One signed usage read on a fresh connection (so HttpClient never resends a dropped request by itself).</summary>
        private static async Task<string> Outcome(EmulatorServer server)
        {
            byte[] body = Encoding.UTF8.GetBytes(Raw.Form(("Action", "GetCapacityReservationUsage"), ("Version", "2016-11-15"),
                ("CapacityReservationId", DemoSeed.SourceReservationId)));
            using var message = new HttpRequestMessage(HttpMethod.Post, server.BaseUri) { Content = new ByteArrayContent(body) };
            message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
            message.Headers.ConnectionClose = true;
            SigV4Signer.Sign(message, body, DemoSeed.AccessKeyId, DemoSeed.SecretAccessKey, server.Region);
            try
            {
                using var response = await Raw.Client.SendAsync(message);
                string text = await response.Content.ReadAsStringAsync();
                return ((int)response.StatusCode).ToString();
            }
            catch (HttpRequestException)
            {
                return "dropped";
            }
        }

        [Fact]
        public async Task Throttles_server_errors_and_drops_surface_through_the_SDK()
        {
            await using var server = await EmulatorServer.StartAsync(WithFaults(f => f["throttleRate"] = 1.0));
            using (var ec2 = Sdk.Client(server))
            {
                var ex = await Sdk.Fails(() => Ops.Usage(ec2, DemoSeed.SourceReservationId));
                Assert.Equal("RequestLimitExceeded", ex.ErrorCode);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
            }
            server.Reset(WithFaults(f => f["serverErrorRate"] = 1.0));
            using (var ec2 = Sdk.Client(server))
            {
                var ex = await Sdk.Fails(() => Ops.Usage(ec2, DemoSeed.SourceReservationId));
                Assert.Equal("InternalError", ex.ErrorCode);
                Assert.Equal(HttpStatusCode.InternalServerError, ex.StatusCode);
            }
            server.Reset(WithFaults(f => f["dropRate"] = 1.0));
            using (var ec2 = Sdk.Client(server))
            {
                var ex = await Assert.ThrowsAnyAsync<Exception>(() => Ops.Usage(ec2, DemoSeed.SourceReservationId));
                Assert.IsNotType<Amazon.EC2.AmazonEC2Exception>(ex);
                Assert.Contains(server.GetJournal(), e => e.ErrorCode == "ConnectionDropped" && e.HttpStatus == 0 && e.RequestId == null);
            }
        }

        [Fact]
        public async Task The_SDK_retries_a_throttle_to_success()
        {
            int seed = FaultSeeds.Find(3, d => d[0][FaultSeeds.Throttle] < 0.5 && d[1][FaultSeeds.Throttle] < 0.5 && d[2][FaultSeeds.Throttle] >= 0.5);
            await using var server = await EmulatorServer.StartAsync(WithFaults(f =>
            {
                f["seed"] = seed;
                f["throttleRate"] = 0.5;
            }));
            using var ec2 = Sdk.Client(server, maxErrorRetry: 4);
            var usage = await Ops.Usage(ec2, DemoSeed.SourceReservationId);
            Assert.Equal(10, usage.TotalInstanceCount);
            Assert.Equal(new[] { 503, 503, 200 }, server.GetJournal().Select(e => e.HttpStatus));
        }

        [Fact]
        public async Task DropAfterCommit_applies_the_action_then_closes_the_connection()
        {
            await using var server = await EmulatorServer.StartAsync(WithFaults(f => f["dropAfterCommitRate"] = 1.0));
            byte[] body = Encoding.UTF8.GetBytes(Raw.Form(("Action", "CancelCapacityReservation"), ("Version", "2016-11-15"),
                ("CapacityReservationId", DemoSeed.AssessingReservationId)));
            await Assert.ThrowsAsync<HttpRequestException>(() => Raw.SendAsync(server, body));
            Assert.Equal("cancelled", (string)State.Reservation(server, DemoSeed.AssessingReservationId)["state"]);
            var entry = server.GetJournal().Single();
            Assert.Equal("DroppedAfterCommit", entry.ErrorCode);
            Assert.Equal(0, entry.HttpStatus);
            Assert.Equal("CancelCapacityReservation", entry.Action);
        }

        [Fact]
        public async Task Faults_are_deterministic_for_a_seed()
        {
            string seed = WithFaults(f =>
            {
                f["seed"] = 1234;
                f["throttleRate"] = 0.25;
                f["serverErrorRate"] = 0.2;
                f["dropRate"] = 0.15;
                f["dropAfterCommitRate"] = 0.1;
            });
            await using var server = await EmulatorServer.StartAsync(seed);

            async Task<List<string>> Run()
            {
                var outcomes = new List<string>();
                for (int i = 0; i < 40; i++) outcomes.Add(await Outcome(server));
                return outcomes;
            }

            var first = await Run();
            var firstJournal = server.GetJournal().Select(e => e.HttpStatus + "/" + e.ErrorCode).ToList();
            server.Reset(seed);
            var second = await Run();
            Assert.Equal(first, second);
            Assert.Equal(firstJournal, server.GetJournal().Select(e => e.HttpStatus + "/" + e.ErrorCode).ToList());
            Assert.Contains("503", first);
            Assert.Contains("500", first);
            Assert.Contains("200", first);
            Assert.Contains("dropped", first);
            Assert.Contains(firstJournal, j => j == "0/DroppedAfterCommit");
            Assert.Contains(firstJournal, j => j == "0/ConnectionDropped");

            // the expected outcomes follow from the documented draw order
            var draws = FaultSeeds.Draws(1234, 40);
            var expected = draws.Select(d => d[0] < 0.25 ? "503" : d[1] < 0.2 ? "500" : d[2] < 0.15 || d[3] < 0.1 ? "dropped" : "200").ToList();
            Assert.Equal(expected, first);

            server.Reset(seed.Replace("\"seed\":1234", "\"seed\":4321"));
            Assert.NotEqual(first, await Run());
        }

        [Fact]
        public async Task Latency_delays_every_EC2_request_and_a_client_abort_leaves_nothing_half_done()
        {
            await using (var server = await EmulatorServer.StartAsync(WithFaults(f => f["latencyMs"] = 300)))
            {
                using var ec2 = Sdk.Client(server);
                var sw = Stopwatch.StartNew();
                await Ops.Usage(ec2, DemoSeed.SourceReservationId);
                Assert.True(sw.ElapsedMilliseconds >= 290, "took " + sw.ElapsedMilliseconds + " ms");
                sw.Restart();
                Assert.Equal(200, (await Raw.GetAsync(server, "/_emulator/state")).Status);
                Assert.True(sw.ElapsedMilliseconds < 290, "admin route took " + sw.ElapsedMilliseconds + " ms");
            }

            var slow = await EmulatorServer.StartAsync(WithFaults(f => f["latencyMs"] = 30000));
            using (var ec2 = Sdk.Client(slow))
            using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
            {
                var sw = Stopwatch.StartNew();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                    ec2.CancelCapacityReservationAsync(new Amazon.EC2.Model.CancelCapacityReservationRequest { CapacityReservationId = DemoSeed.AssessingReservationId }, cts.Token));
                Assert.True(sw.ElapsedMilliseconds < 5000);
            }
            Assert.Equal("assessing", (string)State.Reservation(slow, DemoSeed.AssessingReservationId)["state"]);
            var stop = Stopwatch.StartNew();
            await slow.DisposeAsync(); // does not wait for the 30 s delay
            Assert.True(stop.ElapsedMilliseconds < 5000, "dispose took " + stop.ElapsedMilliseconds + " ms");
        }
    }
}
