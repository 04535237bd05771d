using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Amazon;

namespace Ec2Capacity
{
    /// <summary>Tab completion for -Region: the regions AWSSDK.Core knows, matched by the start of their system name.</summary>
    internal sealed class RegionCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            foreach (var region in Complete(wordToComplete))
            {
                yield return new CompletionResult(region.SystemName, region.SystemName, CompletionResultType.ParameterValue, region.DisplayName);
            }
        }

        /// <summary>
        /// Every region AWSSDK.Core knows, by system name; not its pseudo-regions (us-east-1-regional, aws-global), which
        /// -Region would refuse.
        /// </summary>
        public static IReadOnlyList<RegionSuggestion> All() =>
            RegionEndpoint.EnumerableAllRegions
                .Where(r => ConnectionResolver.IsRegionName(r.SystemName))
                .Select(r => new RegionSuggestion(r.SystemName, r.DisplayName))
                .GroupBy(r => r.SystemName, StringComparer.OrdinalIgnoreCase).Select(g => g.First())
                .OrderBy(r => r.SystemName, StringComparer.Ordinal)
                .ToList();

        /// <summary>
        /// Regions whose system name starts with what was typed (case-insensitive; surrounding quotes and a trailing
        /// wildcard are ignored). Nothing typed: every region.
        /// </summary>
        public static IReadOnlyList<RegionSuggestion> Complete(string wordToComplete) => Complete(wordToComplete, All());

        /// <summary>The same over a given list (for tests).</summary>
        public static IReadOnlyList<RegionSuggestion> Complete(string wordToComplete, IEnumerable<RegionSuggestion> regions)
        {
            var prefix = (wordToComplete ?? string.Empty).Trim().Trim('\'', '"').TrimEnd('*');
            return regions.Where(r => r.SystemName.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToList();
        }
    }

    /// <summary>One region offered by tab completion of -Region.</summary>
    internal sealed class RegionSuggestion
    {
        public RegionSuggestion(string systemName, string displayName)
        {
            SystemName = systemName;
            DisplayName = string.IsNullOrEmpty(displayName) ? systemName : displayName;
        }

        /// <summary>us-east-1 …: what is inserted.</summary>
        public string SystemName { get; }
        /// <summary>"US East (N. Virginia)" …: the tooltip.</summary>
        public string DisplayName { get; }
    }
}
