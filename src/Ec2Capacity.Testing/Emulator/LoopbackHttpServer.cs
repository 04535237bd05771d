using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Ec2Capacity.Emulator
{
    /// <summary>
    /// A small HTTP/1.1 server on a <see cref="TcpListener"/> bound to 127.0.0.1: what every PowerShell edition has, so the
    /// emulator runs inside pwsh, and a dropped connection is exactly a reset socket. Keep-alive, Content-Length and
    /// chunked bodies, Expect: 100-continue; malformed requests get 400 and the connection closes.
    /// </summary>
    internal sealed class LoopbackHttpServer : IAsyncDisposable
    {
        /// <summary>Largest request line plus headers.</summary>
        public const int MaxHeadBytes = 64 * 1024;

        private readonly TcpListener _listener;
        private readonly Func<HttpExchange, Task> _handler;
        private readonly Func<string, int> _bodyLimit;
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private readonly ConcurrentDictionary<TcpClient, bool> _connections = new ConcurrentDictionary<TcpClient, bool>();
        private readonly Task _accepting;

        private LoopbackHttpServer(TcpListener listener, Func<HttpExchange, Task> handler, Func<string, int> bodyLimit)
        {
            _listener = listener;
            _handler = handler;
            _bodyLimit = bodyLimit;
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            _accepting = AcceptAsync();
        }

        /// <summary>The port the listener got (an ephemeral one when 0 was asked for).</summary>
        public int Port { get; }

        /// <summary>Listens on 127.0.0.1:<paramref name="port"/>. <paramref name="bodyLimit"/> gives the largest body a path accepts.</summary>
        /// <exception cref="SocketException">The port is taken.</exception>
        public static LoopbackHttpServer Start(int port, Func<HttpExchange, Task> handler, Func<string, int> bodyLimit)
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start(1024);
            return new LoopbackHttpServer(listener, handler, bodyLimit);
        }

        public async ValueTask DisposeAsync()
        {
            if (_stopping.IsCancellationRequested) return;
            _stopping.Cancel();
            _listener.Stop();
            foreach (var client in _connections.Keys) client.Close();
            try { await _accepting.ConfigureAwait(false); } catch (Exception) { /* stopping */ }
        }

        private async Task AcceptAsync()
        {
            while (!_stopping.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync().ConfigureAwait(false);
                }
                catch (Exception) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (SocketException)
                {
                    continue; // a client that gave up while queued
                }
                client.NoDelay = true;
                _connections[client] = true;
                _ = ServeAsync(client);
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            try
            {
                using (client)
                {
                    var stream = client.GetStream();
                    var reader = new ConnectionReader(stream);
                    while (!_stopping.IsCancellationRequested)
                    {
                        var exchange = await ReadExchangeAsync(client, stream, reader).ConfigureAwait(false);
                        if (exchange == null) return;
                        using (exchange)
                        {
                            await _handler(exchange).ConfigureAwait(false);
                            if (exchange.Aborted) return;
                            if (!exchange.Responded) await exchange.RespondAsync(500, "text/plain", Encoding.UTF8.GetBytes("no answer"), close: true).ConfigureAwait(false);
                            if (exchange.CloseAfter) return;
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException || e is SocketException || e is ObjectDisposedException || e is OperationCanceledException)
            {
                // the client went away or the server stopped
            }
            finally
            {
                _connections.TryRemove(client, out _);
            }
        }

        /// <summary>One request, or null when the connection ended (cleanly, or after a 400 for a malformed request).</summary>
        private async Task<HttpExchange> ReadExchangeAsync(TcpClient client, NetworkStream stream, ConnectionReader reader)
        {
            string head;
            try
            {
                head = await reader.ReadHeadAsync(MaxHeadBytes, _stopping.Token).ConfigureAwait(false);
            }
            catch (BadHttpException e)
            {
                await HttpExchange.WriteBadRequestAsync(stream, e.Message).ConfigureAwait(false);
                return null;
            }
            if (head == null) return null;

            var request = new EmulatorHttpRequest();
            var lines = head.Split(new[] { "\r\n" }, StringSplitOptions.None);
            var parts = lines[0].Split(' ');
            if (parts.Length != 3 || parts[0].Length == 0 || !parts[1].StartsWith("/", StringComparison.Ordinal) || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            {
                await HttpExchange.WriteBadRequestAsync(stream, "the request line is not 'METHOD /path HTTP/1.1'").ConfigureAwait(false);
                return null;
            }
            request.Method = parts[0];
            int query = parts[1].IndexOf('?');
            request.Path = query < 0 ? parts[1] : parts[1].Substring(0, query);
            request.QueryString = query < 0 ? string.Empty : parts[1].Substring(query);
            for (int i = 1; i < lines.Length; i++)
            {
                if (lines[i].Length == 0) continue;
                int colon = lines[i].IndexOf(':');
                if (colon <= 0)
                {
                    await HttpExchange.WriteBadRequestAsync(stream, "a header line has no name").ConfigureAwait(false);
                    return null;
                }
                request.Headers.Add(lines[i].Substring(0, colon).Trim(), lines[i].Substring(colon + 1).Trim());
            }
            bool http10 = parts[2] == "HTTP/1.0";
            bool close = http10 || string.Equals(request.Headers["Connection"], "close", StringComparison.OrdinalIgnoreCase);

            int limit = _bodyLimit(request.Path);
            bool chunked = request.Headers["Transfer-Encoding"].IndexOf("chunked", StringComparison.OrdinalIgnoreCase) >= 0;
            long length = 0;
            string declared = request.Headers["Content-Length"];
            if (!chunked && declared.Length > 0 && (!long.TryParse(declared, NumberStyles.None, CultureInfo.InvariantCulture, out length) || length < 0))
            {
                await HttpExchange.WriteBadRequestAsync(stream, "Content-Length is not a number of bytes").ConfigureAwait(false);
                return null;
            }
            bool fits = chunked || length <= limit;
            if (fits && request.Headers["Expect"].Equals("100-continue", StringComparison.OrdinalIgnoreCase))
            {
                var go = Encoding.ASCII.GetBytes("HTTP/1.1 100 Continue\r\n\r\n");
                await stream.WriteAsync(go, 0, go.Length, _stopping.Token).ConfigureAwait(false);
            }
            try
            {
                var body = chunked
                    ? await reader.ReadChunkedAsync(limit, _stopping.Token).ConfigureAwait(false)
                    : fits ? await reader.ReadExactAsync((int)length, _stopping.Token).ConfigureAwait(false) : null;
                if (body == null)
                {
                    // Too large: read what is sent (bounded) so the client sees the answer, then close.
                    if (!chunked) await reader.DrainAsync(length, _stopping.Token).ConfigureAwait(false);
                    request.BodyTooLarge = true;
                    close = true;
                    request.Body = Array.Empty<byte>();
                }
                else
                {
                    request.Body = body;
                }
            }
            catch (BadHttpException e)
            {
                await HttpExchange.WriteBadRequestAsync(stream, e.Message).ConfigureAwait(false);
                return null;
            }
            catch (EndOfStreamException)
            {
                return null; // the client closed before sending its whole body
            }
            return new HttpExchange(client, stream, reader, request, close, _stopping.Token);
        }
    }

    /// <summary>A request as the emulator reads it: what SigV4 and the handlers need, and nothing of ASP.NET.</summary>
    internal sealed class EmulatorHttpRequest
    {
        public string Method { get; set; } = "GET";
        /// <summary>The path as sent (not decoded), starting with '/'.</summary>
        public string Path { get; set; } = "/";
        /// <summary>The query as sent, with its leading '?'; empty when there is none.</summary>
        public string QueryString { get; set; } = string.Empty;
        public HeaderCollection Headers { get; } = new HeaderCollection();
        public byte[] Body { get; set; } = Array.Empty<byte>();
        /// <summary>The body was over the path's limit and was not kept.</summary>
        public bool BodyTooLarge { get; set; }
    }

    /// <summary>Request headers, names case-insensitive, each with its values in the order sent.</summary>
    internal sealed class HeaderCollection
    {
        private readonly Dictionary<string, List<string>> _values = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);

        public void Add(string name, string value)
        {
            if (!_values.TryGetValue(name, out var list)) _values[name] = list = new List<string>();
            list.Add(value);
        }

        /// <summary>The values joined with ","; empty when the header is absent.</summary>
        public string this[string name] => _values.TryGetValue(name, out var list) ? string.Join(",", list) : string.Empty;

        /// <summary>Every value of the header (none when absent).</summary>
        public IReadOnlyList<string> GetValues(string name) => _values.TryGetValue(name, out var list) ? list : (IReadOnlyList<string>)Array.Empty<string>();
    }

    /// <summary>One request on a connection and its one answer (or a reset).</summary>
    internal sealed class HttpExchange : IDisposable
    {
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;
        private readonly CancellationTokenSource _gone;

        internal HttpExchange(TcpClient client, NetworkStream stream, ConnectionReader reader, EmulatorHttpRequest request, bool close, CancellationToken stopping)
        {
            _client = client;
            _stream = stream;
            Request = request;
            CloseAfter = close;
            _gone = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            // HttpClient sends the next request only after this answer: a read that ends now means the client left.
            reader.WatchForClose(_gone);
        }

        public EmulatorHttpRequest Request { get; }

        /// <summary>Cancelled when the client closes the connection before the answer (or the server stops).</summary>
        public CancellationToken ClientGone => _gone.Token;

        public bool Responded { get; private set; }
        public bool Aborted { get; private set; }
        public bool CloseAfter { get; private set; }

        /// <summary>Writes the answer; <paramref name="close"/> ends the connection after it.</summary>
        public async Task RespondAsync(int status, string contentType, byte[] body, bool close = false)
        {
            if (Responded || Aborted) return;
            Responded = true;
            CloseAfter |= close;
            var head = new StringBuilder();
            head.Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Reason(status)).Append("\r\n");
            head.Append("Content-Type: ").Append(contentType).Append("\r\n");
            head.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
            head.Append("Date: ").Append(DateTime.UtcNow.ToString("r", CultureInfo.InvariantCulture)).Append("\r\n");
            if (CloseAfter) head.Append("Connection: close\r\n");
            head.Append("\r\n");
            var bytes = Encoding.ASCII.GetBytes(head.ToString());
            await _stream.WriteAsync(bytes, 0, bytes.Length).ConfigureAwait(false);
            await _stream.WriteAsync(body, 0, body.Length).ConfigureAwait(false);
            await _stream.FlushAsync().ConfigureAwait(false);
        }

        /// <summary>Unhooks the request from the server's stop token: one linked source per request would pile up otherwise.</summary>
        public void Dispose() => _gone.Dispose();

        /// <summary>Drops the connection without an answer: the client sees a reset, as when a network fails.</summary>
        public void Abort()
        {
            if (Responded || Aborted) return;
            Aborted = true;
            try
            {
                _client.Client.LingerState = new LingerOption(true, 0);
                _client.Client.Close();
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
                // already gone
            }
        }

        internal static async Task WriteBadRequestAsync(Stream stream, string why)
        {
            var xml = Xml.Error("InvalidRequest", "The request is not valid HTTP: " + Xml.Clip(why), Guid.NewGuid().ToString());
            var body = Encoding.UTF8.GetBytes(xml);
            var head = Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml;charset=UTF-8\r\nContent-Length: "
                + body.Length.ToString(CultureInfo.InvariantCulture) + "\r\nConnection: close\r\n\r\n");
            try
            {
                await stream.WriteAsync(head, 0, head.Length).ConfigureAwait(false);
                await stream.WriteAsync(body, 0, body.Length).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException || e is ObjectDisposedException)
            {
                // the client did not wait for the answer
            }
        }

        private static string Reason(int status)
        {
            switch (status)
            {
                case 200: return "OK";
                case 400: return "Bad Request";
                case 401: return "Unauthorized";
                case 403: return "Forbidden";
                case 404: return "Not Found";
                case 405: return "Method Not Allowed";
                case 413: return "Payload Too Large";
                case 500: return "Internal Server Error";
                case 503: return "Service Unavailable";
                default: return "Status";
            }
        }
    }

    /// <summary>A malformed request: answered 400, then the connection closes.</summary>
    internal sealed class BadHttpException : Exception
    {
        public BadHttpException(string message) : base(message) { }
    }

    /// <summary>Buffered reads of one connection, with one read kept pending between requests to notice a client leaving.</summary>
    internal sealed class ConnectionReader
    {
        private readonly Stream _stream;
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start, _end;
        private Task<int> _pending;

        public ConnectionReader(Stream stream) { _stream = stream; }

        /// <summary>Starts the read that ends when the client sends more or leaves; leaving cancels <paramref name="gone"/>.</summary>
        public void WatchForClose(CancellationTokenSource gone)
        {
            if (_start < _end || _pending != null) return; // bytes already here: the client is still there
            if (_start == _end) _start = _end = 0;
            var read = _stream.ReadAsync(_buffer, _end, _buffer.Length - _end);
            _pending = read;
            _ = read.ContinueWith(t =>
            {
                if (t.IsFaulted || t.IsCanceled || t.Result == 0)
                {
                    try { gone.Cancel(); } catch (ObjectDisposedException) { }
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            if (_start == _end) _start = _end = 0;
            if (_end == _buffer.Length)
            {
                if (_start == 0) return true; // full: the caller decides
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            int n;
            if (_pending != null)
            {
                var pending = _pending;
                _pending = null;
                n = await pending.ConfigureAwait(false);
            }
            else
            {
                n = await _stream.ReadAsync(_buffer, _end, _buffer.Length - _end, cancellationToken).ConfigureAwait(false);
            }
            if (n == 0) return false;
            _end += n;
            return true;
        }

        /// <summary>The request line and headers (without the blank line), or null when the connection closed first.</summary>
        public async Task<string> ReadHeadAsync(int maxBytes, CancellationToken cancellationToken)
        {
            var head = new MemoryStream();
            int matched = 0; // of "\r\n\r\n"
            while (true)
            {
                while (_start < _end)
                {
                    byte b = _buffer[_start++];
                    head.WriteByte(b);
                    matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : (b == '\r' ? 1 : 0);
                    if (matched == 4)
                    {
                        var text = Encoding.ASCII.GetString(head.GetBuffer(), 0, (int)head.Length - 4);
                        return text.TrimStart('\r', '\n');
                    }
                    if (head.Length > maxBytes) throw new BadHttpException("the request line and headers are longer than " + maxBytes + " bytes");
                }
                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (head.Length == 0) return null;
                    throw new EndOfStreamException();
                }
            }
        }

        /// <summary>Exactly <paramref name="count"/> bytes.</summary>
        public async Task<byte[]> ReadExactAsync(int count, CancellationToken cancellationToken)
        {
            var body = new byte[count];
            int got = 0;
            while (got < count)
            {
                if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false)) throw new EndOfStreamException();
                int take = Math.Min(count - got, _end - _start);
                Buffer.BlockCopy(_buffer, _start, body, got, take);
                _start += take;
                got += take;
            }
            return body;
        }

        /// <summary>A chunked body, or null when it grows past <paramref name="limit"/> (the rest is read and dropped, bounded).</summary>
        public async Task<byte[]> ReadChunkedAsync(int limit, CancellationToken cancellationToken)
        {
            var body = new MemoryStream();
            bool tooLarge = false;
            long dropped = 0;
            while (true)
            {
                string sizeLine = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
                int semicolon = sizeLine.IndexOf(';');
                if (semicolon >= 0) sizeLine = sizeLine.Substring(0, semicolon);
                if (!long.TryParse(sizeLine.Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long size) || size < 0)
                    throw new BadHttpException("a chunk size is not hexadecimal");
                if (size == 0)
                {
                    while ((await ReadLineAsync(cancellationToken).ConfigureAwait(false)).Length > 0) { } // trailers
                    return tooLarge ? null : body.ToArray();
                }
                if (!tooLarge && body.Length + size > limit) tooLarge = true;
                if (tooLarge)
                {
                    dropped += size;
                    if (dropped > 64L * 1024 * 1024) throw new BadHttpException("the chunked body is far too large");
                    await SkipAsync(size, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var chunk = await ReadExactAsync((int)size, cancellationToken).ConfigureAwait(false);
                    body.Write(chunk, 0, chunk.Length);
                }
                if ((await ReadLineAsync(cancellationToken).ConfigureAwait(false)).Length != 0) throw new BadHttpException("a chunk does not end with CRLF");
            }
        }

        /// <summary>Reads and drops a declared body that is too large, up to 64 MiB and 10 seconds.</summary>
        public async Task DrainAsync(long length, CancellationToken cancellationToken)
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                try
                {
                    await SkipAsync(Math.Min(length, 64L * 1024 * 1024), timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // a slow or endless sender: answer anyway, and Connection: close ends it
                }
                catch (EndOfStreamException)
                {
                    // sent less than declared and closed its side: answer anyway
                }
            }
        }

        private async Task SkipAsync(long count, CancellationToken cancellationToken)
        {
            while (count > 0)
            {
                if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false)) throw new EndOfStreamException();
                int take = (int)Math.Min(count, _end - _start);
                _start += take;
                count -= take;
            }
        }

        private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new StringBuilder();
            while (true)
            {
                while (_start < _end)
                {
                    char c = (char)_buffer[_start++];
                    if (c == '\n') return line.ToString().TrimEnd('\r');
                    line.Append(c);
                    if (line.Length > 8 * 1024) throw new BadHttpException("a chunk line is too long");
                }
                if (!await FillAsync(cancellationToken).ConfigureAwait(false)) throw new EndOfStreamException();
            }
        }
    }
}
