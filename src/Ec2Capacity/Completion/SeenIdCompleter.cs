using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;

namespace Ec2Capacity
{
    /// <summary>
    /// The IDs this session has already seen in the module's own output, per runspace, most recent first. Completion
    /// reads them and never sends a request. Bounded: a long session keeps the last <see cref="Capacity"/> of each kind.
    /// </summary>
    internal static class SeenIds
    {
        public const int Capacity = 500;

        private static readonly object Gate = new object();
        private static readonly Dictionary<Guid, LinkedList<string>> Reservations = new Dictionary<Guid, LinkedList<string>>();
        private static readonly Dictionary<Guid, LinkedList<string>> Instances = new Dictionary<Guid, LinkedList<string>>();

        /// <summary>Remembers the IDs an output object names, for the runspace that wrote it.</summary>
        public static void Remember(object output)
        {
            switch (output)
            {
                case CapacityReservationUsage usage:
                    Add(Reservations, usage.CapacityReservationId);
                    Add(Reservations, usage.InterruptibleCapacityAllocation?.InterruptibleCapacityReservationId);
                    Add(Reservations, usage.InterruptionInfo?.SourceCapacityReservationId);
                    break;
                case InterruptibleCapacityAllocation allocation:
                    Add(Reservations, allocation.SourceCapacityReservationId);
                    Add(Reservations, allocation.InterruptibleCapacityReservationId);
                    break;
                case CapacityReservationCancellation cancellation:
                    Add(Reservations, cancellation.CapacityReservationId);
                    break;
                case InstanceCreditSpecificationResult credit:
                    Add(Instances, credit.InstanceId);
                    break;
            }
        }

        public static IReadOnlyList<string> ReservationIds(string prefix) => Matching(Reservations, prefix);

        public static IReadOnlyList<string> InstanceIds(string prefix) => Matching(Instances, prefix);

        private static Guid Session => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;

        private static void Add(Dictionary<Guid, LinkedList<string>> byRunspace, string id)
        {
            if (string.IsNullOrEmpty(id)) return;
            lock (Gate)
            {
                if (!byRunspace.TryGetValue(Session, out var ids)) byRunspace[Session] = ids = new LinkedList<string>();
                ids.Remove(id);
                ids.AddFirst(id);
                while (ids.Count > Capacity) ids.RemoveLast();
            }
        }

        private static IReadOnlyList<string> Matching(Dictionary<Guid, LinkedList<string>> byRunspace, string typed)
        {
            var prefix = (typed ?? string.Empty).Trim().Trim('\'', '"').TrimEnd('*');
            lock (Gate)
            {
                return byRunspace.TryGetValue(Session, out var ids)
                    ? ids.Where(id => id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToList()
                    : (IReadOnlyList<string>)Array.Empty<string>();
            }
        }
    }

    /// <summary>Tab completion for -CapacityReservationId: the reservations this session's output has named.</summary>
    internal sealed class ReservationIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            SeenIds.ReservationIds(wordToComplete).Select(id => new CompletionResult(id, id, CompletionResultType.ParameterValue, id));
    }

    /// <summary>Tab completion for -InstanceId: the instances this session's output has named.</summary>
    internal sealed class InstanceIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            SeenIds.InstanceIds(wordToComplete).Select(id => new CompletionResult(id, id, CompletionResultType.ParameterValue, id));
    }
}
