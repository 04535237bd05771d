using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using System.Xml.Linq;
using Amazon.EC2;
using Amazon.Runtime;
using Ec2Capacity.Emulator;
using Xunit;

namespace Ec2Capacity.Emulator.Tests
{
    internal static class Sdk
    {
        /// <summary>The real AWSSDK.EC2 v4 client pointed at the emulator.</summary>
        public static AmazonEC2Client Client(EmulatorServer server, string accessKeyId = DemoSeed.AccessKeyId, string secret = DemoSeed.SecretAccessKey,
            string sessionToken = null, string region = null, int maxErrorRetry = 0)
        {
            AWSCredentials credentials = sessionToken == null
                ? new BasicAWSCredentials(accessKeyId, secret)
                : new SessionAWSCredentials(accessKeyId, secret, sessionToken);
            var config = new AmazonEC2Config
            {
                ServiceURL = server.BaseUri.ToString(),
                AuthenticationRegion = region ?? server.Region,
                MaxErrorRetry = maxErrorRetry,
                RetryMode = RequestRetryMode.Standard,
                Timeout = TimeSpan.FromSeconds(20),
            };
            return new AmazonEC2Client(credentials, config);
        }

        public static async Task<AmazonEC2Exception> Fails(Func<Task> call)
        {
            return await Assert.ThrowsAsync<AmazonEC2Exception>(call);
        }
    }

    /// <summary>Hand-made EC2 requests (signed or not) for what the SDK cannot send.</summary>
    internal static class Raw
    {
        private static readonly HttpClient Http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1000,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        }) { Timeout = TimeSpan.FromSeconds(30) };

        public static HttpClient Client => Http;

        public static string Form(params (string Key, string Value)[] pairs) =>
            string.Join("&", pairs.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));

        public static Task<RawAnswer> Ec2Async(EmulatorServer server, params (string Key, string Value)[] pairs) =>
            SendAsync(server, Encoding.UTF8.GetBytes(Form(pairs)));

        public static async Task<RawAnswer> SendAsync(EmulatorServer server, byte[] body, bool sign = true, string accessKeyId = DemoSeed.AccessKeyId,
            string secret = DemoSeed.SecretAccessKey, string sessionToken = null, string region = null, string contentType = "application/x-www-form-urlencoded")
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, server.BaseUri);
            message.Content = new ByteArrayContent(body);
            if (contentType != null)
                message.Content.Headers.TryAddWithoutValidation("Content-Type", contentType + "; charset=utf-8");
            if (sign) SigV4Signer.Sign(message, body, accessKeyId, secret, region ?? server.Region, sessionToken);
            using var response = await Http.SendAsync(message);
            return new RawAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.ToString());
        }

        public static async Task<(int Status, string Body)> GetAsync(EmulatorServer server, string path)
        {
            using var response = await Http.GetAsync(new Uri(server.BaseUri, path));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        public static async Task<(int Status, string Body)> PostAsync(EmulatorServer server, string path, string body)
        {
            using var response = await Http.PostAsync(new Uri(server.BaseUri, path), new StringContent(body ?? "", Encoding.UTF8, "application/json"));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
    }

    internal sealed class RawAnswer
    {
        public RawAnswer(int status, string body, string contentType)
        {
            Status = status;
            Body = body;
            ContentType = contentType;
            Document = XDocument.Parse(body);
        }

        public int Status { get; }
        public string Body { get; }
        public string ContentType { get; }
        public XDocument Document { get; }

        /// <summary>Error code of an EC2 error document (null for a success document).</summary>
        public string ErrorCode => Document.Root.Name.LocalName == "Response" ? Document.Root.Element("Errors")?.Element("Error")?.Element("Code")?.Value : null;
        public string ErrorMessage => Document.Root.Element("Errors")?.Element("Error")?.Element("Message")?.Value;

        public string Value(string localName) => Document.Descendants().FirstOrDefault(e => e.Name.LocalName == localName)?.Value;
    }

    /// <summary>Seeds derived from the demo seed (JSON nodes, edited per test).</summary>
    internal static class Seeds
    {
        public static JsonObject Demo() => JsonNode.Parse(DemoSeed.Json).AsObject();

        public static string Demo(Action<JsonObject> edit)
        {
            var seed = Demo();
            edit(seed);
            return seed.ToJsonString();
        }

        public static JsonObject Reservation(JsonObject seed, string id) =>
            seed["capacityReservations"].AsArray().Select(n => n.AsObject()).Single(r => (string)r["capacityReservationId"] == id);

        public static JsonObject Faults(JsonObject seed) => seed["behavior"]["faults"].AsObject();
    }

    /// <summary>Reads the state dump.</summary>
    internal static class State
    {
        public static JsonObject Of(EmulatorServer server) => JsonNode.Parse(server.GetStateJson()).AsObject();

        public static JsonObject Reservation(EmulatorServer server, string id) => Seeds.Reservation(Of(server), id);

        public static IEnumerable<JsonObject> Reservations(EmulatorServer server) =>
            Of(server)["capacityReservations"].AsArray().Select(n => n.AsObject());

        public static JsonObject Instance(EmulatorServer server, string id) =>
            Of(server)["instances"].AsArray().Select(n => n.AsObject()).Single(r => (string)r["instanceId"] == id);
    }
}

namespace Ec2Capacity.Emulator.Tests
{
    using Amazon.EC2.Model;

    internal static class Ops
    {
        public static Task<GetCapacityReservationUsageResponse> Usage(IAmazonEC2 ec2, string id, int? maxResults = null, string nextToken = null, bool dryRun = false) =>
            ec2.GetCapacityReservationUsageAsync(new GetCapacityReservationUsageRequest
            {
                CapacityReservationId = id,
                MaxResults = maxResults,
                NextToken = nextToken,
                DryRun = dryRun ? true : null,
            });

        public static Task<CreateInterruptibleCapacityReservationAllocationResponse> Create(IAmazonEC2 ec2, string id, int count, string clientToken = null,
            string zeroSize = null, bool dryRun = false, params (string Key, string Value)[] tags) =>
            ec2.CreateInterruptibleCapacityReservationAllocationAsync(new CreateInterruptibleCapacityReservationAllocationRequest
            {
                CapacityReservationId = id,
                InstanceCount = count,
                ClientToken = clientToken,
                ZeroSizePreference = zeroSize,
                DryRun = dryRun ? true : null,
                TagSpecifications = tags.Length == 0 ? null : new List<TagSpecification>
                {
                    new TagSpecification { ResourceType = "capacity-reservation", Tags = tags.Select(t => new Tag { Key = t.Key, Value = t.Value }).ToList() },
                },
            });

        public static Task<UpdateInterruptibleCapacityReservationAllocationResponse> Update(IAmazonEC2 ec2, string id, int? target, string zeroSize = null,
            bool dryRun = false) =>
            ec2.UpdateInterruptibleCapacityReservationAllocationAsync(new UpdateInterruptibleCapacityReservationAllocationRequest
            {
                CapacityReservationId = id,
                TargetInstanceCount = target,
                ZeroSizePreference = zeroSize,
                DryRun = dryRun ? true : null,
            });

        public static Task<CancelCapacityReservationResponse> Cancel(IAmazonEC2 ec2, string id, string quoteId = null, string charges = null, bool dryRun = false) =>
            ec2.CancelCapacityReservationAsync(new CancelCapacityReservationRequest
            {
                CapacityReservationId = id,
                QuoteId = quoteId,
                ApplyCancellationCharges = charges,
                DryRun = dryRun ? true : null,
            });

        public static Task<ModifyInstanceCreditSpecificationResponse> Credits(IAmazonEC2 ec2, string cpuCredits, params string[] instanceIds) =>
            CreditsWithToken(ec2, null, cpuCredits, instanceIds);

        public static Task<ModifyInstanceCreditSpecificationResponse> CreditsWithToken(IAmazonEC2 ec2, string clientToken, string cpuCredits,
            string[] instanceIds, bool dryRun = false) =>
            ec2.ModifyInstanceCreditSpecificationAsync(new ModifyInstanceCreditSpecificationRequest
            {
                ClientToken = clientToken,
                DryRun = dryRun ? true : null,
                InstanceCreditSpecifications = instanceIds.Select(i => new InstanceCreditSpecificationRequest { InstanceId = i, CpuCredits = cpuCredits }).ToList(),
            });

        /// <summary>Reads usage until the allocation on the source leaves its transitional status (bounded).</summary>
        public static async Task<GetCapacityReservationUsageResponse> ReadUntilSettled(IAmazonEC2 ec2, string sourceId, int maxReads = 20)
        {
            for (int i = 0; i < maxReads; i++)
            {
                var u = await Usage(ec2, sourceId);
                string s = u.InterruptibleCapacityAllocation?.Status;
                if (s != "pending" && s != "updating" && s != "canceling") return u;
            }
            throw new InvalidOperationException("allocation did not settle");
        }

        public static int Used(GetCapacityReservationUsageResponse u) => u.InstanceUsages?.Sum(x => x.UsedInstanceCount ?? 0) ?? 0;

        /// <summary>total = available + used + lent (lent = the live allocation's instanceCount on a source).</summary>
        public static void AssertAddsUp(GetCapacityReservationUsageResponse u)
        {
            var a = u.InterruptibleCapacityAllocation;
            int lent = a != null && a.Status != "canceled" ? a.InstanceCount ?? 0 : 0;
            Assert.Equal(u.TotalInstanceCount, u.AvailableInstanceCount + Used(u) + lent);
        }
    }

    /// <summary>Finds fault seeds whose draws give a wanted sequence (the emulator draws 4 numbers per EC2 request, in this order).</summary>
    internal static class FaultSeeds
    {
        public const int Throttle = 0, ServerError = 1, Drop = 2, DropAfterCommit = 3;

        public static double[][] Draws(int seed, int requests)
        {
            var r = new Random(seed);
            var result = new double[requests][];
            for (int i = 0; i < requests; i++) result[i] = new[] { r.NextDouble(), r.NextDouble(), r.NextDouble(), r.NextDouble() };
            return result;
        }

        public static int Find(int requests, Func<double[][], bool> wanted)
        {
            for (int seed = 1; seed < 100000; seed++)
            {
                if (wanted(Draws(seed, requests))) return seed;
            }
            throw new InvalidOperationException("no seed found");
        }
    }
}
