using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace Ec2Capacity
{
    // Items in flight: requests for different pipeline items run at the same time (up to ItemsAtOnce), while everything
    // PowerShell must see (objects, errors, progress, verbose, prompts) happens on the pipeline thread, in input order.
    public abstract partial class Ec2CapacityCmdlet
    {
        /// <summary>What one item's work can tell the pipeline thread while it runs (from any thread).</summary>
        private protected sealed class ItemScope
        {
            private readonly Ec2CapacityCmdlet _cmdlet;
            private readonly InFlightItem _item;

            internal ItemScope(Ec2CapacityCmdlet cmdlet, InFlightItem item)
            {
                _cmdlet = cmdlet;
                _item = item;
            }

            /// <summary>
            /// The item's change is made: <paramref name="notice"/> says what changed. With <paramref name="tellNow"/> it is
            /// written at once (verbose and an information record tagged ChangeSent), as -Wait does before it waits;
            /// otherwise only when an earlier item's error is written while this item's object is not (see TellLaterChanges).
            /// </summary>
            public void ChangeMade(string notice, bool tellNow)
            {
                _item.Notice = notice;
                if (tellNow)
                {
                    _item.Told = true;
                    Post(c => c.TellChange(notice));
                }
                _cmdlet.MarkSent(_item);
            }

            /// <summary>Runs <paramref name="action"/> on the pipeline thread at its next chance (progress, verbose).</summary>
            public void Post(Action<Ec2CapacityCmdlet> action) => _cmdlet.Post(() => action(_cmdlet));
        }

        /// <summary>One pipeline item whose work was started: written (object or error) when its turn comes.</summary>
        private protected sealed class InFlightItem
        {
            private int _sent;

            internal InFlightItem(string targetId) { TargetId = targetId; }

            public string TargetId { get; }
            /// <summary>Ends with the work: what to write on the pipeline thread.</summary>
            public Task<Action> Done { get; set; }
            public volatile string Notice;
            public volatile bool Told;

            /// <summary>True the first time: the item's request is answered (for -Wait, before its wait), or its work ended.</summary>
            internal bool TrySetSent() => Interlocked.Exchange(ref _sent, 1) == 0;
        }

        private readonly Queue<InFlightItem> _inFlight = new Queue<InFlightItem>();
        private readonly Dictionary<string, InFlightItem> _latestByTarget = new Dictionary<string, InFlightItem>(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentQueue<Action> _posted = new ConcurrentQueue<Action>();
        private readonly SemaphoreSlim _wake = new SemaphoreSlim(0);
        private int _unsent;
        private bool _writingItem;

        /// <summary>Items whose requests may be in flight at once: the cmdlet's -ThrottleLimit (1 where it has none).</summary>
        private protected virtual int ItemsAtOnce => 1;

        /// <summary>
        /// Starts one item's work (here, up to its first await; the rest on the thread pool) and returns at once, unless <see cref="ItemsAtOnce"/> items are still
        /// waiting for an answer, or an earlier item for the same target is not finished (two changes of one reservation
        /// keep their order): then it writes what is due while it waits. The Action the work returns is run on the
        /// pipeline thread in the order items were started; a failed work writes its error there instead.
        /// </summary>
        private protected void StartItem(string targetId, Func<ItemScope, CancellationToken, Task<Action>> work, bool changesTarget = true)
        {
            if (changesTarget && _latestByTarget.TryGetValue(targetId, out var earlier))
            {
                PumpUntil(() => earlier.Done.IsCompleted);
            }
            var item = new InFlightItem(targetId);
            var scope = new ItemScope(this, item);
            var token = CancellationToken;
            Interlocked.Increment(ref _unsent);
            item.Done = StartOnThisThread(() => work(scope, token));
            _ = item.Done.ContinueWith(_ => MarkSent(item), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            _inFlight.Enqueue(item);
            if (changesTarget) _latestByTarget[targetId] = item;

            WriteFinishedItems();
            PumpUntil(() => Volatile.Read(ref _unsent) < ItemsAtOnce);
            WriteFinishedItems();
        }

        /// <summary>
        /// Runs the work here up to its first await (no thread hop before the request goes out) with no
        /// SynchronizationContext, so a host that installs one is never asked to run the rest.
        /// </summary>
        private static Task<Action> StartOnThisThread(Func<Task<Action>> start)
        {
            var saved = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(null);
            try
            {
                return start();
            }
            catch (Exception e)
            {
                return Task.FromException<Action>(e);
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(saved);
            }
        }

        /// <summary>Writes every item at the head of the line whose work has ended, without waiting.</summary>
        private void WriteFinishedItems()
        {
            RunPosted();
            while (_inFlight.Count > 0 && _inFlight.Peek().Done.IsCompleted) WriteOldestItem();
        }

        /// <summary>Waits for every item (pumping what they post) and writes them in order: the end of the pipeline.</summary>
        private protected void WriteAllItems()
        {
            while (_inFlight.Count > 0) WriteOldestItem();
            RunPosted();
        }

        private void WriteOldestItem()
        {
            var item = _inFlight.Peek();
            PumpUntil(() => item.Done.IsCompleted);
            _inFlight.Dequeue();
            if (_latestByTarget.TryGetValue(item.TargetId, out var latest) && ReferenceEquals(latest, item)) _latestByTarget.Remove(item.TargetId);
            bool wasWriting = _writingItem;
            _writingItem = true;
            try
            {
                Action write;
                try
                {
                    write = item.Done.GetAwaiter().GetResult();
                }
                catch (Exception e) when (IsEngineFailure(e))
                {
                    WriteFailure(e, item.TargetId);
                    return;
                }
                write?.Invoke();
            }
            finally
            {
                _writingItem = wasWriting;
            }
        }

        /// <summary>Pumps what the items post until <paramref name="done"/> is true; every item's end and every post wakes it.</summary>
        private void PumpUntil(Func<bool> done)
        {
            RunPosted();
            while (!done())
            {
                _wake.Wait();
                RunPosted();
            }
        }

        // The count drops before the wake-up, so a pump that wakes sees it.
        private void MarkSent(InFlightItem item)
        {
            if (item.TrySetSent()) Interlocked.Decrement(ref _unsent);
            _wake.Release();
        }

        private void Post(Action action)
        {
            _posted.Enqueue(action);
            _wake.Release();
        }

        private void RunPosted()
        {
            while (_posted.TryDequeue(out var action)) action();
        }

        /// <summary>
        /// Called before an error is written while an item is being written: the items behind it are brought to the point
        /// where their requests are answered, and each change made among them is told. So an error that stops the command
        /// (-ErrorAction Stop) leaves no change unsaid, while the objects keep input order.
        /// </summary>
        private void TellLaterChanges()
        {
            PumpUntil(() => Volatile.Read(ref _unsent) == 0);
            foreach (var later in _inFlight)
            {
                if (later.Told || later.Notice == null) continue;
                later.Told = true;
                TellChange(later.Notice);
            }
        }

        private int _waitsStarted, _waitsSettled, _waitParentId;

        /// <summary>
        /// New's and Update's item: the change, then with <paramref name="wait"/> its wait; the allocation (settled, with
        /// -Wait) is written in input order.
        /// </summary>
        private protected void StartAllocationChange(string id, InterruptibleAllocationService service,
            Func<CancellationToken, Task<InterruptibleCapacityAllocation>> change, bool wait, int timeoutSeconds, int progressActivityId)
        {
            StartItem(id, async (scope, ct) =>
            {
                var changed = await change(ct).ConfigureAwait(false);
                if (!wait)
                {
                    scope.ChangeMade(ProgressText.ChangeMade(changed), tellNow: false);
                    return () => WriteOutput(changed);
                }
                var settled = await WaitForAllocationAsync(scope, service, changed, timeoutSeconds, progressActivityId, ct).ConfigureAwait(false);
                return () => WriteOutput(settled);
            });
        }

        /// <summary>
        /// -Wait of New- and Update-InterruptibleCapacityAllocation for one item: says what changed, then polls until the
        /// allocation settles. All waits of a pipeline share one progress display: a line for the pipeline (how many have
        /// settled) and one below it for each allocation.
        /// </summary>
        private async Task<InterruptibleCapacityAllocation> WaitForAllocationAsync(ItemScope scope, InterruptibleAllocationService service,
            InterruptibleCapacityAllocation started, int timeoutSeconds, int progressActivityId, CancellationToken cancellationToken)
        {
            scope.ChangeMade(ProgressText.ChangeSent(started), tellNow: true);
            _waitParentId = progressActivityId;
            int child = progressActivityId + 0x100 * Interlocked.Increment(ref _waitsStarted);
            var activity = ProgressText.WaitActivity(started.SourceCapacityReservationId);
            try
            {
                return await service.WaitAsync(started, TimeSpan.FromSeconds(timeoutSeconds),
                    p => scope.Post(c => c.ShowWait(child, activity, p.Describe(), p.PercentOfTimeout, ProgressRecordType.Processing)),
                    cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Increment(ref _waitsSettled);
                scope.Post(c => c.ShowWait(child, activity, ProgressText.Completed, 100, ProgressRecordType.Completed));
            }
        }

        private void ShowWait(int child, string activity, string status, int percent, ProgressRecordType type)
        {
            if (StopRequested) return;
            var parent = _waitParentId;
            WriteProgress(new ProgressRecord(parent, ProgressText.WaitAllActivity, ProgressText.WaitAllStatus(Volatile.Read(ref _waitsSettled), Volatile.Read(ref _waitsStarted))));
            WriteProgress(new ProgressRecord(child, activity, status) { ParentActivityId = parent, PercentComplete = percent, RecordType = type });
        }

        /// <summary>Ends the pipeline's wait display (unless the user stopped).</summary>
        private void EndWaitDisplay()
        {
            if (_waitsStarted == 0 || StopRequested) return;
            WriteProgress(new ProgressRecord(_waitParentId, ProgressText.WaitAllActivity, ProgressText.Completed) { RecordType = ProgressRecordType.Completed });
        }

        /// <summary>Says a change was made: -Verbose, and an information record tagged ChangeSent for scripts.</summary>
        private void TellChange(string notice)
        {
            WriteVerbose(notice);
            WriteInformation(new InformationRecord(notice, MyInvocation.MyCommand.Name), new[] { "Ec2Capacity", "ChangeSent" });
        }

        /// <summary>
        /// Before a record's error: while an item is being written, the changes behind it are told; otherwise (an error
        /// found before sending, for a later record) every earlier item is written first, so errors keep input order.
        /// </summary>
        private protected virtual void BeforeRecordError()
        {
            if (_writingItem) TellLaterChanges();
            else WriteAllItems();
        }
    }
}
