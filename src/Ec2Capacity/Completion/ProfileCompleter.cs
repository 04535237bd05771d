using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Amazon.Runtime.CredentialManagement;

namespace Ec2Capacity
{
    /// <summary>Tab completion for -ProfileName: the profiles of the files this command would read (-ProfileLocation if given).</summary>
    internal sealed class ProfileCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var location = fakeBoundParameters?["ProfileLocation"] as string;
            foreach (var name in Complete(wordToComplete, location))
            {
                var text = name.IndexOfAny(new[] { ' ', '\'', '"', '$', '`' }) >= 0 ? "'" + name.Replace("'", "''") + "'" : name;
                yield return new CompletionResult(text, name, CompletionResultType.ParameterValue, name);
            }
        }

        /// <summary>
        /// Profiles in <paramref name="profileLocation"/> (a credentials file, as -ProfileLocation) or, without it, in
        /// the shared credentials and config files (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, ~/.aws), whose name
        /// starts with what was typed. Reads the files only; never sends a request, and never fails completion.
        /// </summary>
        public static IReadOnlyList<string> Complete(string wordToComplete, string profileLocation)
        {
            var prefix = (wordToComplete ?? string.Empty).Trim().Trim('\'', '"').TrimEnd('*');
            List<string> names;
            try
            {
                var chain = string.IsNullOrWhiteSpace(profileLocation) ? new CredentialProfileStoreChain() : new CredentialProfileStoreChain(profileLocation);
                names = chain.ListProfiles().Select(p => p.Name).ToList();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is InvalidOperationException)
            {
                return Array.Empty<string>();
            }
            return names.Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Distinct(StringComparer.Ordinal)
                .OrderBy(n => n, StringComparer.OrdinalIgnoreCase)
                .ToList();
        }
    }
}
