using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Ec2Capacity.Emulator
{
    /// <summary>The five actions' rules (see README.md). Every method runs under <see cref="EmulatorState.Sync"/>.</summary>
    internal sealed partial class EmulatorState
    {
        private static readonly Regex QuoteIdForm = new Regex("^crcq-[0-9a-f]{17}$", RegexOptions.CultureInvariant);
        private static readonly Regex TagParam = new Regex("^TagSpecification\\.([0-9]{1,6})\\.(?:(ResourceType)|Tag\\.([0-9]{1,6})\\.(Key|Value))$", RegexOptions.CultureInvariant);
        private static readonly Regex CreditParam = new Regex("^InstanceCreditSpecification\\.([0-9]{1,7})\\.(InstanceId|CpuCredits)$", RegexOptions.CultureInvariant);
        public const int MaxInstancesPerAllocation = 1000;
        public const int MaxTagsPerResource = 50;

        private static readonly Dictionary<string, string[]> PlainParameters = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            [Actions.GetUsage] = new[] { "CapacityReservationId", "NextToken", "MaxResults" },
            [Actions.Create] = new[] { "CapacityReservationId", "InstanceCount", "ClientToken", "ZeroSizePreference" },
            [Actions.Update] = new[] { "CapacityReservationId", "TargetInstanceCount", "ZeroSizePreference" },
            [Actions.Cancel] = new[] { "CapacityReservationId", "ApplyCancellationCharges", "QuoteId" },
            [Actions.ModifyCredits] = new[] { "ClientToken" },
        };

        private static readonly Regex EmptyListMarker = new Regex("^(?:TagSpecification(?:\\.[0-9]{1,6}\\.Tag)?|InstanceCreditSpecification)$", RegexOptions.CultureInvariant);

        /// <summary>The v4 SDK sends an explicitly empty list as "Name=" (no members): that is an empty list, not a parameter.</summary>
        private static bool IsEmptyListMarker(Ec2Call call, string key) =>
            call.P[key].Length == 0 && EmptyListMarker.IsMatch(key)
            && (key.StartsWith("TagSpecification", StringComparison.Ordinal) ? call.Action == Actions.Create : call.Action == Actions.ModifyCredits);

        private static void CheckKnownParameters(Ec2Call call)
        {
            var plain = PlainParameters[call.Action];
            foreach (var key in call.P.Keys)
            {
                if (key == "Action" || key == "Version" || key == "DryRun" || Array.IndexOf(plain, key) >= 0) continue;
                if (IsEmptyListMarker(call, key)) continue;
                if (call.Action == Actions.Create && TagParam.IsMatch(key)) continue;
                if (call.Action == Actions.ModifyCredits && CreditParam.IsMatch(key)) continue;
                throw Ec2Error.BadRequest("UnknownParameter", "The parameter " + Xml.Clip(key) + " is not recognized");
            }
        }

        // ------------------------------------------------------------------ shared validation

        private static string RequireReservationId(Ec2Call call, string name = "CapacityReservationId")
        {
            string id = call.Get(name);
            if (string.IsNullOrEmpty(id)) throw Ec2Error.Missing(name);
            if (!SeedParser.ReservationIdForm.IsMatch(id))
                throw Ec2Error.BadRequest("InvalidCapacityReservationId.Malformed", "The capacity reservation ID '" + Xml.Clip(id) + "' is malformed");
            return id;
        }

        private Reservation FindReservation(string id)
        {
            var r = _world.Find(id);
            if (r == null) throw Ec2Error.BadRequest("InvalidCapacityReservationId.NotFound", "The capacity reservation ID '" + id + "' does not exist");
            return r;
        }

        private static int? OptionalInt(Ec2Call call, string name, int min, int max, string rangeText)
        {
            string v = call.Get(name);
            if (v == null) return null;
            if (!int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n))
                throw Ec2Error.InvalidValue(name, v, "Expected an integer.");
            if (n < min || n > max) throw Ec2Error.InvalidValue(name, v, rangeText);
            return n;
        }

        private static string OptionalEnum(Ec2Call call, string name, string[] allowed)
        {
            string v = call.Get(name);
            if (v == null) return null;
            if (Array.IndexOf(allowed, v) < 0) throw Ec2Error.InvalidValue(name, v, "Valid values: " + string.Join(", ", allowed) + ".");
            return v;
        }

        private static string OptionalClientToken(Ec2Call call)
        {
            string t = call.Get("ClientToken");
            if (string.IsNullOrEmpty(t)) return null;
            if (t.Length > 64 || t.Any(c => c < 0x20 || c > 0x7e))
                throw Ec2Error.InvalidValue("ClientToken", t, "The client token must be at most 64 printable ASCII characters.");
            return t;
        }

        private string IdempotencyKey(Ec2Call call, string token) => call.Account.AccountId + "\n" + call.Action + "\n" + token;

        /// <summary>Everything the request asks for except the envelope, sorted: what "the same parameters" means for a ClientToken.</summary>
        private static string Fingerprint(Ec2Call call)
        {
            var sb = new StringBuilder();
            foreach (var kv in call.P.Where(kv => kv.Key != "Action" && kv.Key != "Version" && kv.Key != "DryRun" && kv.Key != "ClientToken"
                                                  && !IsEmptyListMarker(call, kv.Key))
                         .OrderBy(kv => kv.Key, StringComparer.Ordinal))
                sb.Append(kv.Key).Append('=').Append(kv.Value).Append('\n');
            return sb.ToString();
        }

        /// <summary>Returns the stored answer for a repeated token, throws IdempotentParameterMismatch for a reused one, or null.</summary>
        private string Replay(Ec2Call call, string token, string fingerprint)
        {
            if (token == null || !_idempotency.TryGetValue(IdempotencyKey(call, token), out var stored)) return null;
            if (stored.Fingerprint != fingerprint)
                throw Ec2Error.BadRequest("IdempotentParameterMismatch",
                    "The client token '" + Xml.Clip(token) + "' has already been used with different parameters.");
            return stored.Members;
        }

        private void Remember(Ec2Call call, string token, string fingerprint, string members)
        {
            if (token != null) _idempotency[IdempotencyKey(call, token)] = new StoredAnswer { Fingerprint = fingerprint, Members = members };
        }

        private string NewReservationId()
        {
            var buf = new byte[8];
            while (true)
            {
                _idRng.NextBytes(buf);
                string id = "cr-0" + Convert.ToHexString(buf).ToLowerInvariant();
                if (_world.Find(id) == null) return id;
            }
        }

        private static bool InCommitment(Reservation r) =>
            r.CommitmentEndDate != null
            && DateTimeOffset.Parse(r.CommitmentEndDate, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) > DateTimeOffset.UtcNow;

        // ------------------------------------------------------------------ NextToken

        private string MakeNextToken(string reservationId, int offset)
        {
            string payload = reservationId + ":" + offset.ToString(CultureInfo.InvariantCulture);
            byte[] mac = HMACSHA256.HashData(_tokenKey, Encoding.UTF8.GetBytes(payload));
            string raw = payload + ":" + Convert.ToHexString(mac, 0, 12).ToLowerInvariant();
            return Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }

        private int ReadNextToken(string token, string reservationId)
        {
            var invalid = Ec2Error.BadRequest("InvalidNextToken", "The specified NextToken is not valid.");
            if (token.Length > 256) throw invalid;
            string raw;
            try
            {
                string b64 = token.Replace('-', '+').Replace('_', '/');
                b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
                raw = Encoding.UTF8.GetString(Convert.FromBase64String(b64));
            }
            catch (FormatException)
            {
                throw invalid;
            }
            var parts = raw.Split(':');
            if (parts.Length != 3 || parts[0] != reservationId) throw invalid;
            if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int offset) || offset <= 0) throw invalid;
            byte[] mac = HMACSHA256.HashData(_tokenKey, Encoding.UTF8.GetBytes(parts[0] + ":" + parts[1]));
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Convert.ToHexString(mac, 0, 12).ToLowerInvariant()), Encoding.ASCII.GetBytes(parts[2])))
                throw invalid;
            return offset;
        }

        // ------------------------------------------------------------------ settling

        /// <summary>One usage read (first page, not DryRun) of a reservation: advances transitional statuses.</summary>
        private void AdvanceOnRead(Reservation r)
        {
            var a = r.Allocation;
            if (a != null && a.IsTransitional)
            {
                if (a.ReadsUntilSettled > 0) a.ReadsUntilSettled--;
                if (a.ReadsUntilSettled == 0) SettleAllocation(r);
            }
            if (r.State == "cancelling")
            {
                if (r.ReadsUntilSettled > 0) r.ReadsUntilSettled--;
                if (r.ReadsUntilSettled == 0) r.State = "cancelled";
            }
        }

        private void SettleAllocation(Reservation source)
        {
            var a = source.Allocation;
            var ir = _world.Find(a.InterruptibleId);
            if (a.Status == "canceling")
            {
                a.InstanceCount = 0;
                a.TargetInstanceCount = 0;
                a.Status = "canceled";
                if (ir != null)
                {
                    ir.Total = 0;
                    ir.Usages.Clear();
                    ir.State = "cancelled";
                }
                return;
            }
            // pending / updating: the interruptible reservation reaches the target (a reclaim shrinks it now and the capacity returns).
            if (a.TargetInstanceCount < a.InstanceCount && ir != null)
            {
                ir.Total = a.TargetInstanceCount;
                TrimUsages(ir);
            }
            a.InstanceCount = a.TargetInstanceCount;
            a.Status = "active";
        }

        /// <summary>Reclaimed instances are terminated: usages shrink from the last account backwards until they fit.</summary>
        private static void TrimUsages(Reservation r)
        {
            int excess = r.Used - r.Total;
            for (int i = r.Usages.Count - 1; i >= 0 && excess > 0; i--)
            {
                int take = Math.Min(excess, r.Usages[i].Used);
                r.Usages[i].Used -= take;
                excess -= take;
                if (r.Usages[i].Used == 0) r.Usages.RemoveAt(i);
            }
        }

        /// <summary>Ends an allocation at once (its source was cancelled): the interruptible reservation is cancelled too.</summary>
        private void CancelAllocationNow(Reservation source)
        {
            var a = source.Allocation;
            if (a == null || !a.IsLive) return;
            a.InstanceCount = 0;
            a.TargetInstanceCount = 0;
            a.Status = "canceled";
            a.ReadsUntilSettled = 0;
            var ir = _world.Find(a.InterruptibleId);
            if (ir != null)
            {
                ir.Total = 0;
                ir.Usages.Clear();
                ir.State = "cancelled";
            }
        }

        // ------------------------------------------------------------------ GetCapacityReservationUsage

        private string GetUsage(Ec2Call call)
        {
            string id = RequireReservationId(call);
            int pageSize = OptionalInt(call, "MaxResults", 1, 1000, "Expecting a value between 1 and 1000.") ?? 1000;
            string nextToken = call.Get("NextToken");
            int offset = string.IsNullOrEmpty(nextToken) ? 0 : ReadNextToken(nextToken, id);
            var r = FindReservation(id);
            DryRunGate(call);

            if (offset == 0) AdvanceOnRead(r);

            var x = new Xml();
            x.Elem("capacityReservationId", r.Id).Elem("instanceType", r.InstanceType).Elem("totalInstanceCount", r.Total)
                .Elem("availableInstanceCount", r.Available).Elem("state", r.State);
            var page = r.Usages.Skip(offset).Take(pageSize).ToList();
            if (page.Count == 0)
            {
                x.Empty("instanceUsageSet");
            }
            else
            {
                x.Open("instanceUsageSet");
                foreach (var u in page) x.Open("item").Elem("accountId", u.AccountId).Elem("usedInstanceCount", u.Used).Close("item");
                x.Close("instanceUsageSet");
            }
            x.Elem("interruptible", r.Interruptible);
            if (r.Allocation != null)
            {
                var a = r.Allocation;
                x.Open("interruptibleCapacityAllocation").Elem("instanceCount", a.InstanceCount).Elem("targetInstanceCount", a.TargetInstanceCount)
                    .Elem("status", a.Status).Elem("interruptibleCapacityReservationId", a.InterruptibleId).Elem("interruptionType", a.InterruptionType)
                    .Elem("zeroSizePreference", a.ZeroSizePreference).Close("interruptibleCapacityAllocation");
            }
            if (r.Interruptible)
            {
                x.Open("interruptionInfo").Elem("sourceCapacityReservationId", r.SourceId).Elem("interruptionType", r.InterruptionType).Close("interruptionInfo");
            }
            if (offset + pageSize < r.Usages.Count) x.Elem("nextToken", MakeNextToken(r.Id, offset + pageSize));
            return x.ToString();
        }

        // ------------------------------------------------------------------ CreateInterruptibleCapacityReservationAllocation

        private string Create(Ec2Call call)
        {
            string id = RequireReservationId(call);
            string countText = call.Get("InstanceCount");
            if (string.IsNullOrEmpty(countText)) throw Ec2Error.Missing("InstanceCount");
            int count = OptionalInt(call, "InstanceCount", 1, MaxInstancesPerAllocation, "Expecting a value between 1 and " + MaxInstancesPerAllocation + ".").Value;
            string zeroSize = OptionalEnum(call, "ZeroSizePreference", Vocabulary.ZeroSizePreferences);
            var tags = ParseTagSpecifications(call);
            string token = OptionalClientToken(call);
            var source = FindReservation(id);
            DryRunGate(call);

            string fingerprint = Fingerprint(call);
            string replay = Replay(call, token, fingerprint);
            if (replay != null) return replay;

            if (source.Interruptible)
                throw Ec2Error.BadRequest("InvalidParameterValue",
                    "Capacity Reservation " + id + " is an interruptible Capacity Reservation; an allocation needs a source Capacity Reservation.");
            if (source.CapacityBlock)
                throw Ec2Error.BadRequest("UnsupportedOperation", "Capacity Reservation " + id + " is a Capacity Block; you can't modify a Capacity Block.");
            if (source.State != "active")
                throw Ec2Error.BadRequest("IncorrectState", "Capacity Reservation " + id + " is in state '" + source.State + "'; an interruptible allocation needs an active source.");
            if (source.EndDate != null)
                throw Ec2Error.BadRequest("IncorrectState", "Capacity Reservation " + id + " has an end date; an interruptible allocation needs a source with no end date.");
            if (source.Allocation != null && source.Allocation.IsLive)
                throw Ec2Error.BadRequest("InvalidParameterValue", "Capacity Reservation " + id + " already has an interruptible allocation ("
                    + source.Allocation.InterruptibleId + ", status " + source.Allocation.Status + "); modify or cancel it before creating another.");
            if (count > source.Available)
                throw Ec2Error.BadRequest("InvalidParameterValue", "InstanceCount (" + count + ") exceeds the available capacity (" + source.Available
                    + ") of Capacity Reservation " + id + ".");

            var ir = new Reservation
            {
                Id = NewReservationId(),
                OwnerId = source.OwnerId,
                InstanceType = source.InstanceType,
                Total = count,
                State = "active",
                Interruptible = true,
                SourceId = source.Id,
                InterruptionType = "adhoc",
                Tags = tags,
            };
            _world.Add(ir);
            source.Allocation = new Allocation
            {
                InterruptibleId = ir.Id,
                InstanceCount = count,
                TargetInstanceCount = count,
                Status = "pending",
                ZeroSizePreference = zeroSize ?? "default",
                ReadsUntilSettled = _world.Behavior.SettleAfterReads,
            };

            string members = new Xml().Elem("sourceCapacityReservationId", source.Id).Elem("targetInstanceCount", count)
                .Elem("status", "pending").Elem("interruptionType", "adhoc").ToString();
            Remember(call, token, fingerprint, members);
            return members;
        }

        private static List<Tag> ParseTagSpecifications(Ec2Call call)
        {
            var specs = new SortedDictionary<int, (string ResourceType, SortedDictionary<int, (string Key, string Value)> Tags)>();
            foreach (var kv in call.P)
            {
                var m = TagParam.Match(kv.Key);
                if (!m.Success) continue;
                int n = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                if (!specs.TryGetValue(n, out var spec)) spec = (null, new SortedDictionary<int, (string, string)>());
                if (m.Groups[2].Success)
                {
                    spec.ResourceType = kv.Value;
                }
                else
                {
                    int t = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
                    spec.Tags.TryGetValue(t, out var tag);
                    if (m.Groups[4].Value == "Key") tag.Key = kv.Value;
                    else tag.Value = kv.Value;
                    spec.Tags[t] = tag;
                }
                specs[n] = spec;
            }

            var result = new List<Tag>();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (n, spec) in specs)
            {
                string rtName = "TagSpecification." + n + ".ResourceType";
                if (string.IsNullOrEmpty(spec.ResourceType)) throw Ec2Error.Missing(rtName);
                if (spec.ResourceType != "capacity-reservation")
                    throw Ec2Error.InvalidValue(rtName, spec.ResourceType, "The only resource type you can tag here is capacity-reservation.");
                foreach (var (t, tag) in spec.Tags)
                {
                    string keyName = "TagSpecification." + n + ".Tag." + t + ".Key";
                    if (tag.Key == null) throw Ec2Error.Missing(keyName);
                    if (tag.Key.Length == 0 || tag.Key.Length > 127)
                        throw Ec2Error.InvalidValue(keyName, tag.Key, "Tag keys must be between 1 and 127 characters.");
                    if (tag.Key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
                        throw Ec2Error.InvalidValue(keyName, tag.Key, "Tag keys starting with 'aws:' are reserved for internal use.");
                    string value = tag.Value ?? "";
                    if (value.Length > 256)
                        throw Ec2Error.InvalidValue("TagSpecification." + n + ".Tag." + t + ".Value", value, "Tag values must be at most 256 characters.");
                    if (!keys.Add(tag.Key)) throw Ec2Error.InvalidValue(keyName, tag.Key, "Duplicate tag key.");
                    result.Add(new Tag { Key = tag.Key, Value = value });
                }
            }
            if (result.Count > MaxTagsPerResource)
                throw Ec2Error.BadRequest("InvalidParameterValue", "A resource can have at most " + MaxTagsPerResource + " tags; " + result.Count + " were given.");
            return result;
        }

        // ------------------------------------------------------------------ UpdateInterruptibleCapacityReservationAllocation

        private string Update(Ec2Call call)
        {
            string id = RequireReservationId(call);
            int? target = OptionalInt(call, "TargetInstanceCount", 0, MaxInstancesPerAllocation, "Expecting a value between 0 and " + MaxInstancesPerAllocation + ".");
            string zeroSize = OptionalEnum(call, "ZeroSizePreference", Vocabulary.ZeroSizePreferences);
            if (target == null && zeroSize == null) throw Ec2Error.Missing("TargetInstanceCount");
            var source = FindReservation(id);
            DryRunGate(call);

            if (source.Interruptible)
                throw Ec2Error.BadRequest("InvalidParameterValue", "Capacity Reservation " + id + " is an interruptible Capacity Reservation; "
                    + "update the allocation through its source Capacity Reservation " + source.SourceId + ".");
            var a = source.Allocation;
            if (a == null)
                throw Ec2Error.BadRequest("IncorrectState", "Capacity Reservation " + id + " has no interruptible capacity allocation to update.");
            if (a.Status == "canceled")
                throw Ec2Error.BadRequest("IncorrectState", "The interruptible capacity allocation of Capacity Reservation " + id + " was canceled; create a new one.");
            if (a.Status == "canceling")
                throw Ec2Error.BadRequest("IncorrectState", "The interruptible capacity allocation of Capacity Reservation " + id + " is being canceled.");
            if (a.Status == "failed")
                throw Ec2Error.BadRequest("IncorrectState", "The interruptible capacity allocation of Capacity Reservation " + id + " has failed.");
            var ir = _world.Find(a.InterruptibleId);

            int newTarget = target ?? a.TargetInstanceCount;
            string newZeroSize = zeroSize ?? a.ZeroSizePreference;
            int previousTarget = a.TargetInstanceCount, previousCount = a.InstanceCount;
            if (newTarget > a.InstanceCount)
            {
                int more = newTarget - a.InstanceCount;
                if (more > source.Available)
                    throw Ec2Error.BadRequest("InvalidParameterValue", "Raising the allocation to " + newTarget + " needs " + more
                        + " more instances but Capacity Reservation " + id + " has only " + source.Available + " available.");
                a.InstanceCount = newTarget; // lent capacity moves at once, so nothing else can take it
                if (ir != null) ir.Total = newTarget;
            }

            a.TargetInstanceCount = newTarget;
            a.ZeroSizePreference = newZeroSize;
            if (newTarget == 0 && newZeroSize == "default")
            {
                a.Status = "canceling";
                a.ReadsUntilSettled = _world.Behavior.SettleAfterReads;
            }
            else if (newTarget != previousTarget || newTarget != previousCount)
            {
                // raised (moved already) or reclaiming (moves when settled): either way 'updating' until settled
                a.Status = "updating";
                a.ReadsUntilSettled = _world.Behavior.SettleAfterReads;
            }
            // else: nothing to move (same count, or only the preference changed): the status stays as it is

            return new Xml().Elem("interruptibleCapacityReservationId", a.InterruptibleId).Elem("sourceCapacityReservationId", source.Id)
                .Elem("instanceCount", a.InstanceCount).Elem("targetInstanceCount", a.TargetInstanceCount).Elem("status", a.Status)
                .Elem("interruptionType", a.InterruptionType).ToString();
        }

        // ------------------------------------------------------------------ CancelCapacityReservation

        private string Cancel(Ec2Call call)
        {
            string id = RequireReservationId(call);
            string charges = OptionalEnum(call, "ApplyCancellationCharges", new[] { "commitment-wind-down" });
            string quote = call.Optional("QuoteId");
            if (quote != null && !QuoteIdForm.IsMatch(quote))
                throw Ec2Error.InvalidValue("QuoteId", quote, "Expecting 'crcq-' followed by 17 lowercase hex characters.");
            var r = FindReservation(id);
            DryRunGate(call);

            if (r.State == "cancelled" || r.State == "cancelling")
                throw Ec2Error.BadRequest("IncorrectState", "Capacity Reservation " + id + " is already " + r.State + ".");
            if (r.CapacityBlock)
                throw Ec2Error.BadRequest("UnsupportedOperation", "Capacity Reservation " + id + " is a Capacity Block; you can't modify or cancel a Capacity Block.");
            if (r.Interruptible)
                throw Ec2Error.BadRequest("OperationNotPermitted", "Capacity Reservation " + id + " is an interruptible Capacity Reservation allocated from "
                    + r.SourceId + "; reclaim it through UpdateInterruptibleCapacityReservationAllocation on the source "
                    + "(TargetInstanceCount=0, ZeroSizePreference=default).");

            bool needsQuote = r.State == "scheduled" || (r.State == "active" && InCommitment(r));
            bool cancellable = needsQuote || r.State == "active" || r.State == "assessing" || r.State == "delayed";
            if (!cancellable)
                throw Ec2Error.BadRequest("IncorrectState", "Capacity Reservation " + id + " can't be cancelled in state '" + r.State + "'.");

            if (needsQuote)
            {
                if (quote == null && charges == null)
                    throw Ec2Error.BadRequest("IncorrectState", "Capacity Reservation " + id + " is "
                        + (r.State == "scheduled" ? "scheduled" : "within its commitment duration (until " + r.CommitmentEndDate + ")")
                        + "; cancelling it needs a cancellation quote: pass QuoteId and ApplyCancellationCharges=commitment-wind-down.");
                if (quote == null) throw Ec2Error.Missing("QuoteId");
                if (charges == null) throw Ec2Error.Missing("ApplyCancellationCharges");
                r.State = "cancelling";
                r.ReadsUntilSettled = _world.Behavior.SettleAfterReads;
            }
            else
            {
                r.State = "cancelled"; // quote parameters, if given, are ignored: nothing to wind down
            }
            CancelAllocationNow(r);
            return new Xml().Elem("return", true).ToString();
        }

        // ------------------------------------------------------------------ ModifyInstanceCreditSpecification

        private string ModifyCredits(Ec2Call call)
        {
            var items = new SortedDictionary<int, (string InstanceId, string CpuCredits, bool HasId, bool HasCredits)>();
            foreach (var kv in call.P)
            {
                var m = CreditParam.Match(kv.Key);
                if (!m.Success) continue;
                int n = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                if (n < 1) throw Ec2Error.BadRequest("UnknownParameter", "The parameter " + Xml.Clip(kv.Key) + " is not recognized");
                items.TryGetValue(n, out var item);
                if (m.Groups[2].Value == "InstanceId") item = (kv.Value, item.CpuCredits, true, item.HasCredits);
                else item = (item.InstanceId, kv.Value, item.HasId, true);
                items[n] = item;
            }
            if (items.Count == 0) throw Ec2Error.Missing("InstanceCreditSpecification");
            int max = _world.Behavior.MaxCreditSpecificationsPerRequest;
            if (items.Count > max)
                throw Ec2Error.BadRequest("InvalidParameterValue", "You can modify the credit specification of at most " + max
                    + " instances in one request; " + items.Count + " were given.");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (n, item) in items)
            {
                if (string.IsNullOrEmpty(item.InstanceId)) throw Ec2Error.Missing("InstanceCreditSpecification." + n + ".InstanceId");
                if (string.IsNullOrEmpty(item.CpuCredits)) throw Ec2Error.Missing("InstanceCreditSpecification." + n + ".CpuCredits");
                if (!Vocabulary.In(item.CpuCredits, Vocabulary.CpuCredits))
                    throw Ec2Error.InvalidValue("InstanceCreditSpecification." + n + ".CpuCredits", item.CpuCredits, "Valid values: standard, unlimited.");
            }
            foreach (var (n, item) in items)
            {
                if (!seen.Add(item.InstanceId))
                    throw Ec2Error.BadRequest("InvalidInstanceCreditSpecification.DuplicateInstanceId",
                        "The instance ID '" + Xml.Clip(item.InstanceId) + "' appears more than once in the request.");
            }
            string token = OptionalClientToken(call);
            DryRunGate(call);

            string fingerprint = Fingerprint(call);
            string replay = Replay(call, token, fingerprint);
            if (replay != null) return replay;

            var ok = new List<string>();
            var failed = new List<(string Id, string Code, string Message)>();
            foreach (var (_, item) in items)
            {
                string iid = item.InstanceId;
                if (!SeedParser.InstanceIdForm.IsMatch(iid))
                {
                    failed.Add((iid, "InvalidInstanceID.Malformed", "Invalid id: \"" + Xml.Clip(iid) + "\" (expecting \"i-...\")"));
                    continue;
                }
                if (!_world.InstancesById.TryGetValue(iid, out var inst))
                {
                    failed.Add((iid, "InvalidInstanceID.NotFound", "The instance ID '" + iid + "' does not exist"));
                    continue;
                }
                if (!Vocabulary.In(inst.State, Vocabulary.CreditModifiableStates))
                {
                    failed.Add((iid, "IncorrectInstanceState", "The instance '" + iid + "' is not in a state from which its credit option can be modified (state: "
                        + inst.State + ")."));
                    continue;
                }
                string family = Vocabulary.Family(inst.InstanceType);
                if (!Vocabulary.In(family, Vocabulary.BurstableFamilies))
                {
                    failed.Add((iid, "InstanceCreditSpecification.NotSupported", "The instance type " + inst.InstanceType + " of instance '" + iid
                        + "' does not support a credit option; only burstable performance instances (T2, T3, T3a, T4g) do."));
                    continue;
                }
                if (item.CpuCredits == "unlimited" && inst.Tenancy == "host" && Vocabulary.In(family, Vocabulary.HostUnlimitedForbiddenFamilies))
                {
                    failed.Add((iid, "InstanceCreditSpecification.NotSupported", "Instance '" + iid + "' is a " + family.ToUpperInvariant()
                        + " instance on a Dedicated Host, which can't use the unlimited credit option."));
                    continue;
                }
                inst.CpuCredits = item.CpuCredits;
                ok.Add(iid);
            }

            var x = new Xml();
            if (ok.Count == 0) x.Empty("successfulInstanceCreditSpecificationSet");
            else
            {
                x.Open("successfulInstanceCreditSpecificationSet");
                foreach (var iid in ok) x.Open("item").Elem("instanceId", iid).Close("item");
                x.Close("successfulInstanceCreditSpecificationSet");
            }
            if (failed.Count == 0) x.Empty("unsuccessfulInstanceCreditSpecificationSet");
            else
            {
                x.Open("unsuccessfulInstanceCreditSpecificationSet");
                foreach (var f in failed)
                    x.Open("item").Elem("instanceId", f.Id).Open("error").Elem("code", f.Code).Elem("message", f.Message).Close("error").Close("item");
                x.Close("unsuccessfulInstanceCreditSpecificationSet");
            }
            string members = x.ToString();
            Remember(call, token, fingerprint, members);
            return members;
        }
    }
}
