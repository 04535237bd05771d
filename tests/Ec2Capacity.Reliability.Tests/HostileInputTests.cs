using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Ec2Capacity.Reliability.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Ec2Capacity.Reliability.Tests
{
    /// <summary>
    /// Issue 5, item 2: a corpus of bad inputs across the engine entry points of all five cmdlets. Each must be rejected by
    /// an <see cref="InputValidationException"/> naming the parameter (<c>-Name</c>) and the accepted form ("Expected …")
    /// before any request: the emulator's journal stays empty and its state unchanged.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class HostileInputTests
    {
        private const string GoodCr = "cr-0123456789abcdef0";
        private const string GoodI = "i-0123456789abcdef0";
        private const string GoodQuote = "crcq-0123456789abcdef0";

        private readonly ITestOutputHelper _output;

        public HostileInputTests(ITestOutputHelper output) => _output = output;

        private sealed class Case
        {
            public string Cmdlet;
            public string EntryPoint;
            public string Input;
            public string Parameter;
            public Func<Task> Run;
        }

        /// <summary>Bad Capacity Reservation IDs: empty, wrong prefix or case, wrong length, look-alikes, query-string tricks.</summary>
        private static readonly (string Name, string Value)[] BadReservationIds =
        {
            ("null", null),
            ("empty", ""),
            ("space", " "),
            ("tab and newline", "\t\n"),
            ("prefix only", "cr-"),
            ("16 hex", "cr-0123456789abcdef"),
            ("18 hex", "cr-0123456789abcdef01"),
            ("upper-case prefix", "CR-0123456789abcdef0"),
            ("upper-case hex", "cr-0123456789ABCDEF0"),
            ("non-hex g", "cr-0123456789abcdefg"),
            ("instance ID", GoodI),
            ("quote ID", GoodQuote),
            ("Cyrillic с in cr-", "\u0441r-0123456789abcdef0"),
            ("fullwidth digits", "cr-\uff10\uff11\uff12\uff13456789abcdef0"),
            ("zero-width space", "cr-0123456789abcde\u200bf0"),
            ("leading space", " " + GoodCr),
            ("trailing space", GoodCr + " "),
            ("trailing newline", GoodCr + "\n"),
            ("ampersand Action=", GoodCr + "&Action=CancelCapacityReservation"),
            ("equals", GoodCr + "="),
            ("percent-encoded", "cr-%30123456789abcdef0"),
            ("CRLF Action=", GoodCr + "\r\nAction=CancelCapacityReservation"),
            ("Action= only", "Action=CancelCapacityReservation&CapacityReservationId=" + GoodCr),
            ("10,000 characters", new string('a', 10000)),
            ("cr- and 1,000 zeros", "cr-" + new string('0', 1000)),
            ("NUL inside", "cr-0123456789\0abcdef0"),
        };

        private static readonly (string Name, string Value)[] BadInstanceIds =
        {
            ("null", null),
            ("empty", ""),
            ("spaces", "   "),
            ("prefix only", "i-"),
            ("7 hex", "i-1a2b3c4"),
            ("9 hex", "i-1a2b3c4d5"),
            ("16 hex", "i-0123456789abcdef"),
            ("upper-case prefix", "I-0123456789abcdef0"),
            ("upper-case hex", "i-0123456789ABCDEF0"),
            ("non-hex", "i-0123456789abcdefz"),
            ("Cyrillic і", "\u0456-0123456789abcdef0"),
            ("fullwidth digits", "i-\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17"),
            ("ampersand Action=", "i-1a2b3c4d&Action=TerminateInstances"),
            ("newline Action=", "i-1a2b3c4d\nAction=TerminateInstances"),
            ("percent", "i-1a2b3c4d%00"),
            ("equals", "i-1a2b3c4d="),
            ("reservation ID", GoodCr),
        };

        [Fact]
        public async Task Every_bad_input_is_rejected_naming_the_parameter_and_the_accepted_form_before_any_request()
        {
            var figures = new Figures(_output, "Hostile input");
            var seed = new Seed().Reservation(GoodCr, 10, 2).Instance(GoodI);
            await using var emu = await Emu.StartAsync(seed);
            var stateBefore = emu.Server.GetStateJson();
            var context = emu.Context();
            var usage = new CapacityReservationUsageService(context);
            var allocations = new InterruptibleAllocationService(context);
            var cancels = new CapacityReservationCancellationService(context);
            var credits = new CreditSpecificationService(context);
            var ct = CancellationToken.None;

            var cases = new List<Case>();
            void Add(string cmdlet, string entry, string input, string parameter, Func<Task> run) =>
                cases.Add(new Case { Cmdlet = cmdlet, EntryPoint = entry, Input = input, Parameter = parameter, Run = run });
            void AddSync(string cmdlet, string entry, string input, string parameter, Action run) =>
                Add(cmdlet, entry, input, parameter, () => { run(); return Task.CompletedTask; });

            const string Get = "Get-CapacityReservationUsage", New = "New-InterruptibleCapacityAllocation", Update = "Update-InterruptibleCapacityAllocation",
                Stop = "Stop-CapacityReservation", Set = "Set-InstanceCreditSpecification";

            // ---- Capacity Reservation IDs, at every entry point that takes one
            foreach (var (name, id) in BadReservationIds)
            {
                Add(Get, "GetAsync", name, "CapacityReservationId", () => usage.GetAsync(id, null, ct));
                Add(Get, "DryRunAsync", name, "CapacityReservationId", () => usage.DryRunAsync(id, ct));
                Add(New, "CreateAsync", name, "CapacityReservationId", () => allocations.CreateAsync(new CreateAllocationRequest { CapacityReservationId = id, InstanceCount = 1 }));
                Add(New, "DryRunCreateAsync", name, "CapacityReservationId", () => allocations.DryRunCreateAsync(new CreateAllocationRequest { CapacityReservationId = id, InstanceCount = 1 }));
                Add(New, "WaitAsync", name, "CapacityReservationId", () => allocations.WaitAsync(id, TimeSpan.FromSeconds(5), null));
                Add(Update, "UpdateAsync", name, "CapacityReservationId", () => allocations.UpdateAsync(new UpdateAllocationRequest { CapacityReservationId = id, TargetInstanceCount = 0 }));
                Add(Update, "DryRunUpdateAsync", name, "CapacityReservationId", () => allocations.DryRunUpdateAsync(new UpdateAllocationRequest { CapacityReservationId = id, TargetInstanceCount = 0 }));
                Add(Update, "DescribeReclaimAsync", name, "CapacityReservationId", () => allocations.DescribeReclaimAsync(new UpdateAllocationRequest { CapacityReservationId = id, TargetInstanceCount = 0 }));
                Add(Stop, "CancelAsync", name, "CapacityReservationId", () => cancels.CancelAsync(new CancelReservationRequest { CapacityReservationId = id }));
                Add(Stop, "DryRunAsync", name, "CapacityReservationId", () => cancels.DryRunAsync(new CancelReservationRequest { CapacityReservationId = id }));
                AddSync(Get, "InputValidator.CapacityReservationId", name, "CapacityReservationId", () => InputValidator.CapacityReservationId(id));
            }

            // ---- instance IDs, at every credit entry point
            foreach (var (name, id) in BadInstanceIds)
            {
                Add(Set, "ApplyAsync", name, "InstanceId", () => credits.ApplyAsync(new[] { new CreditChange(GoodI, "standard"), new CreditChange(id, "standard") }, 100, null, null));
                Add(Set, "ApplyBatchAsync", name, "InstanceId", () => credits.ApplyBatchAsync(new[] { new CreditChange(id, "unlimited") }, null));
                Add(Set, "DryRunBatchAsync", name, "InstanceId", () => credits.DryRunBatchAsync(new[] { new CreditChange(id, "unlimited") }));
                AddSync(Set, "CreditBatcher.Add", name, "InstanceId", () => new CreditBatcher(10).Add(new CreditChange(id, "standard")));
                AddSync(Set, "InputValidator.InstanceId", name, "InstanceId", () => InputValidator.InstanceId(id));
            }

            // Counts and sizes are the cmdlets' declarations (WholeNumber ranges, [ValidateRange]), refused by PowerShell
            // before any request (tests/Pester/UnsafeInput.Tests.ps1).
            foreach (var t in new[] { TimeSpan.Zero, TimeSpan.FromSeconds(-1), TimeSpan.MinValue })
            {
                Add(New, "WaitAsync", "timeout " + t, "WaitTimeoutSeconds", () => allocations.WaitAsync(GoodCr, t, null));
                Add(Update, "WaitAsync(started)", "timeout " + t, "WaitTimeoutSeconds", () => allocations.WaitAsync(new Ec2Capacity.InterruptibleCapacityAllocation { SourceCapacityReservationId = GoodCr }, t, null));
            }

            // ---- enumerations
            // The enumerations (ZeroSizePreference, CpuCredits, ApplyCancellationCharge) are the cmdlets' [ValidateSet]s:
            // PowerShell refuses hostile values before any request (tests/Pester/UnsafeInput.Tests.ps1).
            Add(Update, "UpdateAsync", "neither TargetInstanceCount nor ZeroSizePreference", "TargetInstanceCount", () => allocations.UpdateAsync(new UpdateAllocationRequest { CapacityReservationId = GoodCr }));
            Add(Update, "DryRunUpdateAsync", "neither TargetInstanceCount nor ZeroSizePreference", "TargetInstanceCount", () => allocations.DryRunUpdateAsync(new UpdateAllocationRequest { CapacityReservationId = GoodCr }));
            // an empty -ZeroSizePreference alone counts as not given: "nothing to update" names both parameters
            Add(Update, "UpdateAsync", "ZeroSizePreference '' alone", "TargetInstanceCount", () => allocations.UpdateAsync(new UpdateAllocationRequest { CapacityReservationId = GoodCr, ZeroSizePreference = "" }));
            foreach (var quote in new[] { "crcq-123", GoodCr, "CRCQ-0123456789abcdef0", "crcq-0123456789abcdef0&Action=x", "" })
            {
                Add(Stop, "CancelAsync", "QuoteId '" + quote + "'", "QuoteId", () => cancels.CancelAsync(new CancelReservationRequest { CapacityReservationId = GoodCr, QuoteId = quote, ApplyCancellationCharge = "commitment-wind-down" }));
                Add(Stop, "DryRunAsync", "QuoteId '" + quote + "'", "QuoteId", () => cancels.DryRunAsync(new CancelReservationRequest { CapacityReservationId = GoodCr, QuoteId = quote, ApplyCancellationCharge = "commitment-wind-down" }));
            }

            // ---- tags
            var tagCases = new (string Name, IDictionary Tags)[]
            {
                ("aws: key", new Hashtable { ["aws:team"] = "x" }),
                ("AWS: key", new Hashtable { ["AWS:Team"] = "x" }),
                ("128-character key", new Hashtable { [new string('k', 128)] = "x" }),
                ("257-character value", new Hashtable { ["team"] = new string('v', 257) }),
                ("empty key", new Dictionary<string, string> { [""] = "x" }),
                ("whitespace key", new Dictionary<string, string> { ["  "] = "x" }),
                ("51 tags", Enumerable.Range(0, 51).ToDictionary(i => "k" + i, i => "v")),
            };
            foreach (var (name, tags) in tagCases)
            {
                Add(New, "CreateAsync", "Tag " + name, "Tag", () => allocations.CreateAsync(new CreateAllocationRequest { CapacityReservationId = GoodCr, InstanceCount = 1, Tags = tags }));
                Add(New, "DryRunCreateAsync", "Tag " + name, "Tag", () => allocations.DryRunCreateAsync(new CreateAllocationRequest { CapacityReservationId = GoodCr, InstanceCount = 1, Tags = tags }));
            }

            // ---- client tokens
            foreach (var (name, token) in new[] { ("empty", ""), ("65 characters", new string('t', 65)), ("space", "tok en"), ("newline", "tok\nen"), ("non-ASCII", "t\u00f6k\u00ebn"), ("NUL", "tok\0") })
            {
                Add(New, "CreateAsync", "ClientToken " + name, "ClientToken", () => allocations.CreateAsync(new CreateAllocationRequest { CapacityReservationId = GoodCr, InstanceCount = 1, ClientToken = token }));
                Add(Set, "ApplyAsync", "ClientToken " + name, "ClientToken", () => credits.ApplyAsync(new[] { new CreditChange(GoodI, "standard") }, 100, token, null));
                Add(Set, "ApplyBatchAsync", "ClientToken " + name, "ClientToken", () => credits.ApplyBatchAsync(new[] { new CreditChange(GoodI, "standard") }, token));
            }

            // ---- sizes: empty, null, over 10,000 items, over a batch
            var tooManyInstances = Enumerable.Range(1, InputValidator.MaxItemsPerCall + 1).Select(i => new CreditChange(Ids.I(0x40, i), "standard")).ToList();
            var tooManyReservations = Enumerable.Range(1, InputValidator.MaxItemsPerCall + 1).Select(i => Ids.Cr(0x40, i)).ToList();
            Add(Set, "ApplyAsync", "10,001 instances", "InstanceId", () => credits.ApplyAsync(tooManyInstances, 1000, null, null));
            Add(Set, "ApplyBatchAsync", "1,001 instances in one batch", "BatchSize", () => credits.ApplyBatchAsync(tooManyInstances.Take(1001).ToList(), null));
            Add(Set, "DryRunBatchAsync", "10,001 instances in one batch", "BatchSize", () => credits.DryRunBatchAsync(tooManyInstances));
            Add(Set, "ApplyAsync", "null list", "InstanceId", () => credits.ApplyAsync(null, 100, null, null));
            Add(Set, "ApplyAsync", "null item", "InstanceId", () => credits.ApplyAsync(new CreditChange[] { null }, 100, null, null));
            Add(Set, "DryRunBatchAsync", "empty batch", "InstanceId", () => credits.DryRunBatchAsync(Array.Empty<CreditChange>()));
            Add(Set, "ApplyBatchAsync", "null batch", "InstanceId", () => credits.ApplyBatchAsync(null, null));

            // ---- duplicates that must be rejected: one instance with two credit options
            var conflicting = new[] { new CreditChange(GoodI, "standard"), new CreditChange("i-1a2b3c4d", "standard"), new CreditChange(GoodI, "unlimited") };
            Add(Set, "ApplyAsync", "conflicting duplicate", "CpuCredits", () => credits.ApplyAsync(conflicting, 100, null, null));
            Add(Set, "ApplyBatchAsync", "conflicting duplicate", "CpuCredits", () => credits.ApplyBatchAsync(conflicting, null));
            Add(Set, "DryRunBatchAsync", "conflicting duplicate", "CpuCredits", () => credits.DryRunBatchAsync(conflicting));
            AddSync(Set, "CreditBatcher.Add", "conflicting duplicate", "CpuCredits", () =>
            {
                var batcher = new CreditBatcher(10);
                foreach (var c in conflicting) batcher.Add(c);
            });

            // ---- run the corpus
            int rejected = 0, wronglyAccepted = 0, unhandled = 0, wrongParameter = 0, missingForm = 0, rawControlCharacters = 0;
            var problems = new List<string>();
            foreach (var c in cases)
            {
                string label = $"{c.Cmdlet} {c.EntryPoint} [{c.Input}]";
                try
                {
                    await c.Run();
                    wronglyAccepted++;
                    problems.Add(label + ": accepted");
                }
                catch (InputValidationException e)
                {
                    bool ok = true;
                    if (e.ParamName != c.Parameter || !e.Message.Contains("-" + c.Parameter, StringComparison.Ordinal))
                    {
                        wrongParameter++;
                        ok = false;
                        problems.Add($"{label}: names {e.ParamName} ({e.Message})");
                    }
                    if (string.IsNullOrWhiteSpace(e.AcceptedForm) || !e.Message.Contains("Expected " + e.AcceptedForm, StringComparison.Ordinal))
                    {
                        missingForm++;
                        ok = false;
                        problems.Add($"{label}: no accepted form ({e.Message})");
                    }
                    if (e.Message.Any(ch => ch == '\n' || ch == '\r' || ch == '\0'))
                    {
                        rawControlCharacters++;
                        ok = false;
                        problems.Add($"{label}: control characters in the message");
                    }
                    if (ok) rejected++;
                }
                catch (Exception e)
                {
                    unhandled++;
                    problems.Add($"{label}: {e.GetType().Name}: {e.Message}");
                }
            }
            var journal = emu.Journal();
            bool stateUnchanged = emu.Server.GetStateJson() == stateBefore;

            figures.Add("bad inputs", cases.Count);
            foreach (var group in cases.GroupBy(c => c.Cmdlet).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                figures.Add("  " + group.Key, group.Count() + " (" + group.Select(c => c.EntryPoint).Distinct().Count() + " entry points)");
            }
            figures.Add("distinct bad values", cases.Select(c => c.Input).Distinct().Count());
            figures.Add("rejected naming the parameter and the accepted form", rejected);
            figures.Add("wrongly accepted", wronglyAccepted);
            figures.Add("rejected naming another parameter", wrongParameter);
            figures.Add("rejected without the accepted form", missingForm);
            figures.Add("messages with raw control characters", rawControlCharacters);
            figures.Add("unhandled exceptions", unhandled);
            figures.Add("EC2 requests in the emulator journal", journal.Count);
            figures.Add("emulator state byte-identical", stateUnchanged);
            foreach (var p in problems.Take(40)) figures.Note("problem: " + p);

            Assert.True(cases.Count >= 60, cases.Count + " cases");
            Assert.Empty(problems);
            Assert.Equal(cases.Count, rejected);
            Assert.Empty(journal);
            Assert.True(stateUnchanged);
        }

        [Fact]
        public void Limits_are_limits_not_off_by_one()
        {
            var figures = new Figures(_output, "Hostile input (limits)");
            // exactly at each limit is accepted (pure validation, nothing sent)
            Assert.Equal("retain", InputValidator.ZeroSizePreference("RETAIN"));
            Assert.Equal("unlimited", InputValidator.CpuCredits("Unlimited"));
            Assert.Equal(new string('t', 64), InputValidator.ClientToken(new string('t', 64)));
            Assert.Equal(2, InputValidator.Tags(new Hashtable { [new string('k', 127)] = new string('v', 256), ["team"] = null }).Count);
            Assert.Equal("i-1a2b3c4d", InputValidator.InstanceId("i-1a2b3c4d"));
            figures.Add("values exactly at a limit accepted", 10);
        }
    }
}
