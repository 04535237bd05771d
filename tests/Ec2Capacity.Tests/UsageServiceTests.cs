using System.Management.Automation;
using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Ec2Capacity.Emulator;
using Ec2Capacity.Tests.Infrastructure;
using Xunit;

namespace Ec2Capacity.Tests
{
    /// <summary>CapacityReservationUsageService through the real AmazonEC2Client against the emulator.</summary>
    public class UsageServiceTests : IClassFixture<EmulatorFixture>
    {
        private const string Action = "GetCapacityReservationUsage";
        private readonly EmulatorFixture _emulator;

        public UsageServiceTests(EmulatorFixture emulator)
        {
            _emulator = emulator;
            _emulator.Reset();
        }

        private CapacityReservationUsageService Service(ResolvedConnection connection = null, ConcurrentQueue<string> verbose = null) =>
            new CapacityReservationUsageService(_emulator.Context(connection, verbose));

        [Fact]
        public async Task Reads_one_reservation_into_the_module_type()
        {
            var verbose = new ConcurrentQueue<string>();
            var usage = await Service(verbose: verbose).GetAsync(DemoSeed.SourceReservationId, null, CancellationToken.None);

            Assert.Equal(DemoSeed.SourceReservationId, usage.CapacityReservationId);
            Assert.Equal("m5.large", usage.InstanceType);
            Assert.Equal(10, usage.TotalInstanceCount);
            Assert.Equal(6, usage.AvailableInstanceCount);
            Assert.Equal(4, usage.UsedInstanceCount);
            Assert.Equal("active", usage.State);
            Assert.Equal(new[] { ("123456789012", 3), ("111122223333", 1) }, usage.InstanceUsages.Select(u => (u.AccountId, u.UsedInstanceCount)));
            Assert.False(usage.Interruptible);
            Assert.Null(usage.InterruptibleCapacityAllocation);
            Assert.Null(usage.InterruptionInfo);
            Assert.Equal(DemoSeed.Region, usage.Region);

            var request = Assert.Single(_emulator.Journal);
            Assert.Equal(Action, request.Action);
            Assert.False(request.DryRun);
            Assert.Equal(200, request.HttpStatus);
            Assert.False(request.Parameters.ContainsKey("MaxResults"));
            Assert.Contains(verbose, line => line.Contains("page 1") && line.Contains(DemoSeed.SourceReservationId));
        }

        [Fact]
        public async Task The_interruptible_fields_are_typed_objects()
        {
            var source = await Service().GetAsync(DemoSeed.SourceWithAllocationId, null, CancellationToken.None);
            var allocation = Assert.IsType<InterruptibleAllocationInfo>(source.InterruptibleCapacityAllocation);
            Assert.Equal(DemoSeed.InterruptibleReservationId, allocation.InterruptibleCapacityReservationId);
            Assert.Equal(4, allocation.InstanceCount);
            Assert.Equal(4, allocation.TargetInstanceCount);
            Assert.Equal("active", allocation.Status);
            Assert.Equal("retain", allocation.ZeroSizePreference);
            Assert.Equal("adhoc", allocation.InterruptionType);

            var lent = await Service().GetAsync(DemoSeed.InterruptibleReservationId, null, CancellationToken.None);
            Assert.True(lent.Interruptible);
            Assert.Equal(DemoSeed.SourceWithAllocationId, lent.InterruptionInfo.SourceCapacityReservationId);
            Assert.Equal("adhoc", lent.InterruptionInfo.InterruptionType);
        }

        [Theory]
        [InlineData(10, 3)]
        [InlineData(7, 4)]
        [InlineData(1, 25)]
        [InlineData(25, 1)]
        [InlineData(1000, 1)]
        public async Task Follows_NextToken_to_the_end_and_merges_all_pages(int pageSize, int expectedRequests)
        {
            var usage = await Service().GetAsync(DemoSeed.SharedReservationId, pageSize, CancellationToken.None);

            Assert.Equal(25, usage.InstanceUsages.Length);
            Assert.Equal(25, usage.InstanceUsages.Select(u => u.AccountId).Distinct().Count());
            Assert.Equal(50, usage.UsedInstanceCount);
            Assert.Equal(60, usage.TotalInstanceCount);
            Assert.Equal("r5.large", usage.InstanceType);

            var requests = _emulator.Requests(Action);
            Assert.Equal(expectedRequests, requests.Count);
            Assert.All(requests, r => Assert.Equal(pageSize.ToString(), r.Parameters["MaxResults"]));
            Assert.False(requests[0].Parameters.ContainsKey("NextToken"));
            Assert.All(requests.Skip(1), r => Assert.False(string.IsNullOrEmpty(r.Parameters["NextToken"])));
            Assert.Equal(requests.Count - 1, requests.Skip(1).Select(r => r.Parameters["NextToken"]).Distinct().Count());
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("  ")]
        [InlineData("cr-123")]
        [InlineData("cr-0123456789ABCDEF0")]
        [InlineData("CR-0123456789abcdef0")]
        [InlineData("i-0123456789abcdef0")]
        [InlineData("cr-0123456789abcdef0&Action=CancelCapacityReservation")]
        [InlineData("cr-0123456789abcdef0\n")]
        [InlineData("cr-0123456789abcd\u0435f0")]
        [InlineData("cr-0123456789abcdef0=")]
        [InlineData("cr-0123456789abcdef0%00")]
        public async Task Malformed_ids_are_refused_before_any_request(string id)
        {
            var e = await Assert.ThrowsAsync<InputValidationException>(() => Service().GetAsync(id, null, CancellationToken.None));
            Assert.Equal("CapacityReservationId", e.ParamName);
            Assert.Contains("'cr-' followed by 17 lowercase hexadecimal characters", e.Message);
            await Assert.ThrowsAsync<InputValidationException>(() => Service().DryRunAsync(id, CancellationToken.None));
            Assert.Empty(_emulator.Journal);
        }

        [Fact]
        public async Task An_unknown_id_is_ObjectNotFound_from_EC2()
        {
            const string unknown = "cr-0123456789abcdeff";
            var e = await Assert.ThrowsAsync<Ec2OperationException>(() => Service().GetAsync(unknown, null, CancellationToken.None));
            Assert.Equal(ErrorCategory.ObjectNotFound, e.Failure.Category);
            Assert.Equal("InvalidCapacityReservationId.NotFound", e.Failure.ErrorCode);
            Assert.Equal(unknown, e.Failure.TargetId);
            Assert.Equal(400, e.Failure.HttpStatus);
            var request = Assert.Single(_emulator.Journal);
            Assert.Equal(request.RequestId, e.Failure.RequestId);
            Assert.Contains("request ID " + request.RequestId, e.Message);
        }

        [Fact]
        public async Task A_wrong_secret_is_an_AuthenticationError()
        {
            var connection = _emulator.Connection(secretAccessKey: "not-the-right-secret-000000000000000000001");
            var e = await Assert.ThrowsAsync<Ec2OperationException>(() => Service(connection).GetAsync(DemoSeed.SourceReservationId, null, CancellationToken.None));
            Assert.Equal(ErrorCategory.AuthenticationError, e.Failure.Category);
            Assert.Equal("AuthFailure", e.Failure.ErrorCode);
            Assert.DoesNotContain("not-the-right-secret", e.ToString());
            var request = Assert.Single(_emulator.Journal);
            Assert.Equal(401, request.HttpStatus);
            Assert.Equal(DemoSeed.AccessKeyId, request.AccessKeyId);
        }

        [Fact]
        public async Task Signing_for_another_region_than_the_endpoints_is_rejected()
        {
            // AuthenticationRegion is the resolved region: signing for eu-west-1 against a us-east-1 endpoint fails.
            var connection = _emulator.Connection(region: "eu-west-1");
            var e = await Assert.ThrowsAsync<Ec2OperationException>(() => Service(connection).GetAsync(DemoSeed.SourceReservationId, null, CancellationToken.None));
            Assert.Equal(ErrorCategory.AuthenticationError, e.Failure.Category);
        }

        [Fact]
        public async Task Session_credentials_sign_with_their_token()
        {
            var good = _emulator.Connection(DemoSeed.SessionAccessKeyId, DemoSeed.SessionSecretAccessKey, DemoSeed.SessionToken);
            Assert.Equal(4, (await Service(good).GetAsync(DemoSeed.SourceReservationId, null, CancellationToken.None)).UsedInstanceCount);

            var wrongToken = _emulator.Connection(DemoSeed.SessionAccessKeyId, DemoSeed.SessionSecretAccessKey, "not-the-token");
            var e = await Assert.ThrowsAsync<Ec2OperationException>(() => Service(wrongToken).GetAsync(DemoSeed.SourceReservationId, null, CancellationToken.None));
            Assert.Equal(ErrorCategory.AuthenticationError, e.Failure.Category);
        }

        [Fact]
        public async Task A_missing_permission_is_PermissionDenied()
        {
            _emulator.Reset(SeedBuilder.Demo().Account("210987654321", "AKIANOUSAGE000000001", "no-usage-secret-000000000000000000000001", null, "CancelCapacityReservation").Json());
            var connection = _emulator.Connection("AKIANOUSAGE000000001", "no-usage-secret-000000000000000000000001");
            var e = await Assert.ThrowsAsync<Ec2OperationException>(() => Service(connection).GetAsync(DemoSeed.SourceReservationId, null, CancellationToken.None));
            Assert.Equal(ErrorCategory.PermissionDenied, e.Failure.Category);
            Assert.Equal("UnauthorizedOperation", e.Failure.ErrorCode);
            Assert.Equal(403, Assert.Single(_emulator.Journal).HttpStatus);
        }

        [Fact]
        public async Task Throttles_are_retried_to_success()
        {
            _emulator.Reset(SeedBuilder.Demo().Faults(throttleRate: 0.3, seed: 11).Json());
            var service = Service();
            for (int i = 0; i < 30; i++)
            {
                var usage = await service.GetAsync(DemoSeed.SharedReservationId, 10, CancellationToken.None);
                Assert.Equal(50, usage.UsedInstanceCount);
            }
            var journal = _emulator.Journal;
            var throttled = journal.Count(r => r.ErrorCode == "RequestLimitExceeded");
            Assert.True(throttled >= 10, $"only {throttled} throttles in {journal.Count} requests");
            Assert.All(journal.Where(r => r.ErrorCode == "RequestLimitExceeded"), r => Assert.Equal(503, r.HttpStatus));
            Assert.Equal(90, journal.Count(r => r.HttpStatus == 200));
        }

        [Fact]
        public async Task Persistent_server_errors_are_retried_then_classified()
        {
            _emulator.Reset(SeedBuilder.Demo().Faults(serverErrorRate: 1.0).Json());
            var e = await Assert.ThrowsAsync<Ec2OperationException>(() => Service().GetAsync(DemoSeed.SourceReservationId, null, CancellationToken.None));
            Assert.Equal(ErrorCategory.ResourceUnavailable, e.Failure.Category);
            Assert.Equal("InternalError", e.Failure.ErrorCode);
            Assert.Equal(500, e.Failure.HttpStatus);
            Assert.Equal(EmulatorFixture.FastSettings.MaxAttempts, _emulator.Journal.Count);
        }

        [Fact]
        public async Task Persistent_throttling_ends_as_LimitsExceeded()
        {
            _emulator.Reset(SeedBuilder.Demo().Faults(throttleRate: 1.0).Json());
            var e = await Assert.ThrowsAsync<Ec2OperationException>(() => Service().GetAsync(DemoSeed.SourceReservationId, null, CancellationToken.None));
            Assert.Equal(ErrorCategory.LimitsExceeded, e.Failure.Category);
            Assert.Equal("RequestLimitExceeded", e.Failure.ErrorCode);
            Assert.Equal(EmulatorFixture.FastSettings.MaxAttempts, _emulator.Journal.Count);
        }

        [Fact]
        public async Task Dropped_connections_are_retried_then_a_ConnectionError()
        {
            _emulator.Reset(SeedBuilder.Demo().Faults(dropRate: 1.0).Json());
            var e = await Assert.ThrowsAsync<Ec2OperationException>(() => Service().GetAsync(DemoSeed.SourceReservationId, null, CancellationToken.None));
            Assert.Equal(ErrorCategory.ConnectionError, e.Failure.Category);
            Assert.Equal(DemoSeed.SourceReservationId, e.Failure.TargetId);
            Assert.True(_emulator.Journal.Count > 1, "a dropped connection is retried");
        }

        [Fact]
        public async Task Cancelling_a_slow_request_returns_within_a_second_as_OperationStopped()
        {
            _emulator.Reset(SeedBuilder.Demo().Faults(latencyMs: 5000).Json());
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            var watch = Stopwatch.StartNew();
            var e = await Assert.ThrowsAsync<Ec2OperationException>(() => Service().GetAsync(DemoSeed.SourceReservationId, null, cts.Token));
            watch.Stop();
            Assert.Equal(ErrorCategory.OperationStopped, e.Failure.Category);
            // Far below the 5 s the emulator waits; the 1-second figure is measured by the reliability suite.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2.5), watch.Elapsed.ToString());
        }

        [Fact]
        public async Task An_answer_slower_than_the_timeout_is_retried_then_OperationTimeout()
        {
            _emulator.Reset(SeedBuilder.Demo().Faults(latencyMs: 3000).Json());
            var settings = EmulatorFixture.FastSettings;
            settings.MaxAttempts = 2;
            settings.Timeout = TimeSpan.FromMilliseconds(300);
            var service = new CapacityReservationUsageService(_emulator.Context(settings: settings));
            var watch = Stopwatch.StartNew();
            var e = await Assert.ThrowsAsync<Ec2OperationException>(() => service.GetAsync(DemoSeed.SourceReservationId, null, CancellationToken.None));
            Assert.Equal(ErrorCategory.OperationTimeout, e.Failure.Category);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2.5), watch.Elapsed.ToString());
        }

        [Fact]
        public async Task A_NextToken_loop_is_cut_short_as_InvalidResult()
        {
            var fake = FakeEc2.Usage(request => new Amazon.EC2.Model.GetCapacityReservationUsageResponse
            {
                CapacityReservationId = request.CapacityReservationId,
                InstanceUsages = new System.Collections.Generic.List<Amazon.EC2.Model.InstanceUsage> { new Amazon.EC2.Model.InstanceUsage { AccountId = "123456789012", UsedInstanceCount = 1 } },
                NextToken = request.NextToken == null ? "A" : request.NextToken == "A" ? "B" : "A",
            });
            var service = new CapacityReservationUsageService(new Ec2Context(fake.Client, "us-east-1"));
            var e = await Assert.ThrowsAsync<Ec2OperationException>(() => service.GetAsync(DemoSeed.SourceReservationId, null, CancellationToken.None));
            Assert.Equal(ErrorCategory.InvalidResult, e.Failure.Category);
            Assert.Equal("NextTokenLoop", e.Failure.ErrorCode);
            Assert.Equal(3, fake.Calls);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task A_one_page_answer_skips_empty_entries_with_or_without_a_verbose_receiver(bool withVerbose)
        {
            var fake = FakeEc2.Usage(request => new Amazon.EC2.Model.GetCapacityReservationUsageResponse
            {
                CapacityReservationId = request.CapacityReservationId,
                InstanceUsages = new System.Collections.Generic.List<Amazon.EC2.Model.InstanceUsage>
                {
                    new Amazon.EC2.Model.InstanceUsage { AccountId = "123456789012", UsedInstanceCount = 2 },
                    null,
                    new Amazon.EC2.Model.InstanceUsage { AccountId = "111122223333" },
                },
            });
            var verbose = new ConcurrentQueue<string>();
            var service = new CapacityReservationUsageService(new Ec2Context(fake.Client, "us-east-1", withVerbose ? verbose.Enqueue : (Action<string>)null));
            var usage = await service.GetAsync(DemoSeed.SourceReservationId, null, CancellationToken.None);

            Assert.Equal(new[] { ("123456789012", 2), ("111122223333", 0) }, usage.InstanceUsages.Select(u => (u.AccountId, u.UsedInstanceCount)));
            Assert.Equal(2, usage.UsedInstanceCount);
            Assert.Equal(1, fake.Calls);
            if (withVerbose) Assert.Equal($"GetCapacityReservationUsage {DemoSeed.SourceReservationId}: page 1, 3 account(s), last page.", Assert.Single(verbose));
            else Assert.Empty(verbose);
        }

        [Fact]
        public async Task Pages_without_accounts_give_an_empty_list_and_later_pages_are_appended()
        {
            var empty = await new CapacityReservationUsageService(new Ec2Context(FakeEc2.Usage(r => new Amazon.EC2.Model.GetCapacityReservationUsageResponse
            {
                CapacityReservationId = r.CapacityReservationId,
            }).Client, "us-east-1")).GetAsync(DemoSeed.SourceReservationId, null, CancellationToken.None);
            Assert.Empty(empty.InstanceUsages);
            Assert.Equal(0, empty.UsedInstanceCount);

            // First page empty with a token, second page with the accounts.
            var paged = await new CapacityReservationUsageService(new Ec2Context(FakeEc2.Usage(r => new Amazon.EC2.Model.GetCapacityReservationUsageResponse
            {
                CapacityReservationId = r.CapacityReservationId,
                NextToken = r.NextToken == null ? "next" : null,
                InstanceUsages = r.NextToken == null ? null : new System.Collections.Generic.List<Amazon.EC2.Model.InstanceUsage>
                {
                    new Amazon.EC2.Model.InstanceUsage { AccountId = "123456789012", UsedInstanceCount = 5 },
                },
            }).Client, "us-east-1")).GetAsync(DemoSeed.SourceReservationId, null, CancellationToken.None);
            Assert.Equal("123456789012", Assert.Single(paged.InstanceUsages).AccountId);
            Assert.Equal(5, paged.UsedInstanceCount);
        }

        [Fact]
        public async Task Nothing_the_engine_emits_contains_the_secret_or_the_token()
        {
            var secrets = new[] { DemoSeed.SecretAccessKey, DemoSeed.SessionSecretAccessKey, DemoSeed.SessionToken };
            var texts = new ConcurrentQueue<string>();
            var connections = new[]
            {
                _emulator.Connection(),
                _emulator.Connection(DemoSeed.SessionAccessKeyId, DemoSeed.SessionSecretAccessKey, DemoSeed.SessionToken),
                _emulator.Connection(DemoSeed.SessionAccessKeyId, DemoSeed.SessionSecretAccessKey, DemoSeed.SessionToken + "x"),
                _emulator.Connection(DemoSeed.AccessKeyId, DemoSeed.SessionSecretAccessKey),
            };
            foreach (var connection in connections)
            {
                texts.Enqueue(connection.Describe());
                texts.Enqueue(connection.CacheKey);
                var service = Service(connection, texts);
                foreach (var id in new[] { DemoSeed.SharedReservationId, "cr-0123456789abcdeff", "bad" })
                {
                    try { await service.GetAsync(id, 10, CancellationToken.None); }
                    catch (Exception e) { texts.Enqueue(e.ToString()); texts.Enqueue(e.Message); }
                    try { texts.Enqueue((await service.DryRunAsync(id, CancellationToken.None)).Describe()); }
                    catch (Exception e) { texts.Enqueue(e.ToString()); }
                }
            }
            foreach (var entry in _emulator.Journal)
            {
                texts.Enqueue(string.Join("&", entry.Parameters.Select(p => p.Key + "=" + p.Value)) + entry.AccessKeyId + entry.ErrorCode);
            }
            Assert.True(texts.Count > 30);
            foreach (var text in texts)
            {
                foreach (var secret in secrets) Assert.DoesNotContain(secret, text);
            }
        }
    }
}
