using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ec2Capacity.Emulator
{
    /// <summary>Parses and validates seed JSON into a <see cref="World"/>; every error names the field path.</summary>
    internal static class SeedParser
    {
        internal static readonly Regex ReservationIdForm = new Regex("^cr-[0-9a-f]{17}$", RegexOptions.CultureInvariant);
        internal static readonly Regex InstanceIdForm = new Regex("^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$", RegexOptions.CultureInvariant);
        private static readonly Regex AccountIdForm = new Regex("^[0-9]{12}$", RegexOptions.CultureInvariant);
        private static readonly Regex AccountNameForm = new Regex("^[A-Za-z][A-Za-z0-9_]{0,63}$", RegexOptions.CultureInvariant);
        private static readonly Regex RegionForm = new Regex("^[a-z]{2}(?:-[a-z]+)+-[0-9]+$", RegexOptions.CultureInvariant);
        private static readonly Regex InstanceTypeForm = new Regex("^[a-z][a-z0-9-]*\\.[a-z0-9-]+$", RegexOptions.CultureInvariant);

        public static World Parse(string json)
        {
            if (json == null) throw new SeedException("$", "the seed is null");
            if (string.IsNullOrWhiteSpace(json)) throw new SeedException("$", "the seed is empty; expected a JSON object");
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 32 });
            }
            catch (JsonException ex)
            {
                throw new SeedException("$", "not valid JSON (line " + ((ex.LineNumber ?? 0) + 1) + ", position " + ((ex.BytePositionInLine ?? 0) + 1) + ")");
            }

            using (doc)
            {
                var root = new Obj(doc.RootElement, "$");
                var world = new World();
                root.Allow("region", "accounts", "capacityReservations", "instances", "behavior");

                world.Region = root.RequiredString("region");
                if (!RegionForm.IsMatch(world.Region)) throw new SeedException("region", "'" + world.Region + "' is not a region name (like us-east-1)");

                var keys = new HashSet<string>(StringComparer.Ordinal);
                int i = 0;
                foreach (var a in root.RequiredArray("accounts"))
                {
                    world.Accounts.Add(ParseAccount(a, "accounts[" + i + "]", keys));
                    i++;
                }

                world.Behavior = ParseBehavior(root.OptionalObject("behavior"));

                i = 0;
                foreach (var r in root.OptionalArray("capacityReservations"))
                {
                    var res = ParseReservation(r, "capacityReservations[" + i + "]", out var alloc);
                    if (world.ReservationsById.ContainsKey(res.Id))
                        throw new SeedException("capacityReservations[" + i + "].capacityReservationId", "duplicate ID '" + res.Id + "'");
                    res.Allocation = alloc;
                    world.Add(res);
                    i++;
                }

                CheckAllocations(world);

                i = 0;
                foreach (var e in root.OptionalArray("instances"))
                {
                    var inst = ParseInstance(e, "instances[" + i + "]");
                    if (world.InstancesById.ContainsKey(inst.InstanceId))
                        throw new SeedException("instances[" + i + "].instanceId", "duplicate ID '" + inst.InstanceId + "'");
                    world.Instances.Add(inst);
                    world.InstancesById.Add(inst.InstanceId, inst);
                    i++;
                }

                foreach (var r in world.Reservations)
                {
                    if (r.Allocation != null && r.Allocation.IsTransitional) r.Allocation.ReadsUntilSettled = world.Behavior.SettleAfterReads;
                    if (r.State == "cancelling") r.ReadsUntilSettled = world.Behavior.SettleAfterReads;
                }

                return world;
            }
        }

        private static Account ParseAccount(Obj o, string path, HashSet<string> keys)
        {
            o.Allow("name", "accountId", "accessKeyId", "secretAccessKey", "sessionToken", "allowedActions", "hasSessionToken");
            var a = new Account
            {
                Name = o.OptionalString("name"),
                AccountId = o.RequiredString("accountId"),
                AccessKeyId = o.RequiredString("accessKeyId"),
                SecretAccessKey = o.RequiredString("secretAccessKey"),
                SessionToken = o.OptionalString("sessionToken"),
            };
            // A name becomes a property of Start-Ec2CapacityEmulator's object ($emu.Owner): a plain identifier, unique.
            if (a.Name != null && !AccountNameForm.IsMatch(a.Name))
                throw new SeedException(path + ".name", "expected 1-64 letters, digits or '_', starting with a letter");
            if (a.Name != null && !keys.Add("name:" + a.Name.ToLowerInvariant())) throw new SeedException(path + ".name", "duplicate account name");
            if (!AccountIdForm.IsMatch(a.AccountId)) throw new SeedException(path + ".accountId", "expected 12 digits");
            if (a.AccessKeyId.Length > 128 || !IsToken(a.AccessKeyId))
                throw new SeedException(path + ".accessKeyId", "expected 1-128 printable ASCII characters without '/', ',', '=' or spaces");
            if (!keys.Add(a.AccessKeyId)) throw new SeedException(path + ".accessKeyId", "duplicate access key ID");
            if (a.SecretAccessKey.Length == 0 || !IsPrintable(a.SecretAccessKey)) throw new SeedException(path + ".secretAccessKey", "expected a non-empty printable ASCII string");
            if (a.SessionToken != null && (a.SessionToken.Length == 0 || !IsPrintable(a.SessionToken)))
                throw new SeedException(path + ".sessionToken", "expected a non-empty printable ASCII string or null");
            int j = 0;
            foreach (var el in o.RequiredRawArray("allowedActions"))
            {
                string p = path + ".allowedActions[" + j + "]";
                if (el.ValueKind != JsonValueKind.String) throw new SeedException(p, "expected a string");
                string v = el.GetString();
                if (v != "*" && !Actions.IsKnown(v)) throw new SeedException(p, "'" + v + "' is neither \"*\" nor one of " + string.Join(", ", Actions.All));
                a.AllowedActions.Add(v);
                j++;
            }
            return a;
        }

        private static Behavior ParseBehavior(Obj o)
        {
            var b = new Behavior();
            if (o == null) return b;
            o.Allow("settleAfterReads", "maxCreditSpecificationsPerRequest", "faults");
            b.SettleAfterReads = o.OptionalInt("settleAfterReads", 2, 0, 1000);
            b.MaxCreditSpecificationsPerRequest = o.OptionalInt("maxCreditSpecificationsPerRequest", 1000, 1, 100000);
            var f = o.OptionalObject("faults");
            if (f != null)
            {
                f.Allow("seed", "throttleRate", "serverErrorRate", "dropRate", "dropAfterCommitRate", "latencyMs");
                b.Faults.Seed = f.OptionalInt("seed", 0, int.MinValue, int.MaxValue);
                b.Faults.ThrottleRate = f.OptionalRate("throttleRate");
                b.Faults.ServerErrorRate = f.OptionalRate("serverErrorRate");
                b.Faults.DropRate = f.OptionalRate("dropRate");
                b.Faults.DropAfterCommitRate = f.OptionalRate("dropAfterCommitRate");
                b.Faults.LatencyMs = f.OptionalInt("latencyMs", 0, 0, 600000);
            }
            return b;
        }

        private static Reservation ParseReservation(Obj o, string path, out Allocation alloc)
        {
            o.Allow("capacityReservationId", "ownerId", "instanceType", "totalInstanceCount", "availableInstanceCount", "state", "endDate",
                "commitmentEndDate", "capacityBlock", "instanceUsages", "interruptible", "interruptionInfo", "interruptibleCapacityAllocation", "tags");
            var r = new Reservation
            {
                Id = o.RequiredString("capacityReservationId"),
                OwnerId = o.RequiredString("ownerId"),
                InstanceType = o.RequiredString("instanceType"),
                Total = o.RequiredInt("totalInstanceCount", 0, 1000000),
                State = o.RequiredString("state"),
                EndDate = o.OptionalDate("endDate"),
                CommitmentEndDate = o.OptionalDate("commitmentEndDate"),
                CapacityBlock = o.OptionalBool("capacityBlock", false),
                Interruptible = o.OptionalBool("interruptible", false),
            };
            if (!ReservationIdForm.IsMatch(r.Id)) throw new SeedException(path + ".capacityReservationId", "'" + r.Id + "' is not 'cr-' followed by 17 lowercase hex characters");
            if (!AccountIdForm.IsMatch(r.OwnerId)) throw new SeedException(path + ".ownerId", "expected 12 digits");
            if (!InstanceTypeForm.IsMatch(r.InstanceType)) throw new SeedException(path + ".instanceType", "'" + r.InstanceType + "' is not an instance type (like m5.large)");
            if (!Vocabulary.In(r.State, Vocabulary.ReservationStates))
                throw new SeedException(path + ".state", "'" + r.State + "' is not one of " + string.Join(", ", Vocabulary.ReservationStates));

            var seen = new HashSet<string>(StringComparer.Ordinal);
            int j = 0;
            foreach (var u in o.OptionalArray("instanceUsages"))
            {
                string p = path + ".instanceUsages[" + j + "]";
                u.Allow("accountId", "usedInstanceCount");
                var usage = new Usage { AccountId = u.RequiredString("accountId"), Used = u.RequiredInt("usedInstanceCount", 0, 1000000) };
                if (!AccountIdForm.IsMatch(usage.AccountId)) throw new SeedException(p + ".accountId", "expected 12 digits");
                if (!seen.Add(usage.AccountId)) throw new SeedException(p + ".accountId", "account " + usage.AccountId + " is listed twice");
                r.Usages.Add(usage);
                j++;
            }

            var info = o.OptionalObject("interruptionInfo");
            if (r.Interruptible)
            {
                if (info == null) throw new SeedException(path + ".interruptionInfo", "required when interruptible is true");
                info.Allow("sourceCapacityReservationId", "interruptionType");
                r.SourceId = info.RequiredString("sourceCapacityReservationId");
                if (!ReservationIdForm.IsMatch(r.SourceId)) throw new SeedException(info.Path + ".sourceCapacityReservationId", "'" + r.SourceId + "' is not a Capacity Reservation ID");
                r.InterruptionType = info.OptionalString("interruptionType") ?? "adhoc";
                if (r.InterruptionType != "adhoc") throw new SeedException(info.Path + ".interruptionType", "expected 'adhoc'");
            }
            else if (info != null)
            {
                throw new SeedException(path + ".interruptionInfo", "only allowed when interruptible is true");
            }

            j = 0;
            var tagKeys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var t in o.OptionalArray("tags"))
            {
                string p = path + ".tags[" + j + "]";
                t.Allow("key", "value");
                var tag = new Tag { Key = t.RequiredString("key"), Value = t.OptionalString("value") ?? "" };
                if (tag.Key.Length == 0 || tag.Key.Length > 127) throw new SeedException(p + ".key", "expected 1-127 characters");
                if (tag.Value.Length > 256) throw new SeedException(p + ".value", "expected at most 256 characters");
                if (!tagKeys.Add(tag.Key)) throw new SeedException(p + ".key", "duplicate tag key '" + tag.Key + "'");
                r.Tags.Add(tag);
                j++;
            }

            alloc = null;
            var ao = o.OptionalObject("interruptibleCapacityAllocation");
            if (ao != null)
            {
                if (r.Interruptible) throw new SeedException(ao.Path, "an interruptible reservation cannot itself be a source");
                ao.Allow("instanceCount", "targetInstanceCount", "status", "interruptibleCapacityReservationId", "interruptionType", "zeroSizePreference");
                alloc = new Allocation
                {
                    InstanceCount = ao.RequiredInt("instanceCount", 0, 1000000),
                    TargetInstanceCount = ao.RequiredInt("targetInstanceCount", 0, 1000000),
                    Status = ao.RequiredString("status"),
                    InterruptibleId = ao.RequiredString("interruptibleCapacityReservationId"),
                    InterruptionType = ao.OptionalString("interruptionType") ?? "adhoc",
                    ZeroSizePreference = ao.OptionalString("zeroSizePreference") ?? "default",
                };
                if (!Vocabulary.In(alloc.Status, Vocabulary.AllocationStatuses))
                    throw new SeedException(ao.Path + ".status", "'" + alloc.Status + "' is not one of " + string.Join(", ", Vocabulary.AllocationStatuses));
                if (!ReservationIdForm.IsMatch(alloc.InterruptibleId))
                    throw new SeedException(ao.Path + ".interruptibleCapacityReservationId", "'" + alloc.InterruptibleId + "' is not a Capacity Reservation ID");
                if (alloc.InterruptionType != "adhoc") throw new SeedException(ao.Path + ".interruptionType", "expected 'adhoc'");
                if (!Vocabulary.In(alloc.ZeroSizePreference, Vocabulary.ZeroSizePreferences))
                    throw new SeedException(ao.Path + ".zeroSizePreference", "expected 'default' or 'retain'");
                if (alloc.Status == "canceled" && alloc.InstanceCount != 0)
                    throw new SeedException(ao.Path + ".instanceCount", "must be 0 when status is canceled");
            }

            int lent = alloc != null && alloc.IsLive ? alloc.InstanceCount : 0;
            if (r.Used + lent > r.Total)
                throw new SeedException(path + ".instanceUsages", "sum of usedInstanceCount (" + r.Used + ")" + (lent > 0 ? " plus instances lent (" + lent + ")" : "")
                    + " exceeds totalInstanceCount (" + r.Total + ")");
            return r;
        }

        private static void CheckAllocations(World world)
        {
            for (int i = 0; i < world.Reservations.Count; i++)
            {
                var r = world.Reservations[i];
                string path = "capacityReservations[" + i + "]";
                if (r.Allocation != null)
                {
                    var target = world.Find(r.Allocation.InterruptibleId);
                    string p = path + ".interruptibleCapacityAllocation.interruptibleCapacityReservationId";
                    if (target == null) throw new SeedException(p, "no capacity reservation '" + r.Allocation.InterruptibleId + "' in the seed");
                    if (!target.Interruptible || target.SourceId != r.Id)
                        throw new SeedException(p, "'" + target.Id + "' must be interruptible with interruptionInfo.sourceCapacityReservationId '" + r.Id + "'");
                    if (target.InstanceType != r.InstanceType)
                        throw new SeedException(p, "'" + target.Id + "' must have the source's instance type " + r.InstanceType);
                    if (r.Allocation.IsLive && target.Total != r.Allocation.InstanceCount)
                        throw new SeedException(path + ".interruptibleCapacityAllocation.instanceCount",
                            "must equal the totalInstanceCount (" + target.Total + ") of interruptible reservation " + target.Id);
                }

                if (r.Interruptible)
                {
                    var source = world.Find(r.SourceId);
                    string p = path + ".interruptionInfo.sourceCapacityReservationId";
                    if (source == null) throw new SeedException(p, "no capacity reservation '" + r.SourceId + "' in the seed");
                    if (source.Interruptible) throw new SeedException(p, "'" + source.Id + "' is itself interruptible");
                    if (source.Allocation == null || source.Allocation.InterruptibleId != r.Id)
                    {
                        // An interruptible reservation whose allocation was replaced by a newer one must be cancelled.
                        if (r.State != "cancelled")
                            throw new SeedException(p, "source '" + source.Id + "' has no interruptibleCapacityAllocation pointing at '" + r.Id
                                + "' (only a cancelled interruptible reservation may be detached)");
                    }
                }
            }
        }

        private static Instance ParseInstance(Obj o, string path)
        {
            o.Allow("instanceId", "instanceType", "state", "tenancy", "cpuCredits");
            var inst = new Instance
            {
                InstanceId = o.RequiredString("instanceId"),
                InstanceType = o.RequiredString("instanceType"),
                State = o.RequiredString("state"),
                Tenancy = o.OptionalString("tenancy") ?? "default",
                CpuCredits = o.OptionalString("cpuCredits"),
            };
            if (!InstanceIdForm.IsMatch(inst.InstanceId)) throw new SeedException(path + ".instanceId", "'" + inst.InstanceId + "' is not 'i-' followed by 8 or 17 lowercase hex characters");
            if (!InstanceTypeForm.IsMatch(inst.InstanceType)) throw new SeedException(path + ".instanceType", "'" + inst.InstanceType + "' is not an instance type (like t3.micro)");
            if (!Vocabulary.In(inst.State, Vocabulary.InstanceStates))
                throw new SeedException(path + ".state", "'" + inst.State + "' is not one of " + string.Join(", ", Vocabulary.InstanceStates));
            if (!Vocabulary.In(inst.Tenancy, Vocabulary.Tenancies))
                throw new SeedException(path + ".tenancy", "'" + inst.Tenancy + "' is not one of " + string.Join(", ", Vocabulary.Tenancies));
            bool burstable = Vocabulary.In(Vocabulary.Family(inst.InstanceType), Vocabulary.BurstableFamilies);
            if (inst.CpuCredits != null)
            {
                if (!Vocabulary.In(inst.CpuCredits, Vocabulary.CpuCredits)) throw new SeedException(path + ".cpuCredits", "expected 'standard', 'unlimited' or null");
                if (!burstable) throw new SeedException(path + ".cpuCredits", "only burstable instance types (" + string.Join(", ", Vocabulary.BurstableFamilies) + ") have a credit option; use null");
            }
            else if (burstable)
            {
                inst.CpuCredits = Vocabulary.Family(inst.InstanceType) == "t2" ? "standard" : "unlimited";
            }
            return inst;
        }

        private static bool IsPrintable(string s)
        {
            foreach (char c in s) if (c < 0x20 || c > 0x7e) return false;
            return true;
        }

        private static bool IsToken(string s)
        {
            if (s.Length == 0) return false;
            foreach (char c in s) if (c <= 0x20 || c > 0x7e || c == '/' || c == ',' || c == '=') return false;
            return true;
        }

        /// <summary>A JSON object with its path, for error messages.</summary>
        private sealed class Obj
        {
            private readonly JsonElement _e;
            public readonly string Path;

            public Obj(JsonElement e, string path)
            {
                if (e.ValueKind != JsonValueKind.Object) throw new SeedException(path, "expected a JSON object, got " + Describe(e));
                _e = e;
                Path = path;
            }

            private string P(string name) => Path == "$" ? name : Path + "." + name;

            public void Allow(params string[] names)
            {
                foreach (var p in _e.EnumerateObject())
                {
                    if (Array.IndexOf(names, p.Name) < 0)
                        throw new SeedException(P(p.Name), "unknown field (expected one of " + string.Join(", ", names) + ")");
                }
            }

            private bool TryGet(string name, out JsonElement v)
            {
                if (_e.TryGetProperty(name, out v) && v.ValueKind != JsonValueKind.Null) return true;
                return false;
            }

            public string RequiredString(string name)
            {
                if (!TryGet(name, out var v)) throw new SeedException(P(name), "required");
                if (v.ValueKind != JsonValueKind.String) throw new SeedException(P(name), "expected a string, got " + Describe(v));
                return v.GetString();
            }

            public string OptionalString(string name)
            {
                if (!TryGet(name, out var v)) return null;
                if (v.ValueKind != JsonValueKind.String) throw new SeedException(P(name), "expected a string or null, got " + Describe(v));
                return v.GetString();
            }

            public string OptionalDate(string name)
            {
                string s = OptionalString(name);
                if (s == null) return null;
                if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
                    throw new SeedException(P(name), "'" + s + "' is not an ISO 8601 date-time (like 2030-01-31T00:00:00Z)");
                return s;
            }

            public int RequiredInt(string name, int min, int max)
            {
                if (!TryGet(name, out var v)) throw new SeedException(P(name), "required");
                return ToInt(v, name, min, max);
            }

            public int OptionalInt(string name, int dflt, int min, int max)
            {
                if (!TryGet(name, out var v)) return dflt;
                return ToInt(v, name, min, max);
            }

            private int ToInt(JsonElement v, string name, int min, int max)
            {
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int n))
                    throw new SeedException(P(name), "expected an integer, got " + Describe(v));
                if (n < min || n > max)
                    throw new SeedException(P(name), "must be " + (max == int.MaxValue || max >= 1000000 ? "at least " + min : "between " + min + " and " + max) + " (got " + n + ")");
                return n;
            }

            public double OptionalRate(string name)
            {
                if (!TryGet(name, out var v)) return 0;
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d) || double.IsNaN(d))
                    throw new SeedException(P(name), "expected a number, got " + Describe(v));
                if (d < 0 || d > 1) throw new SeedException(P(name), "must be between 0 and 1 (got " + d.ToString(CultureInfo.InvariantCulture) + ")");
                return d;
            }

            public bool OptionalBool(string name, bool dflt)
            {
                if (!TryGet(name, out var v)) return dflt;
                if (v.ValueKind == JsonValueKind.True) return true;
                if (v.ValueKind == JsonValueKind.False) return false;
                throw new SeedException(P(name), "expected true or false, got " + Describe(v));
            }

            public Obj OptionalObject(string name)
            {
                if (!TryGet(name, out var v)) return null;
                return new Obj(v, P(name));
            }

            public List<JsonElement> RequiredRawArray(string name)
            {
                if (!TryGet(name, out var v)) throw new SeedException(P(name), "required");
                if (v.ValueKind != JsonValueKind.Array) throw new SeedException(P(name), "expected an array, got " + Describe(v));
                return new List<JsonElement>(v.EnumerateArray());
            }

            public IEnumerable<Obj> RequiredArray(string name)
            {
                var list = RequiredRawArray(name);
                var result = new List<Obj>();
                for (int i = 0; i < list.Count; i++) result.Add(new Obj(list[i], P(name) + "[" + i + "]"));
                return result;
            }

            public IEnumerable<Obj> OptionalArray(string name)
            {
                if (!TryGet(name, out _)) return Array.Empty<Obj>();
                return RequiredArray(name);
            }

            private static string Describe(JsonElement v) => v.ValueKind switch
            {
                JsonValueKind.String => "a string",
                JsonValueKind.Number => "the number " + v.GetRawText(),
                JsonValueKind.True or JsonValueKind.False => "a boolean",
                JsonValueKind.Array => "an array",
                JsonValueKind.Object => "an object",
                _ => "null",
            };
        }
    }
}
