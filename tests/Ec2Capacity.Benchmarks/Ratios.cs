using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Ec2Capacity.Benchmarks
{
    /// <summary>
    /// The figures of one run, by name, in the order they are printed. Every "ratio" is engine / reference
    /// (lower is better; 1 = the same cost); the per-account figures are absolute costs of the engine.
    /// </summary>
    public sealed class Ratios
    {
        public static readonly string[] Names =
        {
            "per-call-time",
            "per-call-alloc",
            "per-call-alloc-client",
            "per-call-piped-time",
            "per-call-piped-alloc",
            "per-call-aa-time",
            "client-reuse",
            "client-reuse-alloc",
            "batching-time",
            "batching-requests",
            "paging-1000-per-account-ns",
            "paging-10000-per-account-ns",
            "paging-1000-per-account-bytes",
            "paging-10000-per-account-bytes",
            "paging-linearity",
            "paging-linearity-alloc",
            "paging-100-linearity",
            "paging-vs-raw",
            "cold-start",
        };

        /// <summary>What each figure is measured against (for the README table).</summary>
        public static readonly IReadOnlyDictionary<string, string> Reference = new Dictionary<string, string>
        {
            ["per-call-time"] = "time of one usage lookup, engine / raw SDK with a reused AmazonEC2Client (goal <= 1.05)",
            ["per-call-alloc"] = "bytes allocated per lookup, engine / raw SDK reused client (goal <= 1.2; process-wide, emulator included)",
            ["per-call-alloc-client"] = "bytes allocated per lookup by the caller alone (emulator in a child process), engine / raw SDK reused client",
            ["per-call-piped-time"] = "time of one lookup on a connection resolved once (later objects of a pipeline), engine / raw SDK reused client",
            ["per-call-piped-alloc"] = "bytes of the same, engine piped / raw SDK reused client (process-wide)",
            ["per-call-aa-time"] = "A/A control: the raw SDK reused-client lookup measured again / itself (the measurement's own spread; 1 = none)",
            ["client-reuse"] = "200 sequential lookups, engine / new AmazonEC2Client per call (AWS.Tools pattern)",
            ["client-reuse-alloc"] = "bytes of the same 200 lookups, engine / new client per call",
            ["batching-time"] = "credit option of 1,000 instances, engine (batches of 100, 4 in flight) / one request per instance",
            ["batching-requests"] = "EC2 requests in the emulator journal for those 1,000 instances, engine / one per instance",
            ["paging-1000-per-account-ns"] = "engine ns per account, reservation with 1,000 accounts, pages of 1,000",
            ["paging-10000-per-account-ns"] = "engine ns per account, reservation with 10,000 accounts, pages of 1,000",
            ["paging-1000-per-account-bytes"] = "engine bytes allocated per account, 1,000 accounts, pages of 1,000",
            ["paging-10000-per-account-bytes"] = "engine bytes allocated per account, 10,000 accounts, pages of 1,000",
            ["paging-linearity"] = "per-account time at 10,000 / at 1,000 accounts, pages of 1,000 (1 = linear)",
            ["paging-linearity-alloc"] = "per-account bytes at 10,000 / at 1,000 accounts, pages of 1,000 (1 = linear)",
            ["paging-100-linearity"] = "per-account time at 10,000 / at 1,000 accounts, pages of 100 (1 = linear)",
            ["paging-vs-raw"] = "10,000 accounts in pages of 1,000, engine (merged object) / raw SDK paging loop",
            ["cold-start"] = "median wall time of a new process answering one lookup, engine / raw SDK",
        };

        private readonly Dictionary<string, double> _values = new Dictionary<string, double>();
        private readonly List<string> _notes = new List<string>();

        public void Set(string name, double value) => _values[name] = value;

        public bool TryGet(string name, out double value) => _values.TryGetValue(name, out value);

        /// <summary>A line of context printed before the ratio lines (absolute figures, request counts).</summary>
        public void Note(string text) => _notes.Add(text);

        public IReadOnlyList<string> Notes => _notes;

        public static string Format(double value)
        {
            if (double.IsNaN(value) || double.IsInfinity(value)) return "NaN";
            double abs = Math.Abs(value);
            string format = abs >= 100 ? "0.0" : abs >= 1 ? "0.000" : "0.00000";
            return value.ToString(format, CultureInfo.InvariantCulture);
        }

        /// <summary>The closing block: one "ratio name value" line per figure, in the fixed order; a missing figure prints NaN.</summary>
        public string ToLines()
        {
            var sb = new StringBuilder();
            foreach (string name in Names)
            {
                sb.Append("ratio ").Append(name).Append(' ')
                  .Append(_values.TryGetValue(name, out double v) ? Format(v) : "NaN").Append('\n');
            }
            return sb.ToString();
        }

        public static double Median(IList<double> values)
        {
            if (values.Count == 0) return double.NaN;
            var sorted = new List<double>(values);
            sorted.Sort();
            int mid = sorted.Count / 2;
            return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }
}
