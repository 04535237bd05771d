using System.Management.Automation;
using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Ec2Capacity.Emulator;
using Ec2Capacity.Reliability.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Ec2Capacity.Reliability.Tests
{
    /// <summary>
    /// Issue 5, item 4: with a known secret key and session token (resolved from -AccessKey/-SecretKey/-SessionToken),
    /// run successes, DryRuns, EC2 refusals, faults, timeouts, cancellation and bad input, collect every text the engine
    /// can emit (exception messages and ToString(), failures, verdicts, What-if and confirmation texts, progress and
    /// verbose lines, error advice, the resolved connection), the emulator's journal and state (in-process and over its
    /// admin routes), and the files the tests write; none may contain the secret or the token, nor any 12-character
    /// piece of them.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class SecretTests
    {
        private const string AccessKey = "ASIARELIABILITYSECR1";
        private const string SecretKey = "Zq8wX2vB7nM4kP9sT3yU/Rel1ab1l1tySecret+Key";
        private const string SessionToken = "IQoJb3JpZ2luX2VjRELIABILITYs3ss10nT0k3n/xYz+AbC9876543210==";
        private const string LimitedAccessKey = "ASIARELIABILITYLIMT1";
        private const string LimitedSecretKey = "Lm7Secret/Limited+Key0ReliabilityQq55Ww";
        private const string LimitedSessionToken = "IQoJLIMITEDreliabilityTOKEN/Zz00Yy11Xx22Ww33==";
        private const string WrongSecretKey = "WrongSecret/Reliability+Key00000000000x1";
        private const string WrongSessionToken = "IQoJWRONGrel1ab1l1tyT0k3n/Qq9988776655Pp44==";

        private static readonly string[] Secrets = { SecretKey, SessionToken, LimitedSecretKey, LimitedSessionToken, WrongSecretKey, WrongSessionToken };

        private static readonly string Source = Ids.Cr(0x70, 1);
        private static readonly string ToCancel = Ids.Cr(0x70, 2);
        private static readonly string Missing = Ids.Cr(0x7f, 1);

        private readonly ITestOutputHelper _output;

        public SecretTests(ITestOutputHelper output) => _output = output;

        private static Seed SecretSeed(string region = Keys.Region) =>
            new Seed(region, defaultAccounts: false)
                .Account(Keys.AccountId, AccessKey, SecretKey, SessionToken)
                .Account("210987654323", LimitedAccessKey, LimitedSecretKey, LimitedSessionToken, "GetCapacityReservationUsage")
                .Reservation(Source, 20, 5, instanceType: "c5.large")
                .Reservation(ToCancel, 2, 0)
                .Reservation(Ids.Cr(0x70, 3), 2, 0, "cancelled")
                .Instance(Ids.I(0x70, 1))
                .Instance(Ids.I(0x70, 2), "m5.large", cpuCredits: null)
                .Instance(Ids.I(0x70, 3), state: "terminated");

        /// <summary>Everything emitted, with where it came from.</summary>
        private sealed class Texts
        {
            public readonly List<(string Origin, string Text)> Items = new List<(string, string)>();
            public readonly ConcurrentQueue<string> Verbose = new ConcurrentQueue<string>();

            public void Add(string origin, string text)
            {
                if (text != null) Items.Add((origin, text));
            }

            public void Failure(string origin, Ec2Failure f)
            {
                if (f == null) return;
                Add(origin + " failure", f.ToString());
                Add(origin + " failure message", f.Message);
                Add(origin + " failure fields", string.Join("|", f.Category, f.ErrorCode, f.RequestId, f.TargetId, f.HttpStatus));
                Add(origin + " advice", ErrorAdvice.RecommendedAction(f));
            }

            public void Exception(string origin, Exception e)
            {
                Add(origin + " message", e.Message);
                Add(origin + " ToString", e.ToString());
                for (var inner = e.InnerException; inner != null; inner = inner.InnerException) Add(origin + " inner", inner.Message);
                if (e is Ec2OperationException op) Failure(origin, op.Failure);
                if (e is InputValidationException iv) { Add(origin + " form", iv.AcceptedForm); Failure(origin + " as failure", iv.ToFailure("x")); }
                if (e is ConnectionResolutionException cr) Add(origin + " id", cr.ErrorId + " " + ConnectionErrorIds.CategoryOf(cr.ErrorId));
            }

            public async Task Capture(string origin, Func<Task> action)
            {
                try { await action(); }
                catch (Exception e) { Exception(origin, e); }
            }

            public void Verdict(string origin, DryRunVerdict v)
            {
                Add(origin + " verdict", v.Describe());
                Failure(origin + " verdict", v.Failure);
            }
        }

        private static ConnectionResolver Resolver() => new ConnectionResolver(new DictionaryEnvironmentReader())
        {
            AllowInstanceCredentials = false,
            AllowInstanceRegion = false,
            UseSdkProfileStore = false,
        };

        private static ResolvedConnection Resolve(string endpoint, string region = Keys.Region, string access = AccessKey, string secret = SecretKey, string token = SessionToken) =>
            Resolver().Resolve(new ConnectionOptions { AccessKey = access, SecretKey = secret, SessionToken = token, Region = region, EndpointUrl = endpoint });

        [Fact]
        public async Task No_text_the_engine_or_the_emulator_emits_contains_the_secret_key_or_the_session_token()
        {
            var figures = new Figures(_output, "Secrets");
            var texts = new Texts();
            var wait = new AllocationWaitOptions { PollInterval = TimeSpan.FromMilliseconds(1), MaxPollInterval = TimeSpan.FromMilliseconds(2) };
            var cache = new Ec2ClientCache(ClientSettings.ProductionWithShortBackoff());

            await using var emu = await Emu.StartAsync(SecretSeed().SettleAfterReads(1));
            var connection = Resolve(emu.Endpoint);
            texts.Add("ResolvedConnection.Describe", connection.Describe());
            texts.Add("ResolvedConnection.ToString", connection.ToString());
            texts.Add("ResolvedConnection fields", string.Join("|", connection.AccessKeyId, connection.CredentialSource, connection.RegionName, connection.RegionSource, connection.EndpointUrl));
            var context = new Ec2Context(cache.GetClient(connection), connection.RegionName, texts.Verbose.Enqueue);
            var usage = new CapacityReservationUsageService(context);
            var allocations = new InterruptibleAllocationService(context, wait);
            var cancels = new CapacityReservationCancellationService(context);
            var credits = new CreditSpecificationService(context);

            // ---- successes, with progress and verbose text
            var usageVerdictPlaceholder = await usage.DryRunAsync(Source, default);
            var read = await usage.GetAsync(Source, 1, default);
            texts.Add("usage", string.Join("|", read.CapacityReservationId, read.State, read.InstanceType, read.TotalInstanceCount, read.Region));
            var create = new CreateAllocationRequest { CapacityReservationId = Source, InstanceCount = 4, Tags = new Hashtable { ["team"] = "batch" }, ZeroSizePreference = "retain" };
            texts.Add("WhatIfText.NewAllocationAction", WhatIfText.NewAllocationAction(create));
            texts.Verdict("DryRunCreate", await allocations.DryRunCreateAsync(create));
            var lent = await allocations.CreateAsync(create);
            texts.Add("created", string.Join("|", lent.SourceCapacityReservationId, lent.ClientToken, lent.Status));
            var settled = await allocations.WaitAsync(lent, TimeSpan.FromSeconds(30), p => texts.Add("AllocationProgress", p.Describe()));
            texts.Add("ProgressText", ProgressText.WaitActivity(Source) + " " + ProgressText.CreditBatchSending(1, 3) + " " + ProgressText.CreditActivity);
            var reclaim = new UpdateAllocationRequest { CapacityReservationId = Source, TargetInstanceCount = 1 };
            var plan = await allocations.DescribeReclaimAsync(reclaim);
            texts.Add("ConfirmationText.UpdateAllocation", ConfirmationText.UpdateAllocation(reclaim));
            texts.Add("ConfirmationText.Reclaim", ConfirmationText.Reclaim(reclaim, plan));
            texts.Add("WhatIfText.UpdateAllocationAction", WhatIfText.UpdateAllocationAction(reclaim, plan));
            texts.Verdict("DryRunUpdate", await allocations.DryRunUpdateAsync(reclaim));
            texts.Add("WhatIfText.Verdict", WhatIfText.Verdict(Source, await allocations.DryRunUpdateAsync(reclaim)));
            var updated = await allocations.UpdateAsync(reclaim);
            await allocations.WaitAsync(updated, TimeSpan.FromSeconds(30), p => texts.Add("AllocationProgress", p.Describe()));
            foreach (AllocationChangeKind kind in Enum.GetValues(typeof(AllocationChangeKind)))
            {
                var p = new AllocationChangePlan
                {
                    SourceCapacityReservationId = Source, Kind = kind, CurrentInstanceCount = 4, CurrentTargetInstanceCount = 4, CurrentStatus = "active",
                    CurrentZeroSizePreference = "retain", RequestedTargetInstanceCount = 0, RequestedZeroSizePreference = "default", InstancesReclaimed = 4, InstancesAdded = 2,
                    ReadFailure = kind == AllocationChangeKind.Unknown ? new Ec2Failure(ErrorCategory.PermissionDenied, "UnauthorizedOperation", "You are not authorized to perform this operation.", Source) : null,
                };
                foreach (var request in new[]
                {
                    new UpdateAllocationRequest { CapacityReservationId = Source, TargetInstanceCount = 0, ZeroSizePreference = "default" },
                    new UpdateAllocationRequest { CapacityReservationId = Source, TargetInstanceCount = 6 },
                    new UpdateAllocationRequest { CapacityReservationId = Source, ZeroSizePreference = "retain" },
                })
                {
                    texts.Add("ConfirmationText.Reclaim " + kind, ConfirmationText.Reclaim(request, p) ?? string.Empty);
                    texts.Add("WhatIfText.UpdateAllocationAction " + kind, WhatIfText.UpdateAllocationAction(request, p) + " " + WhatIfText.Verdict(Source, usageVerdictPlaceholder));
                }
            }
            var cancel = new CancelReservationRequest { CapacityReservationId = ToCancel };
            texts.Add("ConfirmationText.CancelReservation", ConfirmationText.CancelReservation(cancel));
            texts.Add("ConfirmationText.CancelReservation (quote)", ConfirmationText.CancelReservation(new CancelReservationRequest { CapacityReservationId = ToCancel, QuoteId = "crcq-0123456789abcdef0", ApplyCancellationCharge = "commitment-wind-down" }));
            var cancelVerdict = await cancels.DryRunAsync(cancel);
            texts.Verdict("DryRunCancel", cancelVerdict);
            texts.Add("WhatIfText.CancelReservationAction", WhatIfText.CancelReservationAction(cancel) + " " + WhatIfText.Verdict(ToCancel, cancelVerdict));
            await cancels.CancelAsync(cancel);
            var changes = new[] { new CreditChange(Ids.I(0x70, 1), "unlimited"), new CreditChange(Ids.I(0x70, 2), "unlimited"), new CreditChange(Ids.I(0x70, 3), "standard"), new CreditChange("i-1a2b3c4d", "standard") };
            var creditVerdict = await credits.DryRunBatchAsync(changes);
            texts.Verdict("DryRunBatch", creditVerdict);
            texts.Add("WhatIfText.BatchVerdict", WhatIfText.BatchVerdict(changes, creditVerdict));
            foreach (var c in changes) texts.Add("WhatIfText.SetCreditAction", WhatIfText.SetCreditAction(c));
            foreach (var r in await credits.ApplyAsync(changes, 2, null, p => texts.Add("CreditProgress", p.Describe())))
            {
                texts.Add("credit result", string.Join("|", r.InstanceId, r.CpuCredits, r.Succeeded, r.ErrorCode, r.ErrorMessage));
                texts.Failure("credit result", CreditSpecificationService.FailureOf(r));
            }
            var usageVerdict = await usage.DryRunAsync(Source, default);
            texts.Verdict("DryRunUsage", usageVerdict);
            texts.Add("WhatIfText.GetUsageAction", WhatIfText.GetUsageAction(Source) + " " + WhatIfText.Verdict(Source, usageVerdict));

            // ---- EC2 refusals
            await texts.Capture("not found", () => usage.GetAsync(Missing, null, default));
            await texts.Capture("already cancelled", () => cancels.CancelAsync(new CancelReservationRequest { CapacityReservationId = Ids.Cr(0x70, 3) }));
            await texts.Capture("second allocation", () => allocations.CreateAsync(new CreateAllocationRequest { CapacityReservationId = Source, InstanceCount = 2 }));
            await texts.Capture("update of a missing reservation", () => allocations.UpdateAsync(new UpdateAllocationRequest { CapacityReservationId = Missing, TargetInstanceCount = 0 }));
            await texts.Capture("mismatched token", async () =>
            {
                await allocations.CreateAsync(new CreateAllocationRequest { CapacityReservationId = Source, InstanceCount = 9, ClientToken = lent.ClientToken });
            });
            var limited = Resolve(emu.Endpoint, access: LimitedAccessKey, secret: LimitedSecretKey, token: LimitedSessionToken);
            texts.Add("limited connection", limited.Describe());
            var limitedContext = new Ec2Context(cache.GetClient(limited), limited.RegionName, texts.Verbose.Enqueue);
            await texts.Capture("denied", () => new CapacityReservationCancellationService(limitedContext).CancelAsync(new CancelReservationRequest { CapacityReservationId = Source }));
            texts.Verdict("denied DryRun", await new InterruptibleAllocationService(limitedContext).DryRunCreateAsync(create));
            foreach (var r in await new CreditSpecificationService(limitedContext).ApplyAsync(changes, 10, "secret-scan-token", null))
            {
                texts.Failure("denied credits", CreditSpecificationService.FailureOf(r));
            }
            // wrong secret, wrong token: AuthFailure
            var wrongSecret = Resolve(emu.Endpoint, secret: WrongSecretKey);
            await texts.Capture("wrong secret", () => new CapacityReservationUsageService(new Ec2Context(cache.GetClient(wrongSecret), Keys.Region, texts.Verbose.Enqueue)).GetAsync(Source, null, default));
            var wrongToken = Resolve(emu.Endpoint, token: WrongSessionToken);
            texts.Add("wrong token connection", wrongToken.Describe());
            await texts.Capture("wrong token", () => new CapacityReservationUsageService(new Ec2Context(cache.GetClient(wrongToken), Keys.Region, texts.Verbose.Enqueue)).GetAsync(Source, null, default));
            texts.Verdict("wrong token DryRun", await new CapacityReservationCancellationService(new Ec2Context(cache.GetClient(wrongToken), Keys.Region)).DryRunAsync(cancel));

            // ---- faults: throttled after retries, 5xx, dropped connections, a timeout, a cancellation
            foreach (var (name, faultSeed) in new[]
            {
                ("throttled", SecretSeed().Faults(1, throttleRate: 1.0)),
                ("server error", SecretSeed().Faults(2, serverErrorRate: 1.0)),
                ("dropped", SecretSeed().Faults(3, dropRate: 1.0)),
                ("dropped after commit", SecretSeed().Faults(4, dropAfterCommitRate: 1.0)),
            })
            {
                await using var faulty = await Emu.StartAsync(faultSeed);
                var fc = Resolve(faulty.Endpoint);
                var fctx = new Ec2Context(cache.GetClient(fc), Keys.Region, texts.Verbose.Enqueue);
                await texts.Capture(name + " read", () => new CapacityReservationUsageService(fctx).GetAsync(Source, null, default));
                await texts.Capture(name + " create", () => new InterruptibleAllocationService(fctx).CreateAsync(new CreateAllocationRequest { CapacityReservationId = Source, InstanceCount = 1 }));
                await texts.Capture(name + " cancel", () => new CapacityReservationCancellationService(fctx).CancelAsync(cancel));
                texts.Verdict(name + " DryRun", await new CapacityReservationUsageService(fctx).DryRunAsync(Source, default));
                foreach (var r in await new CreditSpecificationService(fctx).ApplyAsync(changes, 10, null, null)) texts.Failure(name + " credits", CreditSpecificationService.FailureOf(r));
                texts.Add(name + " journal JSON", await HttpText(faulty, "_emulator/requests"));
            }
            {
                await using var slow = await Emu.StartAsync(SecretSeed().Faults(5, latencyMs: 3000));
                var sc = Resolve(slow.Endpoint);
                var shortTimeout = ClientSettings.ProductionWithShortBackoff();
                shortTimeout.Timeout = TimeSpan.FromMilliseconds(200);
                shortTimeout.MaxAttempts = 1;
                var sctx = new Ec2Context(new Ec2ClientCache(shortTimeout).GetClient(sc), Keys.Region, texts.Verbose.Enqueue);
                await texts.Capture("timeout", () => new CapacityReservationUsageService(sctx).GetAsync(Source, null, default));
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
                await texts.Capture("cancelled", () => new InterruptibleAllocationService(new Ec2Context(cache.GetClient(sc), Keys.Region, texts.Verbose.Enqueue)).WaitAsync(Source, TimeSpan.FromMinutes(1), null, cts.Token));
                await texts.Capture("wait timeout", () => new InterruptibleAllocationService(new Ec2Context(cache.GetClient(sc), Keys.Region, texts.Verbose.Enqueue), wait).WaitAsync(Source, TimeSpan.FromMilliseconds(150), null));
            }

            // ---- connection resolution failures and bad input
            foreach (var (name, options) in new[]
            {
                ("token without keys", new ConnectionOptions { SessionToken = SessionToken, Region = Keys.Region }),
                ("secret without access key", new ConnectionOptions { SecretKey = SecretKey, SessionToken = SessionToken, Region = Keys.Region }),
                ("access key without secret", new ConnectionOptions { AccessKey = AccessKey, SessionToken = SessionToken, Region = Keys.Region }),
                ("bad region", new ConnectionOptions { AccessKey = AccessKey, SecretKey = SecretKey, SessionToken = SessionToken, Region = "mars-north-1x" }),
                ("bad endpoint", new ConnectionOptions { AccessKey = AccessKey, SecretKey = SecretKey, SessionToken = SessionToken, Region = Keys.Region, EndpointUrl = "ftp://example" }),
                ("no region", new ConnectionOptions { AccessKey = AccessKey, SecretKey = SecretKey, SessionToken = SessionToken }),
                ("credential object", new ConnectionOptions { Credential = new Amazon.Runtime.SessionAWSCredentials(AccessKey, SecretKey, SessionToken), Region = Keys.Region }),
                ("stored credentials", new ConnectionOptions { StoredCredentials = new Amazon.Runtime.SessionAWSCredentials(AccessKey, SecretKey, SessionToken), StoredRegion = Keys.Region }),
                ("bad credential object", new ConnectionOptions { Credential = "not credentials " + AccessKey, Region = Keys.Region }),
            })
            {
                try
                {
                    var resolved = Resolver().Resolve(options);
                    texts.Add(name + " resolved", resolved.Describe());
                }
                catch (Exception e)
                {
                    texts.Exception(name, e);
                }
            }
            await texts.Capture("bad id", () => usage.GetAsync("cr-NOT-VALID\n&Action=x", null, default));
            await texts.Capture("bad count", () => allocations.CreateAsync(new CreateAllocationRequest { CapacityReservationId = Source, InstanceCount = -1 }));
            await texts.Capture("bad tags", () => allocations.CreateAsync(new CreateAllocationRequest { CapacityReservationId = Source, InstanceCount = 1, Tags = new Hashtable { ["aws:x"] = "y" } }));
            await texts.Capture("conflicting credits", () => credits.ApplyAsync(new[] { new CreditChange(Ids.I(0x70, 1), "standard"), new CreditChange(Ids.I(0x70, 1), "unlimited") }, 10, null, null));

            // ---- verbose, the emulator's own texts, and the files the tests write
            foreach (var line in texts.Verbose) texts.Add("verbose", line);
            texts.Add("GetStateJson", emu.Server.GetStateJson());
            texts.Add("GET /_emulator/state", await HttpText(emu, "_emulator/state"));
            texts.Add("GET /_emulator/requests", await HttpText(emu, "_emulator/requests"));
            foreach (var e in emu.Journal())
            {
                texts.Add("JournalEntry", string.Join("|", e.Sequence, e.Action, e.DryRun, e.HttpStatus, e.ErrorCode, e.AccessKeyId, e.RequestId)
                    + " " + string.Join("&", e.Parameters.Select(p => p.Key + "=" + p.Value)));
            }

            int textsBeforeFiles = texts.Items.Count;
            var transcript = Path.Combine(Path.GetDirectoryName(FiguresFile.Path), "secret-scan-transcript.txt");
            Directory.CreateDirectory(Path.GetDirectoryName(transcript));
            File.WriteAllText(transcript, string.Join(Environment.NewLine, texts.Items.Select(t => "[" + t.Origin + "] " + t.Text)));
            figures.Add("transcript written (and scanned)", transcript);
            texts.Add("file " + transcript, File.ReadAllText(transcript));
            texts.Add("file " + FiguresFile.Path, FiguresFile.ReadAll());

            // ---- the scan: every secret, and every 12-character piece of each
            var needles = Secrets.SelectMany(s => Enumerable.Range(0, s.Length - 11).Select(i => s.Substring(i, 12))).Concat(Secrets).Distinct().ToList();
            int occurrences = 0;
            var hits = new List<string>();
            foreach (var (origin, text) in texts.Items)
            {
                foreach (var needle in needles)
                {
                    int at = text.IndexOf(needle, StringComparison.Ordinal);
                    if (at < 0) continue;
                    occurrences++;
                    if (hits.Count < 20) hits.Add($"{origin}: contains '{needle.Substring(0, 4)}…' at {at}");
                }
            }
            long characters = texts.Items.Sum(t => (long)t.Text.Length);
            var origins = texts.Items.Select(t => t.Origin.Split(' ')[0]).Distinct().Count();

            figures.Add("texts scanned", texts.Items.Count);
            figures.Add("  of which engine and emulator texts", textsBeforeFiles);
            figures.Add("  of which files the tests wrote", texts.Items.Count - textsBeforeFiles);
            figures.Add("characters scanned", characters);
            figures.Add("secrets looked for (secret keys and session tokens, right and wrong)", Secrets.Length);
            figures.Add("occurrences of a secret or a 12-character piece of one", occurrences);
            foreach (var h in hits) figures.Note("hit: " + h);

            Assert.True(texts.Items.Count > 150, texts.Items.Count + " texts");
            Assert.Contains(texts.Items, t => t.Origin.StartsWith("wrong token", StringComparison.Ordinal) && t.Text.Contains("AuthFailure", StringComparison.Ordinal));
            Assert.Contains(texts.Items, t => t.Origin.StartsWith("throttled", StringComparison.Ordinal) && t.Text.Contains("RequestLimitExceeded", StringComparison.Ordinal));
            Assert.Contains(texts.Items, t => t.Origin == "verbose");
            Assert.Equal(0, occurrences);
            Assert.Empty(hits);
        }

        private static readonly HttpClient Http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        private static async Task<string> HttpText(Emu emu, string path) => await Http.GetStringAsync(new Uri(emu.Server.BaseUri, path));
    }
}
