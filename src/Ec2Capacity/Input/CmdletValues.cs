using System;
using System.Collections.Generic;
using System.Globalization;

namespace Ec2Capacity
{
    /// <summary>Small rules for values as they arrive from a pipeline (Import-Csv gives strings, blank cells included).</summary>
    internal static class CmdletValues
    {
        /// <summary>
        /// A count as it arrives from the command line or a CSV cell. Blank (an empty cell) or null means "not given":
        /// null, never 0 (PowerShell would convert '' to 0, which for -TargetInstanceCount reclaims everything). A whole
        /// number, as a number or as text, is that number. Anything else ('two', 1.5) is refused naming the value,
        /// never rounded nor dropped; a number outside minimum..maximum is refused too. blankIsNotGiven is false for a
        /// count that must be given (New's -InstanceCount): blank is then an error.
        /// </summary>
        public static int? WholeNumber(object value, string parameterName, string acceptedForm, bool blankIsNotGiven = true,
            int minimum = int.MinValue, int maximum = int.MaxValue)
        {
            var number = WholeNumberOrBlank(value, parameterName, acceptedForm, blankIsNotGiven);
            if (number.HasValue && (number < minimum || number > maximum))
                throw new InputValidationException(parameterName, acceptedForm, string.Format(CultureInfo.InvariantCulture, Messages.NumberOutOfRange, number.Value), ErrorIds.ValueOutOfRange);
            return number;
        }

        private static int? WholeNumberOrBlank(object value, string parameterName, string acceptedForm, bool blankIsNotGiven)
        {
            if (!blankIsNotGiven && (value == null || value is string blank && blank.Trim().Length == 0))
                throw new InputValidationException(parameterName, acceptedForm, Messages.ValueBlank);
            switch (value)
            {
                case null:
                    return null;
                case string text:
                    if (text.Trim().Length == 0) return null;
                    if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)) return parsed;
                    throw new InputValidationException(parameterName, acceptedForm, string.Format(CultureInfo.InvariantCulture, Messages.NotAWholeNumber, InputValidator.Quote(text)));
                case int whole:
                    return whole;
                case long _: case short _: case byte _: case sbyte _: case uint _: case ushort _: case ulong _:
                    var wide = Convert.ToDecimal(value, CultureInfo.InvariantCulture);
                    if (wide >= int.MinValue && wide <= int.MaxValue) return (int)wide;
                    throw new InputValidationException(parameterName, acceptedForm, string.Format(CultureInfo.InvariantCulture, Messages.NumberOutOfRange, wide));
                case double _: case float _: case decimal _:
                    var real = Convert.ToDecimal(value, CultureInfo.InvariantCulture);
                    if (decimal.Truncate(real) == real && real >= int.MinValue && real <= int.MaxValue) return (int)real;
                    throw new InputValidationException(parameterName, acceptedForm, string.Format(CultureInfo.InvariantCulture, Messages.NotAWholeNumber, real));
                default:
                    throw new InputValidationException(parameterName, acceptedForm, string.Format(CultureInfo.InvariantCulture, Messages.TypeNotAWholeNumber, value.GetType().Name));
            }
        }

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
