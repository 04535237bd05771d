using System.Globalization;
using System;
using System.Collections;
using System.Collections.Generic;
using System.Text;

namespace Ec2Capacity
{
    /// <summary>
    /// Every client-side check, run before any request leaves the machine. Each failure names the
    /// PowerShell parameter and the form it accepts, and quotes the bad value only in escaped, shortened form.
    /// </summary>
    internal static class InputValidator
    {
        /// <summary>Most items one call takes; more is almost certainly a runaway pipeline.</summary>
        public const int MaxItemsPerCall = 10000;

        public static string CapacityReservationIdForm => Messages.CapacityReservationIdForm;
        public static string InstanceIdForm => Messages.InstanceIdForm;
        public static string QuoteIdForm => Messages.QuoteIdForm;

        public static string CapacityReservationId(string value, string parameterName = "CapacityReservationId") =>
            Identifier(value, parameterName, "cr-", () => CapacityReservationIdForm, HexLength17);

        public static string InstanceId(string value, string parameterName = "InstanceId") =>
            Identifier(value, parameterName, "i-", () => InstanceIdForm, HexLength8Or17);

        public static string QuoteId(string value, string parameterName = "QuoteId") =>
            Identifier(value, parameterName, "crcq-", () => QuoteIdForm, HexLength17);

        // The accepted values are the cmdlets' [ValidateSet]s (PowerShell checks them, case-insensitively); EC2 wants
        // them in lowercase.
        public static string ZeroSizePreference(string value) => Lowercase(value);

        public static string CpuCredits(string value) => Lowercase(value);

        public static string ApplyCancellationCharge(string value) => Lowercase(value);

        private static string Lowercase(string value) => value?.ToLowerInvariant();

        /// <summary>An idempotency token: 1 to 64 printable ASCII characters.</summary>
        public static string ClientToken(string value, string parameterName = "ClientToken")
        {
            var form = Messages.ClientTokenForm;
            if (value == null || value.Length == 0) throw new InputValidationException(parameterName, form, Messages.ValueEmpty);
            if (value.Length > 64) throw new InputValidationException(parameterName, form, string.Format(CultureInfo.InvariantCulture, Messages.ValueLength, value.Length));
            foreach (char c in value)
            {
                if (c < 0x21 || c > 0x7e) throw new InputValidationException(parameterName, form, string.Format(CultureInfo.InvariantCulture, Messages.ValueNotPrintableAscii, Quote(value)));
            }
            return value;
        }

        /// <summary>Checks tags (a PowerShell hashtable or any dictionary) and returns them as ordered pairs.</summary>
        public static IReadOnlyList<KeyValuePair<string, string>> Tags(IDictionary tags, string parameterName = "Tag")
        {
            var form = Messages.TagForm;
            var result = new List<KeyValuePair<string, string>>();
            if (tags == null) return result;
            if (tags.Count > 50) throw new InputValidationException(parameterName, form, string.Format(CultureInfo.InvariantCulture, Messages.TooManyTags, tags.Count));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (DictionaryEntry entry in tags)
            {
                var key = entry.Key as string ?? entry.Key?.ToString();
                if (string.IsNullOrWhiteSpace(key)) throw new InputValidationException(parameterName, form, Messages.TagKeyEmpty);
                if (key.Length > 127) throw new InputValidationException(parameterName, form, string.Format(CultureInfo.InvariantCulture, Messages.TagKeyLength, Quote(key), key.Length));
                if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)) throw new InputValidationException(parameterName, form, string.Format(CultureInfo.InvariantCulture, Messages.TagKeyReserved, Quote(key)));
                if (!seen.Add(key)) throw new InputValidationException(parameterName, form, string.Format(CultureInfo.InvariantCulture, Messages.TagKeyTwice, Quote(key)));
                var raw = entry.Value;
                if (raw != null && raw.GetType().FullName == "System.Management.Automation.PSObject")
                    raw = raw.GetType().GetProperty("BaseObject")?.GetValue(raw, null) ?? raw;
                // A list or a nested hashtable would be sent as its type name (System.Object[]): refuse it instead.
                if (raw is IEnumerable && !(raw is string))
                    throw new InputValidationException(parameterName, form, string.Format(CultureInfo.InvariantCulture, Messages.TagValueNotScalar, Quote(key), raw.GetType().Name));
                var value = raw?.ToString() ?? string.Empty;
                if (value.Length > 256) throw new InputValidationException(parameterName, form, string.Format(CultureInfo.InvariantCulture, Messages.TagValueLength, Quote(key), value.Length));
                result.Add(new KeyValuePair<string, string>(key, value));
            }
            return result;
        }

        /// <summary>An update must change something: a target count, a zero-size preference, or both.</summary>
        public static void UpdateHasChange(int? targetInstanceCount, string zeroSizePreference)
        {
            if (targetInstanceCount == null && string.IsNullOrEmpty(zeroSizePreference))
            {
                throw new InputValidationException("TargetInstanceCount", Messages.NothingToUpdateForm,
                    Messages.NothingToUpdate, ErrorIds.NothingToUpdate);
            }
        }

        /// <summary>Quotes a user's value for a message: escaped control characters, at most 64 characters shown.</summary>
        public static string Quote(string value)
        {
            if (value == null) return "(null)";
            const int shown = 64;
            var text = new StringBuilder("'");
            int count = 0;
            foreach (char c in value)
            {
                if (count++ == shown) { text.Append("…"); break; }
                if (c == '\r') text.Append("\\r");
                else if (c == '\n') text.Append("\\n");
                else if (c == '\t') text.Append("\\t");
                else if (char.IsControl(c) || char.IsSurrogate(c) || c > 0x7e) text.Append("\\u").Append(((int)c).ToString("x4"));
                else if (c == '\'') text.Append("''");
                else text.Append(c);
            }
            return text.Append('\'').ToString();
        }

        // The accepted hex lengths, allocated once (a params array would be allocated by every check).
        private static readonly int[] HexLength17 = { 17 }, HexLength8Or17 = { 8, 17 };

        // The form is looked up only for an error: a resource lookup per valid ID showed in the per-call profile.
        private static string Identifier(string value, string parameterName, string prefix, Func<string> form, int[] hexLengths)
        {
            if (value == null) throw new InputValidationException(parameterName, form(), Messages.ValueNull, ErrorIds.NullId);
            if (value.Trim().Length == 0) throw new InputValidationException(parameterName, form(), Messages.ValueEmpty, ErrorIds.EmptyId);
            bool ok = value.StartsWith(prefix, StringComparison.Ordinal);
            if (ok)
            {
                int hex = value.Length - prefix.Length;
                ok = Array.IndexOf(hexLengths, hex) >= 0;
                for (int i = prefix.Length; ok && i < value.Length; i++)
                {
                    char c = value[i];
                    ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                }
            }
            if (!ok) throw new InputValidationException(parameterName, form(), string.Format(CultureInfo.InvariantCulture, Messages.IdMalformed, Quote(value)), ErrorIds.MalformedId);
            return value;
        }

    }
}
