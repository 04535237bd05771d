using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace Ec2Capacity.Benchmarks
{
    /// <summary>
    /// The emulator state every benchmark runs against: one caller account, a small reservation for the
    /// per-call lookups, reservations with 1,000 and 10,000 using accounts for paging, and 1,000 burstable
    /// instances for the credit batches. No faults, no latency: the emulator's own cost is the same on both
    /// sides of every comparison.
    /// </summary>
    public static class BenchSeed
    {
        public const string Region = "us-east-1";
        public const string AccountId = "111122223333";
        public const string AccessKeyId = "AKIABENCHMARK0000001";
        public const string SecretAccessKey = "benchmark/Secret/Key/0000000000000000000";

        /// <summary>The reservation of the per-call and client-reuse lookups (three accounts, one page).</summary>
        public const string SmallReservationId = "cr-0b0000000000000a1";

        public static string ReservationWithAccounts(int accounts) =>
            "cr-0c" + accounts.ToString("x15", CultureInfo.InvariantCulture);

        public static string InstanceId(int n) => "i-0d" + n.ToString("x15", CultureInfo.InvariantCulture);

        /// <summary>The seed: <paramref name="accountSizes"/> reservations with that many using accounts each, and <paramref name="instances"/> instances.</summary>
        public static string Build(int[] accountSizes, int instances)
        {
            using (var stream = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(stream))
                {
                    w.WriteStartObject();
                    w.WriteString("region", Region);

                    w.WriteStartArray("accounts");
                    w.WriteStartObject();
                    w.WriteString("accountId", AccountId);
                    w.WriteString("accessKeyId", AccessKeyId);
                    w.WriteString("secretAccessKey", SecretAccessKey);
                    w.WriteStartArray("allowedActions");
                    w.WriteStringValue("*");
                    w.WriteEndArray();
                    w.WriteEndObject();
                    w.WriteEndArray();

                    w.WriteStartArray("capacityReservations");
                    WriteReservation(w, SmallReservationId, 3);
                    foreach (int size in accountSizes)
                    {
                        WriteReservation(w, ReservationWithAccounts(size), size);
                    }
                    w.WriteEndArray();

                    w.WriteStartArray("instances");
                    for (int i = 1; i <= instances; i++)
                    {
                        w.WriteStartObject();
                        w.WriteString("instanceId", InstanceId(i));
                        w.WriteString("instanceType", "t3.micro");
                        w.WriteString("state", "running");
                        w.WriteString("tenancy", "default");
                        w.WriteString("cpuCredits", "standard");
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();

                    w.WriteStartObject("behavior");
                    w.WriteNumber("settleAfterReads", 0);
                    w.WriteNumber("maxCreditSpecificationsPerRequest", 1000);
                    w.WriteStartObject("faults");
                    w.WriteNumber("seed", 1);
                    w.WriteNumber("throttleRate", 0);
                    w.WriteNumber("serverErrorRate", 0);
                    w.WriteNumber("dropRate", 0);
                    w.WriteNumber("dropAfterCommitRate", 0);
                    w.WriteNumber("latencyMs", 0);
                    w.WriteEndObject();
                    w.WriteEndObject();

                    w.WriteEndObject();
                }
                return Encoding.UTF8.GetString(stream.ToArray());
            }
        }

        private static void WriteReservation(Utf8JsonWriter w, string id, int accounts)
        {
            w.WriteStartObject();
            w.WriteString("capacityReservationId", id);
            w.WriteString("ownerId", AccountId);
            w.WriteString("instanceType", "m5.large");
            w.WriteNumber("totalInstanceCount", accounts * 2);
            w.WriteString("state", "active");
            w.WriteBoolean("capacityBlock", false);
            w.WriteStartArray("instanceUsages");
            for (int a = 0; a < accounts; a++)
            {
                w.WriteStartObject();
                // 12-digit account IDs, distinct from the caller's.
                w.WriteString("accountId", (200000000000L + a).ToString(CultureInfo.InvariantCulture));
                w.WriteNumber("usedInstanceCount", 1);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
    }
}
