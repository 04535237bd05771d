using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Xunit;

namespace Ec2Capacity.Contract.Tests
{
    /// <summary>
    /// The MAML help and the about topic where PowerShell finds them (&lt;module base&gt;/en-US/, issue 2 and issue 7),
    /// against the built assembly.
    /// </summary>
    public class HelpTests
    {
        internal static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        internal static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        internal static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        /// <summary>PowerShell's help loader compares qualified names ("command:command", "maml:para"), so the prefixes are fixed.</summary>
        private static readonly Dictionary<string, string> CanonicalPrefix = new Dictionary<string, string>
        {
            [Maml.NamespaceName] = "maml", [Command.NamespaceName] = "command", [Dev.NamespaceName] = "dev",
        };

        public static IEnumerable<object[]> CmdletNames => CmdletContract.Cmdlets.Select(c => new object[] { c.Name });

        private static XDocument LoadMaml()
        {
            Assert.True(File.Exists(RepoLayout.MamlHelp),
                $"{RepoLayout.MamlHelp} does not exist (the build copies module/help/en-US/ to <root>/en-US/, where Get-Help looks)");
            try { return XDocument.Load(RepoLayout.MamlHelp, LoadOptions.SetLineInfo); }
            catch (XmlException e) { throw new Xunit.Sdk.XunitException($"{RepoLayout.MamlHelp} is not well-formed XML: {e.Message}"); }
        }

        private static XElement CommandElement(XDocument doc, string name) =>
            doc.Root.Elements(Command + "command")
                .FirstOrDefault(c => ((string)c.Element(Command + "details")?.Element(Command + "name"))?.Trim() == name);

        private static string Text(XElement e) => e == null ? "" : string.Join(" ", e.DescendantNodes().OfType<XText>().Select(t => t.Value)).Trim();

        [Fact]
        public void Help_file_is_MAML_and_documents_exactly_the_cmdlets()
        {
            var doc = LoadMaml();
            var p = new Problems("Ec2Capacity.dll-Help.xml");
            p.Check(doc.Root.Name.LocalName == "helpItems", $"root element is <{doc.Root.Name.LocalName}>, expected <helpItems>");
            p.Check((string)doc.Root.Attribute("schema") == "maml", $"root schema attribute is '{(string)doc.Root.Attribute("schema")}', expected 'maml'");
            p.Check(doc.Root.GetPrefixOfNamespace(doc.Root.Name.Namespace) == null, "<helpItems> must not carry a prefix");

            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit };
            using (var reader = XmlReader.Create(RepoLayout.MamlHelp, settings))
            {
                var bad = new HashSet<string>();
                while (reader.Read())
                    if (reader.NodeType == XmlNodeType.Element && CanonicalPrefix.TryGetValue(reader.NamespaceURI, out var prefix) && reader.Prefix != prefix)
                        bad.Add($"<{reader.Name}> uses prefix '{reader.Prefix}' for {reader.NamespaceURI}; PowerShell only reads '{prefix}:'");
                foreach (var b in bad) p.Add(b);
            }

            var documented = doc.Root.Elements(Command + "command").Select(c => ((string)c.Element(Command + "details")?.Element(Command + "name"))?.Trim()).ToList();
            p.Check(documented.Count > 0, "no <command:command> directly under <helpItems>");
            var cmdlets = ModuleMetadata.Instance.Cmdlets.Select(c => c.Name).ToList();
            foreach (var name in cmdlets.Except(documented, StringComparer.Ordinal))
                p.Add($"cmdlet {name} has no <command:command> (with <command:details><command:name>{name}</command:name>)");
            foreach (var name in documented.Except(cmdlets, StringComparer.Ordinal))
                p.Add($"<command:command> for '{name}', which is not a cmdlet in Ec2Capacity.dll");
            foreach (var dup in documented.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
                p.Add($"{dup.Key} is documented {dup.Count()} times");
            p.AssertNone();
        }

        [Theory]
        [MemberData(nameof(CmdletNames))]
        public void Help_documents_the_cmdlet_fully(string name)
        {
            var doc = LoadMaml();
            var cmdlet = ModuleMetadata.Instance.Cmdlets.FirstOrDefault(c => c.Name == name);
            Assert.True(cmdlet != null, $"{name} is not a cmdlet in {RepoLayout.CmdletAssembly}");
            var cmd = CommandElement(doc, name);
            Assert.True(cmd != null, $"{RepoLayout.MamlHelp} has no <command:command> for {name}");
            var p = new Problems($"help for {name}");

            var details = cmd.Element(Command + "details");
            p.Check(((string)details.Element(Command + "verb"))?.Trim() == cmdlet.Verb, $"<command:verb> is '{(string)details.Element(Command + "verb")}', expected {cmdlet.Verb}");
            p.Check(((string)details.Element(Command + "noun"))?.Trim() == cmdlet.Noun, $"<command:noun> is '{(string)details.Element(Command + "noun")}', expected {cmdlet.Noun}");
            p.Check(Text(details.Element(Maml + "description")).Length > 0, "no synopsis (<command:details><maml:description><maml:para>)");
            p.Check(Text(cmd.Element(Maml + "description")).Length > 0, "no description (<maml:description> under <command:command>)");
            p.Check(Text(cmd.Element(Maml + "alertSet")).Length > 0, "no notes (<maml:alertSet>)");

            CheckParameters(p, cmd, cmdlet);
            CheckSyntax(p, cmd, cmdlet);

            var inputTypes = (cmd.Element(Command + "inputTypes")?.Elements(Command + "inputType") ?? Enumerable.Empty<XElement>())
                .Select(t => ((string)t.Element(Dev + "type")?.Element(Maml + "name"))?.Trim() ?? "").ToList();
            p.Check(inputTypes.Any(t => t.Length > 0), "no inputs (<command:inputTypes><command:inputType><dev:type><maml:name>)");
            foreach (var byValue in cmdlet.Parameters.Where(x => x.ByValue))
            {
                var element = FormatFileTests.Unwrap(byValue.Type);
                p.Check(inputTypes.Any(t => TypeMatches(t, byValue.Type) || TypeMatches(t, element)),
                    $"inputs do not name {byValue.TypeName} (or {element.FullName}), which -{byValue.Name} takes by value; they name [{string.Join(", ", inputTypes)}]");
            }

            var returnTypes = (cmd.Element(Command + "returnValues")?.Elements(Command + "returnValue") ?? Enumerable.Empty<XElement>())
                .Select(t => ((string)t.Element(Dev + "type")?.Element(Maml + "name"))?.Trim() ?? "").ToList();
            foreach (var output in cmdlet.OutputTypeNames)
                p.Check(returnTypes.Contains(output), $"outputs (<command:returnValues>) do not name {output} (they name [{string.Join(", ", returnTypes)}])");

            CheckExamples(p, cmd, cmdlet);
            p.AssertNone();
        }

        private static void CheckParameters(Problems p, XElement cmd, CmdletMetadata cmdlet)
        {
            var docs = (cmd.Element(Command + "parameters")?.Elements(Command + "parameter") ?? Enumerable.Empty<XElement>()).ToList();
            var byName = new Dictionary<string, XElement>(StringComparer.OrdinalIgnoreCase);
            foreach (var d in docs)
            {
                var n = ((string)d.Element(Maml + "name"))?.Trim() ?? "";
                if (byName.ContainsKey(n)) p.Add($"parameter '{n}' is documented twice in <command:parameters>");
                byName[n] = d;
            }

            foreach (var a in cmdlet.Parameters)
            {
                if (!byName.TryGetValue(a.Name, out var d)) { p.Add($"-{a.Name} is not documented in <command:parameters>"); continue; }
                var n = "-" + a.Name;
                p.Check(((string)d.Element(Maml + "name")).Trim() == a.Name, $"{n}: documented as '{((string)d.Element(Maml + "name")).Trim()}' (case differs)");
                p.Check(Text(d.Element(Maml + "description")).Length > 0, $"{n}: no description");

                var required = ((string)d.Attribute("required"))?.Trim().ToLowerInvariant();
                p.Check(required == (a.Mandatory ? "true" : "false"), $"{n}: required=\"{required}\", the attribute says Mandatory={a.Mandatory}");

                var position = ((string)d.Attribute("position"))?.Trim().ToLowerInvariant();
                var actualPositions = a.ParameterAttributes.Select(x => x.Position == ParameterAttributeData.NoPosition ? "named" : x.Position.ToString()).Distinct().ToList();
                p.Check(position != null && actualPositions.Contains(position), $"{n}: position=\"{position}\", the attribute says {string.Join("/", actualPositions)}");

                var pipeline = (string)d.Attribute("pipelineInput");
                var parsed = ParsePipelineInput(pipeline);
                if (parsed == null) p.Add($"{n}: pipelineInput=\"{pipeline}\" is not 'False' or 'True (ByValue[, ByPropertyName])'");
                else
                {
                    var expected = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    if (a.ByValue) expected.Add("ByValue");
                    if (a.ByPropertyName) expected.Add("ByPropertyName");
                    p.Check(parsed.SetEquals(expected), $"{n}: pipelineInput=\"{pipeline}\", the attribute says {PipelineText(expected)}");
                }

                var aliasesAttr = (string)d.Attribute("aliases");
                if (aliasesAttr == null) p.Add($"{n}: no aliases attribute (write aliases=\"none\" when there are none)");
                else
                {
                    var documented = aliasesAttr.Trim().Equals("none", StringComparison.OrdinalIgnoreCase) || aliasesAttr.Trim().Length == 0
                        ? new HashSet<string>(StringComparer.OrdinalIgnoreCase)
                        : new HashSet<string>(aliasesAttr.Split(',').Select(x => x.Trim()), StringComparer.OrdinalIgnoreCase);
                    p.Check(documented.SetEquals(a.Aliases), $"{n}: aliases=\"{aliasesAttr}\", the attribute says {(a.Aliases.Count == 0 ? "none" : string.Join(", ", a.Aliases))}");
                }

                var devType = ((string)d.Element(Dev + "type")?.Element(Maml + "name"))?.Trim();
                var valueType = ((string)d.Element(Command + "parameterValue"))?.Trim();
                if (devType == null && valueType == null) p.Add($"{n}: no type (<dev:type><maml:name> or <command:parameterValue>)");
                foreach (var t in new[] { devType, valueType }.Where(t => t != null))
                    p.Check(TypeMatches(t, a.Type), $"{n}: documented type '{t}', the property is {a.TypeName}");
                p.Check(d.Element(Dev + "defaultValue") != null, $"{n}: no <dev:defaultValue> (write None when there is none)");
            }

            var real = new HashSet<string>(cmdlet.Parameters.Select(x => x.Name), StringComparer.OrdinalIgnoreCase);
            foreach (var documented in byName.Keys.Where(k => !real.Contains(k)))
            {
                // platyPS-style help lists -WhatIf/-Confirm; PowerShell's other common parameters stay out.
                if (cmdlet.SupportsShouldProcess && (documented.Equals("WhatIf", StringComparison.OrdinalIgnoreCase) || documented.Equals("Confirm", StringComparison.OrdinalIgnoreCase)))
                    continue;
                p.Add($"<command:parameters> documents -{documented}, which {cmdlet.Name} does not have");
            }
        }

        private static void CheckSyntax(Problems p, XElement cmd, CmdletMetadata cmdlet)
        {
            var items = (cmd.Element(Command + "syntax")?.Elements(Command + "syntaxItem") ?? Enumerable.Empty<XElement>()).ToList();
            if (items.Count == 0) { p.Add("no <command:syntax><command:syntaxItem>"); return; }
            var real = new HashSet<string>(cmdlet.Parameters.Select(x => x.Name), StringComparer.OrdinalIgnoreCase);
            if (cmdlet.SupportsShouldProcess) { real.Add("WhatIf"); real.Add("Confirm"); }
            var inSyntax = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var item in items)
            {
                var itemName = ((string)item.Element(Maml + "name"))?.Trim();
                p.Check(itemName == cmdlet.Name, $"<command:syntaxItem> named '{itemName}', expected {cmdlet.Name}");
                foreach (var param in item.Elements(Command + "parameter"))
                {
                    var pn = ((string)param.Element(Maml + "name"))?.Trim() ?? "";
                    inSyntax.Add(pn);
                    p.Check(real.Contains(pn), $"syntax lists -{pn}, which {cmdlet.Name} does not have");
                }
            }
            foreach (var a in cmdlet.Parameters.Where(x => !inSyntax.Contains(x.Name)))
                p.Add($"-{a.Name} is missing from <command:syntax>");
        }

        private static void CheckExamples(Problems p, XElement cmd, CmdletMetadata cmdlet)
        {
            var examples = (cmd.Element(Command + "examples")?.Elements(Command + "example") ?? Enumerable.Empty<XElement>()).ToList();
            p.Check(examples.Count >= 3, $"{examples.Count} example(s), expected at least 3 (issue 7)");
            bool pipeline = false, whatIf = false, awsTools = false;
            var index = 0;
            foreach (var ex in examples)
            {
                index++;
                var code = string.Join("\n", ex.Elements(Dev + "code").Select(c => c.Value));
                var label = $"example {index} ('{((string)ex.Element(Maml + "title"))?.Trim()}')";
                if (code.Trim().Length == 0) { p.Add($"{label}: no <dev:code>"); continue; }
                p.Check(Text(ex.Element(Dev + "remarks")).Length > 0, $"{label}: no <dev:remarks> explaining it");
                var uses = ExampleCode.Invocations(code).ToList();
                p.Check(uses.Any(u => u.IsCommand && u.Cmdlet.Equals(cmdlet.Name, StringComparison.OrdinalIgnoreCase)), $"{label}: the code does not call {cmdlet.Name}");
                foreach (var problem in ExampleCode.Check(code)) p.Add($"{label}: {problem}");
                foreach (var u in uses.Where(u => u.IsCommand && u.Cmdlet.Equals(cmdlet.Name, StringComparison.OrdinalIgnoreCase)))
                {
                    pipeline |= u.Piped;
                    whatIf |= u.Parameters.Any(x => x.Equals("WhatIf", StringComparison.OrdinalIgnoreCase) || x.Equals("wi", StringComparison.OrdinalIgnoreCase));
                }
                whatIf |= Regex.IsMatch(code, @"\$WhatIfPreference\s*=\s*\$true", RegexOptions.IgnoreCase);
                awsTools |= ExampleCode.AwsToolsCmdlet.IsMatch(ExampleCode.StripComments(code));
            }
            p.Check(pipeline, "no example pipes into or out of the cmdlet (issue 7: a pipeline)");
            p.Check(whatIf, "no example uses -WhatIf (issue 7: a -WhatIf runbook check)");
            p.Check(awsTools, "no example hands off to or from AWS.Tools (e.g. Set-AWSCredential, Get-EC2Instance) (issue 7)");
        }

        /// <summary>Parses "False" / "True (ByValue, ByPropertyName)"; null when malformed.</summary>
        internal static HashSet<string> ParsePipelineInput(string text)
        {
            if (text == null) return null;
            var m = Regex.Match(text.Trim(), @"^(True|False)\s*(?:\(([^)]*)\))?$", RegexOptions.IgnoreCase);
            if (!m.Success) return null;
            var kinds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var k in m.Groups[2].Value.Split(',').Select(x => x.Trim()).Where(x => x.Length > 0))
            {
                if (!k.Equals("ByValue", StringComparison.OrdinalIgnoreCase) && !k.Equals("ByPropertyName", StringComparison.OrdinalIgnoreCase)) return null;
                kinds.Add(k);
            }
            var isTrue = m.Groups[1].Value.Equals("True", StringComparison.OrdinalIgnoreCase);
            if (isTrue != (kinds.Count > 0)) return null;
            return kinds;
        }

        private static string PipelineText(HashSet<string> kinds) =>
            kinds.Count == 0 ? "False" : $"True ({string.Join(", ", kinds.OrderBy(k => k))})";

        /// <summary>A documented type name matches full name or short name (System.String[] or String[]); Nullable&lt;T&gt; is documented as T.</summary>
        internal static bool TypeMatches(string documented, Type t)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition().FullName == "System.Nullable`1")
                return TypeMatches(documented, t.GetGenericArguments()[0]) || documented.TrimEnd('?') == ModuleMetadata.TypeName(t).TrimEnd('?');
            var full = ModuleMetadata.TypeName(t);
            var shortName = t.IsArray ? ShortName(t.GetElementType()) + "[]" : ShortName(t);
            return documented == full || documented == shortName;
        }

        private static string ShortName(Type t) => t.IsArray ? ShortName(t.GetElementType()) + "[]" : t.Name;

        [Fact]
        public void Installed_help_is_the_current_source()
        {
            var p = new Problems("<root>/en-US vs module/help/en-US");
            p.Check(Directory.Exists(RepoLayout.HelpSourceDir), $"{RepoLayout.HelpSourceDir} does not exist");
            if (Directory.Exists(RepoLayout.HelpSourceDir))
                foreach (var source in Directory.GetFiles(RepoLayout.HelpSourceDir))
                {
                    var installed = Path.Combine(RepoLayout.HelpDir, Path.GetFileName(source));
                    if (!File.Exists(installed)) p.Add($"{installed} is missing (the build copies {source} there)");
                    else p.Check(File.ReadAllBytes(installed).AsSpan().SequenceEqual(File.ReadAllBytes(source)), $"{installed} differs from {source} (stale copy)");
                }
            foreach (var needed in new[] { "Ec2Capacity.dll-Help.xml", "about_Ec2Capacity.help.txt" })
                p.Check(File.Exists(Path.Combine(RepoLayout.HelpSourceDir, needed)), $"module/help/en-US/{needed} (help source) is missing");
            p.AssertNone();
        }

        [Fact]
        public void About_topic_exists_and_covers_the_module()
        {
            Assert.True(File.Exists(RepoLayout.AboutTopic), $"{RepoLayout.AboutTopic} does not exist");
            var text = File.ReadAllText(RepoLayout.AboutTopic);
            var p = new Problems("about_Ec2Capacity.help.txt");
            p.Check(text.Contains("about_Ec2Capacity"), "does not name the topic about_Ec2Capacity");
            foreach (var heading in new[] { "SHORT DESCRIPTION", "LONG DESCRIPTION" })
                p.Check(text.Contains(heading, StringComparison.OrdinalIgnoreCase), $"no '{heading}' section");
            foreach (var c in CmdletContract.Cmdlets)
                p.Check(text.Contains(c.Name, StringComparison.OrdinalIgnoreCase), $"does not mention {c.Name}");
            // Issue 7: credentials/region incl. AWS.Tools session reuse and profiles, -WhatIf as DryRun and its verdicts,
            // the emulator for offline runbook tests, error categories.
            foreach (var (word, why) in new[]
                     {
                         ("StoredAWSCredentials", "reuse of an AWS.Tools session"), ("ProfileName", "profiles"), ("Region", "region resolution"),
                         ("DryRun", "how -WhatIf maps to DryRun"), ("WhatIf", "-WhatIf"), ("emulator", "the emulator for offline tests"),
                         ("ErrorCategory", "error categories and how to handle them"),
                     })
                p.Check(text.Contains(word, StringComparison.OrdinalIgnoreCase), $"does not mention '{word}' ({why})");
            foreach (var problem in ExampleCode.Check(text)) p.Add(problem);
            p.AssertNone();
        }
    }

    /// <summary>Finds calls of our cmdlets in PowerShell example code and the -Parameter tokens passed to them.</summary>
    internal static class ExampleCode
    {
        public static readonly Regex AwsToolsCmdlet = new Regex(@"(?<![\w-])[A-Za-z]+-(EC2|AWS|DefaultAWS)[A-Za-z0-9]*(?![\w-])", RegexOptions.IgnoreCase);

        /// <summary>Verb-Noun tokens that look like ours (not AWS.Tools' EC2-prefixed nouns): they must be exactly one of the five.</summary>
        private static readonly Regex LooksLikeOurs = new Regex(
            @"(?<![\w-])[A-Za-z]+-(?!EC2|AWS)[A-Za-z0-9]*(CapacityReservation|CapacityAllocation|CreditSpecification)[A-Za-z0-9]*(?![\w-])", RegexOptions.IgnoreCase);

        public sealed class Invocation
        {
            public string Cmdlet;
            public List<string> Parameters = new List<string>();
            public bool Piped;
            /// <summary>False when the name is an argument of another command (Get-Help Get-… -Full), not a call.</summary>
            public bool IsCommand;
        }

        /// <summary>Blanks comments (# to end of line, &lt;# #&gt;) outside strings, keeping offsets.</summary>
        public static string StripComments(string code)
        {
            var sb = new StringBuilder(code);
            for (var i = 0; i < code.Length; i++)
            {
                var c = code[i];
                if (c == '\'') { i = SkipSingle(code, i); continue; }
                if (c == '"') { i = SkipDouble(code, i); continue; }
                if (c == '<' && i + 1 < code.Length && code[i + 1] == '#')
                {
                    var end = code.IndexOf("#>", i + 2, StringComparison.Ordinal);
                    end = end < 0 ? code.Length : end + 2;
                    for (var k = i; k < end; k++) if (sb[k] != '\n') sb[k] = ' ';
                    i = end - 1;
                    continue;
                }
                if (c == '#' && (i == 0 || char.IsWhiteSpace(code[i - 1]) || code[i - 1] == ';'))
                {
                    while (i < code.Length && code[i] != '\n') sb[i++] = ' ';
                }
            }
            return sb.ToString();
        }

        private static int SkipSingle(string s, int i)
        {
            for (i++; i < s.Length; i++)
                if (s[i] == '\'') { if (i + 1 < s.Length && s[i + 1] == '\'') i++; else return i; }
            return s.Length;
        }

        private static int SkipDouble(string s, int i)
        {
            for (i++; i < s.Length; i++)
            {
                if (s[i] == '`') { i++; continue; }
                if (s[i] == '"') return i;
            }
            return s.Length;
        }

        public static IEnumerable<Invocation> Invocations(string rawCode)
        {
            var code = StripComments(rawCode);
            var names = string.Join("|", CmdletContract.Cmdlets.Select(c => Regex.Escape(c.Name)));
            foreach (Match m in Regex.Matches(code, $@"(?<![\w-])({names})(?![\w-])", RegexOptions.IgnoreCase))
            {
                var inv = new Invocation { Cmdlet = m.Value, IsCommand = InCommandPosition(code, m.Index) };
                // Piped into: the previous significant character (skipping whitespace and line continuations) is '|'.
                var b = m.Index - 1;
                while (b >= 0 && (char.IsWhiteSpace(code[b]) || code[b] == '`')) b--;
                inv.Piped = b >= 0 && code[b] == '|';

                var depth = 0;
                for (var i = inv.IsCommand ? m.Index + m.Length : code.Length; i < code.Length; i++)
                {
                    var c = code[i];
                    if (c == '\'') { i = SkipSingle(code, i); continue; }
                    if (c == '"') { i = SkipDouble(code, i); continue; }
                    if (c == '`') { i++; continue; } // escape / line continuation
                    if (c == '(' || c == '{' || c == '[') { depth++; continue; }
                    if (c == ')' || c == '}' || c == ']') { if (--depth < 0) break; continue; }
                    if (depth > 0) continue;
                    if (c == '|') { inv.Piped = true; break; }
                    if (c == ';' || c == '\n' || c == '\r') break;
                    if (c == '-' && (char.IsWhiteSpace(code[i - 1])) && i + 1 < code.Length && char.IsLetter(code[i + 1]))
                    {
                        var start = i + 1;
                        var end = start;
                        while (end < code.Length && (char.IsLetterOrDigit(code[end]) || code[end] == '_')) end++;
                        inv.Parameters.Add(code.Substring(start, end - start));
                        i = end - 1;
                    }
                }
                yield return inv;
            }
        }

        /// <summary>
        /// True when what precedes the name on its line (after a "PS C:\>" prompt) is nothing or ends in a character after which
        /// PowerShell expects a command: | ( { ; = &amp; or a line continuation.
        /// </summary>
        private static bool InCommandPosition(string code, int index)
        {
            var lineStart = code.LastIndexOf('\n', Math.Max(0, index - 1)) + 1;
            if (index == 0) lineStart = 0;
            var before = code.Substring(lineStart, index - lineStart);
            before = Regex.Replace(before, @"^\s*PS(\s+[^>]*)?>", "");
            before = before.TrimEnd();
            if (before.Length == 0) return true;
            return "|({;=&".IndexOf(before[before.Length - 1]) >= 0;
        }

        /// <summary>Every call of our cmdlets names a real cmdlet and passes only its real parameter names or aliases (no prefixes).</summary>
        public static IEnumerable<string> Check(string rawCode)
        {
            var code = StripComments(rawCode);
            var ours = new HashSet<string>(CmdletContract.Cmdlets.Select(c => c.Name), StringComparer.OrdinalIgnoreCase);
            foreach (Match m in LooksLikeOurs.Matches(code))
                if (!ours.Contains(m.Value))
                    yield return $"'{m.Value}' is not a cmdlet of this module";
            foreach (var inv in Invocations(rawCode).Where(i => i.IsCommand))
            {
                var cmdlet = ModuleMetadata.Instance.Cmdlets.FirstOrDefault(c => c.Name.Equals(inv.Cmdlet, StringComparison.OrdinalIgnoreCase));
                if (cmdlet == null) { yield return $"calls {inv.Cmdlet}, which is not in Ec2Capacity.dll"; continue; }
                if (inv.Cmdlet != cmdlet.Name) yield return $"writes '{inv.Cmdlet}'; write {cmdlet.Name} as declared";
                var valid = new HashSet<string>(cmdlet.Parameters.SelectMany(x => new[] { x.Name }.Concat(x.Aliases)), StringComparer.OrdinalIgnoreCase);
                foreach (var cp in PowerShellCommonParameters.WithAliases(cmdlet.SupportsShouldProcess)) valid.Add(cp.Key);
                foreach (var param in inv.Parameters.Where(x => !valid.Contains(x)))
                    yield return $"{cmdlet.Name} -{param}: no such parameter or alias";
            }
        }
    }
}
