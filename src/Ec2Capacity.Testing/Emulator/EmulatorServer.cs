using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Ec2Capacity.Emulator
{
    /// <summary>
    /// A loopback EC2 endpoint (EC2 Query protocol, API 2016-11-15) for the module's five actions, bound to 127.0.0.1 only,
    /// served by <see cref="LoopbackHttpServer"/> (a TcpListener, so it runs inside any PowerShell 7.4+ process).
    /// Start it in-process with <see cref="StartAsync"/>, from PowerShell with Start-Ec2CapacityEmulator, or from the
    /// command line (tests/Ec2Capacity.Emulator).
    /// </summary>
    public sealed class EmulatorServer : IAsyncDisposable, IDisposable
    {
        /// <summary>Largest EC2 request body accepted (1 MiB); larger bodies get 413 with an EC2-style error.</summary>
        public const int MaxEc2BodyBytes = 1024 * 1024;

        /// <summary>Largest seed accepted by POST /_emulator/reset.</summary>
        public const int MaxSeedBytes = 64 * 1024 * 1024;

        private const string XmlContentType = "text/xml;charset=UTF-8";
        private readonly EmulatorState _state;
        private LoopbackHttpServer _http;
        private int _disposed;

        private EmulatorServer(World world) => _state = new EmulatorState(world);

        private readonly object _heldGate = new object();
        private TaskCompletionSource<bool> _requestHeld = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>
        /// Completes when an EC2 request is being held by the <c>latencyMs</c> fault (received, not yet answered), so a
        /// test can cancel "during a slow request" on that condition instead of guessing a delay.
        /// </summary>
        public Task WhenRequestHeldAsync()
        {
            lock (_heldGate) return _requestHeld.Task;
        }

        /// <summary>The endpoint, <c>http://127.0.0.1:&lt;port&gt;/</c>: use it as the SDK's ServiceURL.</summary>
        public Uri BaseUri { get; private set; }

        /// <summary>The region of the current seed (sign with it: AmazonEC2Config.AuthenticationRegion).</summary>
        public string Region => _state.Region;

        /// <summary>The accounts of the current seed (their keys are the test credentials the seed defines).</summary>
        public IReadOnlyList<SeedAccount> Accounts => _state.Accounts();

        /// <summary>True until the server is disposed.</summary>
        public bool IsRunning => Volatile.Read(ref _disposed) == 0;

        /// <summary>Starts an emulator. <paramref name="seedJson"/> null → <see cref="DemoSeed.Json"/>; <paramref name="port"/> 0 → an ephemeral port.</summary>
        /// <exception cref="SeedException">The seed is invalid.</exception>
        /// <exception cref="System.Net.Sockets.SocketException">The port is taken.</exception>
        public static Task<EmulatorServer> StartAsync(string seedJson = null, int port = 0) => Task.FromResult(Start(seedJson, port));

        /// <summary>The same, synchronously (a PowerShell cmdlet's way).</summary>
        public static EmulatorServer Start(string seedJson = null, int port = 0)
        {
            if (port < 0 || port > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "expected 0-65535");
            var server = new EmulatorServer(SeedParser.Parse(seedJson ?? DemoSeed.Json));
            server._http = LoopbackHttpServer.Start(port, server.HandleAsync,
                path => path.StartsWith("/_emulator", StringComparison.Ordinal) ? MaxSeedBytes : MaxEc2BodyBytes);
            server.BaseUri = new Uri("http://127.0.0.1:" + server._http.Port + "/");
            return server;
        }

        /// <summary>Replaces all state with the seed (null → demo seed) and clears the journal; on a bad seed throws and keeps the previous state.</summary>
        /// <exception cref="SeedException">The seed is invalid; <see cref="SeedException.Field"/> names the field.</exception>
        public void Reset(string seedJson)
        {
            _state.Reset(SeedParser.Parse(seedJson ?? DemoSeed.Json));
            lock (_heldGate)
            {
                if (_requestHeld.Task.IsCompleted) _requestHeld = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        /// <summary>The state as JSON (same as GET /_emulator/state). Stable order: byte-identical while nothing changes. No secrets.</summary>
        public string GetStateJson() => _state.StateJson();

        /// <summary>Every EC2 request since the last reset (same as GET /_emulator/requests).</summary>
        public IReadOnlyList<JournalEntry> GetJournal() => _state.Journal();

        /// <summary>The journal as JSON (same as GET /_emulator/requests).</summary>
        public string GetJournalJson() => _state.JournalJson();

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            if (_http != null) await _http.DisposeAsync().ConfigureAwait(false);
        }

        public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

        private async Task HandleAsync(HttpExchange exchange)
        {
            try
            {
                var path = exchange.Request.Path;
                if (path == "/_emulator" || path.StartsWith("/_emulator/", StringComparison.Ordinal)) await AdminAsync(exchange, path.Substring("/_emulator".Length)).ConfigureAwait(false);
                else await Ec2Async(exchange).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (exchange.ClientGone.IsCancellationRequested)
            {
                exchange.Abort();
            }
            catch (Exception ex) when (!exchange.Responded && !exchange.Aborted && !(ex is System.IO.IOException))
            {
                // Never let a bug become a dropped connection without an answer.
                await exchange.RespondAsync(500, XmlContentType, Encoding.UTF8.GetBytes(
                    Xml.Error("InternalError", "An internal error has occurred (" + ex.GetType().Name + ")", Guid.NewGuid().ToString()))).ConfigureAwait(false);
            }
        }

        // ------------------------------------------------------------------ admin routes

        private async Task AdminAsync(HttpExchange exchange, string route)
        {
            var request = exchange.Request;
            string method = request.Method;
            switch (route)
            {
                case "/reset":
                    if (method != "POST") { await JsonAsync(exchange, 405, ErrorJson("MethodNotAllowed", null, "use POST")).ConfigureAwait(false); return; }
                    if (request.BodyTooLarge)
                    {
                        await JsonAsync(exchange, 413, ErrorJson("InvalidSeed", "$", "the seed is larger than " + MaxSeedBytes + " bytes")).ConfigureAwait(false);
                        return;
                    }
                    string text;
                    try
                    {
                        text = new UTF8Encoding(false, true).GetString(request.Body);
                    }
                    catch (DecoderFallbackException)
                    {
                        await JsonAsync(exchange, 400, ErrorJson("InvalidSeed", "$", "the seed is not UTF-8 text")).ConfigureAwait(false);
                        return;
                    }
                    try
                    {
                        Reset(text);
                    }
                    catch (SeedException ex)
                    {
                        await JsonAsync(exchange, 400, ErrorJson("InvalidSeed", ex.Field, ex.Message)).ConfigureAwait(false);
                        return;
                    }
                    await JsonAsync(exchange, 200, "{\"reset\":true,\"region\":" + JsonSerializer.Serialize(_state.Region) + "}").ConfigureAwait(false);
                    return;
                case "/state":
                    if (method != "GET") { await JsonAsync(exchange, 405, ErrorJson("MethodNotAllowed", null, "use GET")).ConfigureAwait(false); return; }
                    await JsonAsync(exchange, 200, _state.StateJson()).ConfigureAwait(false);
                    return;
                case "/requests":
                    if (method != "GET") { await JsonAsync(exchange, 405, ErrorJson("MethodNotAllowed", null, "use GET")).ConfigureAwait(false); return; }
                    await JsonAsync(exchange, 200, _state.JournalJson()).ConfigureAwait(false);
                    return;
                default:
                    await JsonAsync(exchange, 404, ErrorJson("NotFound", null, "admin routes: POST /_emulator/reset, GET /_emulator/state, GET /_emulator/requests"))
                        .ConfigureAwait(false);
                    return;
            }
        }

        private static string ErrorJson(string error, string field, string message) =>
            JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = error, ["field"] = field, ["message"] = message });

        private static Task JsonAsync(HttpExchange exchange, int status, string json) =>
            exchange.RespondAsync(status, "application/json; charset=utf-8", Encoding.UTF8.GetBytes(json));

        // ------------------------------------------------------------------ EC2

        private async Task Ec2Async(HttpExchange exchange)
        {
            var request = exchange.Request;
            string requestId = Guid.NewGuid().ToString();
            string accessKeyId = SigV4.PeekAccessKeyId(request);
            int generation = _state.Generation;

            if (request.BodyTooLarge)
            {
                _state.Record(generation, null, false, 413, "RequestEntityTooLarge", accessKeyId, requestId, null);
                await WriteAsync(exchange, new Ec2Result(413, Xml.Error("RequestEntityTooLarge",
                    "The request body exceeds the maximum size of " + MaxEc2BodyBytes + " bytes.", requestId), "RequestEntityTooLarge"), close: true).ConfigureAwait(false);
                return;
            }

            Dictionary<string, string> parameters;
            try
            {
                parameters = ParseParameters(request);
            }
            catch (DecoderFallbackException)
            {
                _state.Record(generation, null, false, 400, "MalformedQueryString", accessKeyId, requestId, null);
                await WriteAsync(exchange, new Ec2Result(400, Xml.Error("MalformedQueryString", "The request body is not UTF-8 form-urlencoded text.", requestId),
                    "MalformedQueryString")).ConfigureAwait(false);
                return;
            }
            parameters.TryGetValue("Action", out string action);
            bool dryRun = EmulatorState.PeekDryRun(parameters);
            action = action == null ? null : Xml.Clip(action, 256);

            var fault = _state.DrawFaults();
            if (fault.LatencyMs > 0)
            {
                try
                {
                    var delay = Task.Delay(fault.LatencyMs, exchange.ClientGone);
                    lock (_heldGate) _requestHeld.TrySetResult(true);
                    await delay.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _state.Record(generation, action, dryRun, 0, "ClientClosedRequest", accessKeyId, null, parameters);
                    exchange.Abort();
                    return;
                }
            }

            switch (fault.Kind)
            {
                case FaultKind.Throttle:
                    _state.Record(generation, action, dryRun, 503, "RequestLimitExceeded", accessKeyId, requestId, parameters);
                    await WriteAsync(exchange, new Ec2Result(503, Xml.Error("RequestLimitExceeded", "Request limit exceeded.", requestId), "RequestLimitExceeded"))
                        .ConfigureAwait(false);
                    return;
                case FaultKind.ServerError:
                    _state.Record(generation, action, dryRun, 500, "InternalError", accessKeyId, requestId, parameters);
                    await WriteAsync(exchange, new Ec2Result(500, Xml.Error("InternalError", "An internal error has occurred", requestId), "InternalError"))
                        .ConfigureAwait(false);
                    return;
                case FaultKind.Drop:
                    _state.Record(generation, action, dryRun, 0, "ConnectionDropped", accessKeyId, null, parameters);
                    exchange.Abort();
                    return;
            }

            var result = _state.Execute(request, request.Body, parameters, requestId);
            if (fault.Kind == FaultKind.DropAfterCommit)
            {
                _state.Record(generation, action, dryRun, 0, "DroppedAfterCommit", accessKeyId, null, parameters);
                exchange.Abort();
                return;
            }
            _state.Record(generation, action, dryRun, result.Status, result.ErrorCode, accessKeyId, requestId, parameters);
            await WriteAsync(exchange, result).ConfigureAwait(false);
        }

        private static Dictionary<string, string> ParseParameters(EmulatorHttpRequest request)
        {
            var p = new Dictionary<string, string>(StringComparer.Ordinal);
            if (request.QueryString.Length > 1)
            {
                foreach (var (k, v) in FormParser.Split(request.QueryString.Substring(1))) p[k] = v;
            }
            if (request.Body.Length > 0)
            {
                string text = new UTF8Encoding(false, true).GetString(request.Body);
                foreach (var (k, v) in FormParser.Split(text)) p[k] = v;
            }
            return p;
        }

        private static Task WriteAsync(HttpExchange exchange, Ec2Result result, bool close = false) =>
            exchange.RespondAsync(result.Status, XmlContentType, Encoding.UTF8.GetBytes(result.Body), close);
    }
}
