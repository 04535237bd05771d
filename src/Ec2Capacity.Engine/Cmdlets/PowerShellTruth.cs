using System;
using System.Collections;
using System.Reflection;

namespace Ec2Capacity.Engine
{
    /// <summary>
    /// PowerShell's idea of "true" (LanguagePrimitives.IsTrue) for values the cmdlets read from the session, such as
    /// <c>$WhatIfPreference</c>, without a reference to System.Management.Automation. The cmdlet unwraps PSObject first.
    /// </summary>
    public static class PowerShellTruth
    {
        /// <summary>
        /// null, $false, 0, '' and empty collections are false; a SwitchParameter (or anything with a boolean
        /// IsPresent property) is its IsPresent; a one-item collection is its item's truth; anything else is true.
        /// </summary>
        public static bool IsTrue(object value)
        {
            switch (value)
            {
                case null: return false;
                case bool b: return b;
                case string s: return s.Length != 0;
                case char c: return c != '\0';
                case sbyte _:
                case byte _:
                case short _:
                case ushort _:
                case int _:
                case uint _:
                case long _:
                case ulong _:
                    return Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture) != 0m;
                case float f: return f != 0f;
                case double d: return d != 0d;
                case decimal m: return m != 0m;
            }
            var isPresent = value.GetType().GetProperty("IsPresent", BindingFlags.Public | BindingFlags.Instance);
            if (isPresent != null && isPresent.PropertyType == typeof(bool) && isPresent.GetIndexParameters().Length == 0)
            {
                return (bool)isPresent.GetValue(value);
            }
            if (value is IList list)
            {
                if (list.Count == 0) return false;
                if (list.Count == 1) return IsTrue(list[0]);
                return true;
            }
            return true;
        }
    }

    /// <summary>Whether a cmdlet runs under -WhatIf, decided the way PowerShell's own ShouldProcess decides it.</summary>
    public static class WhatIfMode
    {
        /// <summary>
        /// True when -WhatIf is in effect: an explicitly bound -WhatIf (including <c>-WhatIf:$false</c>) wins;
        /// otherwise <c>$WhatIfPreference</c> decides.
        /// </summary>
        /// <param name="boundWhatIf">The value of -WhatIf from the bound parameters; null when it was not given.</param>
        /// <param name="whatIfPreference">The value of <c>$WhatIfPreference</c> seen from the caller's scope (unwrapped).</param>
        public static bool IsOn(object boundWhatIf, object whatIfPreference) =>
            boundWhatIf != null ? PowerShellTruth.IsTrue(boundWhatIf) : PowerShellTruth.IsTrue(whatIfPreference);
    }

    /// <summary>What a cmdlet does before a change: DryRun it, ask ShouldProcess, or go ahead without a prompt.</summary>
    public enum ConfirmationRoute
    {
        /// <summary>-WhatIf is on: send one DryRun request, print its verdict, change nothing.</summary>
        DryRun,
        /// <summary>Ask PowerShell's ShouldProcess (it prompts when ConfirmImpact ≥ $ConfirmPreference or under -Confirm).</summary>
        ShouldProcess,
        /// <summary>-Force without an explicit -Confirm: no prompt; the cmdlet only writes the description to -Verbose.</summary>
        SkipPrompt,
    }

    /// <summary>The order of -WhatIf, -Confirm and -Force.</summary>
    public static class ConfirmationGate
    {
        /// <summary>
        /// -WhatIf wins over everything (it is a DryRun, and nothing changes). -Force skips the prompt unless
        /// -Confirm was given explicitly (then ShouldProcess decides, so <c>-Force -Confirm</c> still asks and
        /// <c>-Force -Confirm:$false</c> does not). Without -Force, ShouldProcess decides.
        /// </summary>
        public static ConfirmationRoute Decide(bool whatIf, bool force, bool confirmBound)
        {
            if (whatIf) return ConfirmationRoute.DryRun;
            if (force && !confirmBound) return ConfirmationRoute.SkipPrompt;
            return ConfirmationRoute.ShouldProcess;
        }
    }

    /// <summary>
    /// Whether PowerShell's ShouldProcess will prompt, predicted the way MshCommandRuntime decides it, so a cmdlet can
    /// skip reads that only serve the prompt's text. -Confirm (bound) replaces $ConfirmPreference: -Confirm means Low
    /// (always ask), -Confirm:$false means None (never ask). A prompt appears when the preference is not None and the
    /// cmdlet's ConfirmImpact is at least the preference.
    /// </summary>
    public static class PromptPrediction
    {
        /// <param name="confirmImpact">The cmdlet's ConfirmImpact (None, Low, Medium, High; name or number).</param>
        /// <param name="confirmPreference">The value of <c>$ConfirmPreference</c> (a ConfirmImpact, its name or its number); null reads as High, PowerShell's default.</param>
        /// <param name="boundConfirm">The value of -Confirm from the bound parameters; null when it was not given.</param>
        public static bool WillPrompt(object confirmImpact, object confirmPreference, object boundConfirm)
        {
            int preference = boundConfirm != null
                ? (PowerShellTruth.IsTrue(boundConfirm) ? Low : None)
                : Level(confirmPreference, High);
            if (preference == None) return false;
            return Level(confirmImpact, Medium) >= preference;
        }

        private const int None = 0, Low = 1, Medium = 2, High = 3;

        private static int Level(object value, int fallback)
        {
            switch (value)
            {
                case null: return fallback;
                case int i: return i < None || i > High ? fallback : i;
                case string s:
                    switch (s.Trim().ToLowerInvariant())
                    {
                        case "none": return None;
                        case "low": return Low;
                        case "medium": return Medium;
                        case "high": return High;
                    }
                    return int.TryParse(s, out var n) ? Level(n, fallback) : fallback;
            }
            if (value is System.Enum) return Level(value.ToString(), fallback);
            try
            {
                return Level(System.Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture), fallback);
            }
            catch (System.Exception e) when (e is System.FormatException || e is System.InvalidCastException || e is System.OverflowException)
            {
                return fallback;
            }
        }
    }
}
