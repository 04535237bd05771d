using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;
using Ec2Capacity.Emulator;
using Ec2Capacity.Tests.Infrastructure;
using Xunit;

namespace Ec2Capacity.Tests
{
    /// <summary>Resolver → client cache → service → emulator, as a cmdlet chains them.</summary>
    public class ConnectionEndToEndTests : IClassFixture<EmulatorFixture>
    {
        private readonly EmulatorFixture _emulator;

        public ConnectionEndToEndTests(EmulatorFixture emulator)
        {
            _emulator = emulator;
            _emulator.Reset();
        }

        private async Task<Ec2Capacity.CapacityReservationUsage> ReadThrough(ResolvedConnection connection, Ec2ClientCache cache)
        {
            var context = new Ec2Context(cache.GetClient(connection), connection.RegionName);
            return await new CapacityReservationUsageService(context).GetAsync(DemoSeed.SourceReservationId, null, CancellationToken.None);
        }

        [Fact]
        public async Task Environment_keys_and_EndpointUrl_reach_the_emulator_signed_for_the_resolved_region()
        {
            using var box = new ProfileSandbox()
                .Env("AWS_ACCESS_KEY_ID", DemoSeed.AccessKeyId).Env("AWS_SECRET_ACCESS_KEY", DemoSeed.SecretAccessKey).Env("AWS_REGION", DemoSeed.Region);
            var connection = box.Resolve(new ConnectionOptions { EndpointUrl = _emulator.EndpointUrl });
            var cache = new Ec2ClientCache(EmulatorFixture.FastSettings);
            Assert.Equal(4, (await ReadThrough(connection, cache)).UsedInstanceCount);
            Assert.Equal(4, (await ReadThrough(box.Resolve(new ConnectionOptions { EndpointUrl = _emulator.EndpointUrl }), cache)).UsedInstanceCount);
            Assert.Equal(1, cache.ClientCount);
            var request = Assert.Single(_emulator.Journal, r => r.Sequence == 1);
            Assert.Equal(DemoSeed.AccessKeyId, request.AccessKeyId);
        }

        [Fact]
        public async Task A_profile_with_a_session_token_works_end_to_end()
        {
            using var box = new ProfileSandbox().Credentials(
                $"[emu]\naws_access_key_id = {DemoSeed.SessionAccessKeyId}\naws_secret_access_key = {DemoSeed.SessionSecretAccessKey}\naws_session_token = {DemoSeed.SessionToken}\nregion = {DemoSeed.Region}\n");
            var connection = box.Resolve(new ConnectionOptions { ProfileName = "emu", EndpointUrl = _emulator.EndpointUrl });
            Assert.Equal(4, (await ReadThrough(connection, new Ec2ClientCache(EmulatorFixture.FastSettings))).UsedInstanceCount);
            Assert.Equal(DemoSeed.SessionAccessKeyId, Assert.Single(_emulator.Journal).AccessKeyId);
        }

        [Fact]
        public async Task An_AWS_Tools_session_made_with_another_AWSSDK_Core_signs_correctly()
        {
            using var box = new ProfileSandbox();
            var stored = new AWSPSCredentials(ForeignSdk.Session(DemoSeed.SessionAccessKeyId, DemoSeed.SessionSecretAccessKey, DemoSeed.SessionToken),
                "emulator", StandInCredentialsSource.Session);
            var connection = box.Resolve(new ConnectionOptions { StoredCredentials = stored, StoredRegion = DemoSeed.Region, EndpointUrl = _emulator.EndpointUrl });
            Assert.Equal(4, (await ReadThrough(connection, new Ec2ClientCache(EmulatorFixture.FastSettings))).UsedInstanceCount);
        }

        [Fact]
        public async Task The_wrong_region_for_the_endpoint_is_rejected_by_the_signature_check()
        {
            using var box = new ProfileSandbox();
            var connection = box.Resolve(new ConnectionOptions
            {
                AccessKey = DemoSeed.AccessKeyId, SecretKey = DemoSeed.SecretAccessKey, Region = "eu-west-1", EndpointUrl = _emulator.EndpointUrl,
            });
            var e = await Assert.ThrowsAsync<Ec2OperationException>(() => ReadThrough(connection, new Ec2ClientCache(EmulatorFixture.FastSettings)));
            Assert.Equal("AuthFailure", e.Failure.ErrorCode);
        }
    }
}
