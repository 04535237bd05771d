using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace Ec2Capacity
{
    /// <summary>Tab completion for -Region: the regions AWSSDK.Core knows, matched by the start of their system name.</summary>
    public sealed class RegionCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            foreach (var region in RegionCompletion.Complete(wordToComplete))
            {
                yield return new CompletionResult(region.SystemName, region.SystemName, CompletionResultType.ParameterValue, region.DisplayName);
            }
        }
    }
}
