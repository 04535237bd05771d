using System;
using System.Collections.Generic;
using System.Linq;
using Amazon;

namespace Ec2Capacity
{
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

    /// <summary>The regions -Region tab-completes to, from the regions AWSSDK.Core knows.</summary>
    internal static class RegionCompletion
    {
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
}
