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
    public sealed class AllocationWaitTests : IClassFixture<CapacityEmulatorFixture>
    {
        private static readonly string Source = CapacitySeed.Cr(0xc1);
        private static readonly string Interruptible = CapacitySeed.Cr(0xc2);
        private static readonly AllocationWaitOptions Fast = new AllocationWaitOptions { PollInterval = TimeSpan.FromMilliseconds(10), MaxPollInterval = TimeSpan.FromMilliseconds(10) };
        private static readonly AllocationWaitOptions Slow = new AllocationWaitOptions { PollInterval = TimeSpan.FromSeconds(30), MaxPollInterval = TimeSpan.FromSeconds(30) };
        private readonly CapacityEmulatorFixture _fixture;

        public AllocationWaitTests(CapacityEmulatorFixture fixture) => _fixture = fixture;

        private CapacityEmulator Start(string status = "pending", int settleAfterReads = 3, Action<CapacitySeed> more = null)
        {
            var seed = new CapacitySeed().SourceWithAllocation(Source, Interruptible, total: 10, lent: 4, status: status).SettleAfterReads(settleAfterReads);
            more?.Invoke(seed);
            return new CapacityEmulator(_fixture, seed);
        }

        [Fact]
        public async Task Wait_polls_until_active_and_reports_each_poll()
        {
            var emulator = Start(settleAfterReads: 3);
            var progress = new List<AllocationProgress>();
            var result = await new InterruptibleAllocationService(emulator.Context(), Fast).WaitAsync(Source, TimeSpan.FromSeconds(20), progress.Add);

            Assert.Equal("active", result.Status);
            Assert.Equal(Interruptible, result.InterruptibleCapacityReservationId);
            Assert.Equal(4, result.InstanceCount);
            Assert.Equal(4, result.TargetInstanceCount);
            Assert.Equal("adhoc", result.InterruptionType);
            Assert.Equal("default", result.ZeroSizePreference);
            Assert.Equal(emulator.Region, result.Region);
            Assert.Equal(3, progress.Count);
            Assert.Equal(3, emulator.Journal("GetCapacityReservationUsage").Count);
            Assert.Equal(new[] { "pending", "pending", "active" }, progress.Select(p => p.Status));
            Assert.All(progress, p => Assert.Equal(4, p.TargetInstanceCount));
            Assert.All(progress, p => Assert.InRange(p.PercentOfTimeout, 0, 100));
            Assert.Contains("pending", progress[0].Describe());
            Assert.True(progress.Zip(progress.Skip(1), (a, b) => b.Elapsed >= a.Elapsed).All(x => x));
        }

        [Fact]
        public async Task Wait_returns_at_once_when_already_settled()
        {
            var emulator = Start(status: "active");
            var result = await new InterruptibleAllocationService(emulator.Context(), Slow).WaitAsync(Source, TimeSpan.FromSeconds(5), null);
            Assert.Equal("active", result.Status);
            Assert.Single(emulator.Journal());
        }

        [Fact]
        public async Task A_failed_allocation_is_an_error_that_carries_the_settled_object()
        {
            var emulator = Start(status: "failed");
            var e = await Assert.ThrowsAsync<AllocationFailedException>(() =>
                new InterruptibleAllocationService(emulator.Context(), Fast).WaitAsync(Source, TimeSpan.FromSeconds(5), null));
            Assert.Equal(ErrorCategory.ResourceUnavailable, e.Failure.Category);
            Assert.Equal("AllocationFailed", e.Failure.ErrorCode);
            Assert.Equal(Source, e.Failure.TargetId);
            Assert.Contains("failed", e.Message);
            Assert.Equal("failed", e.Allocation.Status);
            Assert.Equal(Interruptible, e.Allocation.InterruptibleCapacityReservationId);
            Assert.IsAssignableFrom<Ec2OperationException>(e);
        }

        [Fact]
        public async Task Wait_times_out_with_OperationTimeout_naming_the_source_and_last_status()
        {
            var emulator = Start(settleAfterReads: 1000);
            var clock = Stopwatch.StartNew();
            var failure = await CapacityAssert.FailsAsync(() =>
                new InterruptibleAllocationService(emulator.Context(), Fast).WaitAsync(Source, TimeSpan.FromMilliseconds(600), null));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), clock.Elapsed.ToString());
            Assert.Equal(ErrorCategory.OperationTimeout, failure.Category);
            Assert.Equal("WaitTimeout", failure.ErrorCode);
            Assert.Contains(Source, failure.Message);
            Assert.Contains("'pending'", failure.Message);
            Assert.Equal(Source, failure.TargetId);
        }

        [Fact]
        public async Task The_time_limit_also_bounds_a_slow_request()
        {
            var emulator = Start(more: s => s.Faults(seed: 1, latencyMs: 5000));
            var clock = Stopwatch.StartNew();
            var failure = await CapacityAssert.FailsAsync(() =>
                new InterruptibleAllocationService(emulator.Context(), Fast).WaitAsync(Source, TimeSpan.FromMilliseconds(300), null));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), clock.Elapsed.ToString());
            Assert.Equal("WaitTimeout", failure.ErrorCode);
        }

        [Fact]
        public async Task Cancelling_between_polls_returns_within_a_second()
        {
            var emulator = Start(settleAfterReads: 1000);
            using var cts = new CancellationTokenSource();
            var cancelledAt = new TaskCompletionSource<Stopwatch>(TaskCreationOptions.RunContinuationsAsynchronously);
            // Cancel from the first progress report; the next pause is 30 s long.
            var wait = new InterruptibleAllocationService(emulator.Context(), Slow).WaitAsync(Source, TimeSpan.FromMinutes(5),
                p => { var clock = Stopwatch.StartNew(); cts.Cancel(); cancelledAt.TrySetResult(clock); }, cts.Token);

            var failure = await CapacityAssert.FailsAsync(() => wait);
            var sinceCancel = (await cancelledAt.Task).Elapsed;
            Assert.True(sinceCancel < TimeSpan.FromSeconds(1), sinceCancel.ToString());
            Assert.Equal(ErrorCategory.OperationStopped, failure.Category);
            Assert.Single(emulator.Journal());
        }

        [Fact]
        public async Task Cancelling_during_a_slow_request_returns_within_a_second()
        {
            var emulator = Start(more: s => s.Faults(seed: 1, latencyMs: 5000));
            var (failure, elapsed) = await CapacityAssert.CancelDuringRequestAsync(emulator,
                (context, token) => new InterruptibleAllocationService(context, Fast).WaitAsync(Source, TimeSpan.FromMinutes(5), null, token));
            Assert.True(elapsed < TimeSpan.FromSeconds(1), elapsed.ToString());
            Assert.Equal(ErrorCategory.OperationStopped, failure.Category);
            Assert.Equal("pending", (string)emulator.Reservation(Source)["interruptibleCapacityAllocation"]["status"]);
        }

        [Fact]
        public async Task An_already_cancelled_token_sends_nothing()
        {
            var emulator = Start();
            var failure = await CapacityAssert.FailsAsync(() =>
                new InterruptibleAllocationService(emulator.Context(), Fast).WaitAsync(Source, TimeSpan.FromSeconds(5), null, new CancellationToken(true)));
            Assert.Equal(ErrorCategory.OperationStopped, failure.Category);
            Assert.Empty(emulator.Journal());
        }

        [Fact]
        public async Task Transient_read_failures_are_polled_through()
        {
            var emulator = Start(settleAfterReads: 4, more: s => s.Faults(seed: 77, throttleRate: 0.6));
            var client = emulator.Client(maxErrorRetry: 0);
            var progress = new List<AllocationProgress>();
            var result = await new InterruptibleAllocationService(emulator.Context(client), Fast).WaitAsync(Source, TimeSpan.FromSeconds(20), progress.Add);
            Assert.Equal("active", result.Status);
            var reads = emulator.Journal("GetCapacityReservationUsage");
            Assert.Contains(reads, e => e.ErrorCode == "RequestLimitExceeded");
            Assert.Equal(reads.Count, progress.Count);
            Assert.Contains(emulator.Verbose, v => v.Contains("RequestLimitExceeded"));
        }

        [Fact]
        public async Task A_missing_source_is_not_waited_for()
        {
            var emulator = Start();
            var failure = await CapacityAssert.FailsAsync(() =>
                new InterruptibleAllocationService(emulator.Context(), Fast).WaitAsync(CapacitySeed.Cr(0xc9), TimeSpan.FromSeconds(20), null));
            Assert.Equal(ErrorCategory.ObjectNotFound, failure.Category);
            Assert.Single(emulator.Journal());
        }

        [Fact]
        public async Task Waiting_for_a_reclaim_to_zero_ends_canceled()
        {
            var emulator = Start(status: "active", settleAfterReads: 2);
            var service = new InterruptibleAllocationService(emulator.Context(), Fast);
            var started = await service.UpdateAsync(new UpdateAllocationRequest { CapacityReservationId = Source, TargetInstanceCount = 0 });
            var settled = await service.WaitAsync(started, TimeSpan.FromSeconds(20), null);
            Assert.Equal("canceled", settled.Status);
            Assert.Equal(0, settled.InstanceCount);
            Assert.Equal("cancelled", (string)emulator.Reservation(Interruptible)["state"]);
        }

        [Theory]
        [InlineData("cr-1", 5)]
        [InlineData(null, 5)]
        [InlineData("cr-0123456789abcdef0", 0)]
        [InlineData("cr-0123456789abcdef0", -1)]
        public async Task Bad_wait_arguments_are_rejected_before_any_request(string id, int seconds)
        {
            var emulator = Start();
            var e = await CapacityAssert.RejectedAsync(emulator, () =>
                new InterruptibleAllocationService(emulator.Context(), Fast).WaitAsync(id, TimeSpan.FromSeconds(seconds), null));
            Assert.Equal(id == "cr-0123456789abcdef0" ? "WaitTimeoutSeconds" : "CapacityReservationId", e.ParamName);
        }

        [Theory]
        [InlineData("pending", 3, 3, "pending: lending 3 (2/600 s)")]
        [InlineData("updating", 4, 0, "updating: reclaiming 4 of 4 lent (2/600 s)")]
        [InlineData("updating", 2, 5, "updating: lending 3 more, target 5 (2/600 s)")]
        [InlineData("canceling", 4, 0, "canceling: taking back all 4 (2/600 s)")]
        [InlineData("active", 4, 4, "active: 4 lent (2/600 s)")]
        [InlineData("canceled", 0, 0, "canceled: nothing lent (2/600 s)")]
        [InlineData(null, null, null, "not reported yet (2/600 s)")]
        public void Progress_says_what_is_happening_at_each_status(string status, int? lent, int? target, string expected)
        {
            var progress = new AllocationProgress("cr-0123456789abcdef0", status, lent, target, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(600), 1);
            Assert.Equal(expected, progress.Describe());
            Assert.DoesNotContain(" of 0", progress.Describe());
        }
    }
}
