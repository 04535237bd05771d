using System.Globalization;
using System.Management.Automation;
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2.Model;
using Ec2Capacity;

namespace Ec2Capacity
{
    /// <summary>
    /// Changes instances' CPU credit option in batches: one ModifyInstanceCreditSpecification request per batch, one
    /// result per instance.
    /// </summary>
    /// <remarks>
    /// <para>Every instance of a batch ends as exactly one result: a success, a per-item failure from EC2's
    /// unsuccessful set, a whole-batch failure (the request failed: every instance of the batch gets that failure,
    /// nothing is thrown, later batches still run), or InvalidResult when EC2's answer names the instance in neither
    /// set. Only bad input (<see cref="InputValidationException"/>, before any request) and the caller's
    /// cancellation (<see cref="Ec2OperationException"/> with OperationStopped) throw. The classified failure of a
    /// result: <see cref="FailureOf"/>.</para>
    /// <para><b>ClientToken per batch.</b> A batch's token is set once on its request, so the SDK's retries of that
    /// batch resend it and EC2 applies the batch once. With a token given by the user, batch 1 uses it as it is and
    /// batch n ≥ 2 uses <see cref="BatchToken"/> (token + "-n", hashed to fit 64 characters), so re-running the
    /// same command with the same token is idempotent batch by batch. Without one, a GUID is generated.</para>
    /// </remarks>
    internal sealed class CreditSpecificationService
    {
        /// <summary>Instances per request unless -BatchSize says otherwise.</summary>
        public const int DefaultBatchSize = 100;

        private static readonly ConditionalWeakTable<InstanceCreditSpecificationResult, Ec2Failure> Failures =
            new ConditionalWeakTable<InstanceCreditSpecificationResult, Ec2Failure>();

        private readonly Ec2Context _context;

        public CreditSpecificationService(Ec2Context context)
        {
            _context = context ?? throw new ArgumentNullException(nameof(context));
        }

        /// <summary>
        /// Sends one batch (1 to 1000 changes) as one request and returns one result per distinct instance, in the
        /// batch's order. <paramref name="clientToken"/> is used as the batch's token exactly (null: a GUID).
        /// An empty batch sends nothing and returns an empty list.
        /// </summary>
        public async Task<IReadOnlyList<InstanceCreditSpecificationResult>> ApplyBatchAsync(IReadOnlyList<CreditChange> batch, string clientToken, CancellationToken cancellationToken = default)
        {
            var items = CheckBatch(batch, allowEmpty: true);
            if (items.Count == 0) return Array.Empty<InstanceCreditSpecificationResult>();
            var token = clientToken != null ? InputValidator.ClientToken(clientToken) : Guid.NewGuid().ToString();
            var request = ToSdk(items, dryRun: false);
            request.ClientToken = token;
            _context.Verbose($"ClientToken {token} for a batch of {items.Count} instance(s) ({items[0].InstanceId}{(items.Count > 1 ? " …" : string.Empty)}).");
            cancellationToken.ThrowIfCancellationRequestedAsStopped(null);

            ModifyInstanceCreditSpecificationResponse response;
            try
            {
                response = await _context.Client.ModifyInstanceCreditSpecificationAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                if (cancellationToken.IsCancellationRequested) throw CapacityCalls.Wrap(e, null, cancellationToken);
                var failure = ErrorClassifier.Classify(e);
                var failed = new List<InstanceCreditSpecificationResult>(items.Count);
                foreach (var item in items)
                {
                    // None of our five actions reads a credit option back, so a lost answer stays unknown; the token makes a retry safe.
                    failed.Add(ErrorClassifier.MayHaveBeenApplied(failure)
                        ? Unknown(item, CapacityCalls.LostAnswer("credit option change", item.InstanceId, failure.WithTarget(item.InstanceId),
                            $"Repeat the same command with -ClientToken {clientToken ?? token} to retry without changing anything twice.", e).Failure)
                        : Failed(item, failure.WithTarget(item.InstanceId)));
                }
                return failed;
            }
            return Map(items, response);
        }

        /// <summary>Sends exactly one request with DryRun=true for the whole batch and returns EC2's verdict for it.</summary>
        public Task<DryRunVerdict> DryRunBatchAsync(IReadOnlyList<CreditChange> batch, CancellationToken cancellationToken = default)
        {
            var items = CheckBatch(batch, allowEmpty: false);
            var request = ToSdk(items, dryRun: true);
            var target = items.Count == 1 ? items[0].InstanceId : null;
            return CapacityCalls.DryRunAsync(t => _context.Client.ModifyInstanceCreditSpecificationAsync(request, t), target, cancellationToken);
        }

        /// <summary>
        /// The token of batch <paramref name="batchNumber"/> (from 1) of a command given <paramref name="baseToken"/>:
        /// batch 1 uses the token itself, batch n uses token + "-n"; when that would exceed 64 characters, the token
        /// is replaced by a SHA-256 digest prefix, so different tokens stay different.
        /// </summary>
        public static string BatchToken(string baseToken, int batchNumber)
        {
            InputValidator.ClientToken(baseToken);
            if (batchNumber < 1) throw new ArgumentOutOfRangeException(nameof(batchNumber));
            if (batchNumber == 1) return baseToken;
            var suffix = "-" + batchNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (baseToken.Length + suffix.Length <= 64) return baseToken + suffix;
            using (var sha = SHA256.Create())
            {
                var digest = sha.ComputeHash(Encoding.UTF8.GetBytes(baseToken));
                var hex = new StringBuilder(64);
                foreach (var b in digest) hex.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                return hex.ToString(0, 64 - suffix.Length) + suffix;
            }
        }

        /// <summary>The classified failure of a failed result (null for a success), with EC2's request ID when there was one.</summary>
        public static Ec2Failure FailureOf(InstanceCreditSpecificationResult result)
        {
            if (result == null) throw new ArgumentNullException(nameof(result));
            if (result.Succeeded == true) return null;
            if (Failures.TryGetValue(result, out var failure)) return failure;
            return new Ec2Failure(ErrorClassifier.CategoryOf(result.ErrorCode), result.ErrorCode, result.ErrorMessage, result.InstanceId);
        }

        private IReadOnlyList<InstanceCreditSpecificationResult> Map(IReadOnlyList<CreditChange> items, ModifyInstanceCreditSpecificationResponse response)
        {
            var requestId = response.ResponseMetadata?.RequestId;
            var succeeded = new HashSet<string>(StringComparer.Ordinal);
            if (response.SuccessfulInstanceCreditSpecifications != null)
            {
                foreach (var s in response.SuccessfulInstanceCreditSpecifications)
                {
                    if (s?.InstanceId != null) succeeded.Add(s.InstanceId);
                }
            }
            var unsuccessful = new Dictionary<string, UnsuccessfulInstanceCreditSpecificationItem>(StringComparer.Ordinal);
            if (response.UnsuccessfulInstanceCreditSpecifications != null)
            {
                foreach (var u in response.UnsuccessfulInstanceCreditSpecifications)
                {
                    if (u?.InstanceId != null && !unsuccessful.ContainsKey(u.InstanceId)) unsuccessful.Add(u.InstanceId, u);
                }
            }
            var results = new List<InstanceCreditSpecificationResult>(items.Count);
            foreach (var item in items)
            {
                if (unsuccessful.TryGetValue(item.InstanceId, out var u))
                {
                    var code = u.Error?.Code?.Value;
                    if (string.IsNullOrEmpty(code)) code = "UnknownError";
                    var message = u.Error?.Message ?? $"EC2 did not change the credit option of {item.InstanceId}.";
                    results.Add(Failed(item, new Ec2Failure(ErrorClassifier.CategoryOf(code), code, message, item.InstanceId, requestId, 200)));
                }
                else if (succeeded.Contains(item.InstanceId))
                {
                    results.Add(new InstanceCreditSpecificationResult
                    {
                        InstanceId = item.InstanceId,
                        CpuCredits = item.CpuCredits,
                        Succeeded = true,
                        Region = _context.Region,
                    });
                }
                else
                {
                    results.Add(Failed(item, new Ec2Failure(ErrorCategory.InvalidResult, ErrorIds.MissingFromAnswer,
                        string.Format(CultureInfo.InvariantCulture, Messages.MissingFromAnswer, item.InstanceId), item.InstanceId, requestId, 200)));
                }
            }
            return results;
        }

        private InstanceCreditSpecificationResult Failed(CreditChange item, Ec2Failure failure) => Result(item, failure, succeeded: false);

        /// <summary>The change may have been applied: Succeeded is neither true nor false.</summary>
        private InstanceCreditSpecificationResult Unknown(CreditChange item, Ec2Failure failure) => Result(item, failure, succeeded: null);

        private InstanceCreditSpecificationResult Result(CreditChange item, Ec2Failure failure, bool? succeeded)
        {
            var result = new InstanceCreditSpecificationResult
            {
                InstanceId = item.InstanceId,
                CpuCredits = item.CpuCredits,
                Succeeded = succeeded,
                ErrorCode = failure.ErrorCode,
                ErrorMessage = failure.Message,
                Region = _context.Region,
            };
            Failures.Add(result, failure);
            return result;
        }

        private static IReadOnlyList<CreditChange> CheckBatch(IReadOnlyList<CreditChange> batch, bool allowEmpty)
        {
            if (batch == null || batch.Count == 0)
            {
                if (batch != null && allowEmpty) return Array.Empty<CreditChange>();
                throw new InputValidationException("InstanceId", InputValidator.InstanceIdForm, Messages.NoInstance, ErrorIds.NullId);
            }
            if (batch.Count > 1000)
            {
                throw new InputValidationException("BatchSize", Messages.BatchSizeForm, string.Format(CultureInfo.InvariantCulture, Messages.BatchTooLarge, batch.Count), ErrorIds.ValueOutOfRange);
            }
            // The batcher validates, normalises and drops duplicates (a conflicting one throws) exactly as for a pipeline.
            var batcher = new CreditBatcher(1000);
            IReadOnlyList<CreditChange> full = null;
            foreach (var change in batch) full = batcher.Add(change) ?? full;
            return full ?? batcher.Flush();
        }

        private static ModifyInstanceCreditSpecificationRequest ToSdk(IReadOnlyList<CreditChange> items, bool dryRun)
        {
            var list = new List<InstanceCreditSpecificationRequest>(items.Count);
            foreach (var item in items) list.Add(new InstanceCreditSpecificationRequest { InstanceId = item.InstanceId, CpuCredits = item.CpuCredits });
            var request = new ModifyInstanceCreditSpecificationRequest { InstanceCreditSpecifications = list };
            if (dryRun) request.DryRun = true;
            return request;
        }
    }
}
