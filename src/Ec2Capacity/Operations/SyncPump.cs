using System;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace Ec2Capacity
{
    /// <summary>
    /// Runs an async operation from a synchronous caller (a cmdlet's ProcessRecord) and hands every message the call
    /// posts (progress records, verbose lines) to the caller on the caller's own thread, because
    /// PowerShell's Write* methods work only on the pipeline thread. The work runs on the thread pool; the calling
    /// thread waits and pumps messages until the work ends, then returns its result or rethrows its exception as it
    /// was thrown (not wrapped in an AggregateException).
    /// </summary>
    internal static class SyncPump
    {
        /// <summary>Where the work posts messages; safe to use from any thread. Posts after the run ended are dropped.</summary>
        public sealed class Sink
        {
            private readonly BlockingCollection<object> _queue;
            private int _closed;

            internal Sink(BlockingCollection<object> queue) { _queue = queue; }

            /// <summary>Queues a message (a progress record, a verbose line) for the calling thread.</summary>
            /// <returns>False when the run is over and the message was not taken.</returns>
            public bool Post(object message)
            {
                if (message == null || Volatile.Read(ref _closed) != 0) return false;
                try { _queue.Add(message); return true; }
                catch (ObjectDisposedException) { return false; /* disposed: the run is over */ }
                catch (InvalidOperationException) { return false; /* completed: the run is over */ }
            }

            internal void Close() => Interlocked.Exchange(ref _closed, 1);
        }

        /// <summary>
        /// Runs <paramref name="work"/> and pumps its messages into <paramref name="onMessage"/> on the calling thread
        /// until it ends. If <paramref name="onMessage"/> throws (PowerShell's PipelineStoppedException after Ctrl+C),
        /// the work is cancelled, awaited, and that exception is rethrown.
        /// </summary>
        public static T Run<T>(Func<Sink, CancellationToken, Task<T>> work, Action<object> onMessage, CancellationToken cancellationToken = default)
        {
            if (work == null) throw new ArgumentNullException(nameof(work));
            using (var queue = new BlockingCollection<object>(new ConcurrentQueue<object>()))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var sink = new Sink(queue);
                // Task.Run: the work never captures the caller's SynchronizationContext, so it cannot deadlock on this
                // thread, and messages it posts before its first await are pumped like all others.
                var task = Task.Run(() => work(sink, linked.Token));
                var completed = task.ContinueWith(_ => queue.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

                ExceptionDispatchInfo callbackFailure = null;
                try
                {
                    foreach (var message in queue.GetConsumingEnumerable())
                    {
                        if (callbackFailure != null || onMessage == null) continue;
                        try { onMessage(message); }
                        catch (Exception e)
                        {
                            callbackFailure = ExceptionDispatchInfo.Capture(e);
                            linked.Cancel();
                        }
                    }
                }
                finally
                {
                    sink.Close();
                }
                // The queue is complete, so the work has ended; let CompleteAdding return before the queue is disposed.
                completed.Wait();

                if (callbackFailure != null)
                {
                    // Observe the work's outcome so it is not reported as unobserved; the callback's exception wins.
                    if (task.IsFaulted) _ = task.Exception;
                    callbackFailure.Throw();
                }
                return task.GetAwaiter().GetResult();
            }
        }
    }
}
