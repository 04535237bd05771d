using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Ec2Capacity.Contract.Tests
{
    /// <summary>The cmdlets' attributes in the built module/bin/Ec2Capacity.dll against <see cref="CmdletContract"/>.</summary>
    public class CmdletContractTests
    {
        public static IEnumerable<object[]> CmdletNames => CmdletContract.Cmdlets.Select(c => new object[] { c.Name });

        [Fact]
        public void The_assembly_holds_exactly_the_five_cmdlets()
        {
            var p = new Problems("cmdlets in module/bin/Ec2Capacity.dll");
            var actual = ModuleMetadata.Instance.Cmdlets.Select(c => c.Name).ToList();
            var expected = CmdletContract.Cmdlets.Select(c => c.Name).ToList();
            foreach (var name in expected.Except(actual, StringComparer.Ordinal))
                p.Add($"missing cmdlet {name} (no public non-abstract class with [Cmdlet(\"{name.Split('-')[0]}\", \"{name.Split('-')[1]}\")])");
            foreach (var name in actual.Except(expected, StringComparer.Ordinal))
                p.Add($"unexpected cmdlet {name} (not in the issue specs; add it to CmdletContract if it is intended)");
            foreach (var dup in actual.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
                p.Add($"{dup.Key} is declared by {dup.Count()} classes");
            foreach (var c in ModuleMetadata.Instance.Cmdlets)
            {
                p.Check(c.Type.IsPublic, $"{c.Name}: class {c.Type.FullName} is not public");
                p.Check(ModuleMetadata.DerivesFrom(c.Type, ModuleMetadata.Sma + "PSCmdlet"),
                    $"{c.Name}: class {c.Type.FullName} does not derive from PSCmdlet");
            }
            p.AssertNone();
        }

        [Theory]
        [MemberData(nameof(CmdletNames))]
        public void Cmdlet_attributes_match_the_contract(string name)
        {
            var expected = CmdletContract.Find(name);
            var actual = FindOrFail(name);
            var p = new Problems(name);

            p.Check(actual.SupportsShouldProcess == expected.SupportsShouldProcess,
                $"SupportsShouldProcess is {actual.SupportsShouldProcess}, expected {expected.SupportsShouldProcess} (-WhatIf maps to DryRun on every cmdlet)");
            p.Check(actual.ConfirmImpactValue >= expected.MinConfirmImpact && actual.ConfirmImpactValue <= expected.MaxConfirmImpact,
                $"ConfirmImpact is {actual.ConfirmImpact}{(actual.ConfirmImpactValue == CmdletContract.Medium ? " (possibly the CmdletAttribute default)" : "")}, expected " +
                (expected.MinConfirmImpact == expected.MaxConfirmImpact
                    ? CmdletMetadata.ConfirmImpactNames[expected.MaxConfirmImpact]
                    : $"{CmdletMetadata.ConfirmImpactNames[expected.MinConfirmImpact]}..{CmdletMetadata.ConfirmImpactNames[expected.MaxConfirmImpact]}"));

            if (actual.OutputTypeNames.Count == 0)
                p.Add($"no [OutputType]; expected [OutputType(typeof({expected.OutputType}))]");
            else
            {
                foreach (var t in actual.OutputTypeNames.Where(t => t != expected.OutputType))
                    p.Add($"[OutputType] names {t}; expected only {expected.OutputType}");
                p.Check(actual.OutputTypeNames.Contains(expected.OutputType), $"[OutputType] does not name {expected.OutputType}");
                p.Check(actual.OutputTypes.Count == actual.OutputTypeNames.Count,
                    "[OutputType] uses a string; use typeof(...) so the type is checked at compile time");
            }
            p.AssertNone();
        }

        [Theory]
        [MemberData(nameof(CmdletNames))]
        public void Parameters_match_the_contract(string name)
        {
            var expected = CmdletContract.Find(name);
            var actual = FindOrFail(name);
            var p = new Problems(name + " parameters");

            var byName = actual.Parameters.GroupBy(x => x.Name, StringComparer.OrdinalIgnoreCase).ToList();
            foreach (var dup in byName.Where(g => g.Count() > 1))
                p.Add($"-{dup.Key} is declared {dup.Count()} times (hidden/duplicated member?)");
            var actualByName = byName.ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);

            foreach (var e in expected.AllParameters)
            {
                if (!actualByName.TryGetValue(e.Name, out var a))
                {
                    p.Add($"-{e.Name}: missing (expected a public property with [Parameter] of type {string.Join(" or ", e.AcceptedTypes)})");
                    continue;
                }
                CheckParameter(p, e, a);
            }
            var expectedNames = new HashSet<string>(expected.AllParameters.Select(e => e.Name), StringComparer.OrdinalIgnoreCase);
            foreach (var a in actual.Parameters.Where(a => !expectedNames.Contains(a.Name)))
                p.Add($"-{a.Name}: not in the spec (type {a.TypeName}" +
                      (a.ByValue || a.ByPropertyName ? ", and it binds from the pipeline" : "") + ")");

            foreach (var m in actual.PublicMembersWithoutParameterAttribute)
                p.Add($"public settable member {m} has no [Parameter] attribute (PowerShell will not bind it; make it a parameter or not public)");

            // Names and aliases must be unique across the cmdlet, including PowerShell's own common parameters.
            var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var cp in PowerShellCommonParameters.WithAliases(actual.SupportsShouldProcess))
                seen[cp.Key] = "common parameter -" + cp.Value;
            foreach (var a in actual.Parameters)
                foreach (var n in new[] { a.Name }.Concat(a.Aliases))
                {
                    if (seen.TryGetValue(n, out var owner) && owner != "-" + a.Name)
                        p.Add($"'{n}' (of -{a.Name}) collides with {owner}");
                    else seen[n] = "-" + a.Name;
                }
            p.AssertNone();
        }

        [Fact]
        public void Common_AWS_parameters_live_on_one_shared_base_class()
        {
            var p = new Problems("shared AWS parameters");
            var declaring = new HashSet<string>();
            foreach (var c in ModuleMetadata.Instance.Cmdlets)
                foreach (var e in CmdletContract.Common)
                {
                    var a = c.Parameters.FirstOrDefault(x => x.Name == e.Name);
                    if (a == null) continue; // reported by Parameters_match_the_contract
                    declaring.Add(a.DeclaringType.FullName);
                    p.Check(a.DeclaringType != c.Type, $"{c.Name}: -{e.Name} is declared on the cmdlet itself, not on the shared base class");
                }
            p.Check(declaring.Count <= 1, "the common parameters are declared on several classes: " + string.Join(", ", declaring));
            p.AssertNone();
        }

        private static void CheckParameter(Problems p, ExpectedParameter e, ParameterMetadata a)
        {
            var n = "-" + e.Name;
            p.Check(a.Name == e.Name, $"{n}: declared as '{a.Name}' (case differs; help and tab completion show the declared name)");
            p.Check(e.AcceptedTypes.Contains(a.TypeName), $"{n}: type {a.TypeName}, expected {string.Join(" or ", e.AcceptedTypes)}");

            foreach (var attr in a.ParameterAttributes)
            {
                var set = attr.ParameterSetName == "__AllParameterSets" ? "" : $" (set {attr.ParameterSetName})";
                p.Check(attr.Mandatory == e.Mandatory, $"{n}{set}: Mandatory={attr.Mandatory}, expected {e.Mandatory}");
                var pos = attr.Position == ParameterAttributeData.NoPosition ? (int?)null : attr.Position;
                p.Check(pos == e.Position, $"{n}{set}: Position={(pos?.ToString() ?? "named")}, expected {(e.Position?.ToString() ?? "named")}");
                p.Check(attr.ValueFromPipeline == e.ByValue, $"{n}{set}: ValueFromPipeline={attr.ValueFromPipeline}, expected {e.ByValue}");
                p.Check(attr.ValueFromPipelineByPropertyName == e.ByPropertyName,
                    $"{n}{set}: ValueFromPipelineByPropertyName={attr.ValueFromPipelineByPropertyName}, expected {e.ByPropertyName}");
                p.Check(!attr.ValueFromRemainingArguments, $"{n}{set}: ValueFromRemainingArguments must not be set");
            }

            var expectedAliases = new HashSet<string>(e.Aliases, StringComparer.OrdinalIgnoreCase);
            var actualAliases = new HashSet<string>(a.Aliases, StringComparer.OrdinalIgnoreCase);
            foreach (var missing in expectedAliases.Except(actualAliases, StringComparer.OrdinalIgnoreCase))
                p.Add($"{n}: missing alias {missing}");
            foreach (var extra in actualAliases.Except(expectedAliases, StringComparer.OrdinalIgnoreCase))
                p.Add($"{n}: unexpected alias {extra}");

            if (e.ValidateSet == null)
                p.Check(a.ValidateSet == null, $"{n}: has [ValidateSet({string.Join(", ", a.ValidateSet ?? new string[0])})], the spec gives none");
            else if (a.ValidateSet == null)
                p.Add($"{n}: no [ValidateSet], expected {string.Join(", ", e.ValidateSet)}");
            else if (!a.ValidateSet.OrderBy(x => x, StringComparer.Ordinal).SequenceEqual(e.ValidateSet.OrderBy(x => x, StringComparer.Ordinal)))
                p.Add($"{n}: [ValidateSet({string.Join(", ", a.ValidateSet)})], expected exactly {string.Join(", ", e.ValidateSet)} (same spelling as EC2)");

            if (e.Range == null)
                p.Check(a.ValidateRange == null, $"{n}: has [ValidateRange({a.ValidateRange?.Min}, {a.ValidateRange?.Max})], the spec gives none");
            else if (a.ValidateRange == null)
                p.Check(!e.RangeRequired, $"{n}: no [ValidateRange], expected {e.Range.Value.Min}..{e.Range.Value.Max}");
            else
            {
                var (min, max) = a.ValidateRange.Value;
                var (emin, emax) = e.Range.Value;
                p.Check((emin == null || min == emin) && (emax == null || max == emax),
                    $"{n}: [ValidateRange({min}, {max})], expected {emin?.ToString() ?? "any"}..{emax?.ToString() ?? "any"}");
            }

            p.Check(a.HasArgumentCompleter == e.ArgumentCompleter,
                e.ArgumentCompleter ? $"{n}: no [ArgumentCompleter] (it must tab-complete)" : $"{n}: unexpected [ArgumentCompleter]");
        }

        private static CmdletMetadata FindOrFail(string name)
        {
            var c = ModuleMetadata.Instance.Cmdlets.FirstOrDefault(x => x.Name == name);
            Assert.True(c != null, $"{name}: no class with [Cmdlet] for it in {RepoLayout.CmdletAssembly} " +
                                   $"(found: {string.Join(", ", ModuleMetadata.Instance.Cmdlets.Select(x => x.Name))})");
            return c;
        }
    }

    /// <summary>PowerShell's own common parameters (never documented in MAML parameters, always usable in examples).</summary>
    internal static class PowerShellCommonParameters
    {
        private static readonly (string Name, string[] Aliases)[] Always =
        {
            ("Verbose", new[] { "vb" }), ("Debug", new[] { "db" }), ("ErrorAction", new[] { "ea" }),
            ("WarningAction", new[] { "wa" }), ("InformationAction", new[] { "infa" }), ("ErrorVariable", new[] { "ev" }),
            ("WarningVariable", new[] { "wv" }), ("InformationVariable", new[] { "iv" }), ("OutVariable", new[] { "ov" }),
            ("OutBuffer", new[] { "ob" }), ("PipelineVariable", new[] { "pv" }), ("ProgressAction", new[] { "proga" }),
        };

        private static readonly (string Name, string[] Aliases)[] ShouldProcess =
        {
            ("WhatIf", new[] { "wi" }), ("Confirm", new[] { "cf" }),
        };

        /// <summary>name-or-alias → parameter name.</summary>
        public static IEnumerable<KeyValuePair<string, string>> WithAliases(bool supportsShouldProcess)
        {
            foreach (var (name, aliases) in supportsShouldProcess ? Always.Concat(ShouldProcess) : Always)
            {
                yield return new KeyValuePair<string, string>(name, name);
                foreach (var a in aliases) yield return new KeyValuePair<string, string>(a, name);
            }
        }
    }
}
