using System;
using System.Collections.Generic;

namespace Ec2Capacity.Engine
{
    /// <summary>Small rules for values as they arrive from a pipeline (Import-Csv gives strings, blank cells included).</summary>
    public static class CmdletValues
    {
        /// <summary>
        /// A blank string (an empty CSV cell) means "not given": null. PowerShell would otherwise convert '' to 0 for an
        /// integer parameter, which for -TargetInstanceCount would reclaim everything. Other values pass unchanged.
        /// </summary>
        public static object BlankToNull(object value) =>
            value is string s && s.Trim().Length == 0 ? null : value;

        /// <summary>
        /// The IDs of one parameter value, each once, in first-seen order (duplicates are collapsed, not rejected).
        /// Nothing is validated here: malformed or null entries stay, so the service reports each as its own error.
        /// </summary>
        public static IReadOnlyList<string> Distinct(IEnumerable<string> ids)
        {
            var result = new List<string>();
            if (ids == null) return result;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            bool nullSeen = false;
            foreach (var id in ids)
            {
                if (id == null)
                {
                    if (!nullSeen) result.Add(null);
                    nullSeen = true;
                }
                else if (seen.Add(id))
                {
                    result.Add(id);
                }
            }
            return result;
        }
    }
}
