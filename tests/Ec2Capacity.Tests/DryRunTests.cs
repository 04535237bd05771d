using System.Management.Automation;
using System;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.Runtime;
using Ec2Capacity.Emulator;
using Ec2Capacity.Tests.Infrastructure;
using Xunit;

namespace Ec2Capacity.Tests
{
    /// <summary>DryRun verdicts of GetCapacityReservationUsage through the real SDK client (412 DryRunOperation is an exception there).</summary>
    public class DryRunTests : IClassFixture<EmulatorFixture>
    {
        private const string NoUsageKey = "AKIANOUSAGE000000002", NoUsageSecret = "no-usage-secret-000000000000000000000002";
        private readonly EmulatorFixture _emulator;

        public DryRunTests(EmulatorFixture emulator)
        {
            _emulator = emulator;
            _emulator.Reset(SeedBuilder.Demo().Account("210987654321", NoUsageKey, NoUsageSecret, null, "ModifyInstanceCreditSpecification").Json());
        }

        private CapacityReservationUsageService Service(ResolvedConnection connection = null) => new CapacityReservationUsageService(_emulator.Context(connection));

        private void AssertExactlyOneDryRunRequest(string id, int status)
        {
            var request = Assert.Single(_emulator.Journal);
            Assert.Equal("GetCapacityReservationUsage", request.Action);
            Assert.True(request.DryRun);
            Assert.Equal("true", request.Parameters["DryRun"]);
            Assert.Equal(id, request.Parameters["CapacityReservationId"]);
            Assert.Equal(status, request.HttpStatus);
        }

        [Fact]
        public async Task A_permitted_valid_request_is_Allowed()
        {
            var before = _emulator.Server.GetStateJson();
            var verdict = await Service().DryRunAsync(DemoSeed.SourceReservationId, CancellationToken.None);
            Assert.Equal(DryRunOutcome.Allowed, verdict.Outcome);
            Assert.True(verdict.IsAllowed);
            Assert.Null(verdict.Failure);
            Assert.False(string.IsNullOrEmpty(verdict.RequestId));
            Assert.Equal("EC2 DryRun: allowed (the request would have succeeded)", verdict.Describe());
            AssertExactlyOneDryRunRequest(DemoSeed.SourceReservationId, 412);
            Assert.Equal(_emulator.Journal[0].RequestId, verdict.RequestId);
            Assert.Equal(before, _emulator.Server.GetStateJson());
        }

        [Fact]
        public async Task A_caller_without_the_permission_is_Denied()
        {
            var verdict = await Service(_emulator.Connection(NoUsageKey, NoUsageSecret)).DryRunAsync(DemoSeed.SourceReservationId, CancellationToken.None);
            Assert.Equal(DryRunOutcome.Denied, verdict.Outcome);
            Assert.Equal(ErrorCategory.PermissionDenied, verdict.Failure.Category);
            Assert.Equal("UnauthorizedOperation", verdict.Failure.ErrorCode);
            Assert.Equal(DemoSeed.SourceReservationId, verdict.Failure.TargetId);
            Assert.Contains("denied", verdict.Describe());
            AssertExactlyOneDryRunRequest(DemoSeed.SourceReservationId, 403);
        }

        [Fact]
        public async Task An_unknown_reservation_Fails_with_EC2s_error()
        {
            const string unknown = "cr-0000000000000000f";
            var verdict = await Service().DryRunAsync(unknown, CancellationToken.None);
            Assert.Equal(DryRunOutcome.Failed, verdict.Outcome);
            Assert.Equal(ErrorCategory.ObjectNotFound, verdict.Failure.Category);
            Assert.Equal("InvalidCapacityReservationId.NotFound", verdict.Failure.ErrorCode);
            Assert.Contains("would fail (InvalidCapacityReservationId.NotFound", verdict.Describe());
            AssertExactlyOneDryRunRequest(unknown, 400);
        }

        [Fact]
        public async Task Bad_signatures_Fail_as_AuthenticationError()
        {
            var verdict = await Service(_emulator.Connection(secretAccessKey: "wrong-secret-0000000000000000000000000001")).DryRunAsync(DemoSeed.SourceReservationId, CancellationToken.None);
            Assert.Equal(DryRunOutcome.Failed, verdict.Outcome);
            Assert.Equal(ErrorCategory.AuthenticationError, verdict.Failure.Category);
            Assert.DoesNotContain("wrong-secret", verdict.Describe());
        }

        [Fact]
        public async Task A_throttled_DryRun_is_retried_and_still_one_logical_request()
        {
            _emulator.Reset(SeedBuilder.Demo().Faults(throttleRate: 0.5, seed: 3).Json());
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal(DryRunOutcome.Allowed, (await Service().DryRunAsync(DemoSeed.SourceReservationId, CancellationToken.None)).Outcome);
            }
            Assert.All(_emulator.Journal, r => Assert.True(r.DryRun));
            Assert.Equal(10, System.Linq.Enumerable.Count(_emulator.Journal, r => r.HttpStatus == 412));
        }

        [Fact]
        public async Task A_2xx_answer_to_a_DryRun_is_never_reported_as_allowed()
        {
            var fake = FakeEc2.Usage(request => new Amazon.EC2.Model.GetCapacityReservationUsageResponse { CapacityReservationId = request.CapacityReservationId });
            var verdict = await new CapacityReservationUsageService(new Ec2Context(fake.Client, "us-east-1")).DryRunAsync(DemoSeed.SourceReservationId, CancellationToken.None);
            Assert.Equal(DryRunOutcome.Failed, verdict.Outcome);
            Assert.Equal("DryRunIgnored", verdict.Failure.ErrorCode);
            Assert.Equal(ErrorCategory.InvalidResult, verdict.Failure.Category);
        }

        [Fact]
        public async Task DryRunOperation_counts_only_with_HTTP_412()
        {
            var allowed = await DryRunVerdict.RunAsync(_ => throw new AmazonEC2Exception("would succeed", ErrorType.Sender, "DryRunOperation", "r1", System.Net.HttpStatusCode.PreconditionFailed), "x", CancellationToken.None);
            Assert.True(allowed.IsAllowed);
            var odd = await DryRunVerdict.RunAsync(_ => throw new AmazonEC2Exception("odd", ErrorType.Sender, "DryRunOperation", "r2", System.Net.HttpStatusCode.OK), "x", CancellationToken.None);
            Assert.False(odd.IsAllowed);
        }

        [Fact]
        public async Task Cancelling_a_DryRun_throws_instead_of_giving_a_verdict()
        {
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            var e = await Assert.ThrowsAsync<Ec2OperationException>(() => Service().DryRunAsync(DemoSeed.SourceReservationId, cts.Token));
            Assert.Equal(ErrorCategory.OperationStopped, e.Failure.Category);
        }

        [Fact]
        public async Task The_what_if_text_names_the_action_the_target_and_the_verdict()
        {
            var verdict = await Service().DryRunAsync(DemoSeed.SourceReservationId, CancellationToken.None);
            var text = WhatIfText.GetUsageAction(DemoSeed.SourceReservationId) + ". " + WhatIfText.Verdict(DemoSeed.SourceReservationId, verdict);
            Assert.Contains(DemoSeed.SourceReservationId, text);
            Assert.Contains("usage", text, StringComparison.OrdinalIgnoreCase);
            Assert.Contains(verdict.Describe(), text);
            Assert.Contains(DemoSeed.SourceReservationId, WhatIfText.GetUsageAction(DemoSeed.SourceReservationId));
        }
    }
}
