using System.Collections.Generic;
using Xunit;

namespace Ec2Capacity.Contract.Tests
{
    /// <summary>Collects every mismatch and fails once with all of them, so one run shows everything that is wrong.</summary>
    internal sealed class Problems
    {
        private readonly List<string> _items = new List<string>();
        private readonly string _subject;

        public Problems(string subject) { _subject = subject; }

        public int Count => _items.Count;
        public void Add(string problem) => _items.Add(problem);
        public void Check(bool ok, string problem) { if (!ok) _items.Add(problem); }

        public void AssertNone()
        {
            Assert.True(_items.Count == 0,
                $"{_subject}: {_items.Count} problem(s):\n  - " + string.Join("\n  - ", _items));
        }
    }
}
