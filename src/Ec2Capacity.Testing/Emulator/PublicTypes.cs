using System;
using System.Collections.Generic;

namespace Ec2Capacity.Emulator
{
    /// <summary>One EC2 request as the emulator saw it (GET /_emulator/requests). Never holds a secret.</summary>
    public sealed class JournalEntry
    {
        /// <summary>1-based, increasing; restarts at 1 after a reset.</summary>
        public long Sequence { get; init; }
        /// <summary>The Action parameter as sent (null when absent).</summary>
        public string Action { get; init; }
        public bool DryRun { get; init; }
        /// <summary>HTTP status sent; 0 when the connection was dropped (fault or client abort).</summary>
        public int HttpStatus { get; init; }
        /// <summary>EC2 error code; null on success; "ConnectionDropped" / "DroppedAfterCommit" / "ClientClosedRequest" for drops.</summary>
        public string ErrorCode { get; init; }
        /// <summary>Access key ID from the Authorization header's Credential (even when the signature failed); null when absent.</summary>
        public string AccessKeyId { get; init; }
        /// <summary>The requestId of the answer (also in the XML), null when nothing was answered.</summary>
        public string RequestId { get; init; }
        /// <summary>The request's form (and query) parameters, in the order sent.</summary>
        public IReadOnlyDictionary<string, string> Parameters { get; init; }
    }

    /// <summary>One account of the seed: its test keys and what it may do. Seeds hold only test credentials.</summary>
    public sealed class SeedAccount
    {
        /// <summary>The seed's optional "name" (Owner, ReadOnly …); null when it has none.</summary>
        public string Name { get; init; }
        public string AccountId { get; init; }
        public string AccessKeyId { get; init; }
        public string SecretAccessKey { get; init; }
        public string SessionToken { get; init; }
        public IReadOnlyList<string> AllowedActions { get; init; }
    }

    /// <summary>A seed document was rejected; <see cref="Field"/> is the JSON path of the offending field.</summary>
    public sealed class SeedException : Exception
    {
        public SeedException(string field, string message) : base(field + ": " + message)
        {
            Field = field;
            Reason = message;
        }

        /// <summary>JSON path, e.g. <c>capacityReservations[2].totalInstanceCount</c>; <c>$</c> for the whole document.</summary>
        public string Field { get; }

        /// <summary>The message without the field prefix.</summary>
        public string Reason { get; }
    }
}
