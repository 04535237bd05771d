using System.Management.Automation;
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Xunit;

namespace Ec2Capacity.Tests
{
    public sealed class CreditSpecificationTests : IClassFixture<CapacityEmulatorFixture>
    {
        private const string ModifyAction = "ModifyInstanceCreditSpecification";
        private readonly CapacityEmulatorFixture _fixture;

        public CreditSpecificationTests(CapacityEmulatorFixture fixture) => _fixture = fixture;

        /// <summary>What instance n is, and what a change to unlimited does to it.</summary>
        private static (string Type, string State, string Tenancy, bool Seeded, string ExpectedError) Kind(int n)
        {
            switch (n % 10)
            {
                case 3: return ("m5.large", "running", "default", true, "InstanceCreditSpecification.NotSupported");
                case 5: return ("t3.small", "terminated", "default", true, "IncorrectInstanceState");
                case 7: return ("t3.micro", "running", "default", false, "InvalidInstanceID.NotFound");
                case 9: return ("t3.large", "running", "host", true, "InstanceCreditSpecification.NotSupported");
                case 4: return ("t2.micro", "stopped", "default", true, null);
                default: return ("t3.micro", "running", "default", true, null);
            }
        }

        private CapacityEmulator Start(int instances, Action<CapacitySeed> more = null)
        {
            var seed = new CapacitySeed();
            for (int n = 0; n < instances; n++)
            {
                var k = Kind(n);
                if (k.Seeded) seed.Instance(CapacitySeed.I(n), k.Type, k.State, k.Tenancy);
            }
            more?.Invoke(seed);
            return new CapacityEmulator(_fixture, seed);
        }

        private static IEnumerable<CreditChange> Changes(int count, string credits = "unlimited") =>
            Enumerable.Range(0, count).Select(n => new CreditChange(CapacitySeed.I(n), credits));

        [Theory]
        [InlineData(1)]
        [InlineData(100)]
        [InlineData(101)]
        [InlineData(1000)]
        public async Task Many_instances_become_ceil_n_over_batch_requests_with_one_result_each(int count)
        {
            var emulator = Start(count);
            var service = new CreditSpecificationService(emulator.Context());
            var progress = new List<CreditProgress>();

            var results = await service.ApplyAsync(Changes(count), 100, null, progress.Add);

            int batches = (count + 99) / 100;
            var requests = emulator.Journal(ModifyAction);
            Assert.Equal(batches, requests.Count);
            Assert.All(requests, r => Assert.Equal(200, r.HttpStatus));
            Assert.Equal(batches, requests.Select(r => r.Parameters["ClientToken"]).Distinct().Count());
            Assert.Equal(count, requests.Sum(r => r.Parameters.Keys.Count(k => k.EndsWith(".InstanceId"))));

            Assert.Equal(count, results.Count);
            Assert.Equal(Enumerable.Range(0, count).Select(CapacitySeed.I), results.Select(r => r.InstanceId));
            var credits = emulator.State()["instances"].AsArray().ToDictionary(i => (string)i["instanceId"], i => (string)i["cpuCredits"]);
            for (int n = 0; n < count; n++)
            {
                var r = results[n];
                var k = Kind(n);
                Assert.Equal("unlimited", r.CpuCredits);
                Assert.Equal(emulator.Region, r.Region);
                Assert.Equal(k.ExpectedError == null, r.Succeeded);
                Assert.Equal(k.ExpectedError, r.ErrorCode);
                var failure = CreditSpecificationService.FailureOf(r);
                if (k.ExpectedError == null)
                {
                    Assert.Null(failure);
                }
                else
                {
                    Assert.Equal(r.InstanceId, failure.TargetId);
                    Assert.False(string.IsNullOrEmpty(failure.RequestId));
                    Assert.Equal(k.ExpectedError == "InvalidInstanceID.NotFound" ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidOperation, failure.Category);
                    Assert.False(string.IsNullOrEmpty(r.ErrorMessage));
                }
                if (k.Seeded)
                {
                    var expected = k.ExpectedError == null ? "unlimited" : k.Type.StartsWith("m5") ? null : k.Type.StartsWith("t2") ? "standard" : "unlimited";
                    Assert.Equal(expected, credits[r.InstanceId]);
                }
            }

            Assert.Equal(batches, progress.Count);
            Assert.Equal(count, progress.Last().InstancesDone);
            Assert.Equal(100, progress.Last().PercentComplete);
            Assert.Equal(results.Count(r => r.Succeeded == true), progress.Last().Succeeded);
            Assert.Equal(results.Count(r => r.Succeeded != true), progress.Last().Failed);
        }

        [Fact]
        public async Task Successful_items_change_the_instance_state()
        {
            var emulator = Start(5);
            var results = await new CreditSpecificationService(emulator.Context()).ApplyAsync(
                new[] { new CreditChange(CapacitySeed.I(1), "Standard"), new CreditChange(CapacitySeed.I(4), "UNLIMITED") }, 100, null, null);
            Assert.All(results, r => Assert.True(r.Succeeded));
            Assert.Equal("standard", (string)emulator.Instance(CapacitySeed.I(1))["cpuCredits"]);
            Assert.Equal("unlimited", (string)emulator.Instance(CapacitySeed.I(4))["cpuCredits"]);
            var sent = Assert.Single(emulator.Journal(ModifyAction));
            Assert.Equal("standard", sent.Parameters["InstanceCreditSpecification.1.CpuCredits"]);
            Assert.Equal("unlimited", sent.Parameters["InstanceCreditSpecification.2.CpuCredits"]);
        }

        [Fact]
        public async Task A_batch_of_1000_is_one_request()
        {
            var emulator = Start(1000);
            var results = await new CreditSpecificationService(emulator.Context()).ApplyAsync(Changes(1000), 1000, null, null);
            Assert.Equal(1000, results.Count);
            Assert.Single(emulator.Journal(ModifyAction));
        }

        [Fact]
        public async Task Duplicates_are_sent_once_and_reported_once()
        {
            var emulator = Start(10);
            var input = new[] { 1, 2, 1, 4, 2, 1 }.Select(n => new CreditChange(CapacitySeed.I(n), n == 4 ? "standard" : "Unlimited"));
            var results = await new CreditSpecificationService(emulator.Context()).ApplyAsync(input, 100, null, null);

            Assert.Equal(new[] { CapacitySeed.I(1), CapacitySeed.I(2), CapacitySeed.I(4) }, results.Select(r => r.InstanceId));
            var sent = Assert.Single(emulator.Journal(ModifyAction));
            Assert.Equal(200, sent.HttpStatus);
            Assert.Equal(3, sent.Parameters.Keys.Count(k => k.EndsWith(".InstanceId")));
        }

        [Fact]
        public async Task Duplicates_across_batches_are_sent_once()
        {
            var emulator = Start(10);
            var input = new[] { 1, 2, 1, 2, 6 }.Select(n => new CreditChange(CapacitySeed.I(n), "unlimited"));
            var results = await new CreditSpecificationService(emulator.Context()).ApplyAsync(input, 2, null, null);
            Assert.Equal(3, results.Count);
            var requests = emulator.Journal(ModifyAction);
            Assert.Equal(2, requests.Count);
            Assert.Equal(3, requests.SelectMany(r => r.Parameters.Where(p => p.Key.EndsWith(".InstanceId")).Select(p => p.Value)).Distinct().Count());
        }

        [Fact]
        public async Task A_conflicting_duplicate_is_rejected_before_any_request()
        {
            var emulator = Start(10);
            var input = new[] { new CreditChange(CapacitySeed.I(1), "unlimited"), new CreditChange(CapacitySeed.I(1), "standard") };
            var e = await CapacityAssert.RejectedAsync(emulator, () => new CreditSpecificationService(emulator.Context()).ApplyAsync(input, 100, null, null));
            Assert.Equal("CpuCredits", e.ParamName);
            Assert.Equal("ConflictingCpuCredits", e.ErrorId);
            Assert.Contains(CapacitySeed.I(1), e.Message);
        }

        [Fact]
        public async Task A_whole_batch_failure_is_reported_per_instance_and_later_batches_still_run()
        {
            // 101 instances in batches of 60 and 41; the emulator takes at most 50 per request: the first batch fails as a whole.
            var emulator = Start(101, s => s.MaxCreditSpecificationsPerRequest(50));
            var progress = new List<CreditProgress>();
            var results = await new CreditSpecificationService(emulator.Context()).ApplyAsync(Changes(101, "standard"), 60, null, progress.Add);

            var requests = emulator.Journal(ModifyAction);
            Assert.Equal(2, requests.Count);
            Assert.Equal("InvalidParameterValue", requests[0].ErrorCode);
            Assert.Equal(101, results.Count);
            foreach (var r in results.Take(60))
            {
                Assert.False(r.Succeeded);
                Assert.Equal("InvalidParameterValue", r.ErrorCode);
                var failure = CreditSpecificationService.FailureOf(r);
                Assert.Equal(ErrorCategory.InvalidArgument, failure.Category);
                Assert.Equal(r.InstanceId, failure.TargetId);
                Assert.Equal(400, failure.HttpStatus);
                Assert.Equal(requests[0].RequestId, failure.RequestId);
                var kind = Kind(int.Parse(r.InstanceId.Substring(3), System.Globalization.NumberStyles.HexNumber));
                if (kind.Seeded && kind.Type == "t3.micro")
                {
                    Assert.Equal("unlimited", (string)emulator.Instance(r.InstanceId)["cpuCredits"]);
                }
            }
            // standard is allowed on a Dedicated Host, so those instances succeed too
            for (int n = 60; n < 101; n++) Assert.Equal(Kind(n).ExpectedError == null || Kind(n).Tenancy == "host", results[n].Succeeded);
            Assert.Equal("standard", (string)emulator.Instance(CapacitySeed.I(60))["cpuCredits"]);
            Assert.Equal(2, progress.Count);
            Assert.Equal(60, progress[0].Failed);
        }

        [Fact]
        public async Task A_whole_batch_connection_failure_does_not_throw_and_is_not_called_a_failure()
        {
            // A dropped connection may have carried the change to EC2: each instance's outcome is unknown, not false.
            var emulator = Start(5, s => s.Faults(seed: 5, dropRate: 1.0));
            var results = await new CreditSpecificationService(emulator.Context(emulator.Client(maxErrorRetry: 1))).ApplyBatchAsync(Changes(5).ToList(), null);
            Assert.Equal(5, results.Count);
            Assert.All(results, r =>
            {
                Assert.Null(r.Succeeded);
                Assert.Equal(ErrorClassifier.OutcomeUnknownCode, r.ErrorCode);
                Assert.Equal(ErrorCategory.ConnectionError, CreditSpecificationService.FailureOf(r).Category);
            });
            Assert.Equal(2, emulator.Journal("ModifyInstanceCreditSpecification").Count);
        }

        [Fact]
        public async Task An_instance_missing_from_EC2s_answer_is_an_InvalidResult()
        {
            var stub = new StubCreditClient(request => new ModifyInstanceCreditSpecificationResponse
            {
                SuccessfulInstanceCreditSpecifications = new List<SuccessfulInstanceCreditSpecificationItem> { new SuccessfulInstanceCreditSpecificationItem { InstanceId = CapacitySeed.I(1) } },
                UnsuccessfulInstanceCreditSpecifications = new List<UnsuccessfulInstanceCreditSpecificationItem>
                {
                    new UnsuccessfulInstanceCreditSpecificationItem
                    {
                        InstanceId = CapacitySeed.I(2),
                        Error = new UnsuccessfulInstanceCreditSpecificationItemError { Code = UnsuccessfulInstanceCreditSpecificationErrorCode.IncorrectInstanceState, Message = "terminated" },
                    },
                    new UnsuccessfulInstanceCreditSpecificationItem { InstanceId = CapacitySeed.I(99), Error = new UnsuccessfulInstanceCreditSpecificationItemError { Code = "X", Message = "not ours" } },
                },
            });
            var results = await new CreditSpecificationService(new Ec2Context(stub, "eu-west-1")).ApplyBatchAsync(Changes(4).Skip(1).ToList(), "token-1");

            Assert.Equal(3, results.Count);
            Assert.True(results[0].Succeeded);
            Assert.Equal("IncorrectInstanceState", results[1].ErrorCode);
            Assert.Equal(ErrorCategory.InvalidOperation, CreditSpecificationService.FailureOf(results[1]).Category);
            Assert.Equal("MissingFromAnswer", results[2].ErrorCode);
            Assert.Equal(ErrorCategory.InvalidResult, CreditSpecificationService.FailureOf(results[2]).Category);
            Assert.Equal("token-1", stub.Requests.Single().ClientToken);
        }

        [Fact]
        public async Task A_given_client_token_is_used_for_batch_one_and_derived_for_later_batches()
        {
            var emulator = Start(250);
            var service = new CreditSpecificationService(emulator.Context());
            var first = await service.ApplyAsync(Changes(250), 100, "nightly-credits", null);
            var state = emulator.StateJson();
            var second = await service.ApplyAsync(Changes(250), 100, "nightly-credits", null);

            var tokens = emulator.Journal(ModifyAction).Select(r => r.Parameters["ClientToken"]).ToList();
            Assert.Equal(new[] { "nightly-credits", "nightly-credits-2", "nightly-credits-3", "nightly-credits", "nightly-credits-2", "nightly-credits-3" }, tokens);
            Assert.Equal(state, emulator.StateJson());
            Assert.Equal(first.Select(r => (r.InstanceId, r.Succeeded, r.ErrorCode)), second.Select(r => (r.InstanceId, r.Succeeded, r.ErrorCode)));
        }

        [Fact]
        public void Batch_tokens_fit_64_characters_and_stay_distinct()
        {
            var longToken = new string('a', 63);
            var t2 = CreditSpecificationService.BatchToken(longToken, 2);
            var t3 = CreditSpecificationService.BatchToken(longToken, 3);
            Assert.Equal(longToken, CreditSpecificationService.BatchToken(longToken, 1));
            Assert.True(t2.Length <= 64 && t3.Length <= 64);
            Assert.NotEqual(t2, t3);
            Assert.NotEqual(t2, CreditSpecificationService.BatchToken(new string('b', 63), 2));
            Assert.Equal(t2, CreditSpecificationService.BatchToken(longToken, 2));
            Assert.Equal("abc-12", CreditSpecificationService.BatchToken("abc", 12));
            Assert.Throws<InputValidationException>(() => CreditSpecificationService.BatchToken(new string('a', 65), 1));
        }

        [Fact]
        public async Task A_lost_answer_is_retried_with_the_batch_token_and_applied_once()
        {
            var emulator = Start(20);
            var lose = new HttpMessageHandlerFactory((n, body) => n == 1);
            var results = await new CreditSpecificationService(emulator.Context(emulator.Client(handler: lose))).ApplyBatchAsync(Changes(20).ToList(), null);
            Assert.Equal(20, results.Count);
            Assert.Equal(results.Count(r => Kind(int.Parse(r.InstanceId.Substring(3), System.Globalization.NumberStyles.HexNumber)).ExpectedError == null), results.Count(r => r.Succeeded == true));
            var requests = emulator.Journal(ModifyAction);
            Assert.Equal(2, requests.Count);
            Assert.Single(requests.Select(r => r.Parameters["ClientToken"]).Distinct());
        }

        [Fact]
        public async Task DryRun_sends_one_request_per_batch_and_changes_nothing()
        {
            var emulator = Start(250);
            var service = new CreditSpecificationService(emulator.Context());
            var before = emulator.StateJson();
            var batcher = new CreditBatcher(100);
            var verdicts = new List<DryRunVerdict>();
            var lines = new List<string>();
            foreach (var change in Changes(250))
            {
                var batch = batcher.Add(change);
                if (batch != null) await Check(batch);
            }
            await Check(batcher.Flush());

            Assert.Equal(before, emulator.StateJson());
            var requests = emulator.Journal();
            Assert.Equal(3, requests.Count);
            Assert.All(requests, r => Assert.True(r.DryRun));
            Assert.All(verdicts, v => Assert.True(v.IsAllowed));
            Assert.Equal(250, lines.Count);
            Assert.StartsWith($"Set the CPU credit option of {CapacitySeed.I(0)} to unlimited", lines[0]);
            Assert.EndsWith(verdicts[0].Describe(), lines[0]);
            Assert.Contains("100 instances in one request", lines[0]);

            async Task Check(IReadOnlyList<CreditChange> batch)
            {
                var verdict = await service.DryRunBatchAsync(batch);
                verdicts.Add(verdict);
                lines.AddRange(batch.Select(c => WhatIfText.SetCreditAction(c) + ". " + WhatIfText.BatchVerdict(batch, verdict)));
            }
        }

        [Fact]
        public async Task DryRun_denied_is_a_verdict_not_an_exception()
        {
            var emulator = Start(3);
            var before = emulator.StateJson();
            var verdict = await new CreditSpecificationService(emulator.Context(emulator.Client(limited: true))).DryRunBatchAsync(Changes(3).ToList());
            Assert.Equal(DryRunOutcome.Denied, verdict.Outcome);
            Assert.Equal(before, emulator.StateJson());
            Assert.Contains("denied", WhatIfText.BatchVerdict(Changes(1).ToList(), verdict));
        }

        public static IEnumerable<object[]> BadChanges()
        {
            yield return new object[] { new CreditChange("i-123", "standard"), "InstanceId", "MalformedId" };
            yield return new object[] { new CreditChange("i-0123456789ABCDEF0", "standard"), "InstanceId", "MalformedId" };
            yield return new object[] { new CreditChange("i-0123456789abcdef0\r\nAction=x", "standard"), "InstanceId", "MalformedId" };
            yield return new object[] { new CreditChange(null, "standard"), "InstanceId", "NullId" };
            yield return new object[] { new CreditChange("i-1a2b3c4d", null), "CpuCredits", "MissingCpuCredits" };
            yield return new object[] { new CreditChange("i-1a2b3c4d", " "), "CpuCredits", "MissingCpuCredits" };
        }

        [Theory]
        [MemberData(nameof(BadChanges))]
        public async Task Bad_items_are_rejected_before_any_request(object badArgument, string parameter, string errorId)
        {
            // xunit needs public test methods; the module's types are internal.
            var bad = (CreditChange)badArgument;
            var emulator = Start(3);
            var service = new CreditSpecificationService(emulator.Context());
            var input = Changes(3).Append(bad).ToList();

            var e = await CapacityAssert.RejectedAsync(emulator, () => service.ApplyAsync(input, 100, null, null));
            Assert.Equal(parameter, e.ParamName);
            Assert.Equal(errorId, e.ErrorId);
            await CapacityAssert.RejectedAsync(emulator, () => service.ApplyBatchAsync(input, null));
            await CapacityAssert.RejectedAsync(emulator, () => service.DryRunBatchAsync(input));
            var batcherError = Assert.Throws<InputValidationException>(() => new CreditBatcher(10).Add(bad));
            Assert.Equal(parameter, batcherError.ParamName);
        }

        [Fact]
        public async Task More_than_10000_instances_in_one_call_are_rejected_before_any_request()
        {
            var emulator = Start(0);
            var e = await CapacityAssert.RejectedAsync(emulator, () => new CreditSpecificationService(emulator.Context()).ApplyAsync(Changes(10001), 100, null, null));
            Assert.Equal("TooManyIds", e.ErrorId);
        }

        [Fact]
        public async Task A_bad_client_token_is_rejected_before_any_request()
        {
            var emulator = Start(3);
            var e = await CapacityAssert.RejectedAsync(emulator, () => new CreditSpecificationService(emulator.Context()).ApplyAsync(Changes(3), 100, "tab\there", null));
            Assert.Equal("ClientToken", e.ParamName);
        }

        [Fact]
        public async Task Cancelling_during_a_slow_batch_returns_within_a_second()
        {
            var emulator = Start(3, s => s.Faults(seed: 9, latencyMs: 5000));
            var (failure, elapsed) = await CapacityAssert.CancelDuringRequestAsync(emulator,
                (context, token) => new CreditSpecificationService(context).ApplyAsync(Changes(3), 100, null, null, token));
            Assert.True(elapsed < TimeSpan.FromSeconds(1), elapsed.ToString());
            Assert.Equal(ErrorCategory.OperationStopped, failure.Category);
        }

        [Fact]
        public void The_batcher_hands_out_full_batches_and_the_rest()
        {
            var batcher = new CreditBatcher(3);
            Assert.Null(batcher.Add(new CreditChange(CapacitySeed.I(1), "standard")));
            Assert.Null(batcher.Add(new CreditChange(CapacitySeed.I(2), "UNLIMITED")));
            Assert.Null(batcher.Add(new CreditChange(CapacitySeed.I(1), "Standard"))); // duplicate, same option: dropped
            var full = batcher.Add(new CreditChange(CapacitySeed.I(3), "standard"));
            Assert.Equal(new[] { CapacitySeed.I(1), CapacitySeed.I(2), CapacitySeed.I(3) }, full.Select(c => c.InstanceId));
            Assert.Equal("unlimited", full[1].CpuCredits);
            Assert.Null(batcher.Add(new CreditChange(CapacitySeed.I(4), "standard")));
            Assert.Null(batcher.Add(new CreditChange(CapacitySeed.I(2), "unlimited"))); // duplicate across batches: dropped
            var conflict = Assert.Throws<InputValidationException>(() => batcher.Add(new CreditChange(CapacitySeed.I(3), "unlimited")));
            Assert.Equal("ConflictingCpuCredits", conflict.ErrorId);
            Assert.Equal(1, batcher.PendingCount);
            Assert.Equal(CapacitySeed.I(4), Assert.Single(batcher.Flush()).InstanceId);
            Assert.Empty(batcher.Flush());
            Assert.Equal(4, batcher.Accepted);
            Assert.Equal(2, batcher.DuplicatesDropped);
            Assert.Equal(2, batcher.BatchesEmitted);
        }

        [Fact]
        public void Per_item_codes_map_to_categories()
        {
            Assert.Equal(ErrorCategory.ObjectNotFound, Map("InvalidInstanceID.NotFound"));
            Assert.Equal(ErrorCategory.InvalidArgument, Map("InvalidInstanceID.Malformed"));
            Assert.Equal(ErrorCategory.InvalidOperation, Map("IncorrectInstanceState"));
            Assert.Equal(ErrorCategory.InvalidOperation, Map("InstanceCreditSpecification.NotSupported"));
            Assert.Null(CreditSpecificationService.FailureOf(new Ec2Capacity.InstanceCreditSpecificationResult { Succeeded = true }));

            static ErrorCategory Map(string code) =>
                CreditSpecificationService.FailureOf(new Ec2Capacity.InstanceCreditSpecificationResult { InstanceId = "i-1a2b3c4d", ErrorCode = code, ErrorMessage = "m" }).Category;
        }

        /// <summary>A real client whose ModifyInstanceCreditSpecification answers from a function (never sends).</summary>
        private sealed class StubCreditClient : AmazonEC2Client
        {
            private readonly Func<ModifyInstanceCreditSpecificationRequest, ModifyInstanceCreditSpecificationResponse> _answer;

            public StubCreditClient(Func<ModifyInstanceCreditSpecificationRequest, ModifyInstanceCreditSpecificationResponse> answer)
                : base(new BasicAWSCredentials("AKIDSTUB", "stub-secret"), new AmazonEC2Config { ServiceURL = "http://127.0.0.1:9/", AuthenticationRegion = "eu-west-1" })
            {
                _answer = answer;
            }

            public List<ModifyInstanceCreditSpecificationRequest> Requests { get; } = new List<ModifyInstanceCreditSpecificationRequest>();

            public override Task<ModifyInstanceCreditSpecificationResponse> ModifyInstanceCreditSpecificationAsync(ModifyInstanceCreditSpecificationRequest request, CancellationToken cancellationToken = default)
            {
                Requests.Add(request);
                return Task.FromResult(_answer(request));
            }
        }
    }
}
