using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;

namespace Ec2Capacity.Benchmarks
{
    /// <summary>
    /// The engine side of every comparison, written the way the cmdlets drive the engine: resolve the
    /// connection (explicit keys, region, endpoint), take the cached client, run the service.
    /// </summary>
    public sealed class EngineCaller
    {
        private readonly ConnectionOptions _options;
        private readonly ConnectionResolver _resolver = new ConnectionResolver();

        public EngineCaller(Uri endpoint, string region, string accessKey, string secretKey)
        {
            _options = new ConnectionOptions
            {
                Region = region,
                AccessKey = accessKey,
                SecretKey = secretKey,
                EndpointUrl = endpoint.ToString(),
            };
        }

        /// <summary>One cmdlet call's worth of work: resolution, cached client, usage service.</summary>
        public Task<CapacityReservationUsage> GetUsageAsync(string reservationId, int? pageSize = null)
        {
            var connection = _resolver.Resolve(_options);
            var client = Ec2ClientCache.Shared.GetClient(connection);
            var service = new CapacityReservationUsageService(new Ec2Context(client, connection.RegionName));
            return service.GetAsync(reservationId, pageSize, CancellationToken.None);
        }

        /// <summary>
        /// The usage service on a connection resolved once: what the cmdlet does for the second and later objects
        /// of a pipeline (it keeps the resolved context per -Region value for the whole pipeline).
        /// </summary>
        public Task<CapacityReservationUsage> GetUsagePipedAsync(string reservationId, int? pageSize = null)
        {
            if (_piped == null)
            {
                var connection = _resolver.Resolve(_options);
                _piped = new CapacityReservationUsageService(new Ec2Context(Ec2ClientCache.Shared.GetClient(connection), connection.RegionName));
            }
            return _piped.GetAsync(reservationId, pageSize, CancellationToken.None);
        }

        private CapacityReservationUsageService _piped;

        /// <summary>
        /// Sets the credit option of every instance the way Set-InstanceCreditSpecification does for a pipeline:
        /// one resolution, items gathered by <see cref="CreditBatcher"/>, one request per full batch and one for the rest.
        /// Returns the number of instances that succeeded.
        /// </summary>
        /// <summary>
        /// What Set-InstanceCreditSpecification does with a pipeline: batches from <see cref="CreditBatcher"/>, up to
        /// <paramref name="batchesAtOnce"/> in flight (the cmdlet's -ThrottleLimit, default 4).
        /// </summary>
        public async Task<int> SetCreditsAsync(IReadOnlyList<string> instanceIds, string cpuCredits, int batchSize, int batchesAtOnce = 4)
        {
            var connection = _resolver.Resolve(_options);
            var client = Ec2ClientCache.Shared.GetClient(connection);
            var service = new CreditSpecificationService(new Ec2Context(client, connection.RegionName));
            var batcher = new CreditBatcher(batchSize);
            var inFlight = new Queue<Task<IReadOnlyList<InstanceCreditSpecificationResult>>>();
            int succeeded = 0;
            foreach (string id in instanceIds)
            {
                var full = batcher.Add(new CreditChange(id, cpuCredits));
                if (full != null && full.Count > 0)
                {
                    inFlight.Enqueue(service.ApplyBatchAsync(full, null, CancellationToken.None));
                    if (inFlight.Count >= batchesAtOnce) succeeded += CountSucceeded(await inFlight.Dequeue().ConfigureAwait(false));
                }
            }
            var rest = batcher.Flush();
            if (rest != null && rest.Count > 0) inFlight.Enqueue(service.ApplyBatchAsync(rest, null, CancellationToken.None));
            while (inFlight.Count > 0) succeeded += CountSucceeded(await inFlight.Dequeue().ConfigureAwait(false));
            return succeeded;
        }

        private static int CountSucceeded(IEnumerable<InstanceCreditSpecificationResult> results)
        {
            int n = 0;
            foreach (var r in results)
            {
                if (r.Succeeded == true) n++;
            }
            return n;
        }
    }

    /// <summary>The references: the raw AWSSDK.EC2 client, reused or new per call (the AWS.Tools pattern).</summary>
    public sealed class RawCaller : IDisposable
    {
        private readonly Uri _endpoint;
        private readonly string _region;
        private readonly AWSCredentials _credentials;

        public RawCaller(Uri endpoint, string region, string accessKey, string secretKey)
        {
            _endpoint = endpoint;
            _region = region;
            _credentials = new BasicAWSCredentials(accessKey, secretKey);
            Reused = NewClient();
        }

        /// <summary>One client for the whole run, as a well-written SDK program keeps it.</summary>
        public AmazonEC2Client Reused { get; }

        /// <summary>A client configured like the engine's (endpoint, signing region, standard retries).</summary>
        public AmazonEC2Client NewClient() => new AmazonEC2Client(_credentials, NewConfig(_endpoint, _region));

        public static AmazonEC2Config NewConfig(Uri endpoint, string region) => new AmazonEC2Config
        {
            ServiceURL = endpoint.ToString(),
            AuthenticationRegion = region,
            RetryMode = RequestRetryMode.Standard,
        };

        public static Task<GetCapacityReservationUsageResponse> GetUsageAsync(IAmazonEC2 client, string reservationId, int? pageSize = null, string nextToken = null)
        {
            var request = new GetCapacityReservationUsageRequest { CapacityReservationId = reservationId };
            if (pageSize.HasValue) request.MaxResults = pageSize.Value;
            if (nextToken != null) request.NextToken = nextToken;
            return client.GetCapacityReservationUsageAsync(request, CancellationToken.None);
        }

        /// <summary>All pages of a reservation's usage with the raw client, account lists concatenated (what a careful script does).</summary>
        public static async Task<List<Amazon.EC2.Model.InstanceUsage>> GetAllUsagesAsync(IAmazonEC2 client, string reservationId, int pageSize)
        {
            var all = new List<Amazon.EC2.Model.InstanceUsage>();
            string token = null;
            do
            {
                var page = await GetUsageAsync(client, reservationId, pageSize, token).ConfigureAwait(false);
                if (page.InstanceUsages != null) all.AddRange(page.InstanceUsages);
                token = string.IsNullOrEmpty(page.NextToken) ? null : page.NextToken;
            }
            while (token != null);
            return all;
        }

        public static Task<ModifyInstanceCreditSpecificationResponse> SetCreditsAsync(IAmazonEC2 client, string instanceId, string cpuCredits)
        {
            var request = new ModifyInstanceCreditSpecificationRequest
            {
                InstanceCreditSpecifications = new List<InstanceCreditSpecificationRequest>
                {
                    new InstanceCreditSpecificationRequest { InstanceId = instanceId, CpuCredits = cpuCredits },
                },
            };
            return client.ModifyInstanceCreditSpecificationAsync(request, CancellationToken.None);
        }

        public void Dispose() => Reused.Dispose();
    }
}
