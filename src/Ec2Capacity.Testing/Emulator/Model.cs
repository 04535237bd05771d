using System;
using System.Collections.Generic;

namespace Ec2Capacity.Emulator
{
    internal static class Actions
    {
        public const string GetUsage = "GetCapacityReservationUsage";
        public const string Create = "CreateInterruptibleCapacityReservationAllocation";
        public const string Update = "UpdateInterruptibleCapacityReservationAllocation";
        public const string Cancel = "CancelCapacityReservation";
        public const string ModifyCredits = "ModifyInstanceCreditSpecification";

        public static readonly string[] All = { GetUsage, Create, Update, Cancel, ModifyCredits };

        public static bool IsKnown(string action) => Array.IndexOf(All, action) >= 0;
    }

    internal static class Vocabulary
    {
        public static readonly string[] ReservationStates =
        {
            "active", "expired", "cancelled", "pending", "failed", "scheduled", "payment-pending", "payment-failed",
            "assessing", "delayed", "unsupported", "cancelling", "unavailable",
        };

        public static readonly string[] AllocationStatuses = { "pending", "active", "updating", "canceling", "canceled", "failed" };
        public static readonly string[] InstanceStates = { "pending", "running", "shutting-down", "terminated", "stopping", "stopped" };
        public static readonly string[] Tenancies = { "default", "dedicated", "host" };
        public static readonly string[] CpuCredits = { "standard", "unlimited" };
        public static readonly string[] ZeroSizePreferences = { "default", "retain" };

        /// <summary>Burstable families that accept a credit option.</summary>
        public static readonly string[] BurstableFamilies = { "t2", "t3", "t3a", "t4g" };

        /// <summary>Families whose instances on a Dedicated Host (tenancy host) cannot be unlimited (inferred: T3 only, as the notes say).</summary>
        public static readonly string[] HostUnlimitedForbiddenFamilies = { "t3" };

        /// <summary>Instance states in which the credit option can be changed (running or stopped).</summary>
        public static readonly string[] CreditModifiableStates = { "running", "stopped" };

        public static bool In(string value, string[] set) => value != null && Array.IndexOf(set, value) >= 0;

        public static string Family(string instanceType)
        {
            int dot = instanceType.IndexOf('.');
            return dot < 0 ? instanceType : instanceType.Substring(0, dot);
        }
    }

    internal sealed class Account
    {
        public string Name;
        public string AccountId;
        public string AccessKeyId;
        public string SecretAccessKey;
        public string SessionToken;
        public List<string> AllowedActions = new List<string>();

        public bool Allows(string action) => AllowedActions.Contains("*") || AllowedActions.Contains(action);
    }

    internal sealed class Usage
    {
        public string AccountId;
        public int Used;
    }

    internal sealed class Tag
    {
        public string Key;
        public string Value;
    }

    internal sealed class Allocation
    {
        public string InterruptibleId;
        public int InstanceCount;
        public int TargetInstanceCount;
        public string Status;
        public string InterruptionType = "adhoc";
        public string ZeroSizePreference = "default";
        /// <summary>Usage reads of the source still needed before a transitional status settles (not in the state dump).</summary>
        public int ReadsUntilSettled;

        public bool IsLive => Status != "canceled";
        public bool IsTransitional => Status == "pending" || Status == "updating" || Status == "canceling";
    }

    internal sealed class Reservation
    {
        public string Id;
        public string OwnerId;
        public string InstanceType;
        /// <summary>The reservation's own capacity. For a source it includes the instances lent to its allocation.</summary>
        public int Total;
        public string State;
        public string EndDate;
        public string CommitmentEndDate;
        public bool CapacityBlock;
        public List<Usage> Usages = new List<Usage>();
        public bool Interruptible;
        public string SourceId;
        public string InterruptionType = "adhoc";
        public List<Tag> Tags = new List<Tag>();
        public Allocation Allocation;
        /// <summary>Usage reads still needed before 'cancelling' becomes 'cancelled'.</summary>
        public int ReadsUntilSettled;

        public int Used
        {
            get
            {
                int sum = 0;
                foreach (var u in Usages) sum += u.Used;
                return sum;
            }
        }

        /// <summary>Instances currently moved into the interruptible reservation (0 when none or canceled).</summary>
        public int Lent => Allocation != null && Allocation.IsLive ? Allocation.InstanceCount : 0;

        public int Available => Math.Max(0, Total - Used - Lent);
    }

    internal sealed class Instance
    {
        public string InstanceId;
        public string InstanceType;
        public string State;
        public string Tenancy = "default";
        public string CpuCredits;
    }

    internal sealed class Faults
    {
        public int Seed;
        public double ThrottleRate;
        public double ServerErrorRate;
        public double DropRate;
        public double DropAfterCommitRate;
        public int LatencyMs;
    }

    internal sealed class Behavior
    {
        public int SettleAfterReads = 2;
        public int MaxCreditSpecificationsPerRequest = 1000;
        public Faults Faults = new Faults();
    }

    /// <summary>All emulated state. Only touched under <see cref="EmulatorState.Sync"/>.</summary>
    internal sealed class World
    {
        public string Region;
        public List<Account> Accounts = new List<Account>();
        public List<Reservation> Reservations = new List<Reservation>();
        public Dictionary<string, Reservation> ReservationsById = new Dictionary<string, Reservation>(StringComparer.Ordinal);
        public List<Instance> Instances = new List<Instance>();
        public Dictionary<string, Instance> InstancesById = new Dictionary<string, Instance>(StringComparer.Ordinal);
        public Behavior Behavior = new Behavior();

        public void Add(Reservation r)
        {
            Reservations.Add(r);
            ReservationsById.Add(r.Id, r);
        }

        public Reservation Find(string id) => id != null && ReservationsById.TryGetValue(id, out var r) ? r : null;
    }
}
