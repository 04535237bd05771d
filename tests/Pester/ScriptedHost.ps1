# A PowerShell host whose prompts are answered from a script, so tests see what PowerShell itself asks (ShouldProcess,
# ShouldContinue) and answer it as a user would: 'Yes', 'Yes to All', 'No', 'No to All'. A prompt with no answer left
# fails the command, so an unexpected prompt fails the test. Dot-source it; then use Invoke-WithScriptedHost.

if (-not ('Ec2CapacityTests.ScriptedHost' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;

namespace Ec2CapacityTests
{
    public sealed class PromptSeen
    {
        public string Caption { get; set; }
        public string Message { get; set; }
        public string Answer { get; set; }
    }

    public sealed class ScriptedUI : PSHostUserInterface
    {
        public Queue<string> Answers { get; } = new Queue<string>();
        public List<PromptSeen> Prompts { get; } = new List<PromptSeen>();
        public List<string> Lines { get; } = new List<string>();

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            var seen = new PromptSeen { Caption = caption, Message = message };
            Prompts.Add(seen);
            if (Answers.Count == 0) throw new InvalidOperationException("Unexpected prompt: " + caption + ": " + message);
            var wanted = Answers.Dequeue();
            for (int i = 0; i < choices.Count; i++)
            {
                if (string.Equals(choices[i].Label.Replace("&", string.Empty), wanted, StringComparison.OrdinalIgnoreCase))
                {
                    seen.Answer = wanted;
                    return i;
                }
            }
            throw new InvalidOperationException("The prompt has no choice '" + wanted + "'.");
        }

        public override PSHostRawUserInterface RawUI => null;
        public override string ReadLine() => throw new InvalidOperationException("Unexpected Read-Host.");
        public override System.Security.SecureString ReadLineAsSecureString() => throw new InvalidOperationException("Unexpected Read-Host.");
        public override void Write(string value) => Lines.Add(value);
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Lines.Add(value);
        public override void WriteLine(string value) => Lines.Add(value);
        public override void WriteErrorLine(string value) { }
        public override void WriteDebugLine(string message) { }
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) { }
        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
            throw new InvalidOperationException("Unexpected prompt for values: " + message);
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new InvalidOperationException("Unexpected credential prompt.");
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new InvalidOperationException("Unexpected credential prompt.");
    }

    public sealed class ScriptedHost : PSHost
    {
        private readonly ScriptedUI _ui = new ScriptedUI();
        private readonly Guid _id = Guid.NewGuid();
        public ScriptedUI Script => _ui;
        public override PSHostUserInterface UI => _ui;
        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
        public override Guid InstanceId => _id;
        public override string Name => "Ec2CapacityScriptedHost";
        public override Version Version => new Version(1, 0);
        public override void EnterNestedPrompt() => throw new InvalidOperationException("Unexpected nested prompt.");
        public override void ExitNestedPrompt() { }
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
        public override void SetShouldExit(int exitCode) { }
    }
}
'@
}

<#
.SYNOPSIS
Runs a script in a fresh runspace on the scripted host, with the module imported, and returns what the user saw.
.OUTPUTS
Output (objects), Prompts (caption, message, answer), Lines (host text such as "What if:" lines), Errors, Verbose and
Warnings (their messages), Progress and Information (the records).
#>
function Invoke-WithScriptedHost {
    param(
        [Parameter(Mandatory)] [scriptblock] $ScriptBlock,
        [string[]] $Answers = @(),
        [hashtable] $Arguments = @{},
        # The script imports the module itself (for example by name, from a $env:PSModulePath it sets).
        [switch] $NoImport
    )
    $scriptedHost = [Ec2CapacityTests.ScriptedHost]::new()
    foreach ($answer in $Answers) { $scriptedHost.Script.Answers.Enqueue($answer) }
    $runspace = [runspacefactory]::CreateRunspace($scriptedHost, [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2())
    $runspace.Open()
    try {
        $shell = [powershell]::Create()
        $shell.Runspace = $runspace
        if (-not $NoImport) { $null = $shell.AddCommand('Import-Module').AddParameter('Name', (Join-Path (Get-RepoRoot) 'Ec2Capacity.psd1')).AddStatement() }
        $null = $shell.AddScript("param(`$Arguments) $ScriptBlock").AddArgument($Arguments)
        $output = @()
        $failure = $null
        try { $output = @($shell.Invoke()) } catch { $failure = $_ }
        [pscustomobject]@{
            Output  = $output
            Prompts = @($scriptedHost.Script.Prompts)
            Lines   = @($scriptedHost.Script.Lines | Where-Object { $_ -and $_.Trim() })
            Errors  = @($shell.Streams.Error) + @($failure | Where-Object { $_ })
            Verbose = @($shell.Streams.Verbose | ForEach-Object Message)
            Warnings = @($shell.Streams.Warning | ForEach-Object Message)
            Progress = @($shell.Streams.Progress)
            Information = @($shell.Streams.Information)
        }
        $shell.Dispose()
    }
    finally {
        $runspace.Dispose()
    }
}
