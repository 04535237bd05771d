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
    public class SyncPumpTests
    {
        /// <summary>Runs <paramref name="body"/> on a dedicated thread, as a PowerShell pipeline thread would be.</summary>
        private static T OnOwnThread<T>(Func<T> body)
        {
            T result = default;
            Exception failure = null;
            var thread = new Thread(() =>
            {
                try { result = body(); }
                catch (Exception e) { failure = e; }
            });
            thread.Start();
            Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the pump did not return");
            if (failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            return result;
        }

        [Fact]
        public void Messages_posted_from_any_thread_arrive_in_order_on_the_calling_thread()
        {
            var (callerThread, received, result) = OnOwnThread(() =>
            {
                int caller = Environment.CurrentManagedThreadId;
                var got = new List<(int Thread, object Message)>();
                var value = SyncPump.Run(async (sink, token) =>
                {
                    sink.Post("before the first await");
                    for (int i = 0; i < 20; i++)
                    {
                        await Task.Yield();
                        await Task.Run(() => sink.Post(i)); // a thread-pool thread
                    }
                    sink.Post("careful");
                    sink.Post("details");
                    return 42;
                }, message => got.Add((Environment.CurrentManagedThreadId, message)), CancellationToken.None);
                return (caller, got, value);
            });

            Assert.Equal(42, result);
            Assert.Equal(23, received.Count);
            Assert.All(received, r => Assert.Equal(callerThread, r.Thread));
            Assert.Equal("before the first await", received[0].Message);
            Assert.Equal(Enumerable.Range(0, 20).Cast<object>(), received.Skip(1).Take(20).Select(r => r.Message));
            Assert.Equal("careful", received[21].Message);
            Assert.Equal("details", received[22].Message);
        }

        [Fact]
        public void The_work_does_not_run_on_the_calling_thread()
        {
            OnOwnThread(() =>
            {
                int caller = Environment.CurrentManagedThreadId;
                int worker = SyncPump.Run((sink, token) => Task.FromResult(Environment.CurrentManagedThreadId), null);
                Assert.NotEqual(caller, worker);
                return 0;
            });
        }

        private sealed class BoomException : Exception
        {
            public BoomException() : base("boom") { }
        }

        [Fact]
        public void Exceptions_come_back_unwrapped_with_their_stack()
        {
            var e = Assert.Throws<BoomException>(() => SyncPump.Run<int>(async (sink, token) =>
            {
                await Task.Yield();
                throw new BoomException();
            }, null));
            Assert.Contains(nameof(Exceptions_come_back_unwrapped_with_their_stack), e.StackTrace);

            var op = Assert.Throws<Ec2OperationException>(() => SyncPump.Run<int>((sink, token) =>
                Task.FromException<int>(new Ec2OperationException(new Ec2Failure(ErrorCategory.ObjectNotFound, "X.NotFound", "gone"))), null));
            Assert.Equal("X.NotFound", op.Failure.ErrorCode);
        }

        [Fact]
        public void Messages_posted_before_a_failure_are_still_delivered()
        {
            var got = new List<object>();
            Assert.Throws<BoomException>(() => SyncPump.Run<int>(async (sink, token) =>
            {
                sink.Post("one");
                await Task.Delay(1);
                sink.Post("two");
                throw new BoomException();
            }, got.Add));
            Assert.Equal(new[] { "one", "two" }, got.Select(m => m.ToString()));
        }

        [Fact]
        public void Cancellation_reaches_the_work_and_comes_back_as_OperationCanceledException()
        {
            using var cts = new CancellationTokenSource();
            var watch = Stopwatch.StartNew();
            var got = new List<object>();
            Assert.ThrowsAny<OperationCanceledException>(() => SyncPump.Run<int>(async (sink, token) =>
            {
                sink.Post("waiting");
                cts.CancelAfter(50);
                await Task.Delay(TimeSpan.FromMinutes(5), token);
                return 1;
            }, got.Add, cts.Token));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
            Assert.Single(got);
        }

        [Fact]
        public void A_throwing_callback_cancels_the_work_and_its_exception_wins()
        {
            var workSawCancellation = false;
            var e = Assert.Throws<InvalidOperationException>(() => SyncPump.Run<int>(async (sink, token) =>
            {
                sink.Post("first");
                try { await Task.Delay(TimeSpan.FromMinutes(5), token); }
                catch (OperationCanceledException) { workSawCancellation = true; throw; }
                return 1;
            }, m => throw new InvalidOperationException("pipeline stopped"), CancellationToken.None));
            Assert.Equal("pipeline stopped", e.Message);
            Assert.True(workSawCancellation);
        }

        [Fact]
        public void Posts_after_the_run_ended_are_dropped()
        {
            SyncPump.Sink kept = null;
            var got = new List<object>();
            SyncPump.Run((sink, token) => { kept = sink; return Task.FromResult(0); }, got.Add);
            kept.Post("late");
            kept.Post("later");
            Assert.Empty(got);
        }

        [Fact]
        public void Many_messages_from_many_threads_all_arrive()
        {
            int count = 0;
            var total = SyncPump.Run(async (sink, token) =>
            {
                await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
                {
                    for (int i = 0; i < 500; i++) sink.Post(i);
                })));
                return 8 * 500;
            }, _ => count++);
            Assert.Equal(total, count);
        }
    }
}
