using System.Management.Automation;
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Ec2Capacity.Tests
{
    public sealed class CancelReservationTests : IClassFixture<CapacityEmulatorFixture>
    {
        private const string CancelAction = "CancelCapacityReservation";
        private const string Quote = "crcq-0123456789abcdef0";
        private static readonly string Target = CapacitySeed.Cr(0xd1);
        private static readonly string Future = DateTime.UtcNow.AddYears(1).ToString("yyyy-MM-ddTHH:mm:ssZ");
        private static readonly string Past = DateTime.UtcNow.AddYears(-1).ToString("yyyy-MM-ddTHH:mm:ssZ");
        private readonly CapacityEmulatorFixture _fixture;

        public CancelReservationTests(CapacityEmulatorFixture fixture) => _fixture = fixture;

        private CapacityEmulator Start(string state = "active", string commitmentEndDate = null, bool capacityBlock = false, Action<CapacitySeed> more = null)
        {
            var seed = new CapacitySeed().Reservation(Target, total: 5, state: state, used: 1, commitmentEndDate: commitmentEndDate, capacityBlock: capacityBlock);
            more?.Invoke(seed);
            return new CapacityEmulator(_fixture, seed);
        }

        private static CancelReservationRequest Cancel(string id = null, string quote = null, string charge = null) =>
            new CancelReservationRequest { CapacityReservationId = id ?? Target, QuoteId = quote, ApplyCancellationCharge = charge };

        [Theory]
        [InlineData("active", null)]
        [InlineData("assessing", null)]
        [InlineData("delayed", null)]
        [InlineData("active", "past")]
        public async Task Cancellable_states_are_cancelled(string state, string commitment)
        {
            var emulator = Start(state, commitment == "past" ? Past : null);
            var result = await new CapacityReservationCancellationService(emulator.Context()).CancelAsync(Cancel());

            Assert.Equal(Target, result.CapacityReservationId);
            Assert.True(result.Cancelled);
            Assert.Equal(emulator.Region, result.Region);
            Assert.Equal("cancelled", (string)emulator.Reservation(Target)["state"]);
            var cancel = Assert.Single(emulator.Journal(CancelAction));
            Assert.Equal(200, cancel.HttpStatus);
            Assert.False(cancel.Parameters.ContainsKey("QuoteId"));
        }

        [Theory]
        [InlineData("scheduled", null)]
        [InlineData("active", "future")]
        public async Task Scheduled_or_committed_reservations_need_a_quote(string state, string commitment)
        {
            var emulator = Start(state, commitment == "future" ? Future : null);
            var service = new CapacityReservationCancellationService(emulator.Context());
            var before = emulator.StateJson();

            var failure = await CapacityAssert.FailsAsync(() => service.CancelAsync(Cancel()));
            Assert.Equal("IncorrectState", failure.ErrorCode);
            Assert.Equal(ErrorCategory.InvalidOperation, failure.Category);
            Assert.Contains("quote", failure.Message);
            Assert.Equal(state, (string)emulator.Reservation(Target)["state"]);

            var result = await service.CancelAsync(Cancel(quote: Quote, charge: "Commitment-Wind-Down"));
            Assert.True(result.Cancelled);
            Assert.Equal("cancelling", (string)emulator.Reservation(Target)["state"]);
            var sent = emulator.Journal(CancelAction).Last();
            Assert.Equal(Quote, sent.Parameters["QuoteId"]);
            Assert.Equal("commitment-wind-down", sent.Parameters["ApplyCancellationCharges"]);
        }

        [Fact]
        public async Task A_capacity_block_cannot_be_cancelled()
        {
            var emulator = Start(capacityBlock: true);
            var failure = await CapacityAssert.FailsAsync(() => new CapacityReservationCancellationService(emulator.Context()).CancelAsync(Cancel()));
            Assert.Equal("UnsupportedOperation", failure.ErrorCode);
            Assert.Equal(ErrorCategory.InvalidOperation, failure.Category);
            Assert.Equal("active", (string)emulator.Reservation(Target)["state"]);
        }

        [Theory]
        [InlineData("cancelled")]
        [InlineData("cancelling")]
        public async Task An_already_cancelled_reservation_is_refused(string state)
        {
            var emulator = Start(state);
            var failure = await CapacityAssert.FailsAsync(() => new CapacityReservationCancellationService(emulator.Context()).CancelAsync(Cancel()));
            Assert.Equal("IncorrectState", failure.ErrorCode);
            Assert.Equal(Target, failure.TargetId);
            Assert.Contains("already", failure.Message);
        }

        [Fact]
        public async Task An_already_cancelled_reservation_is_refused_even_when_its_state_cannot_be_read()
        {
            var emulator = Start("cancelled", more: s => s.LimitedAccountAllows(CancelAction));
            var service = new CapacityReservationCancellationService(emulator.Context(emulator.Client(limited: true)));
            var failure = await CapacityAssert.FailsAsync(() => service.CancelAsync(Cancel()));
            Assert.Equal("IncorrectState", failure.ErrorCode);
            Assert.Equal("UnauthorizedOperation", emulator.Journal("GetCapacityReservationUsage").Single().ErrorCode);
        }

        [Fact]
        public async Task An_unknown_reservation_is_not_found()
        {
            var emulator = Start();
            var missing = CapacitySeed.Cr(0xdd);
            var failure = await CapacityAssert.FailsAsync(() => new CapacityReservationCancellationService(emulator.Context()).CancelAsync(Cancel(missing)));
            Assert.Equal(ErrorCategory.ObjectNotFound, failure.Category);
            Assert.Equal(missing, failure.TargetId);
        }

        [Fact]
        public async Task A_lost_answer_retried_by_the_SDK_is_reported_as_cancelled()
        {
            var emulator = Start();
            // Request 1: the state read; request 2: the cancel, applied but its answer lost; request 3: the SDK's retry (IncorrectState).
            var lose = new HttpMessageHandlerFactory((n, body) => body.Contains("Action=" + CancelAction) && n == 2);
            var service = new CapacityReservationCancellationService(emulator.Context(emulator.Client(handler: lose)));

            var result = await service.CancelAsync(Cancel());

            Assert.True(result.Cancelled);
            var cancels = emulator.Journal(CancelAction);
            Assert.Equal(2, cancels.Count);
            Assert.Equal(200, cancels[0].HttpStatus);
            Assert.Equal("IncorrectState", cancels[1].ErrorCode);
            Assert.Equal("cancelled", (string)emulator.Reservation(Target)["state"]);
            Assert.Contains(emulator.Verbose, v => v.Contains("earlier attempt"));
        }

        [Fact]
        public async Task Drop_after_commit_faults_end_in_cancelled_reservations_without_false_errors()
        {
            const int count = 12;
            var seed = new CapacitySeed().Faults(seed: 4242, dropAfterCommitRate: 0.35);
            for (int i = 1; i <= count; i++) seed.Reservation(CapacitySeed.Cr(0xd00 + i), total: 2);
            var emulator = new CapacityEmulator(_fixture, seed);
            var service = new CapacityReservationCancellationService(emulator.Context(emulator.Client(maxErrorRetry: 10)));

            var outcomes = new List<string>();
            for (int i = 1; i <= count; i++)
            {
                try
                {
                    await service.CancelAsync(Cancel(CapacitySeed.Cr(0xd00 + i)));
                    outcomes.Add("ok");
                }
                catch (Ec2OperationException e)
                {
                    outcomes.Add(e.Failure.ErrorCode);
                }
            }

            Assert.Contains(emulator.Journal(CancelAction), e => e.ErrorCode == "DroppedAfterCommit");
            Assert.DoesNotContain("IncorrectState", outcomes);
            Assert.True(outcomes.Count(o => o == "ok") >= count - 1, string.Join(",", outcomes));
            for (int i = 1; i <= count; i++)
            {
                if (outcomes[i - 1] == "ok") Assert.Equal("cancelled", (string)emulator.Reservation(CapacitySeed.Cr(0xd00 + i))["state"]);
            }
        }

        [Fact]
        public async Task DryRun_sends_exactly_one_request_and_changes_nothing()
        {
            var emulator = Start();
            var before = emulator.StateJson();
            var verdict = await new CapacityReservationCancellationService(emulator.Context()).DryRunAsync(Cancel());
            Assert.True(verdict.IsAllowed);
            Assert.Equal(before, emulator.StateJson());
            var entry = Assert.Single(emulator.Journal());
            Assert.True(entry.DryRun);
            Assert.Equal(CancelAction, entry.Action);

            var text = WhatIfText.CancelReservationAction(Cancel());
            Assert.StartsWith("Cancel Capacity Reservation " + Target, text);
            Assert.Contains("running instances keep running", text);
            Assert.Equal(Target + ": " + verdict.Describe(), WhatIfText.Verdict(Target, verdict));
        }

        [Fact]
        public async Task DryRun_reports_denied_and_failed_verdicts()
        {
            var emulator = Start("cancelled");
            var before = emulator.StateJson();
            var denied = await new CapacityReservationCancellationService(emulator.Context(emulator.Client(limited: true))).DryRunAsync(Cancel());
            Assert.Equal(DryRunOutcome.Denied, denied.Outcome);
            // DryRun checks parameters, existence and permission; the reservation's state is judged only by the real call.
            var failed = await new CapacityReservationCancellationService(emulator.Context()).DryRunAsync(Cancel(CapacitySeed.Cr(0xde)));
            Assert.Equal(DryRunOutcome.Failed, failed.Outcome);
            Assert.Equal("InvalidCapacityReservationId.NotFound", failed.Failure.ErrorCode);
            Assert.Equal(before, emulator.StateJson());
            Assert.Equal(2, emulator.Journal().Count(e => e.DryRun));
        }

        public static IEnumerable<object[]> BadCancels()
        {
            yield return new object[] { Cancel(quote: "crcq-123", charge: "commitment-wind-down"), "QuoteId", "MalformedId" };
            yield return new object[] { Cancel("cr-0123456789abcdeg0"), "CapacityReservationId", "MalformedId" };
            yield return new object[] { Cancel("сr-0123456789abcdef0"), "CapacityReservationId", "MalformedId" }; // Cyrillic 'с'
            yield return new object[] { Cancel("cr-0123456789abcdef0%26DryRun=false"), "CapacityReservationId", "MalformedId" };
        }

        [Theory]
        [MemberData(nameof(BadCancels))]
        public async Task Bad_input_is_rejected_before_any_request(object requestArgument, string parameter, string errorId)
        {
            // xunit needs public test methods; the module's types are internal.
            var request = (CancelReservationRequest)requestArgument;
            var emulator = Start();
            var service = new CapacityReservationCancellationService(emulator.Context());
            var e = await CapacityAssert.RejectedAsync(emulator, () => service.CancelAsync(request));
            Assert.Equal(parameter, e.ParamName);
            Assert.Equal(errorId, e.ErrorId);
            await CapacityAssert.RejectedAsync(emulator, () => service.DryRunAsync(request));
        }

        [Fact]
        public async Task Cancelling_during_a_slow_request_returns_within_a_second()
        {
            var emulator = Start(more: s => s.Faults(seed: 3, latencyMs: 5000));
            var (failure, elapsed) = await CapacityAssert.CancelDuringRequestAsync(emulator,
                (context, token) => new CapacityReservationCancellationService(context).CancelAsync(Cancel(), token));
            Assert.True(elapsed < TimeSpan.FromSeconds(1), elapsed.ToString());
            Assert.Equal(ErrorCategory.OperationStopped, failure.Category);
            Assert.Equal("active", (string)emulator.Reservation(Target)["state"]);
        }

        [Fact]
        public void The_confirmation_names_the_reservation_and_what_happens_to_instances()
        {
            var text = ConfirmationText.CancelReservation(Cancel());
            Assert.Contains(Target, text);
            Assert.Contains("running in it keep running", text);
            Assert.Contains("stopped instances", text);
            Assert.Contains("can no longer launch into it", text);
            Assert.Contains(Quote, ConfirmationText.CancelReservation(Cancel(quote: Quote, charge: "commitment-wind-down")));
            Assert.Contains(Quote, WhatIfText.CancelReservationAction(Cancel(quote: Quote, charge: "commitment-wind-down")));
        }
    }
}
