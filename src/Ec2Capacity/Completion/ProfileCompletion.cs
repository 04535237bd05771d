using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Amazon.Runtime.CredentialManagement;

namespace Ec2Capacity
{
    /// <summary>The profile names -ProfileName tab-completes to: those of the files the cmdlet would read, as AWSSDK.Core reads them.</summary>
    internal static class ProfileCompletion
    {
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
