<#
.SYNOPSIS
    Writes the markdown page of a cmdlet from its MAML help, as Get-Help -Full shows it: the one source of help text.
    build.ps1 -Task Docs writes docs/cmdlets/<Name>.md with it; a Pester test checks the committed pages match.
#>
function ConvertTo-HelpMarkdown {
    param([Parameter(Mandatory)] [string] $Name)
    $help = Get-Help $Name -Full
    $command = Get-Command $Name
    $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    $text = [System.Text.StringBuilder]::new()
    $line = { param($s) [void] $text.Append($s).Append("`n") }
    & $line "# $Name"
    & $line ''
    & $line ((($help.Synopsis | Out-String).Trim()))
    & $line ''
    & $line '## Syntax'
    foreach ($set in $command.ParameterSets) {
        & $line ''
        & $line '```'
        # The hidden -PipedOutput parameter (DontShow) is not for users.
        & $line ("$Name " + (($set.ToString() -replace '\[-PipedOutput <Object>\]\s*', '' -replace '\s+', ' ').Trim()))
        & $line '```'
    }
    & $line ''
    & $line '## Description'
    foreach ($para in @($help.description)) {
        & $line ''
        & $line (($para.Text | Out-String).Trim())
    }
    & $line ''
    & $line '## Parameters'
    foreach ($parameter in @($help.parameters.parameter | Where-Object { $_.name -notin $common -and $_.name -ne 'PipedOutput' })) {
        & $line ''
        & $line "### -$($parameter.name)"
        & $line ''
        & $line ((@($parameter.description) | ForEach-Object { ($_.Text | Out-String).Trim() }) -join "`n`n")
        & $line ''
        & $line "Type: $($parameter.type.name); required: $($parameter.required); position: $($parameter.position); pipeline input: $($parameter.pipelineInput); aliases: $($parameter.aliases)"
    }
    & $line ''
    & $line '## Examples'
    foreach ($example in @($help.examples.example)) {
        & $line ''
        & $line "### $((($example.title | Out-String).Trim() -replace '^-+\s*', '' -replace '\s*-+$', ''))"
        & $line ''
        & $line '```powershell'
        & $line (($example.code | Out-String).Trim())
        & $line '```'
        & $line ''
        & $line ((@($example.remarks) | ForEach-Object { ($_.Text | Out-String).Trim() } | Where-Object { $_ }) -join "`n`n")
    }
    & $line ''
    & $line '## Outputs'
    & $line ''
    & $line ((@($command.OutputType.Name) | ForEach-Object { "- $_" }) -join "`n")
    $text.ToString()
}
