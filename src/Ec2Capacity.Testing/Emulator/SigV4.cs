using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace Ec2Capacity.Emulator
{
    /// <summary>
    /// Verifies AWS Signature Version 4 (header form) against the seeded accounts: recomputes the canonical request from the
    /// method, path, query, the signed headers and the payload hash, then the signature with the account's secret.
    /// </summary>
    internal static class SigV4
    {
        private const string Algorithm = "AWS4-HMAC-SHA256";
        public const string AuthFailureMessage = "AWS was not able to validate the provided access credentials";

        /// <summary>The access key ID named in the Authorization header, or null (for the journal; not verified).</summary>
        public static string PeekAccessKeyId(EmulatorHttpRequest request)
        {
            string auth = request.Headers["Authorization"];
            if (!auth.StartsWith(Algorithm + " ", StringComparison.Ordinal)) return null;
            var parts = ParseAuthorization(auth);
            if (parts == null || !parts.TryGetValue("Credential", out var cred)) return null;
            int slash = cred.IndexOf('/');
            string akid = slash < 0 ? cred : cred.Substring(0, slash);
            return akid.Length == 0 ? null : Xml.Clip(akid, 128);
        }

        /// <summary>Returns the signing account, or throws an <see cref="Ec2Error"/> AuthFailure (401).</summary>
        public static Account Verify(EmulatorHttpRequest request, byte[] body, World world)
        {
            string auth = request.Headers["Authorization"];
            if (string.IsNullOrEmpty(auth)) throw Fail("missing Authorization header");
            if (!auth.StartsWith(Algorithm + " ", StringComparison.Ordinal)) throw Fail("unsupported authorization scheme");
            var parts = ParseAuthorization(auth);
            if (parts == null || !parts.TryGetValue("Credential", out var credential) || !parts.TryGetValue("SignedHeaders", out var signedHeaders)
                || !parts.TryGetValue("Signature", out var signature))
                throw Fail("malformed Authorization header");

            var scope = credential.Split('/');
            if (scope.Length != 5 || scope[4] != "aws4_request") throw Fail("malformed credential scope");
            string akid = scope[0], date = scope[1], region = scope[2], service = scope[3];

            Account account = null;
            foreach (var a in world.Accounts)
            {
                if (string.Equals(a.AccessKeyId, akid, StringComparison.Ordinal)) { account = a; break; }
            }
            if (account == null) throw Fail("unknown access key");
            if (!string.Equals(region, world.Region, StringComparison.Ordinal)) throw Fail("credential scope region is not " + world.Region);
            if (service != "ec2") throw Fail("credential scope service is not ec2");

            string amzDate = request.Headers["x-amz-date"];
            if (amzDate.Length != 16 || !DateTime.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                throw Fail("missing or malformed X-Amz-Date");
            if (!amzDate.StartsWith(date, StringComparison.Ordinal)) throw Fail("credential date does not match X-Amz-Date");

            var headerNames = signedHeaders.Split(';');
            if (!headerNames.Contains("host")) throw Fail("host is not a signed header");
            if (!headerNames.Contains("x-amz-date")) throw Fail("x-amz-date is not a signed header");

            string token = request.Headers["x-amz-security-token"];
            if (account.SessionToken != null)
            {
                if (token.Length == 0 || !FixedEquals(token, account.SessionToken)) throw Fail("missing or wrong session token");
                if (!headerNames.Contains("x-amz-security-token")) throw Fail("session token not signed");
            }
            else if (token.Length != 0)
            {
                throw Fail("session token sent for long-term credentials");
            }

            string bodyHash = Hex(SHA256.HashData(body));
            string payloadHash = request.Headers["x-amz-content-sha256"];
            if (payloadHash.Length == 0) payloadHash = bodyHash;
            else if (payloadHash != "UNSIGNED-PAYLOAD" && !string.Equals(payloadHash, bodyHash, StringComparison.OrdinalIgnoreCase))
                throw Fail("x-amz-content-sha256 does not match the body");

            var canonical = new StringBuilder();
            canonical.Append(request.Method).Append('\n');
            canonical.Append(CanonicalPath(request.Path)).Append('\n');
            canonical.Append(CanonicalQuery(request.QueryString)).Append('\n');
            foreach (var name in headerNames)
            {
                if (name.Length == 0 || name != name.ToLowerInvariant()) throw Fail("malformed SignedHeaders");
                var values = request.Headers.GetValues(name);
                if (values.Count == 0) throw Fail("signed header " + name + " is missing");
                canonical.Append(name).Append(':').Append(CanonicalHeaderValue(string.Join(",", values))).Append('\n');
            }
            canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);

            string stringToSign = Algorithm + "\n" + amzDate + "\n" + date + "/" + region + "/" + service + "/aws4_request\n"
                + Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));

            byte[] key = Hmac(Encoding.UTF8.GetBytes("AWS4" + account.SecretAccessKey), date);
            key = Hmac(key, region);
            key = Hmac(key, service);
            key = Hmac(key, "aws4_request");
            string expected = Hex(Hmac(key, stringToSign));
            if (!FixedEquals(expected, signature.ToLowerInvariant())) throw Fail("signature mismatch");
            return account;
        }

        private static Ec2Error Fail(string why)
        {
            _ = why; // the reason is deliberately not revealed, as EC2 does not reveal it either
            return new Ec2Error(401, "AuthFailure", AuthFailureMessage);
        }

        private static Dictionary<string, string> ParseAuthorization(string auth)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var raw in auth.Substring(Algorithm.Length + 1).Split(','))
            {
                string part = raw.Trim();
                if (part.Length == 0) continue;
                int eq = part.IndexOf('=');
                if (eq <= 0) return null;
                result[part.Substring(0, eq).Trim()] = part.Substring(eq + 1).Trim();
            }
            return result;
        }

        private static string CanonicalHeaderValue(string v)
        {
            var sb = new StringBuilder(v.Length);
            bool space = false;
            foreach (char c in v.Trim())
            {
                if (c == ' ' || c == '\t')
                {
                    if (!space) sb.Append(' ');
                    space = true;
                }
                else
                {
                    sb.Append(c);
                    space = false;
                }
            }
            return sb.ToString();
        }

        private static string CanonicalPath(string path)
        {
            if (string.IsNullOrEmpty(path)) return "/";
            var segments = path.Split('/');
            for (int i = 0; i < segments.Length; i++) segments[i] = UriEncode(segments[i]);
            return string.Join("/", segments);
        }

        private static string CanonicalQuery(string query)
        {
            if (query.StartsWith("?", StringComparison.Ordinal)) query = query.Substring(1);
            if (query.Length == 0) return "";
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (var (k, v) in FormParser.Split(query))
                pairs.Add(new KeyValuePair<string, string>(UriEncode(k), UriEncode(v)));
            pairs.Sort((a, b) =>
            {
                int c = string.CompareOrdinal(a.Key, b.Key);
                return c != 0 ? c : string.CompareOrdinal(a.Value, b.Value);
            });
            return string.Join("&", pairs.Select(p => p.Key + "=" + p.Value));
        }

        /// <summary>RFC 3986 encoding as SigV4 wants it: unreserved characters as they are, everything else %XX (upper case).</summary>
        internal static string UriEncode(string s)
        {
            var sb = new StringBuilder(s.Length);
            foreach (byte b in Encoding.UTF8.GetBytes(s))
            {
                char c = (char)b;
                if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~')
                    sb.Append(c);
                else
                    sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }

        private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

        private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

        private static bool FixedEquals(string a, string b) =>
            CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

        internal static void Sign(System.Net.Http.HttpRequestMessage message, byte[] body, string accessKeyId, string secret, string region,
            string sessionToken = null, DateTime? now = null)
        {
            var t = now ?? DateTime.UtcNow;
            string amzDate = t.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            string date = amzDate.Substring(0, 8);
            var uri = message.RequestUri;
            string host = uri.IsDefaultPort ? uri.Host : uri.Host + ":" + uri.Port;
            message.Headers.Host = host;
            message.Headers.Remove("X-Amz-Date");
            message.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
            if (sessionToken != null) message.Headers.TryAddWithoutValidation("X-Amz-Security-Token", sessionToken);
            string contentType = message.Content?.Headers.ContentType?.ToString();

            var headers = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["host"] = host, ["x-amz-date"] = amzDate };
            if (contentType != null) headers["content-type"] = contentType;
            if (sessionToken != null) headers["x-amz-security-token"] = sessionToken;
            string signedHeaders = string.Join(";", headers.Keys);
            var canonical = new StringBuilder();
            canonical.Append(message.Method.Method).Append('\n').Append(CanonicalPath(uri.AbsolutePath)).Append('\n')
                .Append(CanonicalQuery(uri.Query)).Append('\n');
            foreach (var h in headers) canonical.Append(h.Key).Append(':').Append(CanonicalHeaderValue(h.Value)).Append('\n');
            canonical.Append('\n').Append(signedHeaders).Append('\n').Append(Hex(SHA256.HashData(body ?? Array.Empty<byte>())));
            string stringToSign = Algorithm + "\n" + amzDate + "\n" + date + "/" + region + "/ec2/aws4_request\n"
                + Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
            byte[] key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), date);
            key = Hmac(key, region);
            key = Hmac(key, "ec2");
            key = Hmac(key, "aws4_request");
            string sig = Hex(Hmac(key, stringToSign));
            message.Headers.TryAddWithoutValidation("Authorization",
                Algorithm + " Credential=" + accessKeyId + "/" + date + "/" + region + "/ec2/aws4_request, SignedHeaders=" + signedHeaders + ", Signature=" + sig);
        }
    }

    /// <summary>
    /// Signs a raw HTTP request with SigV4 (service ec2) the way the SDK does, so tests and tools can send hand-made EC2 requests
    /// to the emulator. Signs host, x-amz-date, content-type (when there is content) and x-amz-security-token (when given).
    /// </summary>
    public static class SigV4Signer
    {
        public static void Sign(System.Net.Http.HttpRequestMessage message, byte[] body, string accessKeyId, string secretAccessKey, string region,
            string sessionToken = null) => SigV4.Sign(message, body, accessKeyId, secretAccessKey, region, sessionToken);
    }

    internal static class FormParser
    {
        /// <summary>Splits application/x-www-form-urlencoded text into decoded pairs ('+' is a space; bad escapes stay literal).</summary>
        public static IEnumerable<(string Key, string Value)> Split(string text)
        {
            if (string.IsNullOrEmpty(text)) yield break;
            foreach (var pair in text.Split('&'))
            {
                if (pair.Length == 0) continue;
                int eq = pair.IndexOf('=');
                string k = eq < 0 ? pair : pair.Substring(0, eq);
                string v = eq < 0 ? "" : pair.Substring(eq + 1);
                yield return (Decode(k), Decode(v));
            }
        }

        private static string Decode(string s)
        {
            if (s.IndexOf('+') >= 0) s = s.Replace('+', ' ');
            if (s.IndexOf('%') < 0) return s;
            try
            {
                return Uri.UnescapeDataString(s);
            }
            catch (Exception)
            {
                return s;
            }
        }
    }
}
