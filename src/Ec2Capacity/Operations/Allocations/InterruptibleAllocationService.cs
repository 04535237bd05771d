using System.Management.Automation;
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.EC2.Model;
using Ec2Capacity;

namespace Ec2Capacity
{
    /// <summary>
    /// Lends unused capacity of a source reservation as an interruptible reservation, changes or reclaims it, and
    /// waits for it to settle.
    /// </summary>
    /// <remarks>
    /// <para>Every method validates its input with <see cref="InputValidator"/> before any request and throws
    /// <see cref="InputValidationException"/> for bad input; every EC2, network or cancellation failure leaves as
    /// an <see cref="Ec2OperationException"/> with a classified <see cref="Ec2Failure"/> (the caller's cancellation
    /// as OperationStopped).</para>
    /// <para><b>A failed allocation is an error.</b> <see cref="WaitAsync"/>
    /// returns the settled allocation when its status is <c>active</c> or <c>canceled</c>, and throws an
    /// <see cref="AllocationFailedException"/> (an <see cref="Ec2OperationException"/>, category ResourceUnavailable,
    /// error code <c>AllocationFailed</c>, the settled object in <see cref="AllocationFailedException.Allocation"/>)
    /// when it is <c>failed</c>. A cmdlet therefore needs no branch: it writes what is returned and turns every
    /// <see cref="Ec2OperationException"/> into a non-terminating error, exactly as for a failed request. A timeout
    /// is an <see cref="Ec2OperationException"/> with OperationTimeout and error code <c>WaitTimeout</c>.</para>
    /// </remarks>
    internal sealed class InterruptibleAllocationService
    {
        private readonly Ec2Context _context;
        private readonly AllocationWaitOptions _waitOptions;

        public InterruptibleAllocationService(Ec2Context context, AllocationWaitOptions waitOptions = null)
        {
            _context = context ?? throw new ArgumentNullException(nameof(context));
            _waitOptions = waitOptions ?? AllocationWaitOptions.Default;
            if (_waitOptions.PollInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(waitOptions), "PollInterval must be positive.");
        }

        /// <summary>Terminal allocation statuses: the waiter stops at these.</summary>
        public static bool IsSettled(string status) => status == "active" || status == "failed" || status == "canceled";

        // ---------------------------------------------------------------- create

        /// <summary>
        /// Lends <see cref="CreateAllocationRequest.InstanceCount"/> instances of the source. The ClientToken (given or
        /// generated) is set once on the request object, so the SDK's retries resend the same one and EC2 creates at
        /// most one allocation; it is reported through the context's Verbose and returned on the result. EC2's answer
        /// lacks the interruptible reservation's ID: <see cref="WaitAsync(InterruptibleCapacityAllocation, TimeSpan, Action{AllocationProgress}, CancellationToken)"/> finds it.
        /// </summary>
        public async Task<InterruptibleCapacityAllocation> CreateAsync(CreateAllocationRequest request, CancellationToken cancellationToken = default)
        {
            var checkedRequest = CheckCreate(request, generateToken: true);
            var sdkRequest = checkedRequest.ToSdk(dryRun: false);
            var id = checkedRequest.SourceId;
            _context.Verbose($"ClientToken {checkedRequest.ClientToken} for the interruptible allocation of {id} (repeat the command with -ClientToken {checkedRequest.ClientToken} to retry it safely).");
            CreateInterruptibleCapacityReservationAllocationResponse response;
            try
            {
                response = await CapacityCalls.SendAsync(t => _context.Client.CreateInterruptibleCapacityReservationAllocationAsync(sdkRequest, t), id, cancellationToken).ConfigureAwait(false);
            }
            catch (Ec2OperationException e) when (ErrorClassifier.MayHaveBeenApplied(e.Failure) && !cancellationToken.IsCancellationRequested)
            {
                // No read can tell whether this token created it before the answer was lost; the token makes a retry safe.
                throw CapacityCalls.LostAnswer("creation of the interruptible allocation", id, e.Failure,
                    $"Repeat the command with -ClientToken {checkedRequest.ClientToken} to retry without lending twice.", e.InnerException ?? e);
            }
            return new InterruptibleCapacityAllocation
            {
                SourceCapacityReservationId = response.SourceCapacityReservationId ?? id,
                TargetInstanceCount = response.TargetInstanceCount ?? checkedRequest.InstanceCount,
                Status = response.Status?.Value,
                InterruptionType = response.InterruptionType?.Value,
                // EC2's answer does not carry it; without -ZeroSizePreference the allocation gets EC2's "default".
                ZeroSizePreference = checkedRequest.ZeroSizePreference ?? "default",
                ClientToken = checkedRequest.ClientToken,
                Region = _context.Region,
            };
        }

        /// <summary>Sends exactly one Create request with DryRun=true and returns EC2's verdict.</summary>
        public Task<DryRunVerdict> DryRunCreateAsync(CreateAllocationRequest request, CancellationToken cancellationToken = default)
        {
            var checkedRequest = CheckCreate(request, generateToken: false);
            var sdkRequest = checkedRequest.ToSdk(dryRun: true);
            return CapacityCalls.DryRunAsync(t => _context.Client.CreateInterruptibleCapacityReservationAllocationAsync(sdkRequest, t), checkedRequest.SourceId, cancellationToken);
        }

        // ---------------------------------------------------------------- update

        /// <summary>
        /// Changes the target and/or the zero-size preference of the source's allocation and returns EC2's answer.
        /// Update has no ClientToken, but it sets absolute values, so a retry cannot apply a change twice. It can meet
        /// its own change, though: lowering the target to 0 with preference <c>default</c> starts <c>canceling</c>, and
        /// when that attempt's answer is lost, the SDK's retry gets <c>IncorrectState</c> ("is being canceled").
        /// <para>So an <c>IncorrectState</c> answer is judged by the client's attempt log (<see cref="RequestAttempts"/>):
        /// on the first attempt, or after earlier attempts that all got a definite answer, it is a genuine refusal and is
        /// thrown as EC2 gives it. After an attempt whose outcome is unknown (no answer, or a server error), the source's
        /// usage is read once: when it shows the requested values (target and preference; <c>canceling</c> or
        /// <c>canceled</c> when the target is 0 with preference default; <c>updating</c> while lowering), that state is
        /// returned as the success; when the read fails or shows anything else, an <see cref="Ec2OperationException"/>
        /// with ConnectionError and <c>OutcomeUnknown</c> says the update may have been applied.</para>
        /// <para>A client not built by <see cref="Ec2ClientCache"/> keeps no attempt log: then the read is made after
        /// every IncorrectState; a state that does not show the requested values leaves EC2's refusal standing, one that
        /// does (or a failed read) gives OutcomeUnknown, since it cannot be told whether it was like that before the call.</para>
        /// </summary>
        public async Task<InterruptibleCapacityAllocation> UpdateAsync(UpdateAllocationRequest request, CancellationToken cancellationToken = default)
        {
            var checkedRequest = CheckUpdate(request);
            var id = checkedRequest.CapacityReservationId;
            var sdkRequest = ToSdk(checkedRequest, dryRun: false);
            UpdateInterruptibleCapacityReservationAllocationResponse response;
            try
            {
                response = await CapacityCalls.SendAsync(t => _context.Client.UpdateInterruptibleCapacityReservationAllocationAsync(sdkRequest, t), id, cancellationToken).ConfigureAwait(false);
            }
            catch (Ec2OperationException e) when (e.Failure.ErrorCode == "IncorrectState" && !cancellationToken.IsCancellationRequested)
            {
                var confirmed = await ConfirmRetriedUpdateAsync(checkedRequest, sdkRequest, e, cancellationToken).ConfigureAwait(false);
                if (confirmed == null) throw;
                return confirmed;
            }
            catch (Ec2OperationException e) when (ErrorClassifier.MayHaveBeenApplied(e.Failure) && !cancellationToken.IsCancellationRequested)
            {
                await ResolveLostUpdateAsync(checkedRequest, e, cancellationToken).ConfigureAwait(false);
                throw;
            }
            return new InterruptibleCapacityAllocation
            {
                SourceCapacityReservationId = response.SourceCapacityReservationId ?? id,
                InterruptibleCapacityReservationId = response.InterruptibleCapacityReservationId,
                InstanceCount = response.InstanceCount,
                TargetInstanceCount = response.TargetInstanceCount ?? checkedRequest.TargetInstanceCount,
                Status = response.Status?.Value,
                InterruptionType = response.InterruptionType?.Value,
                ZeroSizePreference = checkedRequest.ZeroSizePreference,
                Region = _context.Region,
            };
        }

        /// <summary>Sends exactly one Update request with DryRun=true and returns EC2's verdict.</summary>
        public Task<DryRunVerdict> DryRunUpdateAsync(UpdateAllocationRequest request, CancellationToken cancellationToken = default)
        {
            var checkedRequest = CheckUpdate(request);
            var sdkRequest = ToSdk(checkedRequest, dryRun: true);
            return CapacityCalls.DryRunAsync(t => _context.Client.UpdateInterruptibleCapacityReservationAllocationAsync(sdkRequest, t), checkedRequest.CapacityReservationId, cancellationToken);
        }

        /// <summary>
        /// Reads the source's usage once (one GetCapacityReservationUsage request) and says what the update would do:
        /// how many instances are reclaimed or added, or that only the preference changes. For the confirmation prompt
        /// (<see cref="ConfirmationText.UpdateAllocation"/>); call it only when a prompt will be shown, never under
        /// -WhatIf (which must send nothing but the DryRun). A failed read does not throw: the plan's Kind is Unknown
        /// and the texts fall back to the requested values. Bad input and the caller's cancellation do throw.
        /// </summary>
        public async Task<AllocationChangePlan> DescribeReclaimAsync(UpdateAllocationRequest request, CancellationToken cancellationToken = default)
        {
            var checkedRequest = CheckUpdate(request);
            var id = checkedRequest.CapacityReservationId;
            var plan = new AllocationChangePlan
            {
                SourceCapacityReservationId = id,
                RequestedTargetInstanceCount = checkedRequest.TargetInstanceCount,
                RequestedZeroSizePreference = checkedRequest.ZeroSizePreference,
                Kind = AllocationChangeKind.Unknown,
            };
            var (usage, readFailure) = await CapacityCalls.TryReadUsageAsync(_context.Client, id, cancellationToken).ConfigureAwait(false);
            if (readFailure != null)
            {
                plan.ReadFailure = readFailure;
                return plan;
            }
            var allocation = usage.InterruptibleCapacityAllocation;
            if (allocation == null || allocation.Status?.Value == "canceled")
            {
                plan.Kind = AllocationChangeKind.NoAllocation;
                plan.CurrentStatus = allocation?.Status?.Value;
                return plan;
            }
            plan.InterruptibleCapacityReservationId = allocation.InterruptibleCapacityReservationId;
            plan.CurrentInstanceCount = allocation.InstanceCount;
            plan.CurrentTargetInstanceCount = allocation.TargetInstanceCount;
            plan.CurrentStatus = allocation.Status?.Value;
            plan.CurrentZeroSizePreference = allocation.ZeroSizePreference?.Value;
            // Reclaimed instances are counted against what is lent now, not against a pending target.
            int lent = Math.Max(allocation.InstanceCount ?? allocation.TargetInstanceCount ?? 0, 0);
            bool preferenceChanges = checkedRequest.ZeroSizePreference != null && checkedRequest.ZeroSizePreference != plan.CurrentZeroSizePreference;
            if (checkedRequest.TargetInstanceCount.HasValue && checkedRequest.TargetInstanceCount.Value < lent)
            {
                plan.Kind = AllocationChangeKind.Reclaim;
                plan.InstancesReclaimed = lent - checkedRequest.TargetInstanceCount.Value;
            }
            else if (checkedRequest.TargetInstanceCount.HasValue && checkedRequest.TargetInstanceCount.Value > lent)
            {
                plan.Kind = AllocationChangeKind.Raise;
                plan.InstancesAdded = checkedRequest.TargetInstanceCount.Value - lent;
            }
            else
            {
                plan.Kind = preferenceChanges ? AllocationChangeKind.PreferenceOnly : AllocationChangeKind.NoChange;
            }
            return plan;
        }

        // ---------------------------------------------------------------- wait

        /// <summary>
        /// Polls GetCapacityReservationUsage of the source (one page per poll) until its allocation's status is
        /// <c>active</c>, <c>canceled</c> (returned) or <c>failed</c> (<see cref="AllocationFailedException"/>), reporting
        /// every poll to <paramref name="progress"/>; transient read failures are retried at the next poll.
        /// Waits for the allocation that <see cref="CreateAsync"/> or <see cref="UpdateAsync"/> returned to settle; the
        /// result keeps what only the start knew (ClientToken, requested preference). When the update lowered the target
        /// to 0, an allocation that disappears from the source's usage counts as canceled.
        /// </summary>
        public Task<InterruptibleCapacityAllocation> WaitAsync(InterruptibleCapacityAllocation started, TimeSpan timeout, Action<AllocationProgress> progress, CancellationToken cancellationToken = default)
        {
            if (started == null) throw new ArgumentNullException(nameof(started));
            var id = InputValidator.CapacityReservationId(started.SourceCapacityReservationId);
            CheckTimeout(timeout);
            return WaitCoreAsync(id, started, timeout, progress, cancellationToken);
        }

        private static void CheckTimeout(TimeSpan timeout)
        {
            if (timeout <= TimeSpan.Zero)
            {
                throw new InputValidationException("WaitTimeoutSeconds", Messages.WaitTimeoutForm, string.Format(CultureInfo.InvariantCulture, Messages.WaitTimeoutNotPositive, timeout.TotalSeconds), ErrorIds.ValueOutOfRange);
            }
        }

        private async Task<InterruptibleCapacityAllocation> WaitCoreAsync(string id, InterruptibleCapacityAllocation started, TimeSpan timeout, Action<AllocationProgress> progress, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequestedAsStopped(id);
            var clock = Stopwatch.StartNew();
            bool goingToZero = started != null && (started.TargetInstanceCount == 0 || started.Status == "canceling" || started.Status == "canceled");
            string lastStatus = null;
            string interruptibleId = started?.InterruptibleCapacityReservationId;
            Ec2Failure lastReadFailure = null;
            var interval = _waitOptions.PollInterval;
            int poll = 0;

            using (var deadline = new CancellationTokenSource())
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token))
            {
                deadline.CancelAfter(ClampForTimer(timeout));
                while (true)
                {
                    poll++;
                    GetCapacityReservationUsageResponse usage = null;
                    try
                    {
                        usage = await ReadPolledUsageAsync(id, linked.Token).ConfigureAwait(false);
                        lastReadFailure = null;
                    }
                    catch (Exception e)
                    {
                        if (cancellationToken.IsCancellationRequested) throw CapacityCalls.Wrap(e, id, cancellationToken);
                        if (deadline.IsCancellationRequested) throw Timeout(id, timeout, lastStatus, lastReadFailure);
                        var failure = ErrorClassifier.Classify(e, id);
                        if (!ErrorClassifier.IsTransient(failure)) throw new Ec2OperationException(failure, e);
                        lastReadFailure = failure;
                        _context.Verbose($"Reading the usage of {id} failed ({failure.ErrorCode}); trying again at the next poll.");
                    }

                    if (usage != null)
                    {
                        var allocation = usage.InterruptibleCapacityAllocation;
                        string status = allocation?.Status?.Value;
                        if (allocation == null && (goingToZero || lastStatus == "canceling"))
                        {
                            status = "canceled";
                        }
                        if (status == "canceling") goingToZero = true;
                        lastStatus = status ?? lastStatus;
                        if (!string.IsNullOrEmpty(allocation?.InterruptibleCapacityReservationId)) interruptibleId = allocation.InterruptibleCapacityReservationId;
                        progress?.Invoke(new AllocationProgress(id, status, allocation?.InstanceCount ?? (status == "canceled" ? 0 : (int?)null),
                            allocation?.TargetInstanceCount ?? (status == "canceled" ? 0 : (int?)null), clock.Elapsed, timeout, poll));

                        if (status != null && IsSettled(status))
                        {
                            var settled = new InterruptibleCapacityAllocation
                            {
                                SourceCapacityReservationId = id,
                                InterruptibleCapacityReservationId = interruptibleId,
                                InstanceCount = allocation?.InstanceCount ?? 0,
                                TargetInstanceCount = allocation?.TargetInstanceCount ?? 0,
                                Status = status,
                                InterruptionType = allocation?.InterruptionType?.Value ?? started?.InterruptionType,
                                ZeroSizePreference = allocation?.ZeroSizePreference?.Value ?? started?.ZeroSizePreference,
                                ClientToken = started?.ClientToken,
                                Region = _context.Region,
                            };
                            if (status == "failed") throw new AllocationFailedException(settled);
                            return settled;
                        }
                    }
                    else
                    {
                        progress?.Invoke(new AllocationProgress(id, lastStatus, null, null, clock.Elapsed, timeout, poll));
                    }

                    try
                    {
                        await Task.Delay(interval, linked.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException e)
                    {
                        if (cancellationToken.IsCancellationRequested) throw CapacityCalls.Wrap(e, id, cancellationToken);
                        throw Timeout(id, timeout, lastStatus, lastReadFailure);
                    }
                    interval = Next(interval);
                }
            }
        }

        private async Task<GetCapacityReservationUsageResponse> ReadPolledUsageAsync(string id, CancellationToken cancellationToken)
        {
            var slots = _context.PollSlots;
            if (slots == null) return await CapacityCalls.ReadUsageAsync(_context.Client, id, cancellationToken).ConfigureAwait(false);
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await CapacityCalls.ReadUsageAsync(_context.Client, id, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        }

        private TimeSpan Next(TimeSpan interval)
        {
            var grown = TimeSpan.FromTicks(interval.Ticks + interval.Ticks / 2);
            var max = _waitOptions.MaxPollInterval > _waitOptions.PollInterval ? _waitOptions.MaxPollInterval : _waitOptions.PollInterval;
            return grown > max ? max : grown;
        }

        private static TimeSpan ClampForTimer(TimeSpan timeout)
        {
            var max = TimeSpan.FromMilliseconds(int.MaxValue - 1);
            return timeout > max ? max : timeout;
        }

        private static Ec2OperationException Timeout(string id, TimeSpan timeout, string lastStatus, Ec2Failure lastReadFailure)
        {
            var seen = lastStatus == null ? Messages.WaitNoAllocationSeen : string.Format(CultureInfo.InvariantCulture, Messages.WaitLastStatus, lastStatus);
            var read = lastReadFailure == null ? string.Empty : string.Format(CultureInfo.InvariantCulture, Messages.WaitLastReadFailed, lastReadFailure.ErrorCode);
            return new Ec2OperationException(new Ec2Failure(ErrorCategory.OperationTimeout, ErrorIds.WaitTimeout,
                string.Format(CultureInfo.InvariantCulture, Messages.WaitTimeout, id, FormatSeconds(timeout), seen, read), id));
        }

        private static string FormatSeconds(TimeSpan timeout) =>
            timeout.TotalSeconds >= 1 ? $"{Math.Round(timeout.TotalSeconds, 1).ToString(CultureInfo.InvariantCulture)} seconds" : $"{(int)timeout.TotalMilliseconds} ms";

        // ---------------------------------------------------------------- helpers

        /// <summary>
        /// After EC2 answered IncorrectState to an update: the allocation when an earlier attempt of this call applied
        /// the update, null when EC2's refusal stands, or an OutcomeUnknown failure (thrown) when it cannot be told.
        /// </summary>
        private async Task<InterruptibleCapacityAllocation> ConfirmRetriedUpdateAsync(UpdateAllocationRequest wanted,
            UpdateInterruptibleCapacityReservationAllocationRequest sdkRequest, Ec2OperationException refusal, CancellationToken cancellationToken)
        {
            var id = wanted.CapacityReservationId;
            bool? earlierUnknown = CapacityCalls.EarlierAttemptOutcomeUnknown(sdkRequest);
            if (earlierUnknown == false)
            {
                return null; // the first attempt, or every earlier one got a definite answer: a genuine refusal
            }
            bool logged = earlierUnknown == true;
            var attempts = RequestAttempts.For(sdkRequest)?.ToString() ?? "no attempt log";

            var (usage, readFailure) = await CapacityCalls.TryReadUsageAsync(_context.Client, id, cancellationToken).ConfigureAwait(false);
            if (readFailure != null)
            {
                throw CapacityCalls.OutcomeUnknown("update of the interruptible allocation", id, refusal.Failure, logged,
                    $"Reading the allocation to check failed ({readFailure.ErrorCode}).", refusal);
            }
            var a = usage.InterruptibleCapacityAllocation;
            var seen = a == null
                ? "The source has no interruptible allocation now."
                : $"The allocation is now '{a.Status?.Value}' with target {a.TargetInstanceCount?.ToString(CultureInfo.InvariantCulture) ?? "?"} and preference {a.ZeroSizePreference?.Value ?? "?"}.";
            if (!ShowsRequestedValues(wanted, a))
            {
                if (!logged)
                {
                    _context.Verbose($"EC2 answered IncorrectState for {id} and the allocation does not show the requested values. {seen}");
                    return null;
                }
                throw CapacityCalls.OutcomeUnknown("update of the interruptible allocation", id, refusal.Failure, logged: true, seen, refusal);
            }
            if (!logged)
            {
                throw CapacityCalls.OutcomeUnknown("update of the interruptible allocation", id, refusal.Failure, logged: false,
                    seen + " These are the requested values, but whether they were already so before this call cannot be told.", refusal);
            }
            _context.Verbose($"EC2 answered IncorrectState for {id} after {attempts}, and the allocation shows the requested values: an earlier attempt of this call, whose answer was lost, applied them. {seen}");
            return new InterruptibleCapacityAllocation
            {
                SourceCapacityReservationId = id,
                InterruptibleCapacityReservationId = a.InterruptibleCapacityReservationId,
                InstanceCount = a.InstanceCount,
                TargetInstanceCount = a.TargetInstanceCount ?? wanted.TargetInstanceCount,
                Status = a.Status?.Value,
                InterruptionType = a.InterruptionType?.Value,
                ZeroSizePreference = a.ZeroSizePreference?.Value ?? wanted.ZeroSizePreference,
                Region = _context.Region,
            };
        }

        /// <summary>
        /// The update's last answer was lost: one read of the allocation. Not showing the requested values: the update
        /// was not applied, the failure stands (returns). Showing them, or a failed read: the outcome is unknown (thrown);
        /// the values may have been so before the call.
        /// </summary>
        private async Task ResolveLostUpdateAsync(UpdateAllocationRequest wanted, Ec2OperationException lost, CancellationToken cancellationToken)
        {
            var id = wanted.CapacityReservationId;
            const string change = "update of the interruptible allocation";
            var (usage, readFailure) = await CapacityCalls.TryReadUsageAsync(_context.Client, id, cancellationToken).ConfigureAwait(false);
            if (readFailure != null)
            {
                throw CapacityCalls.LostAnswer(change, id, lost.Failure,
                    $"Reading the allocation to check failed ({readFailure.ErrorCode}). Check with Get-CapacityReservationUsage {id} before repeating the command.", lost);
            }
            var a = usage.InterruptibleCapacityAllocation;
            if (!ShowsRequestedValues(wanted, a))
            {
                _context.Verbose($"The answer to the {change} of {id} was lost, and the allocation does not show the requested values: it was not applied.");
                return;
            }
            throw CapacityCalls.LostAnswer(change, id, lost.Failure,
                $"The allocation now shows the requested values ('{a.Status?.Value}', target {a.TargetInstanceCount?.ToString(CultureInfo.InvariantCulture) ?? "?"}, preference {a.ZeroSizePreference?.Value ?? "?"}): it was most likely applied. Check with Get-CapacityReservationUsage {id}.", lost);
        }

        /// <summary>
        /// Whether the allocation is what the update asked for: the requested target and preference (a value not given
        /// is not compared), in any status but <c>failed</c>; <c>canceling</c>/<c>canceled</c> only when the update took
        /// the target to 0 with preference <c>default</c> (given, or the allocation's own when not given).
        /// </summary>
        private static bool ShowsRequestedValues(UpdateAllocationRequest wanted, Amazon.EC2.Model.InterruptibleCapacityAllocation a)
        {
            var status = a?.Status?.Value;
            if (status == null || status == "failed") return false;
            var preferenceNow = a.ZeroSizePreference?.Value;
            if (wanted.TargetInstanceCount.HasValue && a.TargetInstanceCount != wanted.TargetInstanceCount) return false;
            if (wanted.ZeroSizePreference != null && preferenceNow != wanted.ZeroSizePreference) return false;
            if (status == "canceling" || status == "canceled")
            {
                int? target = wanted.TargetInstanceCount ?? a.TargetInstanceCount;
                string preference = wanted.ZeroSizePreference ?? preferenceNow;
                return target == 0 && preference == "default";
            }
            return true;
        }

        private sealed class CheckedCreate
        {
            public string SourceId;
            public int InstanceCount;
            public IReadOnlyList<KeyValuePair<string, string>> Tags;
            public string ZeroSizePreference;
            public string ClientToken;

            public CreateInterruptibleCapacityReservationAllocationRequest ToSdk(bool dryRun)
            {
                var r = new CreateInterruptibleCapacityReservationAllocationRequest
                {
                    CapacityReservationId = SourceId,
                    InstanceCount = InstanceCount,
                };
                if (ClientToken != null) r.ClientToken = ClientToken;
                if (ZeroSizePreference != null) r.ZeroSizePreference = new ZeroSizePreference(ZeroSizePreference);
                if (Tags.Count > 0)
                {
                    var spec = new TagSpecification { ResourceType = ResourceType.CapacityReservation, Tags = new List<Tag>() };
                    foreach (var tag in Tags) spec.Tags.Add(new Tag { Key = tag.Key, Value = tag.Value });
                    r.TagSpecifications = new List<TagSpecification> { spec };
                }
                if (dryRun) r.DryRun = true;
                return r;
            }
        }

        /// <summary>Throws <see cref="InputValidationException"/> for bad input, so a cmdlet refuses it before asking anything.</summary>
        public static void Validate(CreateAllocationRequest request) => CheckCreate(request, generateToken: false);

        /// <summary>Throws <see cref="InputValidationException"/> for bad input, so a cmdlet refuses it before asking anything.</summary>
        public static void Validate(UpdateAllocationRequest request) => CheckUpdate(request);

        private static CheckedCreate CheckCreate(CreateAllocationRequest request, bool generateToken)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            return new CheckedCreate
            {
                SourceId = InputValidator.CapacityReservationId(request.CapacityReservationId),
                InstanceCount = request.InstanceCount,
                Tags = InputValidator.Tags(request.Tags),
                ZeroSizePreference = request.ZeroSizePreference == null ? null : InputValidator.ZeroSizePreference(request.ZeroSizePreference),
                ClientToken = request.ClientToken != null ? InputValidator.ClientToken(request.ClientToken)
                    : generateToken ? Guid.NewGuid().ToString() : null,
            };
        }

        private static UpdateAllocationRequest CheckUpdate(UpdateAllocationRequest request)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            var id = InputValidator.CapacityReservationId(request.CapacityReservationId);
            InputValidator.UpdateHasChange(request.TargetInstanceCount, request.ZeroSizePreference);
            return new UpdateAllocationRequest
            {
                CapacityReservationId = id,
                TargetInstanceCount = request.TargetInstanceCount,
                ZeroSizePreference = request.ZeroSizePreference == null ? null : InputValidator.ZeroSizePreference(request.ZeroSizePreference),
            };
        }

        private static UpdateInterruptibleCapacityReservationAllocationRequest ToSdk(UpdateAllocationRequest r, bool dryRun)
        {
            var sdk = new UpdateInterruptibleCapacityReservationAllocationRequest { CapacityReservationId = r.CapacityReservationId };
            if (r.TargetInstanceCount.HasValue) sdk.TargetInstanceCount = r.TargetInstanceCount.Value;
            if (r.ZeroSizePreference != null) sdk.ZeroSizePreference = new ZeroSizePreference(r.ZeroSizePreference);
            if (dryRun) sdk.DryRun = true;
            return sdk;
        }
    }

    /// <summary>The waited-for allocation settled in status <c>failed</c>: EC2 could not carry it out.</summary>
    internal sealed class AllocationFailedException : Ec2OperationException
    {
        public AllocationFailedException(InterruptibleCapacityAllocation allocation)
            : base(new Ec2Failure(ErrorCategory.ResourceUnavailable, ErrorIds.AllocationFailed,
                string.Format(CultureInfo.InvariantCulture, Messages.AllocationFailed, allocation?.SourceCapacityReservationId, allocation?.InstanceCount ?? 0, allocation?.TargetInstanceCount ?? 0),
                allocation?.SourceCapacityReservationId))
        {
            Allocation = allocation;
        }

        /// <summary>The allocation as EC2 last reported it.</summary>
        public InterruptibleCapacityAllocation Allocation { get; }
    }
}
