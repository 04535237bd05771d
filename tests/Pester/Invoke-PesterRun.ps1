<#
.SYNOPSIS
    Runs (or only discovers) Pester test files and writes one JSON record per test, for the xunit host in
    tests/Ec2Capacity.Pester.Tests and for ./build.ps1 -Task Pester.

.DESCRIPTION
    The tests run with the preferences a user's session has: nothing here sets $ErrorActionPreference or strict mode,
    so a non-terminating error stays non-terminating, as it is for the admin at the console.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterModule,
    [Parameter(Mandatory)] [string[]] $Path,
    [Parameter(Mandatory)] [string] $ResultFile,
    [switch] $DiscoverOnly,
    # Normal shows each failure as it happens; the xunit host passes None and reports from the JSON instead.
    [ValidateSet('None', 'Normal', 'Detailed')] [string] $Verbosity = 'Normal'
)

Import-Module $PesterModule -ErrorAction Stop
# The xunit host cannot pass an array through -File: it joins the paths with the platform's path separator.
$Path = @($Path | ForEach-Object { $_ -split [System.IO.Path]::PathSeparator } | Where-Object { $_ })

$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Run.SkipRun = [bool] $DiscoverOnly
$configuration.Output.Verbosity = $Verbosity
$result = Invoke-Pester -Configuration $configuration

function Get-ErrorText {
    param($ErrorRecords)
    @($ErrorRecords | ForEach-Object {
            $text = if ($_.DisplayErrorMessage) { $_.DisplayErrorMessage } else { "$_" }
            if ($_.DisplayStackTrace) { $text += "`n" + $_.DisplayStackTrace }
            $text
        }) -join "`n"
}

function Get-FailureText {
    # A test that failed because its block's BeforeAll threw carries no error itself: the block has it.
    param($Test)
    $text = Get-ErrorText $Test.ErrorRecord
    for ($block = $Test.Block; -not $text -and "$($Test.Result)" -eq 'Failed' -and $block; $block = $block.Parent) {
        $text = Get-ErrorText $block.ErrorRecord
    }
    $text
}

function Expand-Name {
    # Discovery does not expand '<_>' or '<key>' of -ForEach data; both modes name tests this same way instead.
    param([string] $Name, $Data)
    if ($null -eq $Data -or $Name -notlike '*<*>*') { return $Name }
    [regex]::Replace($Name, '<([^<>]+)>', {
            param($match)
            $key = $match.Groups[1].Value
            if ($key -eq '_') { return "$Data" }
            if ($Data -is [System.Collections.IDictionary] -and $Data.Contains($key)) { return "$($Data[$key])" }
            $match.Value
        })
}

function Get-TestName {
    param($Test)
    $parts = [System.Collections.Generic.List[string]]::new()
    $parts.Add((Expand-Name $Test.Name $Test.Data))
    for ($block = $Test.Block; $block -and -not $block.IsRoot; $block = $block.Parent) {
        $parts.Insert(0, (Expand-Name $block.Name $block.Data))
    }
    $parts -join ' > '
}

$records = [System.Collections.Generic.List[object]]::new()
foreach ($test in $result.Tests) {
    $records.Add([ordered]@{
            File     = $test.ScriptBlock.File
            Name     = Get-TestName $test
            Result   = "$($test.Result)"
            Message  = Get-FailureText $test
            Duration = $test.Duration.TotalMilliseconds
        })
}
# A file that fails outside any test (a syntax error, a throwing BeforeAll without tests) is a record too.
$containers = foreach ($container in $result.Containers) {
    [ordered]@{
        File    = "$($container.Item)"
        Result  = "$($container.Result)"
        Message = Get-ErrorText $container.ErrorRecord
    }
}
if (-not $result -or $result.Containers.Count -eq 0) {
    throw "Pester found no test file in: $($Path -join ', ')"
}
[ordered]@{ Tests = $records; Containers = @($containers) } |
    ConvertTo-Json -Depth 4 |
    Set-Content -LiteralPath $ResultFile -Encoding utf8
