using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Ec2Capacity.Contract.Tests
{
    /// <summary>
    /// The built module read through MetadataLoadContext: nothing here is ever instantiated or run, so no PowerShell
    /// engine is needed. Types resolve from module/bin, the PowerShellStandard reference System.Management.Automation and
    /// the running runtime's assemblies (which carry netstandard/mscorlib facades).
    /// </summary>
    internal sealed class ModuleMetadata
    {
        private static readonly Lazy<ModuleMetadata> _instance = new Lazy<ModuleMetadata>(() => new ModuleMetadata());
        public static ModuleMetadata Instance => _instance.Value;

        public const string Sma = "System.Management.Automation.";

        public MetadataLoadContext Context { get; }
        public Assembly CmdletAssembly { get; }
        public Assembly EngineAssembly { get; }
        public IReadOnlyList<CmdletMetadata> Cmdlets { get; }

        private ModuleMetadata()
        {
            foreach (var required in new[] { RepoLayout.CmdletAssembly, RepoLayout.EngineAssembly })
                if (!File.Exists(required))
                    throw new InvalidOperationException($"{required} does not exist: build src/Ec2Capacity first (it lays out module/bin/).");

            var paths = new List<string>();
            paths.AddRange(Directory.GetFiles(RepoLayout.ModuleBin, "*.dll"));
            paths.Add(RepoLayout.SmaReference);
            var shipped = new HashSet<string>(paths.Select(Path.GetFileName), StringComparer.OrdinalIgnoreCase);
            // Runtime assemblies only for names the module does not ship, so module/bin always wins.
            paths.AddRange(Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
                .Where(p => !shipped.Contains(Path.GetFileName(p))));

            Context = new MetadataLoadContext(new PathAssemblyResolver(paths));
            CmdletAssembly = Context.LoadFromAssemblyPath(RepoLayout.CmdletAssembly);
            EngineAssembly = Context.LoadFromAssemblyPath(RepoLayout.EngineAssembly);
            Cmdlets = CmdletAssembly.GetTypes()
                .Where(t => !t.IsAbstract && Attr(t.GetCustomAttributesData(), Sma + "CmdletAttribute") != null)
                .Select(t => new CmdletMetadata(t))
                .OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
                .ToList();
        }

        public static CustomAttributeData Attr(IEnumerable<CustomAttributeData> data, string fullName) =>
            data.FirstOrDefault(a => a.AttributeType.FullName == fullName);

        public static IEnumerable<CustomAttributeData> Attrs(IEnumerable<CustomAttributeData> data, string fullName) =>
            data.Where(a => a.AttributeType.FullName == fullName);

        public static object Named(CustomAttributeData a, string name, object defaultValue)
        {
            foreach (var n in a.NamedArguments)
                if (n.MemberName == name) return n.TypedValue.Value;
            return defaultValue;
        }

        /// <summary>Flattens a constructor argument that may be a params array into its values.</summary>
        public static IEnumerable<object> Values(CustomAttributeTypedArgument arg)
        {
            if (arg.Value is ReadOnlyCollection<CustomAttributeTypedArgument> many)
                return many.Select(m => m.Value);
            return new[] { arg.Value };
        }

        /// <summary>A readable, comparable type name: System.String[], System.Int32? (for Nullable), else FullName.</summary>
        public static string TypeName(Type t)
        {
            if (t.IsArray) return TypeName(t.GetElementType()) + "[]";
            if (t.IsGenericType && t.GetGenericTypeDefinition().FullName == "System.Nullable`1")
                return TypeName(t.GetGenericArguments()[0]) + "?";
            if (t.IsGenericType)
                return t.GetGenericTypeDefinition().FullName + "[" + string.Join(",", t.GetGenericArguments().Select(TypeName)) + "]";
            return t.FullName;
        }

        public static bool DerivesFrom(Type t, string baseFullName)
        {
            for (var b = t; b != null; b = b.BaseType)
                if (b.FullName == baseFullName) return true;
            return false;
        }
    }

    internal sealed class CmdletMetadata
    {
        public Type Type { get; }
        public string Verb { get; }
        public string Noun { get; }
        public string Name => Verb + "-" + Noun;
        public bool SupportsShouldProcess { get; }
        /// <summary>ConfirmImpact as its enum name; CmdletAttribute's default is Medium.</summary>
        public string ConfirmImpact { get; }
        public int ConfirmImpactValue { get; }
        /// <summary>Type names from every [OutputType] (Type arguments by FullName, string arguments as written).</summary>
        public IReadOnlyList<string> OutputTypeNames { get; }
        public IReadOnlyList<Type> OutputTypes { get; }
        public IReadOnlyList<ParameterMetadata> Parameters { get; }
        /// <summary>Public settable properties/fields of our own classes that lack [Parameter] (forgotten attributes).</summary>
        public IReadOnlyList<string> PublicMembersWithoutParameterAttribute { get; }

        public static readonly string[] ConfirmImpactNames = { "None", "Low", "Medium", "High" };

        public CmdletMetadata(Type type)
        {
            Type = type;
            var cmdlet = ModuleMetadata.Attr(type.GetCustomAttributesData(), ModuleMetadata.Sma + "CmdletAttribute");
            Verb = (string)cmdlet.ConstructorArguments[0].Value;
            Noun = (string)cmdlet.ConstructorArguments[1].Value;
            SupportsShouldProcess = (bool)ModuleMetadata.Named(cmdlet, "SupportsShouldProcess", false);
            ConfirmImpactValue = Convert.ToInt32(ModuleMetadata.Named(cmdlet, "ConfirmImpact", 2));
            ConfirmImpact = ConfirmImpactValue >= 0 && ConfirmImpactValue < ConfirmImpactNames.Length
                ? ConfirmImpactNames[ConfirmImpactValue] : ConfirmImpactValue.ToString();

            var names = new List<string>();
            var types = new List<Type>();
            foreach (var o in ModuleMetadata.Attrs(type.GetCustomAttributesData(), ModuleMetadata.Sma + "OutputTypeAttribute"))
                foreach (var arg in o.ConstructorArguments)
                    foreach (var v in ModuleMetadata.Values(arg))
                    {
                        if (v is Type t) { types.Add(t); names.Add(ModuleMetadata.TypeName(t)); }
                        else if (v is string s) names.Add(s);
                    }
            OutputTypeNames = names;
            OutputTypes = types;

            var parameters = new List<ParameterMetadata>();
            var missing = new List<string>();
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance;
            foreach (var p in type.GetProperties(flags))
            {
                var data = p.GetCustomAttributesData();
                if (ModuleMetadata.Attr(data, ModuleMetadata.Sma + "ParameterAttribute") != null)
                    parameters.Add(new ParameterMetadata(p.Name, p.PropertyType, p.DeclaringType, data));
                else if (IsOurs(p.DeclaringType) && p.SetMethod != null && p.SetMethod.IsPublic)
                    missing.Add($"{p.DeclaringType.Name}.{p.Name}");
            }
            foreach (var f in type.GetFields(flags))
            {
                var data = f.GetCustomAttributesData();
                if (ModuleMetadata.Attr(data, ModuleMetadata.Sma + "ParameterAttribute") != null)
                    parameters.Add(new ParameterMetadata(f.Name, f.FieldType, f.DeclaringType, data));
                else if (IsOurs(f.DeclaringType) && !f.IsInitOnly && !f.IsLiteral)
                    missing.Add($"{f.DeclaringType.Name}.{f.Name}");
            }
            Parameters = parameters.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToList();
            PublicMembersWithoutParameterAttribute = missing;
        }

        private bool IsOurs(Type declaring) => declaring != null && declaring.Assembly == Type.Assembly;
    }

    internal sealed class ParameterMetadata
    {
        public string Name { get; }
        public Type Type { get; }
        public string TypeName { get; }
        public Type DeclaringType { get; }
        public IReadOnlyList<ParameterAttributeData> ParameterAttributes { get; }
        public IReadOnlyList<string> Aliases { get; }
        /// <summary>Null when there is no [ValidateSet].</summary>
        public IReadOnlyList<string> ValidateSet { get; }
        /// <summary>Null when there is no [ValidateRange].</summary>
        public (long Min, long Max)? ValidateRange { get; }
        public bool HasArgumentCompleter { get; }
        public bool IsSwitch => TypeName == ModuleMetadata.Sma + "SwitchParameter";

        public bool Mandatory => ParameterAttributes.Any(a => a.Mandatory);
        public bool ByValue => ParameterAttributes.Any(a => a.ValueFromPipeline);
        public bool ByPropertyName => ParameterAttributes.Any(a => a.ValueFromPipelineByPropertyName);

        public ParameterMetadata(string name, Type type, Type declaringType, IList<CustomAttributeData> data)
        {
            Name = name;
            Type = type;
            TypeName = ModuleMetadata.TypeName(type);
            DeclaringType = declaringType;
            ParameterAttributes = ModuleMetadata.Attrs(data, ModuleMetadata.Sma + "ParameterAttribute")
                .Select(a => new ParameterAttributeData(a)).ToList();
            Aliases = ModuleMetadata.Attrs(data, ModuleMetadata.Sma + "AliasAttribute")
                .SelectMany(a => a.ConstructorArguments.SelectMany(ModuleMetadata.Values)).Cast<string>().ToList();
            var set = ModuleMetadata.Attr(data, ModuleMetadata.Sma + "ValidateSetAttribute");
            ValidateSet = set?.ConstructorArguments.SelectMany(ModuleMetadata.Values).Cast<string>().ToList();
            var range = ModuleMetadata.Attr(data, ModuleMetadata.Sma + "ValidateRangeAttribute");
            if (range != null)
                ValidateRange = (Convert.ToInt64(range.ConstructorArguments[0].Value), Convert.ToInt64(range.ConstructorArguments[1].Value));
            HasArgumentCompleter = ModuleMetadata.Attr(data, ModuleMetadata.Sma + "ArgumentCompleterAttribute") != null;
        }
    }

    internal sealed class ParameterAttributeData
    {
        public const int NoPosition = int.MinValue;
        public string ParameterSetName { get; }
        public bool Mandatory { get; }
        public int Position { get; }
        public bool ValueFromPipeline { get; }
        public bool ValueFromPipelineByPropertyName { get; }
        public bool ValueFromRemainingArguments { get; }

        public ParameterAttributeData(CustomAttributeData a)
        {
            ParameterSetName = (string)ModuleMetadata.Named(a, "ParameterSetName", "__AllParameterSets");
            Mandatory = (bool)ModuleMetadata.Named(a, "Mandatory", false);
            Position = (int)ModuleMetadata.Named(a, "Position", NoPosition);
            ValueFromPipeline = (bool)ModuleMetadata.Named(a, "ValueFromPipeline", false);
            ValueFromPipelineByPropertyName = (bool)ModuleMetadata.Named(a, "ValueFromPipelineByPropertyName", false);
            ValueFromRemainingArguments = (bool)ModuleMetadata.Named(a, "ValueFromRemainingArguments", false);
        }
    }
}
