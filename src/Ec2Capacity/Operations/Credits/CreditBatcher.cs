using System.Globalization;
using System;
using System.Collections.Generic;

namespace Ec2Capacity
{
    /// <summary>
    /// Gathers credit changes across a whole pipeline into batches of at most <see cref="BatchSize"/> instances.
    /// </summary>
    /// <remarks>
    /// Each item is validated when added (<see cref="CreditChange.Validate"/>), so bad input never reaches a request.
    /// <b>Duplicates</b>: an instance is sent once per batcher (across all batches). A repeat with the same credit
    /// option is dropped silently (counted in <see cref="DuplicatesDropped"/>); a repeat with a <i>different</i>
    /// option is a conflict: the first one wins and <see cref="Add"/> throws an <see cref="InputValidationException"/>
    /// (ErrorId <c>ConflictingCpuCredits</c>, parameter CpuCredits) for the later one, which the cmdlet reports as a
    /// non-terminating error for that instance. Not thread-safe: one batcher per pipeline.
    /// </remarks>
    internal sealed class CreditBatcher
    {
        private readonly Dictionary<string, string> _seen = new Dictionary<string, string>(StringComparer.Ordinal);
        private List<CreditChange> _pending;

        /// <param name="batchSize">Instances per request: -BatchSize, whose [ValidateRange] keeps it 1 to 1000.</param>
        public CreditBatcher(int batchSize = CreditSpecificationService.DefaultBatchSize)
        {
            BatchSize = batchSize;
            _pending = new List<CreditChange>(Math.Min(BatchSize, 128));
        }

        public int BatchSize { get; }
        /// <summary>Distinct instances accepted so far.</summary>
        public int Accepted { get; private set; }
        /// <summary>Repeats of an instance with the same option that were dropped.</summary>
        public int DuplicatesDropped { get; private set; }
        /// <summary>Batches handed out by <see cref="Add"/> and <see cref="Flush"/> (non-empty ones).</summary>
        public int BatchesEmitted { get; private set; }
        /// <summary>Changes waiting for the next batch.</summary>
        public int PendingCount => _pending.Count;

        /// <summary>
        /// Validates and adds one change. Returns a full batch when this item fills it, otherwise null.
        /// Throws <see cref="InputValidationException"/> for a bad item or a conflicting duplicate (nothing is added then).
        /// </summary>
        public IReadOnlyList<CreditChange> Add(CreditChange change)
        {
            var item = CreditChange.Validate(change);
            if (_seen.TryGetValue(item.InstanceId, out var first))
            {
                if (first == item.CpuCredits)
                {
                    DuplicatesDropped++;
                    return null;
                }
                throw new InputValidationException("CpuCredits", Messages.OneCpuCreditsPerInstance,
                    string.Format(CultureInfo.InvariantCulture, Messages.ConflictingCpuCredits, item.InstanceId, first, item.CpuCredits), ErrorIds.ConflictingCpuCredits);
            }
            _seen.Add(item.InstanceId, item.CpuCredits);
            Accepted++;
            _pending.Add(item);
            if (_pending.Count < BatchSize) return null;
            return TakePending();
        }

        /// <summary>Returns what is still pending (possibly an empty list, never null) and empties the batcher.</summary>
        public IReadOnlyList<CreditChange> Flush() => _pending.Count == 0 ? (IReadOnlyList<CreditChange>)Array.Empty<CreditChange>() : TakePending();

        private IReadOnlyList<CreditChange> TakePending()
        {
            var batch = _pending;
            _pending = new List<CreditChange>(Math.Min(BatchSize, 128));
            BatchesEmitted++;
            return batch.AsReadOnly();
        }
    }
}
