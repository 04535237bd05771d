using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Xunit;

namespace Ec2Capacity.Contract.Tests
{
    /// <summary>module/Ec2Capacity.format.ps1xml against the output types in the built assemblies.</summary>
    public class FormatFileTests
    {
        /// <summary>
        /// Every type a cmdlet's [OutputType] names, plus, recursively, the public classes from namespace Ec2Capacity that
        /// those expose as properties (directly, as arrays or as Nullable), keyed by full name.
        /// </summary>
        internal static Dictionary<string, Type> OutputTypeClosure()
        {
            var result = new Dictionary<string, Type>(StringComparer.Ordinal);
            var queue = new Queue<Type>(ModuleMetadata.Instance.Cmdlets.SelectMany(c => c.OutputTypes));
            while (queue.Count > 0)
            {
                var t = queue.Dequeue();
                if (!result.TryAdd(t.FullName, t)) continue;
                foreach (var prop in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    var pt = Unwrap(prop.PropertyType);
                    if (pt.Namespace == "Ec2Capacity" && pt.IsClass && pt.IsPublic && !result.ContainsKey(pt.FullName)) queue.Enqueue(pt);
                }
            }
            return result;
        }

        internal static Type Unwrap(Type t)
        {
            while (true)
            {
                if (t.IsArray) t = t.GetElementType();
                else if (t.IsGenericType && t.GetGenericTypeDefinition().FullName == "System.Nullable`1") t = t.GetGenericArguments()[0];
                else return t;
            }
        }

        private static XDocument Load()
        {
            Assert.True(File.Exists(RepoLayout.FormatFile), $"{RepoLayout.FormatFile} does not exist");
            try { return XDocument.Load(RepoLayout.FormatFile, LoadOptions.SetLineInfo); }
            catch (XmlException e) { throw new Xunit.Sdk.XunitException($"{RepoLayout.FormatFile} is not well-formed XML: {e.Message}"); }
        }

        private static string Where(XElement e) => e is IXmlLineInfo li && li.HasLineInfo() ? $"line {li.LineNumber}" : "?";

        [Fact]
        public void Format_file_is_a_valid_view_configuration()
        {
            var doc = Load();
            var p = new Problems("Ec2Capacity.format.ps1xml");
            p.Check(doc.Root.Name.LocalName == "Configuration" && doc.Root.Name.NamespaceName == "",
                $"root element is <{doc.Root.Name}>, expected <Configuration> (no namespace)");
            var views = doc.Descendants("View").ToList();
            p.Check(views.Count > 0, "no <View> under ViewDefinitions");
            foreach (var view in views)
            {
                var name = (string)view.Element("Name");
                p.Check(!string.IsNullOrWhiteSpace(name), $"{Where(view)}: <View> without <Name>");
                var selected = view.Element("ViewSelectedBy");
                p.Check(selected != null && selected.Elements().Any(), $"view '{name}': no <ViewSelectedBy>");
                var controls = view.Elements().Where(e => e.Name.LocalName.EndsWith("Control")).ToList();
                p.Check(controls.Count == 1, $"view '{name}': expected exactly one of TableControl/ListControl/WideControl/CustomControl, found {controls.Count}");
                foreach (var table in view.Elements("TableControl"))
                {
                    var headers = table.Element("TableHeaders")?.Elements("TableColumnHeader").Count() ?? 0;
                    foreach (var row in table.Descendants("TableRowEntry"))
                    {
                        var cells = row.Element("TableColumnItems")?.Elements("TableColumnItem").Count() ?? 0;
                        p.Check(cells == headers, $"view '{name}' {Where(row)}: {headers} column headers but {cells} column items (PowerShell refuses to load the file)");
                    }
                }
                foreach (var item in view.Descendants().Where(e => e.Name.LocalName is "TableColumnItem" or "ListItem" or "WideItem" or "ExpressionBinding"))
                {
                    var hasProperty = item.Element("PropertyName") != null;
                    var hasScript = item.Element("ScriptBlock") != null;
                    if (item.Name.LocalName == "ExpressionBinding" && (item.Element("CustomControl") != null || item.Element("CustomControlName") != null)) continue;
                    p.Check(hasProperty ^ hasScript, $"view '{name}' {Where(item)}: <{item.Name.LocalName}> needs exactly one of PropertyName or ScriptBlock");
                }
            }
            foreach (var dup in views.GroupBy(v => (string)v.Element("Name")).Where(g => g.Count() > 1))
                p.Add($"view name '{dup.Key}' is used {dup.Count()} times");
            p.AssertNone();
        }

        [Fact]
        public void Every_output_type_has_a_view_and_views_name_real_properties()
        {
            var doc = Load();
            var types = OutputTypeClosure();
            var p = new Problems("Ec2Capacity.format.ps1xml vs output types");
            p.Check(types.Count > 0, "no [OutputType] types found in the cmdlets");

            var views = doc.Descendants("View").ToList();
            var covered = new HashSet<string>(views.SelectMany(v => v.Element("ViewSelectedBy")?.Elements("TypeName") ?? Enumerable.Empty<XElement>())
                .Select(e => e.Value.Trim()), StringComparer.Ordinal);
            foreach (var t in types.Keys.OrderBy(x => x))
                p.Check(covered.Contains(t), $"type {t} has no view (no <ViewSelectedBy><TypeName>{t}</TypeName>)");

            var allOurTypes = ModuleMetadata.Instance.EngineAssembly.GetExportedTypes().Concat(ModuleMetadata.Instance.CmdletAssembly.GetExportedTypes())
                .GroupBy(t => t.FullName).ToDictionary(g => g.Key, g => g.First());
            foreach (var view in views)
            {
                var name = (string)view.Element("Name");
                foreach (var typeName in (view.Element("ViewSelectedBy")?.Elements("TypeName") ?? Enumerable.Empty<XElement>()).Select(e => e.Value.Trim()))
                {
                    if (!allOurTypes.TryGetValue(typeName, out var type))
                    {
                        p.Add($"view '{name}' is selected by {typeName}, which is not a public type in Ec2Capacity.dll or Ec2Capacity.Engine.dll");
                        continue;
                    }
                    foreach (var (prop, where) in ReferencedProperties(view))
                        p.Check(ResolvePath(type, prop), $"view '{name}' ({where}) uses property '{prop}', which {typeName} does not have");
                }
            }
            p.AssertNone();
        }

        /// <summary>PropertyName elements (and GroupBy) plus $_.Name[.Name…] chains inside ScriptBlock elements.</summary>
        private static IEnumerable<(string Path, string Where)> ReferencedProperties(XElement view)
        {
            foreach (var e in view.Descendants("PropertyName"))
                yield return (e.Value.Trim(), Where(e));
            foreach (var e in view.Descendants("ScriptBlock"))
            {
                var depth = BraceDepths(e.Value);
                foreach (Match m in Regex.Matches(e.Value, @"\$_\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?!\s*\()"))
                    if (depth[m.Index] == 0) // inside a nested { } (ForEach-Object, Where-Object) $_ is something else
                        yield return (m.Groups[1].Value, Where(e) + " script");
            }
        }

        /// <summary>Curly-brace nesting depth at each position of a script, ignoring braces inside quotes.</summary>
        private static int[] BraceDepths(string script)
        {
            var depths = new int[script.Length + 1];
            var depth = 0;
            char quote = '\0';
            for (var i = 0; i < script.Length; i++)
            {
                var c = script[i];
                if (quote != '\0') { if (c == quote) quote = '\0'; }
                else if (c == '\'' || c == '"') quote = c;
                else if (c == '{') depth++;
                else if (c == '}') depth--;
                depths[i] = depth;
            }
            depths[script.Length] = depth;
            return depths;
        }

        /// <summary>True when each step of a dotted path is a public property (of the element type, for arrays). Stops at types not ours.</summary>
        private static bool ResolvePath(Type type, string path)
        {
            var t = type;
            foreach (var step in path.Split('.'))
            {
                var u = Unwrap(t);
                if (u.Namespace != "Ec2Capacity" && t != type) return true; // e.g. String.Length: not ours to check
                if (t.IsArray && (step == "Count" || step == "Length")) { t = typeof(int); continue; }
                var prop = u.GetProperty(step, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                if (prop == null) return false;
                t = prop.PropertyType;
            }
            return true;
        }
    }
}
