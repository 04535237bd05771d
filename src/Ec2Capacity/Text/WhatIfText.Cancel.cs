using System;

namespace Ec2Capacity
{
    internal static partial class WhatIfText
    {
        /// <summary>ShouldProcess action of Stop-CapacityReservation (the target is the reservation ID).</summary>
        public static string CancelReservationAction(CancelReservationRequest request)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            var text = $"Cancel Capacity Reservation {request.CapacityReservationId}";
            if (!string.IsNullOrEmpty(request.QuoteId))
            {
                text += $" with cancellation quote {request.QuoteId} ({(request.ApplyCancellationCharge ?? string.Empty).ToLowerInvariant()}: the quoted charge applies)";
            }
            return text + "; running instances keep running, stopped instances can no longer launch into it";
        }
    }

    internal static partial class ConfirmationText
    {
        /// <summary>Caption of Stop-CapacityReservation's prompt.</summary>
        public const string CancelReservationCaption = "Cancel a Capacity Reservation";

        /// <summary>The question Stop-CapacityReservation asks (ShouldContinue, skipped by -Force).</summary>
        public static string CancelReservation(CancelReservationRequest request)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            var quote = string.IsNullOrEmpty(request.QuoteId)
                ? string.Empty
                : $" The charge of cancellation quote {request.QuoteId} applies.";
            return $"Cancel Capacity Reservation {request.CapacityReservationId}? Instances already running in it keep running, "
                + "but stopped instances that target it can no longer launch into it, and the reservation cannot be restored." + quote;
        }
    }
}
