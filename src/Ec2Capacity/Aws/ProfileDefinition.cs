using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime.CredentialManagement;

namespace Ec2Capacity
{
    /// <summary>
    /// A digest of everything that decides which identity a role, SSO or process profile signs as: its options and
    /// those of its source profiles. Hashed, because a source profile may hold keys.
    /// </summary>
    internal static class ProfileDefinition
    {
        private const int MaxSourceDepth = 5;

        public static string Of(CredentialProfile profile, ICredentialProfileSource source)
        {
            var text = new StringBuilder();
            Append(text, profile, source, 0);
            using (var sha = SHA256.Create())
            {
                var digest = sha.ComputeHash(Encoding.UTF8.GetBytes(text.ToString()));
                return BitConverter.ToString(digest, 0, 16).Replace("-", string.Empty);
            }
        }

        private static void Append(StringBuilder text, CredentialProfile profile, ICredentialProfileSource source, int depth)
        {
            foreach (var property in typeof(CredentialProfileOptions).GetProperties().OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                if (property.GetIndexParameters().Length > 0) continue;
                text.Append(property.Name).Append('=').Append(Convert.ToString(property.GetValue(profile.Options, null), System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            }
            var sourceName = profile.Options.SourceProfile;
            if (depth < MaxSourceDepth && !string.IsNullOrEmpty(sourceName) && source.TryGetProfile(sourceName, out var parent))
            {
                text.Append("[source]\n");
                Append(text, parent, source, depth + 1);
            }
        }
    }
}
