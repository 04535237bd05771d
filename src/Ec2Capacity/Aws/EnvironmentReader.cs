using System;
using System.Collections.Generic;

namespace Ec2Capacity
{
    /// <summary>Reads environment variables. Injected into <see cref="ConnectionResolver"/> so tests never depend on the real environment.</summary>
    internal interface IEnvironmentReader
    {
        /// <summary>The variable's value, or null when it is not set.</summary>
        string GetVariable(string name);
    }

    /// <summary>The process environment: what cmdlets use.</summary>
    internal sealed class ProcessEnvironmentReader : IEnvironmentReader
    {
        public static ProcessEnvironmentReader Instance { get; } = new ProcessEnvironmentReader();

        private ProcessEnvironmentReader() { }

        public string GetVariable(string name) => Environment.GetEnvironmentVariable(name);
    }

    /// <summary>A fixed set of variables (tests, or a runbook that wants to pin its environment). Names compare ordinally, like on Linux.</summary>
    internal sealed class DictionaryEnvironmentReader : IEnvironmentReader
    {
        private readonly Dictionary<string, string> _variables;

        public DictionaryEnvironmentReader(IDictionary<string, string> variables = null)
        {
            _variables = variables == null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(variables, StringComparer.Ordinal);
        }

        public string GetVariable(string name) => _variables.TryGetValue(name, out var value) ? value : null;
    }
}
