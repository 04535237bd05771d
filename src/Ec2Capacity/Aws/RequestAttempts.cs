using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace Ec2Capacity
{
    /// <summary>How one HTTP attempt of a request ended, as the SDK's retry handler saw it.</summary>
    internal enum AttemptOutcome
    {
        /// <summary>Sent, not finished yet.</summary>
        InFlight,
        /// <summary>EC2 answered with success: the request was carried out.</summary>
        Succeeded,
        /// <summary>EC2 answered with a 4xx error (IncorrectState, UnauthorizedOperation …): the request was not carried out.</summary>
        Refused,
        /// <summary>
        /// EC2 throttled it (RequestLimitExceeded, HTTP 503/429): a throttled request is turned away before it is
        /// processed, so it was not carried out.
        /// </summary>
        Throttled,
        /// <summary>No answer: the connection dropped or timed out, or the answer could not be read. It may or may not have been carried out.</summary>
        NoAnswer,
        /// <summary>A server error (5xx other than throttling): EC2 may or may not have carried it out.</summary>
        ServerError,
    }

    /// <summary>What the SDK did with one request object so far: every attempt it sent and how each ended (a snapshot).</summary>
    internal sealed class RequestAttemptLog
    {
        internal RequestAttemptLog(IReadOnlyList<AttemptOutcome> outcomes)
        {
            Outcomes = outcomes;
        }

        /// <summary>Attempts sent, the first included (1 when the SDK did not retry).</summary>
        public int Count => Outcomes.Count;

        /// <summary>The attempts in the order they were sent.</summary>
        public IReadOnlyList<AttemptOutcome> Outcomes { get; }

        /// <summary>
        /// True when at least one attempt ended without a definite answer (<see cref="AttemptOutcome.NoAnswer"/>,
        /// <see cref="AttemptOutcome.ServerError"/>, or still <see cref="AttemptOutcome.InFlight"/>): that attempt may have
        /// been carried out even though its answer never arrived.
        /// </summary>
        public bool AnyOutcomeUnknown
        {
            get
            {
                foreach (var o in Outcomes) if (IsUnknown(o)) return true;
                return false;
            }
        }

        /// <summary>True for the outcomes after which EC2 may or may not have carried the request out.</summary>
        public static bool IsUnknown(AttemptOutcome outcome) =>
            outcome == AttemptOutcome.NoAnswer || outcome == AttemptOutcome.ServerError || outcome == AttemptOutcome.InFlight;

        /// <summary>"3 attempts: NoAnswer, ServerError, Refused".</summary>
        public override string ToString() => Count + (Count == 1 ? " attempt: " : " attempts: ") + string.Join(", ", Outcomes);
    }

    /// <summary>
    /// The attempt log of requests sent through a client built by <see cref="Ec2ClientCache"/>: how many times the SDK
    /// sent one request object (its standard-mode retries included) and how each attempt ended. The services use it to
    /// tell a genuine refusal from a retry that met the effect of its own earlier attempt, whose answer was lost.
    /// </summary>
    /// <remarks>
    /// <para>The client's pipeline holds a handler just inside the SDK's RetryHandler, so it runs once per attempt and
    /// sees each attempt's result after the SDK turned EC2's error document into an exception. Logs are keyed by the
    /// request object (<c>IRequestContext.OriginalRequest</c>) in a <see cref="ConditionalWeakTable{TKey,TValue}"/>: a
    /// log lives as long as its request object and costs nothing to clean up. Send a fresh request object per call
    /// (the services do): a request object sent twice accumulates the attempts of both calls.</para>
    /// <para>Not seen: resends below the SDK (HttpClient may resend a request by itself when a pooled keep-alive
    /// connection turns out to be closed before any byte of the answer arrived).</para>
    /// </remarks>
    internal static class RequestAttempts
    {
        private static readonly ConditionalWeakTable<AmazonWebServiceRequest, Log> Logs = new ConditionalWeakTable<AmazonWebServiceRequest, Log>();

        /// <summary>
        /// The attempts sent for <paramref name="request"/> so far, or null when no client built by
        /// <see cref="Ec2ClientCache"/> has sent it (another <c>IAmazonEC2</c>, or the request never reached the SDK's
        /// retry handler).
        /// </summary>
        public static RequestAttemptLog For(AmazonWebServiceRequest request)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            return Logs.TryGetValue(request, out var log) ? log.Snapshot() : null;
        }

        /// <summary>Adds the attempt recorder to a client's pipeline, just inside its RetryHandler (once).</summary>
        internal static void Install(RuntimePipeline pipeline)
        {
            foreach (var handler in pipeline.Handlers)
            {
                if (handler is AttemptRecorder) return;
            }
            pipeline.AddHandlerAfter<RetryHandler>(new AttemptRecorder());
        }

        private static Log Begin(IExecutionContext executionContext)
        {
            var request = executionContext?.RequestContext?.OriginalRequest;
            if (request == null) return null;
            var log = Logs.GetValue(request, _ => new Log());
            log.Begin();
            return log;
        }

        /// <summary>
        /// The mutable log of one request object. Attempts of one request are sequential; the lock (on this private
        /// object, which nothing else can reach) covers readers. The first attempt is held in a field (most requests are sent once), later ones in a list made when needed.
        /// </summary>
        private sealed class Log
        {
            private int _count;
            private AttemptOutcome _first;
            private List<AttemptOutcome> _later;

            public void Begin()
            {
                lock (this)
                {
                    if (_count == 0) _first = AttemptOutcome.InFlight;
                    else (_later ?? (_later = new List<AttemptOutcome>())).Add(AttemptOutcome.InFlight);
                    _count++;
                }
            }

            public void End(AttemptOutcome outcome)
            {
                lock (this)
                {
                    // The last attempt still in flight, as before: later attempts first, then the first one.
                    int last = _later == null ? -1 : _later.LastIndexOf(AttemptOutcome.InFlight);
                    if (last >= 0) _later[last] = outcome;
                    else if (_count > 0 && _first == AttemptOutcome.InFlight) _first = outcome;
                }
            }

            public RequestAttemptLog Snapshot()
            {
                lock (this)
                {
                    var outcomes = new AttemptOutcome[_count];
                    if (_count > 0) outcomes[0] = _first;
                    _later?.CopyTo(outcomes, 1);
                    return new RequestAttemptLog(outcomes);
                }
            }
        }

        /// <summary>Runs once per attempt (it sits inside the RetryHandler) and records how the attempt ended.</summary>
        private sealed class AttemptRecorder : PipelineHandler
        {
            public override void InvokeSync(IExecutionContext executionContext)
            {
                var log = Begin(executionContext);
                try
                {
                    base.InvokeSync(executionContext);
                }
                catch (Exception e)
                {
                    log?.End(ErrorClassifier.AttemptOutcomeOf(e));
                    throw;
                }
                log?.End(AttemptOutcome.Succeeded);
            }

            public override async Task<T> InvokeAsync<T>(IExecutionContext executionContext)
            {
                var log = Begin(executionContext);
                T response;
                try
                {
                    response = await base.InvokeAsync<T>(executionContext).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    log?.End(ErrorClassifier.AttemptOutcomeOf(e));
                    throw;
                }
                log?.End(AttemptOutcome.Succeeded);
                return response;
            }
        }
    }
}
