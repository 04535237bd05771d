using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace Ec2Capacity
{
    /// <summary>Tab completion for -ProfileName: the profiles of the files this command would read (-ProfileLocation if given).</summary>
    public sealed class ProfileCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var location = fakeBoundParameters?["ProfileLocation"] as string;
            foreach (var name in ProfileCompletion.Complete(wordToComplete, location))
            {
                var text = name.IndexOfAny(new[] { ' ', '\'', '"', '$', '`' }) >= 0 ? "'" + name.Replace("'", "''") + "'" : name;
                yield return new CompletionResult(text, name, CompletionResultType.ParameterValue, name);
            }
        }
    }
}
