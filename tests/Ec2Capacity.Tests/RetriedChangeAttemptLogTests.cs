using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Xunit;

namespace Ec2Capacity.Tests
{
    /// <summary>
    /// The attempt log (<see cref="RequestAttempts"/>) of clients built by <see cref="Ec2ClientCache"/>: one entry per
    /// attempt the SDK sends, how each ended, per request object. Checked against the emulator's journal (one entry per
    /// request that reached it) under faults from fixed seeds.
    /// </summary>
    public sealed class RetriedChangeAttemptLogTests : IClassFixture<CapacityEmulatorFixture>
    {
        /// <summary>throttle/server error/drop/dropAfterCommit rates 0.25 each: requests 1–5 throttled, server error, dropped, dropped after commit, answered.</summary>
        private const int OneOfEachFault = 194;
        /// <summary>dropAfterCommitRate 0.5: requests 1 and 2 lose their answers, 3 and 4 are answered.</summary>
        private const int FirstTwoLost = 4;

        private static readonly string Target = CapacitySeed.Cr(0xe4);
        private readonly CapacityEmulatorFixture _fixture;

        public RetriedChangeAttemptLogTests(CapacityEmulatorFixture fixture) => _fixture = fixture;

        private CapacityEmulator Start(int faultSeed, double throttleRate = 0, double serverErrorRate = 0, double dropRate = 0, double dropAfterCommitRate = 0) =>
            new CapacityEmulator(_fixture, new CapacitySeed().Reservation(Target, total: 4, used: 1)
                .Faults(faultSeed, throttleRate: throttleRate, serverErrorRate: serverErrorRate, dropRate: dropRate, dropAfterCommitRate: dropAfterCommitRate));

        private static GetCapacityReservationUsageRequest Read(string id = null) => new GetCapacityReservationUsageRequest { CapacityReservationId = id ?? Target };

        [Fact]
        public async Task Every_attempt_is_counted_with_how_it_ended()
        {
            var emulator = Start(OneOfEachFault, 0.25, 0.25, 0.25, 0.25);
            var client = emulator.Client(maxErrorRetry: 4);
            var request = Read();

            await client.GetCapacityReservationUsageAsync(request);

            Assert.Equal(new[] { "RequestLimitExceeded", "InternalError", "ConnectionDropped", "DroppedAfterCommit", null },
                emulator.Journal().Select(e => e.ErrorCode).ToArray());
            var log = RequestAttempts.For(request);
            Assert.Equal(5, log.Count);
            Assert.Equal(new[] { AttemptOutcome.Throttled, AttemptOutcome.ServerError, AttemptOutcome.NoAnswer, AttemptOutcome.NoAnswer, AttemptOutcome.Succeeded },
                log.Outcomes.ToArray());
            Assert.True(log.AnyOutcomeUnknown);
            Assert.Equal("5 attempts: Throttled, ServerError, NoAnswer, NoAnswer, Succeeded", log.ToString());
        }

        [Fact]
        public async Task A_request_answered_at_once_has_one_known_attempt_and_each_request_object_has_its_own_log()
        {
            var emulator = Start(1);
            var client = emulator.Client();
            var first = Read();
            var refused = Read(CapacitySeed.Cr(0xee));

            await client.GetCapacityReservationUsageAsync(first);
            await Assert.ThrowsAnyAsync<AmazonEC2Exception>(() => client.GetCapacityReservationUsageAsync(refused));

            Assert.Equal(2, emulator.Journal().Count);
            var ok = RequestAttempts.For(first);
            Assert.Equal(1, ok.Count);
            Assert.Equal(AttemptOutcome.Succeeded, ok.Outcomes.Single());
            Assert.False(ok.AnyOutcomeUnknown);
            var no = RequestAttempts.For(refused);
            Assert.Equal(AttemptOutcome.Refused, no.Outcomes.Single());
            Assert.False(no.AnyOutcomeUnknown);
        }

        [Fact]
        public async Task A_lost_connection_is_retried_within_MaxErrorRetry_like_any_transient_failure()
        {
            // AWSSDK.Core would resend after a reset connection up to ten more times without counting them ("stale
            // pooled connection"); our clients turn that off, so MaxErrorRetry 1 means two attempts in all.
            var emulator = Start(FirstTwoLost, dropAfterCommitRate: 0.5);
            var client = emulator.Client(maxErrorRetry: 1);
            var request = Read();

            await Assert.ThrowsAnyAsync<System.Exception>(() => client.GetCapacityReservationUsageAsync(request));

            Assert.Equal(new[] { "DroppedAfterCommit", "DroppedAfterCommit" }, emulator.Journal().Select(e => e.ErrorCode).ToArray());
            var log = RequestAttempts.For(request);
            Assert.Equal(new[] { AttemptOutcome.NoAnswer, AttemptOutcome.NoAnswer }, log.Outcomes.ToArray());
        }

        [Fact]
        public async Task When_the_SDK_gives_up_every_attempt_is_still_logged()
        {
            var emulator = Start(1, dropAfterCommitRate: 1.0); // every answer lost
            var client = emulator.Client(maxErrorRetry: 2);
            var request = Read();

            await Assert.ThrowsAnyAsync<System.Exception>(() => client.GetCapacityReservationUsageAsync(request));

            var log = RequestAttempts.For(request);
            Assert.Equal(3, log.Count);
            Assert.Equal(emulator.Journal().Count, log.Count);
            Assert.All(log.Outcomes, o => Assert.Equal(AttemptOutcome.NoAnswer, o));
            Assert.All(emulator.Journal(), e => Assert.Equal("DroppedAfterCommit", e.ErrorCode));
        }

        [Fact]
        public async Task Requests_not_sent_through_a_cache_built_client_have_no_log()
        {
            var emulator = Start(1);
            Assert.Null(RequestAttempts.For(Read()));

            var request = Read();
            await RetriedChangeCancelTests.RawClient(emulator).GetCapacityReservationUsageAsync(request);
            Assert.Single(emulator.Journal());
            Assert.Null(RequestAttempts.For(request));
        }

        [Fact]
        public void The_recorder_sits_just_inside_the_SDK_retry_handler_and_the_retry_quota_is_off_by_default()
        {
            Assert.False(Ec2ClientSettings.Default.UseRetryQuota);
            var connection = ResolvedConnection.Create(new BasicAWSCredentials(CapacityEmulator.AccessKey, CapacityEmulator.SecretKey), "eu-west-1", "http://127.0.0.1:9/", "test");
            var client = Ec2ClientCache.CreateClient(connection, Ec2ClientSettings.Default);
            Assert.False(((AmazonEC2Config)client.Config).ThrottleRetries);

            var pipeline = (RuntimePipeline)typeof(AmazonServiceClient).GetProperty("RuntimePipeline", BindingFlags.Instance | BindingFlags.NonPublic).GetValue(client);
            var handlers = pipeline.Handlers;
            int retry = handlers.FindIndex(h => h is RetryHandler);
            Assert.True(retry >= 0);
            Assert.Equal("AttemptRecorder", handlers[retry + 1].GetType().Name);
            Assert.Single(handlers, h => h.GetType().Name == "AttemptRecorder");
        }
    }
}
