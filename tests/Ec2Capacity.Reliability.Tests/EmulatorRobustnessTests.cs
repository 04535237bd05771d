using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using Ec2Capacity.Emulator;
using Ec2Capacity.Reliability.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Ec2Capacity.Reliability.Tests
{
    /// <summary>
    /// Issue 5, item 8 (the emulator's own tests cover each case; this is the compact, figure-printing version):
    /// malformed bodies, unknown actions, bad signatures, other methods, bodies over 1 MiB, broken HTTP, and 500 concurrent
    /// requests each get an EC2-style error or answer within a timeout, never a crash or a hang; afterwards the emulator
    /// still answers the engine and its state is unchanged.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class EmulatorRobustnessTests
    {
        private static readonly TimeSpan PerRequest = TimeSpan.FromSeconds(20);
        private static readonly string Reservation = Ids.Cr(0xb0, 1);

        private readonly ITestOutputHelper _output;

        public EmulatorRobustnessTests(ITestOutputHelper output) => _output = output;

        private enum Kind { Ec2Answer, Ec2Error, AdminJson, Other, Hang, ConnectionFailure }

        private sealed class Result
        {
            public string Name;
            public Kind Kind;
            public int Status;
            public string Code;
            public TimeSpan Elapsed;
        }

        private static string Form(params (string Key, string Value)[] pairs) =>
            string.Join("&", pairs.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));

        private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

        private sealed class Sender
        {
            private readonly HttpClient _http;
            private readonly EmulatorServer _server;

            public Sender(EmulatorServer server, int connections)
            {
                _server = server;
                _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
                {
                    Timeout = Timeout.InfiniteTimeSpan,
                };
            }

            public async Task<Result> Send(string name, byte[] body, bool sign = true, string method = "POST", string path = "", string contentType = "application/x-www-form-urlencoded; charset=utf-8",
                string secret = Keys.OwnerSecret, string accessKey = Keys.OwnerAccessKey, string region = null, bool chunked = false, Action<HttpRequestMessage> edit = null)
            {
                var clock = Stopwatch.StartNew();
                using var timeout = new CancellationTokenSource(PerRequest);
                var result = new Result { Name = name };
                try
                {
                    using var message = new HttpRequestMessage(new HttpMethod(method), new Uri(_server.BaseUri, path));
                    if (body != null)
                    {
                        message.Content = chunked ? new StreamContent(new OneWayStream(body)) : new ByteArrayContent(body);
                        if (contentType != null) message.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                        if (chunked) message.Headers.TransferEncodingChunked = true;
                    }
                    if (sign) SigV4Signer.Sign(message, body ?? Array.Empty<byte>(), accessKey, secret, region ?? _server.Region);
                    edit?.Invoke(message);
                    using var response = await _http.SendAsync(message, timeout.Token);
                    var text = await response.Content.ReadAsStringAsync(timeout.Token);
                    result.Status = (int)response.StatusCode;
                    result.Kind = Classify(result.Status, text, out result.Code);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    result.Kind = Kind.Hang;
                }
                catch (HttpRequestException e)
                {
                    result.Kind = Kind.ConnectionFailure;
                    result.Code = e.Message;
                }
                result.Elapsed = clock.Elapsed;
                return result;
            }

            private static Kind Classify(int status, string text, out string code)
            {
                code = null;
                if (text.TrimStart().StartsWith("{", StringComparison.Ordinal)) return Kind.AdminJson;
                try
                {
                    var root = XDocument.Parse(text).Root;
                    if (root.Name.LocalName == "Response")
                    {
                        code = root.Element("Errors")?.Element("Error")?.Element("Code")?.Value;
                        bool hasMessage = root.Element("Errors")?.Element("Error")?.Element("Message") != null;
                        bool hasRequestId = !string.IsNullOrEmpty(root.Element("RequestID")?.Value);
                        return status >= 400 && !string.IsNullOrEmpty(code) && hasMessage && hasRequestId ? Kind.Ec2Error : Kind.Other;
                    }
                    bool answer = status == 200 && root.Name.LocalName.EndsWith("Response", StringComparison.Ordinal)
                        && root.Elements().Any(e => e.Name.LocalName == "requestId");
                    return answer ? Kind.Ec2Answer : Kind.Other;
                }
                catch (System.Xml.XmlException)
                {
                    return Kind.Other;
                }
            }
        }

        /// <summary>A body stream without a length, so HttpClient sends it chunked.</summary>
        private sealed class OneWayStream : MemoryStream
        {
            public OneWayStream(byte[] data) : base(data) { }
            public override bool CanSeek => false;
        }

        [Fact]
        public async Task Malformed_unknown_oversized_and_500_concurrent_requests_get_EC2_answers_never_a_crash_or_a_hang()
        {
            var figures = new Figures(_output, "Emulator robustness");
            var seed = new Seed().Reservation(Reservation, 50, 10).Instance(Ids.I(0xb0, 1));
            await using var emu = await Emu.StartAsync(seed);
            var before = emu.Server.GetStateJson();
            var send = new Sender(emu.Server, 500);
            string usage = Form(("Action", "GetCapacityReservationUsage"), ("Version", "2016-11-15"), ("CapacityReservationId", Reservation));
            var binary = new byte[4096];
            new Random(8).NextBytes(binary);
            binary[0] = 0xff;

            // ---- one at a time
            var single = new List<Result>
            {
                await send.Send("valid usage read", Utf8(usage)),
                await send.Send("invalid UTF-8 body", binary),
                await send.Send("empty body", Array.Empty<byte>()),
                await send.Send("only separators", Utf8("&&&===%%%")),
                await send.Send("Action without value", Utf8("Action")),
                await send.Send("JSON body", Utf8("{\"Action\":\"GetCapacityReservationUsage\"}"), contentType: "application/json"),
                await send.Send("XML body", Utf8("<Action>GetCapacityReservationUsage</Action>"), contentType: "text/xml"),
                await send.Send("NUL bytes", new byte[] { 0, 0, 0, 0 }),
                await send.Send("100,000 parameters", Utf8(usage + string.Concat(Enumerable.Repeat("&a=1", 100000)))),
                await send.Send("500 KB parameter name", Utf8(usage + "&" + new string('k', 500 * 1024) + "=1")),
                await send.Send("bad percent escapes", Utf8("Action=GetCapacityReservationUsage&Version=2016-11-15&CapacityReservationId=%ZZ%")),
                await send.Send("Action twice (last one unknown)", Utf8(usage + "&Action=DescribeInstances")),
                await send.Send("MaxResults overflow", Utf8(usage + "&MaxResults=99999999999999999999")),
                await send.Send("credit item 0", Utf8(Form(("Action", "ModifyInstanceCreditSpecification"), ("Version", "2016-11-15"), ("InstanceCreditSpecification.0.InstanceId", "i-1a2b3c4d"), ("InstanceCreditSpecification.0.CpuCredits", "standard")))),
                await send.Send("credit item 9,999,999", Utf8(Form(("Action", "ModifyInstanceCreditSpecification"), ("Version", "2016-11-15"), ("InstanceCreditSpecification.9999999.InstanceId", "i-1a2b3c4d"), ("InstanceCreditSpecification.9999999.CpuCredits", "standard")))),
                await send.Send("tag index overflow", Utf8(Form(("Action", "CreateInterruptibleCapacityReservationAllocation"), ("Version", "2016-11-15"), ("CapacityReservationId", Reservation), ("InstanceCount", "1"), ("DryRun", "true"), ("TagSpecification.1.ResourceType", "capacity-reservation"), ("TagSpecification.1.Tag.999999.Key", "k")))),
                await send.Send("wrong Version", Utf8(Form(("Action", "GetCapacityReservationUsage"), ("Version", "2099-01-01"), ("CapacityReservationId", Reservation)))),
                await send.Send("unknown action RunInstances", Utf8(Form(("Action", "RunInstances"), ("Version", "2016-11-15")))),
                await send.Send("unknown action DescribeInstances", Utf8(Form(("Action", "DescribeInstances"), ("Version", "2016-11-15")))),
                await send.Send("unknown action with markup", Utf8(Form(("Action", "<Run&Instances>]]>"), ("Version", "2016-11-15")))),
                await send.Send("action in lower case", Utf8(Form(("Action", "getcapacityreservationusage"), ("Version", "2016-11-15")))),
                await send.Send("300-character action", Utf8(Form(("Action", new string('A', 300)), ("Version", "2016-11-15")))),
                await send.Send("action with NUL", Utf8(Form(("Action", "GetCapacityReservationUsage\0"), ("Version", "2016-11-15")))),
                await send.Send("unsigned", Utf8(usage), sign: false),
                await send.Send("garbage Authorization", Utf8(usage), sign: false, edit: m => m.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 garbage,,,==")),
                await send.Send("wrong secret", Utf8(usage), secret: "not-the-secret"),
                await send.Send("unknown access key", Utf8(usage), accessKey: "AKIDUNKNOWN000000001"),
                await send.Send("signed for another region", Utf8(usage), region: "eu-west-1"),
                await send.Send("GET /", null, method: "GET"),
                await send.Send("PUT /", Utf8(usage), method: "PUT"),
                await send.Send("DELETE /", null, method: "DELETE"),
                await send.Send("GET /some/path", null, method: "GET", path: "some/path"),
                await send.Send("text/plain body", Utf8(usage), contentType: "text/plain"),
                await send.Send("admin route unknown", null, sign: false, method: "GET", path: "_emulator/nothing"),
                await send.Send("body of 1 MiB + 1 byte", Utf8(usage + "&Filler=" + new string('x', EmulatorServer.MaxEc2BodyBytes))),
                await send.Send("body of 8 MiB", new byte[8 * 1024 * 1024]),
                await send.Send("chunked body of 3 MiB", new byte[3 * 1024 * 1024], sign: false, chunked: true),
            };

            // ---- broken HTTP on raw sockets: answered or closed, never a hang
            var rawResults = new List<(string Name, string Outcome)>
            {
                ("not HTTP at all", await RawSocket(emu.Server, Utf8("\x16\x03\x01 hello, this is not HTTP\r\n\r\n"))),
                ("truncated body (Content-Length 1000, 10 sent, closed)", await RawSocket(emu.Server,
                    Utf8("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nAction=Get"), closeAfterSend: true)),
                ("header line of 70 KB", await RawSocket(emu.Server, Utf8("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + new string('h', 70 * 1024) + "\r\nContent-Length: 0\r\n\r\n"))),
                ("bad Content-Length", await RawSocket(emu.Server, Utf8("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n"))),
            };

            // ---- 500 concurrent: reads, unknown actions, garbage, DryRuns, credit requests, oversized and unsigned bodies
            var kinds = new Func<int, Task<Result>>[]
            {
                i => send.Send("concurrent usage read", Utf8(usage + (i % 2 == 0 ? "&MaxResults=1" : ""))),
                i => send.Send("concurrent unknown action", Utf8(Form(("Action", "NoSuchAction" + i), ("Version", "2016-11-15")))),
                i => send.Send("concurrent garbage", Utf8("%%garbage==&&" + i)),
                i => send.Send("concurrent DryRun", Utf8(Form(("Action", "CreateInterruptibleCapacityReservationAllocation"), ("Version", "2016-11-15"), ("CapacityReservationId", Reservation), ("InstanceCount", "1"), ("DryRun", "true")))),
                i => send.Send("concurrent credits (unknown instance)", Utf8(Form(("Action", "ModifyInstanceCreditSpecification"), ("Version", "2016-11-15"), ("InstanceCreditSpecification.1.InstanceId", Ids.I(0xbf, i + 1)), ("InstanceCreditSpecification.1.CpuCredits", "unlimited")))),
                i => send.Send("concurrent unsigned", Utf8(usage), sign: false),
                i => i % 50 == 6 ? send.Send("concurrent 2 MiB body", new byte[2 * 1024 * 1024]) : send.Send("concurrent invalid UTF-8", binary),
            };
            var clock = Stopwatch.StartNew();
            var concurrent = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => Task.Run(() => kinds[i % kinds.Length](i))));
            var concurrentElapsed = clock.Elapsed;

            // ---- afterwards: the engine still gets answers, nothing changed
            var after = await new CapacityReservationUsageService(emu.Context()).GetAsync(Reservation, null, default);
            var stateAfter = emu.Server.GetStateJson();
            var all = single.Concat(concurrent).ToList();

            figures.Add("requests one at a time", single.Count);
            figures.Add("concurrent requests", concurrent.Length);
            figures.Add("EC2 answers (200, XML with requestId)", all.Count(r => r.Kind == Kind.Ec2Answer));
            figures.Add("EC2-style errors (Response/Errors/Error Code+Message, RequestID)", all.Count(r => r.Kind == Kind.Ec2Error));
            figures.Add("admin route JSON answers", all.Count(r => r.Kind == Kind.AdminJson));
            figures.Add("other answers (not EC2-style)", all.Count(r => r.Kind == Kind.Other));
            figures.Add("hangs (no answer within " + PerRequest.TotalSeconds + " s)", all.Count(r => r.Kind == Kind.Hang));
            figures.Add("connection failures", all.Count(r => r.Kind == Kind.ConnectionFailure));
            figures.Add("error codes", string.Join(", ", all.Where(r => r.Code != null && r.Kind == Kind.Ec2Error).GroupBy(r => r.Code).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key + " " + g.Count())));
            figures.Add("500 concurrent: seconds, slowest answer (ms)", $"{Math.Round(concurrentElapsed.TotalSeconds, 1)}, {Math.Round(concurrent.Max(r => r.Elapsed.TotalMilliseconds))}");
            foreach (var (name, outcome) in rawResults) figures.Add("raw socket: " + name, outcome);
            figures.Add("engine usage read afterwards", after.TotalInstanceCount == 50 ? "answered" : "wrong answer");
            figures.Add("state byte-identical afterwards", before == stateAfter);
            foreach (var r in all.Where(r => r.Kind != Kind.Ec2Answer && r.Kind != Kind.Ec2Error && r.Kind != Kind.AdminJson).Take(20))
            {
                figures.Note($"problem: {r.Name}: {r.Kind} {r.Status} {r.Code}");
            }

            Assert.All(all, r => Assert.True(r.Kind == Kind.Ec2Answer || r.Kind == Kind.Ec2Error || (r.Kind == Kind.AdminJson && r.Name.StartsWith("admin", StringComparison.Ordinal)),
                $"{r.Name}: {r.Kind} {r.Status} {r.Code}"));
            Assert.Equal(Kind.Ec2Answer, single[0].Kind);
            Assert.Equal(413, single.Single(r => r.Name == "body of 1 MiB + 1 byte").Status);
            Assert.Equal(413, single.Single(r => r.Name == "body of 8 MiB").Status);
            Assert.Equal(413, single.Single(r => r.Name == "chunked body of 3 MiB").Status);
            Assert.Equal("InvalidAction", single.Single(r => r.Name == "unknown action RunInstances").Code);
            Assert.All(rawResults, r => Assert.DoesNotContain("hang", r.Outcome, StringComparison.Ordinal));
            Assert.Equal(50, after.TotalInstanceCount);
            Assert.Equal(before, stateAfter);
        }

        /// <summary>Sends raw bytes and reads until the server answers or closes (bounded): "answered 400", "closed", or "hang".</summary>
        private static async Task<string> RawSocket(EmulatorServer server, byte[] bytes, bool closeAfterSend = false)
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(PerRequest);
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, server.BaseUri.Port, timeout.Token);
                var stream = client.GetStream();
                await stream.WriteAsync(bytes, timeout.Token);
                if (closeAfterSend)
                {
                    client.Client.Shutdown(SocketShutdown.Send);
                }
                var buffer = new byte[4096];
                var received = new StringBuilder();
                while (true)
                {
                    int n = await stream.ReadAsync(buffer, timeout.Token);
                    if (n == 0) break;
                    received.Append(Encoding.ASCII.GetString(buffer, 0, n));
                    if (received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal)) break;
                }
                var text = received.ToString();
                if (text.Length == 0) return "closed without an answer";
                var statusLine = text.Split("\r\n")[0];
                return "answered " + statusLine.Replace("HTTP/1.1 ", string.Empty, StringComparison.Ordinal);
            }
            catch (OperationCanceledException)
            {
                return "hang";
            }
            catch (IOException)
            {
                return "closed (reset)";
            }
            catch (SocketException)
            {
                return "closed (reset)";
            }
        }
    }
}
