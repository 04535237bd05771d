using System;
using System.Text;

namespace Ec2Capacity.Emulator
{
    /// <summary>A failed EC2 request: HTTP status, EC2 error code and an EC2-style message.</summary>
    internal sealed class Ec2Error : Exception
    {
        public Ec2Error(int status, string code, string message) : base(message)
        {
            Status = status;
            Code = code;
        }

        public int Status { get; }
        public string Code { get; }

        public static Ec2Error BadRequest(string code, string message) => new Ec2Error(400, code, message);
        public static Ec2Error Missing(string parameter) => new Ec2Error(400, "MissingParameter", "The request must contain the parameter " + parameter);
        public static Ec2Error InvalidValue(string parameter, string value, string expected) =>
            new Ec2Error(400, "InvalidParameterValue", "Value (" + Xml.Clip(value) + ") for parameter " + parameter + " is invalid. " + expected);
    }

    /// <summary>Builds the EC2 Query protocol's XML by hand (exact element names, nothing else).</summary>
    internal sealed class Xml
    {
        public const string Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";
        private readonly StringBuilder _sb = new StringBuilder(256);

        public Xml Elem(string name, string value)
        {
            _sb.Append('<').Append(name).Append('>');
            Escape(_sb, value ?? "");
            _sb.Append("</").Append(name).Append('>');
            return this;
        }

        public Xml Elem(string name, int value) => Elem(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        public Xml Elem(string name, bool value) => Elem(name, value ? "true" : "false");
        public Xml Open(string name) { _sb.Append('<').Append(name).Append('>'); return this; }
        public Xml Close(string name) { _sb.Append("</").Append(name).Append('>'); return this; }
        public Xml Empty(string name) { _sb.Append('<').Append(name).Append("/>"); return this; }
        public override string ToString() => _sb.ToString();

        /// <summary>A success document: root {Op}Response in the EC2 namespace, requestId first, then the members.</summary>
        public static string Success(string action, string requestId, string members)
        {
            var sb = new StringBuilder(members.Length + 200);
            sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<").Append(action).Append("Response xmlns=\"").Append(Namespace).Append("\">");
            sb.Append("<requestId>").Append(requestId).Append("</requestId>");
            sb.Append(members);
            sb.Append("</").Append(action).Append("Response>");
            return sb.ToString();
        }

        /// <summary>EC2's error document (no Type element, RequestID in capitals).</summary>
        public static string Error(string code, string message, string requestId)
        {
            var sb = new StringBuilder(256);
            sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>");
            Escape(sb, code);
            sb.Append("</Code><Message>");
            Escape(sb, message);
            sb.Append("</Message></Error></Errors><RequestID>").Append(requestId).Append("</RequestID></Response>");
            return sb.ToString();
        }

        /// <summary>Shortens echoed user input so a huge parameter cannot blow up a message.</summary>
        public static string Clip(string s, int max = 128)
        {
            if (s == null) return "";
            return s.Length <= max ? s : s.Substring(0, max) + "...";
        }

        /// <summary>Escapes markup and replaces characters XML 1.0 cannot carry, so the SDK's parser never chokes on echoed input.</summary>
        public static void Escape(StringBuilder sb, string s)
        {
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                switch (c)
                {
                    case '&': sb.Append("&amp;"); break;
                    case '<': sb.Append("&lt;"); break;
                    case '>': sb.Append("&gt;"); break;
                    case '"': sb.Append("&quot;"); break;
                    case '\'': sb.Append("&apos;"); break;
                    case '\t': sb.Append("&#x9;"); break;
                    case '\n': sb.Append("&#xA;"); break;
                    case '\r': sb.Append("&#xD;"); break;
                    default:
                        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                        {
                            sb.Append(c).Append(s[i + 1]);
                            i++;
                        }
                        else if (c < 0x20 || char.IsSurrogate(c) || c == '\uFFFE' || c == '\uFFFF')
                        {
                            sb.Append('\uFFFD');
                        }
                        else
                        {
                            sb.Append(c);
                        }
                        break;
                }
            }
        }
    }
}
