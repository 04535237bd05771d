using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ec2Capacity.Emulator
{
    /// <summary>
    /// A loopback EC2 endpoint (EC2 Query protocol, API 2016-11-15) for the module's five actions, bound to 127.0.0.1 only.
    /// Start it in-process with <see cref="StartAsync"/> or from the command line (see README.md).
    /// </summary>
    public sealed class EmulatorServer : IAsyncDisposable
    {
        /// <summary>Largest EC2 request body accepted (1 MiB); larger bodies get 413 with an EC2-style error.</summary>
        public const int MaxEc2BodyBytes = 1024 * 1024;

        /// <summary>Largest seed accepted by POST /_emulator/reset.</summary>
        public const int MaxSeedBytes = 64 * 1024 * 1024;

        private const string XmlContentType = "text/xml;charset=UTF-8";
        private readonly EmulatorState _state;
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private WebApplication _app;
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

        /// <summary>Starts an emulator. <paramref name="seedJson"/> null → <see cref="DemoSeed.Json"/>; <paramref name="port"/> 0 → an ephemeral port.</summary>
        /// <exception cref="SeedException">The seed is invalid.</exception>
        public static Task<EmulatorServer> StartAsync(string seedJson = null, int port = 0) => StartAsync(seedJson, port, consoleWarnings: false);

        /// <summary>As <see cref="StartAsync(string, int)"/>; <paramref name="consoleWarnings"/> logs ASP.NET warnings and errors to the console (the command line does).</summary>
        internal static async Task<EmulatorServer> StartAsync(string seedJson, int port, bool consoleWarnings)
        {
            if (port < 0 || port > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "expected 0-65535");
            var server = new EmulatorServer(SeedParser.Parse(seedJson ?? DemoSeed.Json));
            try
            {
                await server.StartHostAsync(port, consoleWarnings).ConfigureAwait(false);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
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

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            _stopping.Cancel();
            if (_app != null)
            {
                try
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await _app.StopAsync(cts.Token).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // best effort: the host is going away anyway
                }
                await _app.DisposeAsync().ConfigureAwait(false);
            }
            _stopping.Dispose();
        }

        private async Task StartHostAsync(int port, bool consoleWarnings)
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                Args = Array.Empty<string>(),
                ContentRootPath = AppContext.BaseDirectory,
                EnvironmentName = Environments.Production,
            });
            builder.Logging.ClearProviders();
            if (consoleWarnings)
            {
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
                builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            }
            builder.Services.AddSingleton<IHostLifetime, NoConsoleLifetime>();
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(3));
            builder.WebHost.UseKestrel(k =>
            {
                k.AddServerHeader = false;
                k.Limits.MaxRequestBodySize = null; // enforced per route below, with EC2-style answers
                k.Limits.MaxRequestLineSize = 64 * 1024;
                k.Listen(IPAddress.Loopback, port);
            });
            var app = builder.Build();
            app.Run(HandleAsync);
            _app = app;
            await app.StartAsync(_stopping.Token).ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>().Addresses.First();
            var uri = new Uri(address);
            BaseUri = new Uri("http://127.0.0.1:" + uri.Port + "/");
        }

        private sealed class NoConsoleLifetime : IHostLifetime
        {
            public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
            public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        }

        private async Task HandleAsync(HttpContext ctx)
        {
            try
            {
                if (ctx.Request.Path.StartsWithSegments("/_emulator", out var rest)) await AdminAsync(ctx, rest.Value ?? "").ConfigureAwait(false);
                else await Ec2Async(ctx).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested || _stopping.IsCancellationRequested)
            {
                ctx.Abort();
            }
            catch (BadHttpRequestException ex) when (!ctx.Response.HasStarted)
            {
                ctx.Response.Clear();
                ctx.Response.StatusCode = 400;
                ctx.Response.ContentType = XmlContentType;
                await ctx.Response.WriteAsync(Xml.Error("InvalidRequest", "The request is not valid HTTP: " + Xml.Clip(ex.Message), Guid.NewGuid().ToString()))
                    .ConfigureAwait(false);
            }
            catch (Exception ex) when (!ctx.Response.HasStarted)
            {
                // Never let a bug become a dropped connection without an answer.
                ctx.Response.Clear();
                ctx.Response.StatusCode = 500;
                ctx.Response.ContentType = XmlContentType;
                await ctx.Response.WriteAsync(Xml.Error("InternalError", "An internal error has occurred (" + ex.GetType().Name + ")", Guid.NewGuid().ToString()))
                    .ConfigureAwait(false);
            }
        }

        // ------------------------------------------------------------------ admin routes

        private async Task AdminAsync(HttpContext ctx, string route)
        {
            string method = ctx.Request.Method;
            switch (route)
            {
                case "/reset":
                    if (!HttpMethods.IsPost(method)) { await JsonAsync(ctx, 405, ErrorJson("MethodNotAllowed", null, "use POST")).ConfigureAwait(false); return; }
                    var (body, tooLarge) = await ReadBodyAsync(ctx, MaxSeedBytes).ConfigureAwait(false);
                    if (tooLarge)
                    {
                        await JsonAsync(ctx, 413, ErrorJson("InvalidSeed", "$", "the seed is larger than " + MaxSeedBytes + " bytes")).ConfigureAwait(false);
                        return;
                    }
                    string text;
                    try
                    {
                        text = new UTF8Encoding(false, true).GetString(body);
                    }
                    catch (DecoderFallbackException)
                    {
                        await JsonAsync(ctx, 400, ErrorJson("InvalidSeed", "$", "the seed is not UTF-8 text")).ConfigureAwait(false);
                        return;
                    }
                    try
                    {
                        Reset(text);
                    }
                    catch (SeedException ex)
                    {
                        await JsonAsync(ctx, 400, ErrorJson("InvalidSeed", ex.Field, ex.Message)).ConfigureAwait(false);
                        return;
                    }
                    await JsonAsync(ctx, 200, "{\"reset\":true,\"region\":" + JsonSerializer.Serialize(_state.Region) + "}").ConfigureAwait(false);
                    return;
                case "/state":
                    if (!HttpMethods.IsGet(method)) { await JsonAsync(ctx, 405, ErrorJson("MethodNotAllowed", null, "use GET")).ConfigureAwait(false); return; }
                    await JsonAsync(ctx, 200, _state.StateJson()).ConfigureAwait(false);
                    return;
                case "/requests":
                    if (!HttpMethods.IsGet(method)) { await JsonAsync(ctx, 405, ErrorJson("MethodNotAllowed", null, "use GET")).ConfigureAwait(false); return; }
                    await JsonAsync(ctx, 200, _state.JournalJson()).ConfigureAwait(false);
                    return;
                default:
                    await JsonAsync(ctx, 404, ErrorJson("NotFound", null, "admin routes: POST /_emulator/reset, GET /_emulator/state, GET /_emulator/requests"))
                        .ConfigureAwait(false);
                    return;
            }
        }

        private static string ErrorJson(string error, string field, string message) =>
            JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = error, ["field"] = field, ["message"] = message });

        private static Task JsonAsync(HttpContext ctx, int status, string json)
        {
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = "application/json; charset=utf-8";
            return ctx.Response.WriteAsync(json, Encoding.UTF8);
        }

        // ------------------------------------------------------------------ EC2

        private async Task Ec2Async(HttpContext ctx)
        {
            string requestId = Guid.NewGuid().ToString();
            string accessKeyId = SigV4.PeekAccessKeyId(ctx.Request);
            int generation = _state.Generation;

            var (body, tooLarge) = await ReadBodyAsync(ctx, MaxEc2BodyBytes).ConfigureAwait(false);
            if (tooLarge)
            {
                ctx.Response.Headers.Connection = "close";
                _state.Record(generation, null, false, 413, "RequestEntityTooLarge", accessKeyId, requestId, null);
                await WriteAsync(ctx, new Ec2Result(413, Xml.Error("RequestEntityTooLarge",
                    "The request body exceeds the maximum size of " + MaxEc2BodyBytes + " bytes.", requestId), "RequestEntityTooLarge")).ConfigureAwait(false);
                return;
            }

            Dictionary<string, string> parameters;
            try
            {
                parameters = ParseParameters(ctx.Request, body);
            }
            catch (DecoderFallbackException)
            {
                _state.Record(generation, null, false, 400, "MalformedQueryString", accessKeyId, requestId, null);
                await WriteAsync(ctx, new Ec2Result(400, Xml.Error("MalformedQueryString", "The request body is not UTF-8 form-urlencoded text.", requestId),
                    "MalformedQueryString")).ConfigureAwait(false);
                return;
            }
            parameters.TryGetValue("Action", out string action);
            bool dryRun = EmulatorState.PeekDryRun(parameters);
            action = action == null ? null : Xml.Clip(action, 256);

            var fault = _state.DrawFaults();
            if (fault.LatencyMs > 0)
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, _stopping.Token);
                try
                {
                    var delay = Task.Delay(fault.LatencyMs, linked.Token);
                    lock (_heldGate) _requestHeld.TrySetResult(true);
                    await delay.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _state.Record(generation, action, dryRun, 0, "ClientClosedRequest", accessKeyId, null, parameters);
                    ctx.Abort();
                    return;
                }
            }

            switch (fault.Kind)
            {
                case FaultKind.Throttle:
                    _state.Record(generation, action, dryRun, 503, "RequestLimitExceeded", accessKeyId, requestId, parameters);
                    await WriteAsync(ctx, new Ec2Result(503, Xml.Error("RequestLimitExceeded", "Request limit exceeded.", requestId), "RequestLimitExceeded"))
                        .ConfigureAwait(false);
                    return;
                case FaultKind.ServerError:
                    _state.Record(generation, action, dryRun, 500, "InternalError", accessKeyId, requestId, parameters);
                    await WriteAsync(ctx, new Ec2Result(500, Xml.Error("InternalError", "An internal error has occurred", requestId), "InternalError"))
                        .ConfigureAwait(false);
                    return;
                case FaultKind.Drop:
                    _state.Record(generation, action, dryRun, 0, "ConnectionDropped", accessKeyId, null, parameters);
                    ctx.Abort();
                    return;
            }

            var result = _state.Execute(ctx.Request, body, parameters, requestId);
            if (fault.Kind == FaultKind.DropAfterCommit)
            {
                _state.Record(generation, action, dryRun, 0, "DroppedAfterCommit", accessKeyId, null, parameters);
                ctx.Abort();
                return;
            }
            _state.Record(generation, action, dryRun, result.Status, result.ErrorCode, accessKeyId, requestId, parameters);
            await WriteAsync(ctx, result).ConfigureAwait(false);
        }

        private static Dictionary<string, string> ParseParameters(HttpRequest request, byte[] body)
        {
            var p = new Dictionary<string, string>(StringComparer.Ordinal);
            if (request.QueryString.HasValue)
            {
                foreach (var (k, v) in FormParser.Split(request.QueryString.Value.Substring(1))) p[k] = v;
            }
            if (body.Length > 0)
            {
                string text = new UTF8Encoding(false, true).GetString(body);
                foreach (var (k, v) in FormParser.Split(text)) p[k] = v;
            }
            return p;
        }

        private static async Task WriteAsync(HttpContext ctx, Ec2Result result)
        {
            ctx.Response.StatusCode = result.Status;
            ctx.Response.ContentType = XmlContentType;
            byte[] bytes = Encoding.UTF8.GetBytes(result.Body);
            ctx.Response.ContentLength = bytes.Length;
            await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted).ConfigureAwait(false);
        }

        /// <summary>Reads the body up to <paramref name="limit"/> bytes; past it, drains (bounded) so the client still reads the answer.</summary>
        private async Task<(byte[] Body, bool TooLarge)> ReadBodyAsync(HttpContext ctx, int limit)
        {
            var stream = ctx.Request.Body;
            long? declared = ctx.Request.ContentLength;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, _stopping.Token);
            var token = linked.Token;
            if (declared > limit)
            {
                await DrainAsync(stream, token).ConfigureAwait(false);
                return (null, true);
            }
            using var ms = new MemoryStream(declared.HasValue ? (int)declared.Value : 1024);
            var buffer = new byte[16 * 1024];
            while (true)
            {
                int n = await stream.ReadAsync(buffer, token).ConfigureAwait(false);
                if (n == 0) break;
                if (ms.Length + n > limit)
                {
                    await DrainAsync(stream, token).ConfigureAwait(false);
                    return (null, true);
                }
                ms.Write(buffer, 0, n);
            }
            return (ms.ToArray(), false);
        }

        private static async Task DrainAsync(Stream stream, CancellationToken token)
        {
            const long drainLimit = 64L * 1024 * 1024;
            var buffer = new byte[64 * 1024];
            long total = 0;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                while (total < drainLimit)
                {
                    int n = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
                    if (n == 0) return;
                    total += n;
                }
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                // slow or endless sender: answer anyway; Connection: close ends it
            }
        }
    }
}
