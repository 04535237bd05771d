using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Ec2Capacity.Emulator
{
    internal enum FaultKind { None, Throttle, ServerError, Drop, DropAfterCommit }

    internal readonly struct FaultPlan
    {
        public FaultPlan(FaultKind kind, int latencyMs, int generation)
        {
            Kind = kind;
            LatencyMs = latencyMs;
            Generation = generation;
        }

        public FaultKind Kind { get; }
        public int LatencyMs { get; }
        public int Generation { get; }
    }

    internal sealed class Ec2Result
    {
        public Ec2Result(int status, string body, string errorCode)
        {
            Status = status;
            Body = body;
            ErrorCode = errorCode;
        }

        public int Status { get; }
        public string Body { get; }
        public string ErrorCode { get; }
        public bool DryRun { get; set; }
    }

    /// <summary>The request as the action handlers see it.</summary>
    internal sealed class Ec2Call
    {
        public Dictionary<string, string> P;
        public Account Account;
        public string Action;
        public bool DryRun;
        public string RequestId;

        public string Get(string name) => P.TryGetValue(name, out var v) ? v : null;

        /// <summary>Value of an optional parameter, null when absent or empty.</summary>
        public string Optional(string name)
        {
            string v = Get(name);
            return string.IsNullOrEmpty(v) ? null : v;
        }
    }

    /// <summary>All mutable emulator state behind one lock: the world, the journal, the fault RNG, idempotency records.</summary>
    internal sealed partial class EmulatorState
    {
        public const int MaxJournalEntries = 200_000;
        public readonly object Sync = new object();
        private World _world;
        private int _generation;
        private readonly List<JournalEntry> _journal = new List<JournalEntry>();
        private long _sequence;
        private Random _faultRng;
        private Random _idRng;
        private readonly Dictionary<string, StoredAnswer> _idempotency = new Dictionary<string, StoredAnswer>(StringComparer.Ordinal);
        private readonly byte[] _tokenKey = RandomNumberGenerator.GetBytes(32);

        private sealed class StoredAnswer
        {
            public string Fingerprint;
            public string Members;
        }

        public EmulatorState(World world) => Reset(world);

        public string Region
        {
            get { lock (Sync) return _world.Region; }
        }

        /// <summary>The seed's accounts, keys included (the test credentials a kit user connects with).</summary>
        public IReadOnlyList<SeedAccount> Accounts()
        {
            lock (Sync)
            {
                return _world.Accounts.ConvertAll(a => new SeedAccount
                {
                    Name = a.Name,
                    AccountId = a.AccountId,
                    AccessKeyId = a.AccessKeyId,
                    SecretAccessKey = a.SecretAccessKey,
                    SessionToken = a.SessionToken,
                    AllowedActions = a.AllowedActions.ToArray(),
                });
            }
        }

        public void Reset(World world)
        {
            lock (Sync)
            {
                _world = world;
                _generation++;
                _journal.Clear();
                _sequence = 0;
                _faultRng = new Random(world.Behavior.Faults.Seed);
                _idRng = new Random(unchecked(world.Behavior.Faults.Seed * 7919 + 104729));
                _idempotency.Clear();
            }
        }

        /// <summary>Draws this request's faults: four numbers per request, always, so the stream stays aligned for a given seed.</summary>
        public FaultPlan DrawFaults()
        {
            lock (Sync)
            {
                var f = _world.Behavior.Faults;
                double throttle = _faultRng.NextDouble(), server = _faultRng.NextDouble(), drop = _faultRng.NextDouble(), dropAfter = _faultRng.NextDouble();
                var kind = throttle < f.ThrottleRate ? FaultKind.Throttle
                    : server < f.ServerErrorRate ? FaultKind.ServerError
                    : drop < f.DropRate ? FaultKind.Drop
                    : dropAfter < f.DropAfterCommitRate ? FaultKind.DropAfterCommit
                    : FaultKind.None;
                return new FaultPlan(kind, f.LatencyMs, _generation);
            }
        }

        public void Record(int generation, string action, bool dryRun, int status, string errorCode, string accessKeyId, string requestId,
            Dictionary<string, string> parameters)
        {
            lock (Sync)
            {
                if (generation != _generation) return; // the request straddled a reset: it belongs to the old journal
                if (_journal.Count >= MaxJournalEntries) _journal.RemoveRange(0, MaxJournalEntries / 10);
                var copy = new Dictionary<string, string>(parameters?.Count ?? 0, StringComparer.Ordinal);
                if (parameters != null)
                {
                    foreach (var kv in parameters)
                    {
                        if (kv.Key.StartsWith("X-Amz-", StringComparison.OrdinalIgnoreCase)) continue; // presign fields could carry a token
                        copy[Sanitize(kv.Key)] = Sanitize(kv.Value);
                    }
                }
                _journal.Add(new JournalEntry
                {
                    Sequence = ++_sequence,
                    Action = action,
                    DryRun = dryRun,
                    HttpStatus = status,
                    ErrorCode = errorCode,
                    AccessKeyId = accessKeyId,
                    RequestId = requestId,
                    Parameters = new ReadOnlyDictionary<string, string>(copy),
                });
            }
        }

        public int Generation
        {
            get { lock (Sync) return _generation; }
        }

        public IReadOnlyList<JournalEntry> Journal()
        {
            lock (Sync) return _journal.ToArray();
        }

        /// <summary>Runs one EC2 request: SigV4, action, permission, parameters, DryRun, then the action's rules.</summary>
        public Ec2Result Execute(EmulatorHttpRequest request, byte[] body, Dictionary<string, string> parameters, string requestId)
        {
            lock (Sync)
            {
                var call = new Ec2Call { P = parameters, RequestId = requestId };
                try
                {
                    call.Account = SigV4.Verify(request, body, _world);
                    call.Action = call.Get("Action");
                    if (string.IsNullOrEmpty(call.Action))
                        throw Ec2Error.BadRequest("MissingAction", "The request must contain the parameter Action");
                    if (!Actions.IsKnown(call.Action))
                        throw Ec2Error.BadRequest("InvalidAction", "The action " + Xml.Clip(call.Action) + " is not valid for this web service.");
                    string version = call.Get("Version");
                    if (string.IsNullOrEmpty(version)) throw Ec2Error.Missing("Version");
                    if (version != "2016-11-15")
                        throw Ec2Error.BadRequest("NoSuchVersion", "The requested version (" + Xml.Clip(version) + ") of service AmazonEC2 does not exist");
                    if (!call.Account.Allows(call.Action))
                        throw new Ec2Error(403, "UnauthorizedOperation", "You are not authorized to perform this operation.");
                    CheckKnownParameters(call);
                    call.DryRun = ParseBool(call, "DryRun");
                    string members = call.Action switch
                    {
                        Actions.GetUsage => GetUsage(call),
                        Actions.Create => Create(call),
                        Actions.Update => Update(call),
                        Actions.Cancel => Cancel(call),
                        _ => ModifyCredits(call),
                    };
                    return new Ec2Result(200, Xml.Success(call.Action, requestId, members), null) { DryRun = call.DryRun };
                }
                catch (Ec2Error e)
                {
                    return new Ec2Result(e.Status, Xml.Error(e.Code, e.Message, requestId), e.Code) { DryRun = call.DryRun };
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // a bug must still be an EC2 answer (and a journal entry), never a crash
                    return new Ec2Result(500, Xml.Error("InternalError", "An internal error has occurred (" + e.GetType().Name + ")", requestId), "InternalError");
                }
            }
        }

        /// <summary>Throws 412 DryRunOperation when the request is a permitted, valid DryRun.</summary>
        private static void DryRunGate(Ec2Call call)
        {
            if (call.DryRun) throw new Ec2Error(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.");
        }

        private static bool ParseBool(Ec2Call call, string name)
        {
            string v = call.Get(name);
            if (string.IsNullOrEmpty(v)) return false;
            if (string.Equals(v, "true", StringComparison.OrdinalIgnoreCase)) return true;
            if (string.Equals(v, "false", StringComparison.OrdinalIgnoreCase)) return false;
            throw Ec2Error.InvalidValue(name, v, "Expected 'true' or 'false'.");
        }

        /// <summary>Lenient DryRun flag for the journal (before validation).</summary>
        public static bool PeekDryRun(Dictionary<string, string> p) =>
            p != null && p.TryGetValue("DryRun", out var v) && string.Equals(v, "true", StringComparison.OrdinalIgnoreCase);

        // ------------------------------------------------------------------ state dump

        public string StateJson()
        {
            lock (Sync)
            {
                var w = _world;
                using var ms = new MemoryStream();
                using (var j = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    j.WriteStartObject();
                    j.WriteString("region", w.Region);
                    j.WriteStartArray("accounts");
                    foreach (var a in w.Accounts)
                    {
                        j.WriteStartObject();
                        if (a.Name != null) j.WriteString("name", a.Name);
                        j.WriteString("accountId", a.AccountId);
                        j.WriteString("accessKeyId", a.AccessKeyId);
                        j.WriteBoolean("hasSessionToken", a.SessionToken != null);
                        j.WriteStartArray("allowedActions");
                        foreach (var s in a.AllowedActions) j.WriteStringValue(s);
                        j.WriteEndArray();
                        j.WriteEndObject();
                    }
                    j.WriteEndArray();

                    j.WriteStartArray("capacityReservations");
                    foreach (var r in w.Reservations)
                    {
                        j.WriteStartObject();
                        j.WriteString("capacityReservationId", r.Id);
                        j.WriteString("ownerId", r.OwnerId);
                        j.WriteString("instanceType", r.InstanceType);
                        j.WriteNumber("totalInstanceCount", r.Total);
                        j.WriteNumber("availableInstanceCount", r.Available);
                        j.WriteString("state", r.State);
                        WriteNullable(j, "endDate", r.EndDate);
                        WriteNullable(j, "commitmentEndDate", r.CommitmentEndDate);
                        j.WriteBoolean("capacityBlock", r.CapacityBlock);
                        j.WriteStartArray("instanceUsages");
                        foreach (var u in r.Usages)
                        {
                            j.WriteStartObject();
                            j.WriteString("accountId", u.AccountId);
                            j.WriteNumber("usedInstanceCount", u.Used);
                            j.WriteEndObject();
                        }
                        j.WriteEndArray();
                        j.WriteBoolean("interruptible", r.Interruptible);
                        if (r.Interruptible)
                        {
                            j.WriteStartObject("interruptionInfo");
                            j.WriteString("sourceCapacityReservationId", r.SourceId);
                            j.WriteString("interruptionType", r.InterruptionType);
                            j.WriteEndObject();
                        }
                        if (r.Allocation != null)
                        {
                            var al = r.Allocation;
                            j.WriteStartObject("interruptibleCapacityAllocation");
                            j.WriteNumber("instanceCount", al.InstanceCount);
                            j.WriteNumber("targetInstanceCount", al.TargetInstanceCount);
                            j.WriteString("status", al.Status);
                            j.WriteString("interruptibleCapacityReservationId", al.InterruptibleId);
                            j.WriteString("interruptionType", al.InterruptionType);
                            j.WriteString("zeroSizePreference", al.ZeroSizePreference);
                            j.WriteEndObject();
                        }
                        j.WriteStartArray("tags");
                        foreach (var t in r.Tags)
                        {
                            j.WriteStartObject();
                            j.WriteString("key", t.Key);
                            j.WriteString("value", t.Value);
                            j.WriteEndObject();
                        }
                        j.WriteEndArray();
                        j.WriteEndObject();
                    }
                    j.WriteEndArray();

                    j.WriteStartArray("instances");
                    foreach (var i in w.Instances)
                    {
                        j.WriteStartObject();
                        j.WriteString("instanceId", i.InstanceId);
                        j.WriteString("instanceType", i.InstanceType);
                        j.WriteString("state", i.State);
                        j.WriteString("tenancy", i.Tenancy);
                        WriteNullable(j, "cpuCredits", i.CpuCredits);
                        j.WriteEndObject();
                    }
                    j.WriteEndArray();

                    var b = w.Behavior;
                    j.WriteStartObject("behavior");
                    j.WriteNumber("settleAfterReads", b.SettleAfterReads);
                    j.WriteNumber("maxCreditSpecificationsPerRequest", b.MaxCreditSpecificationsPerRequest);
                    j.WriteStartObject("faults");
                    j.WriteNumber("seed", b.Faults.Seed);
                    j.WriteNumber("throttleRate", b.Faults.ThrottleRate);
                    j.WriteNumber("serverErrorRate", b.Faults.ServerErrorRate);
                    j.WriteNumber("dropRate", b.Faults.DropRate);
                    j.WriteNumber("dropAfterCommitRate", b.Faults.DropAfterCommitRate);
                    j.WriteNumber("latencyMs", b.Faults.LatencyMs);
                    j.WriteEndObject();
                    j.WriteEndObject();
                    j.WriteEndObject();
                }
                return Encoding.UTF8.GetString(ms.ToArray());
            }
        }

        public string JournalJson()
        {
            var entries = Journal();
            using var ms = new MemoryStream();
            using (var j = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                j.WriteStartArray();
                foreach (var e in entries)
                {
                    j.WriteStartObject();
                    j.WriteNumber("sequence", e.Sequence);
                    WriteNullable(j, "action", e.Action);
                    j.WriteBoolean("dryRun", e.DryRun);
                    j.WriteNumber("httpStatus", e.HttpStatus);
                    WriteNullable(j, "errorCode", e.ErrorCode);
                    WriteNullable(j, "accessKeyId", e.AccessKeyId);
                    WriteNullable(j, "requestId", e.RequestId);
                    j.WriteStartObject("parameters");
                    foreach (var kv in e.Parameters) j.WriteString(kv.Key, kv.Value);
                    j.WriteEndObject();
                    j.WriteEndObject();
                }
                j.WriteEndArray();
            }
            return Encoding.UTF8.GetString(ms.ToArray());
        }

        /// <summary>Replaces lone surrogates so the journal can always be written as JSON.</summary>
        private static string Sanitize(string s)
        {
            if (s == null) return null;
            StringBuilder sb = null;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                bool bad = char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]));
                if (char.IsHighSurrogate(c) && !bad)
                {
                    sb?.Append(c).Append(s[i + 1]);
                    i++;
                    continue;
                }
                if (bad && sb == null) sb = new StringBuilder(s, 0, i, s.Length);
                sb?.Append(bad ? '\uFFFD' : c);
            }
            return sb?.ToString() ?? s;
        }

        private static void WriteNullable(Utf8JsonWriter j, string name, string value)
        {
            if (value == null) j.WriteNull(name);
            else j.WriteString(name, value);
        }
    }
}
