using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using Amazon.EC2;
using Ec2Capacity.Emulator;
using Xunit;

namespace Ec2Capacity.Emulator.Tests
{
    public class AuthTests
    {
        private static async Task AssertAuthFailure(EmulatorServer server, AmazonEC2Client ec2)
        {
            var ex = await Sdk.Fails(() => Ops.Usage(ec2, DemoSeed.SourceReservationId));
            Assert.Equal("AuthFailure", ex.ErrorCode);
            Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
            Assert.Equal("AWS was not able to validate the provided access credentials", ex.Message);
            Assert.False(string.IsNullOrEmpty(ex.RequestId));
            Assert.Equal("AuthFailure", server.GetJournal().Last().ErrorCode);
        }

        [Fact]
        public async Task A_wrong_secret_is_AuthFailure()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server, DemoSeed.AccessKeyId, "not-the-secret");
            await AssertAuthFailure(server, ec2);
            Assert.Equal(DemoSeed.AccessKeyId, server.GetJournal().Last().AccessKeyId);
        }

        [Fact]
        public async Task An_unknown_key_is_AuthFailure()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server, "AKIAUNKNOWNKEY000000", DemoSeed.SecretAccessKey);
            await AssertAuthFailure(server, ec2);
        }

        [Fact]
        public async Task Signing_for_another_region_is_AuthFailure()
        {
            await using var server = await EmulatorServer.StartAsync();
            using var ec2 = Sdk.Client(server, region: "eu-west-1");
            await AssertAuthFailure(server, ec2);
        }

        [Fact]
        public async Task Session_credentials_need_the_right_token()
        {
            await using var server = await EmulatorServer.StartAsync();
            using (var noToken = Sdk.Client(server, DemoSeed.SessionAccessKeyId, DemoSeed.SessionSecretAccessKey))
                await AssertAuthFailure(server, noToken);
            using (var wrongToken = Sdk.Client(server, DemoSeed.SessionAccessKeyId, DemoSeed.SessionSecretAccessKey, "wrong-token"))
                await AssertAuthFailure(server, wrongToken);
            using (var tokenForLongTermKey = Sdk.Client(server, DemoSeed.AccessKeyId, DemoSeed.SecretAccessKey, DemoSeed.SessionToken))
                await AssertAuthFailure(server, tokenForLongTermKey);
            using var good = Sdk.Client(server, DemoSeed.SessionAccessKeyId, DemoSeed.SessionSecretAccessKey, DemoSeed.SessionToken);
            var usage = await Ops.Usage(good, DemoSeed.SourceReservationId);
            Assert.Equal(DemoSeed.SourceReservationId, usage.CapacityReservationId);
            Assert.DoesNotContain(server.GetJournal(), e => e.Parameters.Values.Any(v => v.Contains(DemoSeed.SessionToken)));
        }

        [Fact]
        public async Task Unsigned_and_tampered_requests_are_AuthFailure()
        {
            await using var server = await EmulatorServer.StartAsync();
            byte[] body = Encoding.UTF8.GetBytes(Raw.Form(("Action", "CancelCapacityReservation"), ("Version", "2016-11-15"),
                ("CapacityReservationId", DemoSeed.AssessingReservationId)));
            var unsigned = await Raw.SendAsync(server, body, sign: false);
            Assert.Equal(401, unsigned.Status);
            Assert.Equal("AuthFailure", unsigned.ErrorCode);
            Assert.StartsWith("text/xml", unsigned.ContentType);

            // signed for one body, sent with another
            using var message = new HttpRequestMessage(HttpMethod.Post, server.BaseUri);
            byte[] other = Encoding.UTF8.GetBytes(Raw.Form(("Action", "CancelCapacityReservation"), ("Version", "2016-11-15"),
                ("CapacityReservationId", DemoSeed.DelayedReservationId)));
            message.Content = new ByteArrayContent(other);
            message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
            SigV4Signer.Sign(message, body, DemoSeed.AccessKeyId, DemoSeed.SecretAccessKey, server.Region);
            using var response = await Raw.Client.SendAsync(message);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("<Code>AuthFailure</Code>", await response.Content.ReadAsStringAsync());

            Assert.Equal("assessing", (string)State.Reservation(server, DemoSeed.AssessingReservationId)["state"]);
            Assert.Equal("delayed", (string)State.Reservation(server, DemoSeed.DelayedReservationId)["state"]);

            var signed = await Raw.SendAsync(server, body);
            Assert.Equal(200, signed.Status);
            Assert.Equal("true", signed.Value("return"));
        }

        [Fact]
        public async Task An_action_outside_allowedActions_is_UnauthorizedOperation_also_under_DryRun()
        {
            await using var server = await EmulatorServer.StartAsync();
            string before = server.GetStateJson();
            using var reader = Sdk.Client(server, DemoSeed.ReadOnlyAccessKeyId, DemoSeed.ReadOnlySecretAccessKey);

            var usage = await Ops.Usage(reader, DemoSeed.SourceReservationId);
            Assert.Equal(10, usage.TotalInstanceCount);
            var allowed = await Sdk.Fails(() => Ops.Usage(reader, DemoSeed.SourceReservationId, dryRun: true));
            Assert.Equal("DryRunOperation", allowed.ErrorCode);

            foreach (bool dryRun in new[] { false, true })
            {
                var calls = new System.Func<Task>[]
                {
                    () => Ops.Create(reader, DemoSeed.SourceReservationId, 1, dryRun: dryRun),
                    () => Ops.Update(reader, DemoSeed.SourceWithAllocationId, 1, dryRun: dryRun),
                    () => Ops.Cancel(reader, DemoSeed.AssessingReservationId, dryRun: dryRun),
                    () => Ops.CreditsWithToken(reader, null, "unlimited", new[] { "i-0123456789abcdef0" }, dryRun),
                    () => Ops.Create(reader, "cr-bad", 1, dryRun: dryRun), // permission is checked before parameters
                };
                foreach (var call in calls)
                {
                    var ex = await Sdk.Fails(call);
                    Assert.Equal("UnauthorizedOperation", ex.ErrorCode);
                    Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
                    Assert.Equal("You are not authorized to perform this operation.", ex.Message);
                }
            }
            Assert.Equal(before, server.GetStateJson());
            Assert.Equal(5, server.GetJournal().Count(e => e.DryRun && e.ErrorCode == "UnauthorizedOperation"));
        }
    }
}
