using System.Globalization;
using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;

namespace Ec2Capacity
{
    /// <summary>
    /// The shared part of every Ec2Capacity cmdlet: the common AWS parameters (names and aliases as in AWS.Tools),
    /// one connection per pipeline record, Ctrl+C cancellation, the confirmation flow (ShouldProcess, ShouldContinue,
    /// -WhatIf as an EC2 DryRun), and the one way record errors are written.
    /// </summary>
    public abstract partial class Ec2CapacityCmdlet : PSCmdlet, IDisposable
    {
        private readonly object _cancellationGate = new object();
        private CancellationTokenSource _cancellation = new CancellationTokenSource();
        private readonly Dictionary<string, Ec2Context> _contexts = new Dictionary<string, Ec2Context>(StringComparer.Ordinal);
        private volatile SyncPump.Sink _currentSink;

        #region Common AWS parameters

        /// <summary>The AWS region to send requests to (us-east-1 …); binds by property name, so our objects carry their region along a pipeline.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("RegionToCall")]
        [ArgumentCompleter(typeof(RegionCompleter))]
        public string Region { get; set; }

        /// <summary>The name of a profile in the shared credentials/config files (or the SDK store on Windows).</summary>
        [Parameter]
        [Alias("StoredCredentials", "AWSProfileName")]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        public string ProfileName { get; set; }

        /// <summary>The shared credentials file to read profiles from.</summary>
        [Parameter]
        [Alias("AWSProfilesLocation", "ProfilesLocation")]
        public string ProfileLocation { get; set; }

        /// <summary>An AWS access key ID; needs -SecretKey.</summary>
        [Parameter]
        [Alias("AK")]
        public string AccessKey { get; set; }

        /// <summary>The secret access key for -AccessKey. Never echoed.</summary>
        [Parameter]
        [Alias("SK", "SecretAccessKey")]
        public string SecretKey { get; set; }

        /// <summary>The session token of temporary credentials; needs -AccessKey and -SecretKey. Never echoed.</summary>
        [Parameter]
        [Alias("ST")]
        public string SessionToken { get; set; }

        /// <summary>
        /// AWS credentials: an Amazon.Runtime.AWSCredentials from any AWSSDK.Core in the session (Get-AWSCredential,
        /// New-AWSCredential, the SDK) or AWS.Tools' session credentials object. Typed object because ours live in the
        /// module's own load context: no other module's AWSCredentials could bind to that type.
        /// </summary>
        [Parameter]
        public object Credential { get; set; }

        /// <summary>
        /// The piped record itself, never typed, never shown: when it is one of this module's own objects, the counts and
        /// options it carries describe the past (see <see cref="CameFromOwnOutput"/>). Typed object, not our base type:
        /// our types live in the module's load context, and a proxy of this cmdlet (Pester's Mock) must name every
        /// parameter type in a script.
        /// </summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public object PipedOutput { get; set; }

        /// <summary>Send requests to this URL instead of EC2's regional endpoint (the emulator, a VPC endpoint); signed for the resolved region.</summary>
        [Parameter]
        public string EndpointUrl { get; set; }

        #endregion

        /// <summary>Cancelled by Ctrl+C (StopProcessing); every operation gets it.</summary>
        private protected CancellationToken CancellationToken
        {
            get
            {
                lock (_cancellationGate) return _cancellation?.Token ?? new CancellationToken(true);
            }
        }

        /// <summary>True when the user asked to stop (Ctrl+C).</summary>
        private protected bool StopRequested
        {
            get
            {
                lock (_cancellationGate) return _cancellation == null || _cancellation.IsCancellationRequested;
            }
        }

        protected override void BeginProcessing()
        {
            _regionOnCommandLine = MyInvocation.BoundParameters.ContainsKey(nameof(Region));
            _onCommandLine = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
            foreach (var bound in MyInvocation.BoundParameters)
            {
                // A list given on the command line is known in full: more than the promise is refused before any request.
                if (bound.Value is System.Collections.ICollection list && !(bound.Value is System.Collections.IDictionary) && list.Count > MaxItemsPerCommand)
                {
                    var message = string.Format(CultureInfo.InvariantCulture, Messages.TooManyValues, bound.Key, list.Count, MaxItemsPerCommand);
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException(message, bound.Key), ErrorIds.TooManyItems, ErrorCategory.LimitsExceeded, null)
                    {
                        ErrorDetails = new ErrorDetails(message),
                    });
                }
            }
            var warning = ModuleInitializer.TakePendingWarning();
            if (warning != null) WriteWarning(warning);
            var verdict = ModuleInitializer.CheckBeforeCmdlet();
            if (verdict.Level == CompatibilityLevel.Fail)
            {
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(verdict.Message), ErrorIds.AwsSdkCoreConflict,
                    ErrorCategory.ResourceUnavailable, null));
            }
        }

        private bool _regionOnCommandLine;

        /// <summary>Items (IDs) one command takes at most, counted as they arrive from the command line and the pipeline.</summary>
        private protected const int MaxItemsPerCommand = InputValidator.MaxItemsPerCall;
        private int _itemsTaken;

        /// <summary>
        /// Counts one item; past <see cref="MaxItemsPerCommand"/> the item is this record's error and nothing is sent for it
        /// (a streaming pipeline cannot know its length in advance, so the items before it have run).
        /// </summary>
        private protected bool TakeItem(string parameterName, string id)
        {
            if (++_itemsTaken <= MaxItemsPerCommand) return true;
            var message = string.Format(CultureInfo.InvariantCulture, Messages.TooManyItems, parameterName, id, _itemsTaken, MaxItemsPerCommand);
            WriteRecordError(new ErrorRecord(new ArgumentException(message, parameterName), ErrorIds.TooManyItems, ErrorCategory.LimitsExceeded, id)
            {
                ErrorDetails = new ErrorDetails(message),
            });
            return false;
        }

        private HashSet<string> _onCommandLine = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>
        /// True when <paramref name="parameterName"/> was bound by property name from one of this module's own piped
        /// objects rather than typed or taken from a plan row: piping our output must never change a count or option
        /// the user did not give (a stale allocation object would otherwise resize the allocation back).
        /// </summary>
        private protected bool CameFromOwnOutput(string parameterName) =>
            Unwrap(PipedOutput) is Ec2CapacityOutput && !_onCommandLine.Contains(parameterName) && MyInvocation.BoundParameters.ContainsKey(parameterName);

        /// <summary>The record's error when a value that must be given came only from our own piped object.</summary>
        private protected void WriteNotTakenFromOwnOutput(string parameterName, object target)
        {
            var message = string.Format(CultureInfo.InvariantCulture, Messages.NotTakenFromOwnOutput, parameterName);
            var record = new ErrorRecord(new ArgumentException(message, parameterName), ErrorIds.ValueNotTakenFromOwnOutput, ErrorCategory.InvalidArgument, target)
            {
                ErrorDetails = new ErrorDetails(message) { RecommendedAction = string.Format(CultureInfo.InvariantCulture, Messages.AddParameter, parameterName) },
            };
            WriteRecordError(record);
        }

        protected override void EndProcessing()
        {
            WriteAllItems();
            EndWaitDisplay();
            ReleaseCancellation();
        }

        protected override void StopProcessing()
        {
            lock (_cancellationGate)
            {
                try
                {
                    _cancellation?.Cancel();
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }

        /// <summary>PowerShell calls this when the pipeline ends, also after errors and Ctrl+C.</summary>
        public void Dispose()
        {
            ReleaseCancellation();
            GC.SuppressFinalize(this);
        }

        private void ReleaseCancellation()
        {
            lock (_cancellationGate)
            {
                // An operation still in flight (the pipeline ended early) is stopped before its token goes away.
                try { _cancellation?.Cancel(); } catch (ObjectDisposedException) { }
                _cancellation?.Dispose();
                _cancellation = null;
            }
        }

        #region Connection

        /// <summary>
        /// The EC2 context for the current pipeline object. -Region may change from one piped object to the next, so
        /// this is resolved per record (and remembered per region value for the rest of the pipeline). A connection
        /// that cannot be resolved terminates the cmdlet. -Verbose says where credentials and region came from.
        /// </summary>
        /// <summary>
        /// The connection for the current record, or null when only this record cannot have one (its own Region, bound
        /// from the pipeline, is invalid or blank with no fallback): that is written as this record's error and the
        /// caller skips the record. A failure no record can escape (no credentials anywhere) stops the command.
        /// </summary>
        /// <param name="record">What the current record is about (its ID), the TargetObject of a record-level error.</param>
        private protected Ec2Context Connect(object record)
        {
            var key = Region ?? string.Empty;
            if (_contexts.TryGetValue(key, out var cached)) return cached;

            var options = new ConnectionOptions
            {
                Region = Region,
                ProfileName = ProfileName,
                ProfileLocation = ProfileLocation,
                AccessKey = AccessKey,
                SecretKey = SecretKey,
                SessionToken = SessionToken,
                Credential = Credential,
                EndpointUrl = EndpointUrl,
                StoredCredentials = Unwrap(SessionState.PSVariable.GetValue("StoredAWSCredentials")),
                StoredRegion = Unwrap(SessionState.PSVariable.GetValue("StoredAWSRegion")),
            };
            ResolvedConnection resolved;
            try
            {
                resolved = new ConnectionResolver().Resolve(options);
            }
            catch (ConnectionResolutionException e)
            {
                var regionOfThisRecord = !_regionOnCommandLine && MyInvocation.BoundParameters.ContainsKey(nameof(Region))
                    && (e.ErrorId == ConnectionErrorIds.InvalidRegion || e.ErrorId == ConnectionErrorIds.NoRegion);
                if (regionOfThisRecord)
                {
                    WriteRecordError(ErrorRecords.FromConnectionFailure(e, record));
                    return null;
                }
                ThrowTerminatingError(ErrorRecords.FromConnectionFailure(e));
                throw; // not reached: ThrowTerminatingError always throws
            }
            WriteVerbose(resolved.Describe());
            var client = Ec2ClientCache.Shared.GetClient(resolved);
            _pollSlots = _pollSlots ?? new SemaphoreSlim(ItemsAtOnce);
            var context = new Ec2Context(client, resolved.RegionName, PostVerbose, _pollSlots);
            _contexts[key] = context;
            return context;
        }

        #endregion

        private SemaphoreSlim _pollSlots;

        #region Running operations

        /// <summary>
        /// Runs an operation on the thread pool while this (the pipeline) thread pumps what it posts: -Verbose,
        /// warnings and debug text are written here, where PowerShell's Write* methods work. Ctrl+C cancels the call.
        /// Returns the call's result; its exceptions propagate unchanged.
        /// </summary>
        private protected T Run<T>(Func<CancellationToken, Task<T>> call) =>
            RunPumped<T>((sink, ct) => call(ct), null);

        /// <summary>The same with a progress callback, delivered on this thread (where WriteProgress works).</summary>
        private protected T Run<T, TProgress>(Func<CancellationToken, Action<TProgress>, Task<T>> call, Action<TProgress> onProgress) =>
            RunPumped<T>((sink, ct) => call(ct, progress => sink.Post(progress)),
                message =>
                {
                    if (message is TProgress progress) onProgress(progress);
                });

        private T RunPumped<T>(Func<SyncPump.Sink, CancellationToken, Task<T>> work, Action<object> onOther)
        {
            try
            {
                return SyncPump.Run<T>((sink, ct) =>
                {
                    // The services write -Verbose through their Ec2Context, which forwards to the sink of the current run.
                    _currentSink = sink;
                    return work(sink, ct);
                }, message => Dispatch(message, onOther), CancellationToken);
            }
            finally
            {
                _currentSink = null;
            }
        }

        private void Dispatch(object message, Action<object> onOther)
        {
            if (message is VerboseLine line) WriteVerbose(line.Text);
            else onOther?.Invoke(message);
        }

        /// <summary>
        /// The Ec2Context's -Verbose sink: a service's text goes to the running call's pump; text from an operation
        /// running concurrently while no call is pumped waits until the pipeline thread writes it (posted to it).
        /// </summary>
        private void PostVerbose(string text)
        {
            if (text == null) return;
            if (_currentSink?.Post(new VerboseLine(text)) == true) return;
            Post(() => WriteVerbose(text));
        }

        private sealed class VerboseLine
        {
            public VerboseLine(string text) { Text = text; }
            public string Text { get; }
        }

        #endregion

        #region Confirmation: PowerShell decides

        /// <summary>What PowerShell's ShouldProcess answered for one change.</summary>
        private protected enum Answer
        {
            /// <summary>Make the change.</summary>
            Proceed,
            /// <summary>-WhatIf (bound or from $WhatIfPreference): PowerShell printed the "What if:" line; send a DryRun instead.</summary>
            Preview,
            /// <summary>The user said no.</summary>
            Skip,
        }

        /// <summary>
        /// The one question before a change. ShouldProcess decides from -WhatIf, -Confirm, $WhatIfPreference,
        /// $ConfirmPreference and the cmdlet's ConfirmImpact, and remembers "Yes to All"; this module copies none of it.
        /// </summary>
        private protected Answer AskToProcess(string description, string query, string caption = ConfirmationText.DefaultCaption)
        {
            if (ShouldProcess(description, query, caption, out ShouldProcessReason reason)) return Answer.Proceed;
            return reason == ShouldProcessReason.WhatIf ? Answer.Preview : Answer.Skip;
        }

        private bool _yesToAll, _noToAll;

        /// <summary>
        /// The second question of an irreversible change (a cancel, a reclaim that interrupts instances), asked through
        /// ShouldContinue after ShouldProcess said yes. -Force skips it, and so does an explicit -Confirm:$false. Once the
        /// user answered "Yes to All" or "No to All" the answer is known, so <paramref name="query"/> (which may read EC2
        /// to say what is lost) is not called. A null query text means there is nothing irreversible to ask about.
        /// </summary>
        private protected bool AskToContinue(bool force, string caption, Func<string> query)
        {
            if (force || ConfirmSwitchedOff) return true;
            if (_yesToAll) return true;
            if (_noToAll) return false;
            var text = query();
            return text == null || ShouldContinue(text, caption, ref _yesToAll, ref _noToAll);
        }

        private bool ConfirmSwitchedOff =>
            MyInvocation.BoundParameters.TryGetValue("Confirm", out var bound) && Unwrap(bound) is SwitchParameter confirm && !confirm.IsPresent;

        /// <summary>
        /// The -WhatIf path after PowerShell printed the change: exactly one DryRun request, and with a plan one read of the
        /// target's usage; EC2's verdict and the plan as a second "What if:" line, and a non-terminating error when EC2
        /// denied or refused it or the plan would fail (so <c>-WhatIf -ErrorAction Stop</c> stops a runbook that would
        /// fail). Outputs no object.
        /// </summary>
        private protected void Preview(string targetId, Func<CancellationToken, Task<DryRunVerdict>> dryRun, Func<CancellationToken, Task<PlanVerdict>> plan = null)
        {
            var verdict = GetDryRunVerdict(targetId, dryRun);
            if (verdict == null) return;
            // DryRun checks permissions and parameters; the plan reads the state once and says what it decides.
            var predicted = plan == null ? null : PredictPlan(targetId, plan);
            WriteVerdict(targetId, verdict, WhatIfText.Verdict(targetId, verdict) + (predicted == null ? string.Empty : ". " + predicted.Text));
            if (predicted != null && predicted.Fails)
            {
                var message = string.Format(CultureInfo.InvariantCulture, Messages.PlanWouldFail, targetId, predicted.Text);
                WriteRecordError(new ErrorRecord(new InvalidOperationException(message), ErrorIds.PlanWouldFail, ErrorCategory.InvalidOperation, targetId)
                {
                    ErrorDetails = new ErrorDetails(message),
                });
            }
        }

        private PlanVerdict PredictPlan(string targetId, Func<CancellationToken, Task<PlanVerdict>> plan)
        {
            try
            {
                return Run(plan);
            }
            catch (Exception e) when (IsEngineFailure(e))
            {
                return PlanVerdict.NotChecked(ClassifyOrStop(e, targetId).ErrorCode);
            }
        }

        /// <summary>
        /// Sends one DryRun request and returns EC2's verdict. A failure around the request (a network error, a
        /// timeout) becomes a verdict that the request would fail; Ctrl+C stops the pipeline. Bad input is written as
        /// an error and returns null (nothing was sent).
        /// </summary>
        private protected DryRunVerdict GetDryRunVerdict(string targetId, Func<CancellationToken, Task<DryRunVerdict>> dryRun)
        {
            try
            {
                return Run(dryRun);
            }
            catch (InputValidationException e)
            {
                WriteFailure(e, targetId);
                return null;
            }
            catch (Exception e) when (IsEngineFailure(e))
            {
                return DryRunVerdict.From(ClassifyOrStop(e, targetId));
            }
        }

        /// <summary>
        /// Prints a verdict's "What if:" line (only ever called under -WhatIf) and, for a Denied/Failed verdict, one error
        /// per item the request was about (a credit batch checks many instances in one request).
        /// </summary>
        private protected void WriteVerdict(string targetId, DryRunVerdict verdict, string text, IEnumerable<string> items = null)
        {
            ShouldProcess(text, text, ConfirmationText.DefaultCaption, out ShouldProcessReason _);
            if (verdict.IsAllowed || verdict.Failure == null) return;
            foreach (var item in items ?? new[] { targetId })
            {
                var failure = verdict.Failure.TargetId == null ? verdict.Failure.WithTarget(item) : verdict.Failure;
                WriteRecordError(ErrorRecords.FromFailure(failure, item));
            }
        }

        #endregion

        #region Errors

        /// <summary>True for the exceptions the operations use for per-target failures (bad input, EC2, network, timeout, stop).</summary>
        private protected static bool IsEngineFailure(Exception e) =>
            e is Ec2OperationException || e is InputValidationException || e is OperationCanceledException;

        /// <summary>
        /// Writes a per-target failure as a non-terminating error. A stop the user asked for (Ctrl+C) ends the
        /// pipeline instead of becoming an error.
        /// </summary>
        /// <summary>Every error that belongs to one record goes out here, after <see cref="BeforeRecordError"/>.</summary>
        private void WriteRecordError(ErrorRecord record)
        {
            BeforeRecordError();
            WriteError(record);
        }

        private protected void WriteFailure(Exception exception, string targetId)
        {
            var failure = ClassifyOrStop(exception, targetId);
            WriteRecordError(ErrorRecords.FromFailure(failure, targetId ?? failure.TargetId, exception));
        }

        /// <summary>Writes an already classified failure as a non-terminating error.</summary>
        private protected void WriteFailure(Ec2Failure failure, string targetId = null)
        {
            WriteRecordError(ErrorRecords.FromFailure(failure, targetId ?? failure.TargetId));
        }

        private Ec2Failure ClassifyOrStop(Exception exception, string targetId)
        {
            var failure = ErrorClassifier.Classify(exception, targetId, StopRequested);
            if (StopRequested && (failure.Category == ErrorCategory.OperationStopped || exception is OperationCanceledException))
            {
                throw new PipelineStoppedException();
            }
            return failure;
        }

        #endregion

        /// <summary>Writes one of our output objects, and remembers the IDs it names for tab completion.</summary>
        private protected void WriteOutput(Ec2CapacityOutput output)
        {
            SeenIds.Remember(output);
            WriteObject(output);
        }

        /// <summary>PowerShell hands variables and some parameter values over wrapped in a PSObject; the operations want the object itself.</summary>
        private protected static object Unwrap(object value) => value is PSObject wrapped ? wrapped.BaseObject : value;
    }
}
