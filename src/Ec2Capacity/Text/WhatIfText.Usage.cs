using System;

namespace Ec2Capacity
{
    internal static partial class WhatIfText
    {
        /// <summary>ShouldProcess action of Get-CapacityReservationUsage (the target is the reservation ID).</summary>
        public static string GetUsageAction(string capacityReservationId) =>
            $"Read the usage of Capacity Reservation {capacityReservationId}";
    }

    internal static partial class ConfirmationText
    {
        /// <summary>Caption PowerShell shows above a "What if:" line or a -Confirm prompt of any Ec2Capacity cmdlet without a caption of its own.</summary>
        public const string DefaultCaption = "Ec2Capacity";
    }
}
