using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Ec2Capacity.Contract.Tests
{
    /// <summary>
    /// A small, strict reader for the PowerShell data-file subset a module manifest uses:
    /// hashtables <c>@{ key = value }</c> (entries separated by newlines or ';'), arrays <c>@( ... )</c> and bare comma lists,
    /// single-quoted strings ('' escapes a quote), double-quoted strings without '$' or '`' (so no expansion can happen),
    /// integers/decimals, <c>$true</c>/<c>$false</c>/<c>$null</c>, '#' line comments and &lt;# #&gt; block comments.
    /// Anything else is rejected with the line and column, so the manifest cannot silently mean something else.
    /// Hashtables come back as case-insensitive dictionaries (PowerShell keys are), arrays as List&lt;object&gt;.
    /// </summary>
    internal sealed class Psd1Parser
    {
        private readonly string _s;
        private int _i;

        private Psd1Parser(string text) { _s = text; }

        public static Dictionary<string, object> ParseHashtable(string text)
        {
            var p = new Psd1Parser(text);
            p.SkipTrivia(newlines: true);
            var value = p.ParseValue();
            p.SkipTrivia(newlines: true);
            if (p._i != p._s.Length) throw p.Error("unexpected text after the top-level hashtable");
            if (!(value is Dictionary<string, object> table)) throw p.Error("the file is not a hashtable @{ ... }");
            return table;
        }

        private object ParseValue() => ParseValue(out _);

        private object ParseValue(out bool commaList)
        {
            commaList = false;
            var first = ParseSingle();
            SkipTrivia(newlines: false);
            if (Peek() != ',') return first;
            commaList = true;
            var list = new List<object> { first };
            while (Peek() == ',')
            {
                _i++;
                SkipTrivia(newlines: true);
                list.Add(ParseSingle());
                SkipTrivia(newlines: false);
            }
            return list;
        }

        private object ParseSingle()
        {
            var c = Peek();
            if (c == '@' && PeekAt(1) == '{') return ParseHashtableBody();
            if (c == '@' && PeekAt(1) == '(') return ParseArray();
            if (c == '\'') return ParseSingleQuoted();
            if (c == '"') return ParseDoubleQuoted();
            if (c == '$') return ParseVariable();
            if (c == '-' || char.IsDigit(c)) return ParseNumber();
            throw Error($"unsupported value starting with '{c}'");
        }

        private Dictionary<string, object> ParseHashtableBody()
        {
            _i += 2;
            var table = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
            while (true)
            {
                SkipTrivia(newlines: true, semicolons: true);
                if (Peek() == '}') { _i++; return table; }
                if (_i >= _s.Length) throw Error("unterminated hashtable");
                var keyLine = Line();
                string key;
                if (Peek() == '\'') key = ParseSingleQuoted();
                else if (Peek() == '"') key = ParseDoubleQuoted();
                else
                {
                    var start = _i;
                    while (_i < _s.Length && (char.IsLetterOrDigit(_s[_i]) || _s[_i] == '_')) _i++;
                    if (start == _i) throw Error($"expected a key, found '{Peek()}'");
                    key = _s.Substring(start, _i - start);
                }
                SkipTrivia(newlines: false);
                if (Peek() != '=') throw Error($"expected '=' after key '{key}'");
                _i++;
                SkipTrivia(newlines: true);
                var value = ParseValue();
                if (table.ContainsKey(key)) throw new FormatException($"line {keyLine}: duplicate key '{key}'");
                table[key] = value;
                SkipTrivia(newlines: false);
                var c = Peek();
                if (_i >= _s.Length) throw Error("unterminated hashtable");
                if (c != '\n' && c != '\r' && c != ';' && c != '}' && c != '#')
                    throw Error($"expected a newline, ';' or '}}' after the value of '{key}'");
            }
        }

        private List<object> ParseArray()
        {
            _i += 2;
            var list = new List<object>();
            while (true)
            {
                SkipTrivia(newlines: true, semicolons: true);
                if (Peek() == ')') { _i++; return list; }
                if (_i >= _s.Length) throw Error("unterminated array");
                var v = ParseValue(out var commaList);
                if (commaList) list.AddRange((List<object>)v); // 'a', 'b' inside @( ) are elements of this array
                else list.Add(v);
                SkipTrivia(newlines: false);
                var c = Peek();
                if (_i >= _s.Length) throw Error("unterminated array");
                if (c != '\n' && c != '\r' && c != ';' && c != ')' && c != '#')
                    throw Error("expected a newline, ',' or ')' in array");
            }
        }

        private string ParseSingleQuoted()
        {
            _i++;
            var sb = new StringBuilder();
            while (true)
            {
                if (_i >= _s.Length) throw Error("unterminated single-quoted string");
                var c = _s[_i++];
                if (c == '\'')
                {
                    if (Peek() == '\'') { sb.Append('\''); _i++; continue; }
                    return sb.ToString();
                }
                sb.Append(c);
            }
        }

        private string ParseDoubleQuoted()
        {
            _i++;
            var start = _i;
            while (_i < _s.Length && _s[_i] != '"')
            {
                if (_s[_i] == '$' || _s[_i] == '`') throw Error("double-quoted string with '$' or '`' (expansion/escapes are not allowed here; use single quotes)");
                _i++;
            }
            if (_i >= _s.Length) throw Error("unterminated double-quoted string");
            return _s.Substring(start, _i++ - start);
        }

        private object ParseVariable()
        {
            foreach (var (word, value) in new (string, object)[] { ("$true", true), ("$false", false), ("$null", null) })
                if (string.Compare(_s, _i, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) == 0 &&
                    (_i + word.Length >= _s.Length || !char.IsLetterOrDigit(_s[_i + word.Length])))
                {
                    _i += word.Length;
                    return value;
                }
            throw Error("only $true, $false and $null are allowed in a data file");
        }

        private object ParseNumber()
        {
            var start = _i;
            if (Peek() == '-') _i++;
            while (_i < _s.Length && (char.IsDigit(_s[_i]) || _s[_i] == '.')) _i++;
            var text = _s.Substring(start, _i - start);
            if (_i < _s.Length && char.IsLetter(_s[_i])) throw Error($"unsupported number literal '{text}{_s[_i]}'");
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
            if (decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var d)) return d;
            throw Error($"bad number '{text}'");
        }

        private void SkipTrivia(bool newlines, bool semicolons = false)
        {
            while (_i < _s.Length)
            {
                var c = _s[_i];
                if (c == ' ' || c == '\t' || c == '\uFEFF') _i++;
                else if ((c == '\n' || c == '\r') && newlines) _i++;
                else if (c == ';' && semicolons) _i++;
                else if (c == '<' && PeekAt(1) == '#')
                {
                    var end = _s.IndexOf("#>", _i + 2, StringComparison.Ordinal);
                    if (end < 0) throw Error("unterminated block comment");
                    _i = end + 2;
                }
                else if (c == '#')
                {
                    while (_i < _s.Length && _s[_i] != '\n' && _s[_i] != '\r') _i++;
                }
                else if (c == '`' && (PeekAt(1) == '\n' || PeekAt(1) == '\r')) _i += 2; // line continuation
                else break;
            }
        }

        private char Peek() => _i < _s.Length ? _s[_i] : '\0';
        private char PeekAt(int offset) => _i + offset < _s.Length ? _s[_i + offset] : '\0';

        private int Line()
        {
            var line = 1;
            for (var k = 0; k < _i && k < _s.Length; k++) if (_s[k] == '\n') line++;
            return line;
        }

        private FormatException Error(string what)
        {
            var line = Line();
            var lineStart = _s.LastIndexOf('\n', Math.Max(0, Math.Min(_i, _s.Length) - 1)) + 1;
            return new FormatException($"line {line}, column {_i - lineStart + 1}: {what}");
        }
    }
}
