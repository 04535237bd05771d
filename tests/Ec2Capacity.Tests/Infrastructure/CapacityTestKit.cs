using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.Runtime;
using Ec2Capacity.Emulator;
using Xunit;

namespace Ec2Capacity.Tests
{
    // Shared by the Allocation*, Cancel* and Credit* tests: one in-process emulator per test class (reset per test),
    // a real AmazonEC2Client per test, and a seed builder for the JSON format of issue 2.

    /// <summary>One emulator for a test class; each test resets it with its own seed.</summary>
    public sealed class CapacityEmulatorFixture : IAsyncLifetime
    {
        public EmulatorServer Server { get; private set; }

        public async Task InitializeAsync() => Server = await EmulatorServer.StartAsync(new CapacitySeed().Json());

        public async Task DisposeAsync()
        {
            if (Server != null) await Server.DisposeAsync();
        }
    }

    /// <summary>The emulator, seeded for one test, with helpers to build engine contexts and read the journal and the state.</summary>
    internal sealed class CapacityEmulator
    {
        public const string AccountId = "123456789012";
        public const string AccessKey = "AKIDCAPACITYTEST0001";
        public const string SecretKey = "capacity-test-secret-key-0000000000000001";
        public const string LimitedAccessKey = "AKIDCAPACITYLIMITED1";
        public const string LimitedSecretKey = "capacity-test-secret-key-0000000000000002";

        private readonly List<string> _verbose = new List<string>();

        public CapacityEmulator(CapacityEmulatorFixture fixture, CapacitySeed seed)
        {
            Server = fixture.Server;
            Server.Reset(seed.Json());
        }

        public EmulatorServer Server { get; }
        public string Region => Server.Region;

        /// <summary>What the services wrote to Verbose.</summary>
        public IReadOnlyList<string> Verbose
        {
            get { lock (_verbose) return _verbose.ToList(); }
        }

        /// <summary>
        /// A fresh real EC2 client, built exactly as the cmdlets build theirs (<see cref="Ec2ClientCache.CreateClient"/>,
        /// standard retry mode, attempt log) with test-sized backoff and no retry quota; with a handler, its HTTP traffic
        /// passes through it (the SDK's HttpClientFactory).
        /// </summary>
        public IAmazonEC2 Client(int maxErrorRetry = 2, HttpMessageHandlerFactory handler = null, bool limited = false)
        {
            var credentials = limited ? new BasicAWSCredentials(LimitedAccessKey, LimitedSecretKey) : new BasicAWSCredentials(AccessKey, SecretKey);
            var connection = ResolvedConnection.Create(credentials, Server.Region, Server.BaseUri.AbsoluteUri, "capacity tests");
            return Ec2ClientCache.CreateClient(connection, new Ec2ClientSettings
            {
                MaxAttempts = maxErrorRetry + 1,
                Timeout = TimeSpan.FromSeconds(10),
                MaxBackoff = TimeSpan.FromMilliseconds(5),
                UseRetryQuota = false,
                HttpClientFactory = handler,
            });
        }

        public Ec2Context Context(IAmazonEC2 client = null) =>
            new Ec2Context(client ?? Client(), Server.Region, line => { lock (_verbose) _verbose.Add(line); });

        public IReadOnlyList<JournalEntry> Journal(string action = null) =>
            Server.GetJournal().Where(e => action == null || e.Action == action).ToList();

        public string StateJson() => Server.GetStateJson();

        public JsonNode State() => JsonNode.Parse(Server.GetStateJson());

        public JsonNode Reservation(string id) =>
            State()["capacityReservations"].AsArray().Single(r => (string)r["capacityReservationId"] == id);

        public IReadOnlyList<JsonNode> InterruptibleReservations() =>
            State()["capacityReservations"].AsArray().Where(r => (bool)r["interruptible"]).ToList();

        public JsonNode Instance(string id) =>
            State()["instances"].AsArray().Single(i => (string)i["instanceId"] == id);
    }

    /// <summary>Builds seed JSON (camelCase, as in issue 2).</summary>
    internal sealed class CapacitySeed
    {
        private readonly List<JsonObject> _reservations = new List<JsonObject>();
        private readonly List<JsonObject> _instances = new List<JsonObject>();
        private readonly JsonObject _faults = new JsonObject();
        private int? _settleAfterReads;
        private int? _maxCredits;
        private string[] _limitedActions = { "GetCapacityReservationUsage" };

        public CapacitySeed Reservation(string id, int total, string state = "active", int used = 0, string endDate = null,
            string commitmentEndDate = null, bool capacityBlock = false, string instanceType = "m5.large")
        {
            var r = new JsonObject
            {
                ["capacityReservationId"] = id,
                ["ownerId"] = CapacityEmulator.AccountId,
                ["instanceType"] = instanceType,
                ["totalInstanceCount"] = total,
                ["state"] = state,
                ["capacityBlock"] = capacityBlock,
                ["instanceUsages"] = used > 0
                    ? new JsonArray(new JsonObject { ["accountId"] = CapacityEmulator.AccountId, ["usedInstanceCount"] = used })
                    : new JsonArray(),
            };
            if (endDate != null) r["endDate"] = endDate;
            if (commitmentEndDate != null) r["commitmentEndDate"] = commitmentEndDate;
            _reservations.Add(r);
            return this;
        }

        /// <summary>A source with an allocation already in place (status as given) and its interruptible reservation.</summary>
        public CapacitySeed SourceWithAllocation(string sourceId, string interruptibleId, int total, int lent, string status, string zeroSizePreference = "default")
        {
            Reservation(sourceId, total);
            _reservations[_reservations.Count - 1]["interruptibleCapacityAllocation"] = new JsonObject
            {
                ["instanceCount"] = status == "canceled" ? 0 : lent,
                ["targetInstanceCount"] = status == "canceled" ? 0 : lent,
                ["status"] = status,
                ["interruptibleCapacityReservationId"] = interruptibleId,
                ["zeroSizePreference"] = zeroSizePreference,
            };
            Reservation(interruptibleId, status == "canceled" ? 0 : lent, state: status == "canceled" ? "cancelled" : "active");
            var ir = _reservations[_reservations.Count - 1];
            ir["interruptible"] = true;
            ir["interruptionInfo"] = new JsonObject { ["sourceCapacityReservationId"] = sourceId };
            return this;
        }

        public CapacitySeed Instance(string id, string type = "t3.micro", string state = "running", string tenancy = "default")
        {
            _instances.Add(new JsonObject { ["instanceId"] = id, ["instanceType"] = type, ["state"] = state, ["tenancy"] = tenancy });
            return this;
        }

        public CapacitySeed SettleAfterReads(int reads)
        {
            _settleAfterReads = reads;
            return this;
        }

        public CapacitySeed MaxCreditSpecificationsPerRequest(int max)
        {
            _maxCredits = max;
            return this;
        }

        public CapacitySeed Faults(int seed, double throttleRate = 0, double serverErrorRate = 0, double dropRate = 0, double dropAfterCommitRate = 0, int latencyMs = 0)
        {
            _faults["seed"] = seed;
            _faults["throttleRate"] = throttleRate;
            _faults["serverErrorRate"] = serverErrorRate;
            _faults["dropRate"] = dropRate;
            _faults["dropAfterCommitRate"] = dropAfterCommitRate;
            _faults["latencyMs"] = latencyMs;
            return this;
        }

        /// <summary>The actions the second ("limited") account may call.</summary>
        public CapacitySeed LimitedAccountAllows(params string[] actions)
        {
            _limitedActions = actions;
            return this;
        }

        public string Json()
        {
            var behavior = new JsonObject();
            if (_settleAfterReads.HasValue) behavior["settleAfterReads"] = _settleAfterReads.Value;
            if (_maxCredits.HasValue) behavior["maxCreditSpecificationsPerRequest"] = _maxCredits.Value;
            if (_faults.Count > 0) behavior["faults"] = _faults.DeepClone();
            var root = new JsonObject
            {
                ["region"] = "eu-west-1",
                ["accounts"] = new JsonArray(
                    new JsonObject
                    {
                        ["accountId"] = CapacityEmulator.AccountId,
                        ["accessKeyId"] = CapacityEmulator.AccessKey,
                        ["secretAccessKey"] = CapacityEmulator.SecretKey,
                        ["allowedActions"] = new JsonArray("*"),
                    },
                    new JsonObject
                    {
                        ["accountId"] = "210987654321",
                        ["accessKeyId"] = CapacityEmulator.LimitedAccessKey,
                        ["secretAccessKey"] = CapacityEmulator.LimitedSecretKey,
                        ["allowedActions"] = new JsonArray(_limitedActions.Select(a => (JsonNode)JsonValue.Create(a)).ToArray()),
                    }),
                ["capacityReservations"] = new JsonArray(_reservations.Select(r => r.DeepClone()).ToArray()),
                ["instances"] = new JsonArray(_instances.Select(i => i.DeepClone()).ToArray()),
                ["behavior"] = behavior,
            };
            return root.ToJsonString();
        }

        /// <summary>A reservation ID from a number: cr-0 followed by 16 hex digits.</summary>
        public static string Cr(int n) => "cr-0" + n.ToString("x16");

        /// <summary>An instance ID from a number: i-0 followed by 16 hex digits.</summary>
        public static string I(int n) => "i-0" + n.ToString("x16");
    }

    /// <summary>
    /// An HttpClientFactory for the SDK whose handler can lose the answer of chosen requests after the server
    /// applied them (the request reaches the emulator, the SDK sees an IOException): a deterministic drop-after-commit.
    /// </summary>
    internal sealed class HttpMessageHandlerFactory : HttpClientFactory
    {
        private readonly Func<int, string, bool> _loseAnswer;
        private readonly Action<int, string> _onSend;
        private int _count;

        /// <param name="loseAnswer">(1-based request number, form body) → true to lose that request's answer.</param>
        /// <param name="onSend">Called with (request number, form body) just before a request goes to the emulator.</param>
        public HttpMessageHandlerFactory(Func<int, string, bool> loseAnswer, Action<int, string> onSend = null)
        {
            _loseAnswer = loseAnswer ?? ((n, body) => false);
            _onSend = onSend;
        }

        /// <summary>Requests that went through the handler.</summary>
        public int Count => Volatile.Read(ref _count);

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new HttpClient(new Handler(this, new SocketsHttpHandler()));
        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;
        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
        public override string GetConfigUniqueString(IClientConfig clientConfig) => "drop-after-commit-" + GetHashCode();

        private sealed class Handler : DelegatingHandler
        {
            private readonly HttpMessageHandlerFactory _owner;

            public Handler(HttpMessageHandlerFactory owner, HttpMessageHandler inner) : base(inner) => _owner = owner;

            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                int n = Interlocked.Increment(ref _owner._count);
                string body = request.Content == null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
                _owner._onSend?.Invoke(n, body);
                var response = await base.SendAsync(request, cancellationToken);
                if (_owner._loseAnswer(n, body))
                {
                    response.Dispose();
                    throw new HttpRequestException("The connection was closed after the request was sent (test).", new IOException("connection reset (test)"));
                }
                return response;
            }
        }
    }

    internal static class CapacityAssert
    {
        /// <summary>Awaits a call that must fail with an Ec2OperationException and returns its failure.</summary>
        public static async Task<Ec2Failure> FailsAsync(Func<Task> call)
        {
            var e = await Assert.ThrowsAnyAsync<Ec2OperationException>(call);
            return e.Failure;
        }

        /// <summary>
        /// Starts <paramref name="call"/> against an emulator whose requests are slow (latencyMs), cancels its token as
        /// soon as the first request is on the wire, and returns the failure and the time from Cancel() to the call's
        /// end. Runs twice and measures the second run, so the figure is not the one-off JIT of the cancellation path.
        /// </summary>
        public static async Task<(Ec2Failure Failure, TimeSpan Elapsed)> CancelDuringRequestAsync(CapacityEmulator emulator, Func<Ec2Context, CancellationToken, Task> call)
        {
            for (int round = 0; ; round++)
            {
                var sent = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                var client = emulator.Client(handler: new HttpMessageHandlerFactory(null, (n, body) => sent.TrySetResult(true)));
                using var cts = new CancellationTokenSource();
                var task = call(emulator.Context(client), cts.Token);
                await sent.Task;
                var clock = System.Diagnostics.Stopwatch.StartNew();
                cts.Cancel();
                var failure = await FailsAsync(() => task);
                var elapsed = clock.Elapsed;
                if (round == 1) return (failure, elapsed);
            }
        }

        /// <summary>Awaits a call that must be rejected before any request; returns the exception.</summary>
        public static async Task<InputValidationException> RejectedAsync(CapacityEmulator emulator, Func<Task> call)
        {
            var e = await Assert.ThrowsAsync<InputValidationException>(call);
            Assert.Empty(emulator.Journal());
            return e;
        }
    }
}
