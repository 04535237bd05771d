<#
.SYNOPSIS
Switches the CPU credit option (standard or unlimited) of the instances listed in a CSV file and reports every failure.

.DESCRIPTION
Reads a CSV file with the columns InstanceId and CpuCredits, checks every row, and pipes the good rows into
Set-InstanceCreditSpecification -PassThru. The cmdlet gathers them across the pipeline and sends them in batches
(one ModifyInstanceCreditSpecification request per batch of up to -BatchSize instances), not one request per row.

Rows are checked before anything is sent. A row fails without a request when:
- its InstanceId cell is empty (MissingInstanceId);
- its CpuCredits cell is empty and -DefaultCpuCredits is not given (MissingCpuCredits);
- its CpuCredits cell is neither standard nor unlimited, in any letter case (InvalidCpuCredits);
- the same instance is listed again with the other option (ConflictingCpuCredits: neither row is applied).
A repeat of an instance with the same option is sent once.

The runbook writes ONE summary object (see OUTPUTS): counts, the outcome of every instance (Results) and the
failures (Failures) with the CSV row, EC2's error code and EC2's message. Per-instance errors of the cmdlet are
collected into that summary instead of being written to the error stream one by one.

Unattended runs: when any instance failed, the runbook throws a terminating error after writing the summary. The
error's message lists the failed instances, its FullyQualifiedErrorId starts with CreditChangesFailed and its
TargetObject is the summary. A scheduled task, 'pwsh -File', 'powershell.exe -File', a CI step or an Azure
Automation job therefore ends as failed (exit code 1). -AllowFailure turns this off: the summary still counts the
failures, and the exit code is 0. Problems that stop the whole run (file not found, no InstanceId column, no
credentials or region) are terminating errors before any request.

-WhatIf runs EC2 DryRun requests instead (one per batch) and changes nothing. Every instance then ends as
WouldChange, or as Failed when EC2 answers that the call would be refused (for example UnauthorizedOperation), so
'-WhatIf' is a permission check for the runbook that fails the run when permissions are missing.

.PARAMETER Path
The CSV file. Columns: InstanceId (required) and CpuCredits (standard or unlimited; may be empty when
-DefaultCpuCredits is given). Other columns are ignored. The first line is the header.

.PARAMETER DefaultCpuCredits
The option for rows whose CpuCredits cell is empty or missing: standard or unlimited. Rows that give a value keep it.

.PARAMETER Delimiter
The CSV field separator. Default: comma.

.PARAMETER BatchSize
Instances per request (1 to 1000), passed to Set-InstanceCreditSpecification. Default: the cmdlet's (100).

.PARAMETER AllowFailure
Do not throw when instances failed; only report them in the summary.

.PARAMETER Region
The AWS region (for example us-east-1). Passed to Set-InstanceCreditSpecification, like every connection parameter.

.PARAMETER ProfileName
The name of a shared credentials/config profile.

.PARAMETER ProfileLocation
The path of the shared credentials file holding -ProfileName.

.PARAMETER AccessKey
An AWS access key ID (use with -SecretKey, and -SessionToken for temporary credentials).

.PARAMETER SecretKey
The secret access key for -AccessKey.

.PARAMETER SessionToken
The session token of temporary credentials.

.PARAMETER Credential
An Amazon.Runtime.AWSCredentials object (for example from AWS.Tools' Get-AWSCredential).

.PARAMETER EndpointUrl
Another EC2 endpoint, such as the Ec2Capacity emulator (http://127.0.0.1:PORT) for offline runs and tests.

.EXAMPLE
PS> ./Set-CreditsFromCsv.ps1 -Path ./credits.csv -Region eu-west-1 -ProfileName ops

Applies the plan in credits.csv. credits.csv:
    InstanceId,CpuCredits
    i-0123456789abcdef0,unlimited
    i-0fedcba9876543210,standard

.EXAMPLE
PS> ./Set-CreditsFromCsv.ps1 -Path ./credits.csv -Region eu-west-1 -WhatIf

Checks the plan and the permissions with EC2 DryRun requests; changes nothing. Throws when EC2 says the change
would be refused.

.EXAMPLE
PS> $summary = ./Set-CreditsFromCsv.ps1 -Path ./instances.csv -DefaultCpuCredits standard -AllowFailure
PS> $summary.Failures | Format-Table InstanceId, Row, ErrorCode, ErrorMessage

Switches every listed instance whose row leaves CpuCredits empty to standard, never throws, and shows the failures.

.EXAMPLE
PS> pwsh -NoProfile -NonInteractive -File ./Set-CreditsFromCsv.ps1 -Path /etc/ec2/credits.csv -Region us-east-1
PS> "exit code $LASTEXITCODE"

An unattended run: the exit code is 1 when any instance failed (the summary is printed first).

.EXAMPLE
PS> try { ./Set-CreditsFromCsv.ps1 -Path ./credits.csv -OutVariable summary } catch { $summary[0].Failures; throw }

Keeps the summary in $summary even when the runbook throws (-OutVariable is filled before the error).

.INPUTS
None. The instances come from the CSV file.

.OUTPUTS
Ec2Capacity.Runbook.SetCreditsFromCsvSummary (a PSCustomObject) with:
Path, WhatIf, Rows (data rows read), Requested (distinct instances sent), Succeeded, Failed, WouldChange (under
-WhatIf), Failures (the failed outcomes) and Results (one outcome per instance or bad row:
Ec2Capacity.Runbook.CreditChangeOutcome with InstanceId, CpuCredits, Row, Outcome, ErrorCode, ErrorMessage;
Outcome is Succeeded, Failed or WouldChange; Row 1 is the first line after the header).

.NOTES
Needs the Ec2Capacity module (Import-Module Ec2Capacity, or the path of Ec2Capacity.psd1) and PowerShell 5.1 or 7.
Test it like tests/Pester/Examples.Tests.ps1 does: against the emulator, or with Mock Set-InstanceCreditSpecification.
#>

#Requires -Version 5.1

[CmdletBinding(SupportsShouldProcess)]
[OutputType('Ec2Capacity.Runbook.SetCreditsFromCsvSummary')]
param(
    [Parameter(Mandatory, Position = 0)]
    [Alias('CsvPath')]
    [ValidateNotNullOrEmpty()]
    [string] $Path,

    [ValidateSet('standard', 'unlimited')]
    [string] $DefaultCpuCredits,

    [char] $Delimiter = ',',

    [ValidateRange(1, 1000)]
    [int] $BatchSize,

    [switch] $AllowFailure,

    [Alias('RegionToCall')]
    [string] $Region,

    [Alias('StoredCredentials', 'AWSProfileName')]
    [string] $ProfileName,

    [Alias('AWSProfilesLocation', 'ProfilesLocation')]
    [string] $ProfileLocation,

    [Alias('AK')]
    [string] $AccessKey,

    [Alias('SK', 'SecretAccessKey')]
    [string] $SecretKey,

    [Alias('ST')]
    [string] $SessionToken,

    [object] $Credential,

    [string] $EndpointUrl
)

# Anything unexpected (no credentials, no region, a missing file) stops the run. Per-instance failures are
# collected below with -ErrorAction SilentlyContinue -ErrorVariable and reported in the summary instead.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0

function New-CreditOutcome {
    param($InstanceId, $CpuCredits, $Row, $Outcome, $ErrorCode, $ErrorMessage)
    [pscustomobject]@{
        PSTypeName   = 'Ec2Capacity.Runbook.CreditChangeOutcome'
        InstanceId   = $InstanceId
        CpuCredits   = $CpuCredits
        Row          = $Row
        Outcome      = $Outcome
        ErrorCode    = $ErrorCode
        ErrorMessage = $ErrorMessage
    }
}

function Get-RecordCode {
    # Our cmdlets set ErrorId to EC2's error code; FullyQualifiedErrorId is '<ErrorId>,<cmdlet class>'.
    param($Record)
    if ($Record -is [System.Management.Automation.ErrorRecord] -and $Record.FullyQualifiedErrorId) {
        return ([string]$Record.FullyQualifiedErrorId -split ',')[0]
    }
    return 'UnknownError'
}

function Get-RecordText {
    param($Record)
    if ($Record -is [System.Management.Automation.ErrorRecord]) {
        if ($null -ne $Record.ErrorDetails -and $Record.ErrorDetails.Message) { return $Record.ErrorDetails.Message }
        if ($null -ne $Record.Exception) { return $Record.Exception.Message }
    }
    return [string]$Record
}

# The connection parameters, passed on exactly as given (none given: the module's usual resolution applies).
$aws = @{}
foreach ($name in @('Region', 'ProfileName', 'ProfileLocation', 'AccessKey', 'SecretKey', 'SessionToken', 'Credential', 'EndpointUrl')) {
    if ($PSBoundParameters.ContainsKey($name)) { $aws[$name] = $PSBoundParameters[$name] }
}
$whatIf = [bool]$WhatIfPreference

$resolvedPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
if (-not (Test-Path -LiteralPath $resolvedPath -PathType Leaf)) {
    throw "The CSV file '$resolvedPath' does not exist."
}
$rows = @(Import-Csv -LiteralPath $resolvedPath -Delimiter $Delimiter)
if ($rows.Count -gt 0) {
    $columns = @($rows[0].PSObject.Properties | ForEach-Object { $_.Name })
    if ($columns -notcontains 'InstanceId') {
        throw "The CSV file '$resolvedPath' has no InstanceId column (columns: $($columns -join ', ')). Expected the header InstanceId,CpuCredits."
    }
    if ($columns -notcontains 'CpuCredits' -and -not $DefaultCpuCredits) {
        throw "The CSV file '$resolvedPath' has no CpuCredits column; add it or pass -DefaultCpuCredits standard|unlimited."
    }
}
else {
    Write-Warning "The CSV file '$resolvedPath' lists no instances; nothing to do."
}

# Check the rows: one outcome per instance (or per bad row), in the order of the file.
$outcomes = New-Object 'System.Collections.Generic.List[object]'
$byInstance = @{}
$rowNumber = 0
foreach ($row in $rows) {
    $rowNumber++
    # Cells are read through PSObject.Properties: the CpuCredits column may be missing (with -DefaultCpuCredits).
    $instanceId = ''
    $cell = $row.PSObject.Properties['InstanceId']
    if ($null -ne $cell -and $null -ne $cell.Value) { $instanceId = ([string]$cell.Value).Trim() }
    $credits = ''
    $cell = $row.PSObject.Properties['CpuCredits']
    if ($null -ne $cell -and $null -ne $cell.Value) { $credits = ([string]$cell.Value).Trim().ToLowerInvariant() }
    if ($credits -eq '' -and $DefaultCpuCredits) { $credits = $DefaultCpuCredits.ToLowerInvariant() }

    if ($instanceId -eq '') {
        $outcomes.Add((New-CreditOutcome -InstanceId $null -CpuCredits $credits -Row $rowNumber -Outcome 'Failed' `
                    -ErrorCode 'MissingInstanceId' -ErrorMessage "Row $rowNumber has no InstanceId."))
        continue
    }
    if ($credits -eq '') {
        $outcomes.Add((New-CreditOutcome -InstanceId $instanceId -CpuCredits $null -Row $rowNumber -Outcome 'Failed' `
                    -ErrorCode 'MissingCpuCredits' -ErrorMessage "Row $rowNumber gives no CpuCredits for $instanceId (expected standard or unlimited, or pass -DefaultCpuCredits)."))
        continue
    }
    if ($credits -ne 'standard' -and $credits -ne 'unlimited') {
        $outcomes.Add((New-CreditOutcome -InstanceId $instanceId -CpuCredits $credits -Row $rowNumber -Outcome 'Failed' `
                    -ErrorCode 'InvalidCpuCredits' -ErrorMessage "Row $rowNumber gives '$credits' for $instanceId; expected standard or unlimited."))
        continue
    }
    if ($byInstance.ContainsKey($instanceId)) {
        $first = $byInstance[$instanceId]
        if ($first.CpuCredits -ne $credits -and $first.Outcome -eq 'Pending') {
            $first.Outcome = 'Failed'
            $first.ErrorCode = 'ConflictingCpuCredits'
            $first.ErrorMessage = "$instanceId is listed in row $($first.Row) with '$($first.CpuCredits)' and in row $rowNumber with '$credits'; it was not changed."
        }
        elseif ($first.CpuCredits -eq $credits) {
            Write-Verbose "$instanceId is listed again in row $rowNumber with the same option; it is sent once."
        }
        continue
    }
    $outcome = New-CreditOutcome -InstanceId $instanceId -CpuCredits $credits -Row $rowNumber -Outcome 'Pending' -ErrorCode $null -ErrorMessage $null
    $byInstance[$instanceId] = $outcome
    $outcomes.Add($outcome)
}

$pending = @($outcomes | Where-Object { $_.Outcome -eq 'Pending' })

# One pipeline into the cmdlet: it batches across the whole pipeline.
$results = @()
$sendErrors = @()
if ($pending.Count -gt 0) {
    $setParams = $aws.Clone()
    $setParams['PassThru'] = $true
    $setParams['WhatIf'] = $whatIf
    if ($PSBoundParameters.ContainsKey('BatchSize')) { $setParams['BatchSize'] = $BatchSize }
    Write-Verbose "Sending $($pending.Count) instance(s) to Set-InstanceCreditSpecification$(if ($whatIf) { ' (DryRun)' })."
    $results = @($pending |
            ForEach-Object { [pscustomobject]@{ InstanceId = $_.InstanceId; CpuCredits = $_.CpuCredits } } |
            Set-InstanceCreditSpecification @setParams -ErrorAction SilentlyContinue -ErrorVariable setErrors)
    $sendErrors = @($setErrors)
}

# Match the -PassThru results and the error records to the instances.
$resultById = @{}
foreach ($result in $results) {
    if ($null -ne $result -and $result.InstanceId) { $resultById[[string]$result.InstanceId] = $result }
}
$errorById = @{}
$unattributed = New-Object 'System.Collections.Generic.List[object]'
foreach ($record in $sendErrors) {
    if ($null -eq $record) { continue }
    $target = $null
    if ($record -is [System.Management.Automation.ErrorRecord]) { $target = $record.TargetObject }
    $targetIds = @()
    if ($target -is [string]) { $targetIds = @($target) }
    elseif ($target -is [System.Collections.IEnumerable]) { $targetIds = @($target | Where-Object { $_ -is [string] }) }
    if ($targetIds.Count -eq 0) { $unattributed.Add($record); continue }
    foreach ($id in $targetIds) {
        if (-not $errorById.ContainsKey($id)) { $errorById[$id] = $record }
    }
}

foreach ($outcome in $pending) {
    $result = $resultById[$outcome.InstanceId]
    if ($null -ne $result) {
        if ($result.Succeeded) {
            $outcome.Outcome = 'Succeeded'
        }
        else {
            $outcome.Outcome = 'Failed'
            $outcome.ErrorCode = $result.ErrorCode
            $outcome.ErrorMessage = $result.ErrorMessage
        }
    }
    elseif ($errorById.ContainsKey($outcome.InstanceId)) {
        $outcome.Outcome = 'Failed'
        $outcome.ErrorCode = Get-RecordCode $errorById[$outcome.InstanceId]
        $outcome.ErrorMessage = Get-RecordText $errorById[$outcome.InstanceId]
    }
    elseif ($unattributed.Count -gt 0) {
        # An error that names no instance (a whole-batch refusal under -WhatIf, say) leaves the instances without a
        # result unconfirmed: count them as failed with that error.
        $outcome.Outcome = 'Failed'
        $outcome.ErrorCode = Get-RecordCode $unattributed[0]
        $outcome.ErrorMessage = Get-RecordText $unattributed[0]
    }
    elseif ($whatIf) {
        $outcome.Outcome = 'WouldChange'
    }
    else {
        $outcome.Outcome = 'Failed'
        $outcome.ErrorCode = 'NoResult'
        $outcome.ErrorMessage = "Set-InstanceCreditSpecification returned no result for $($outcome.InstanceId); its credit option is unknown."
    }
}

$failures = @($outcomes | Where-Object { $_.Outcome -eq 'Failed' })
$summary = [pscustomobject]@{
    PSTypeName  = 'Ec2Capacity.Runbook.SetCreditsFromCsvSummary'
    Path        = $resolvedPath
    WhatIf      = $whatIf
    Rows        = $rows.Count
    Requested   = $pending.Count
    Succeeded   = @($outcomes | Where-Object { $_.Outcome -eq 'Succeeded' }).Count
    Failed      = $failures.Count
    WouldChange = @($outcomes | Where-Object { $_.Outcome -eq 'WouldChange' }).Count
    Failures    = $failures
    Results     = $outcomes.ToArray()
}
$summary

if ($failures.Count -gt 0) {
    $shown = @($failures | Select-Object -First 20 | ForEach-Object {
            $label = if ($_.InstanceId) { $_.InstanceId } else { "row $($_.Row)" }
            "$label ($($_.ErrorCode))"
        })
    $more = if ($failures.Count -gt $shown.Count) { " and $($failures.Count - $shown.Count) more" } else { '' }
    $message = "$($failures.Count) of $($outcomes.Count) credit change(s) from '$resolvedPath' failed: $($shown -join ', ')$more."
    if ($AllowFailure) {
        Write-Warning $message
    }
    else {
        $exception = New-Object System.InvalidOperationException -ArgumentList $message
        $category = [System.Management.Automation.ErrorCategory]::InvalidResult
        throw (New-Object System.Management.Automation.ErrorRecord -ArgumentList $exception, 'CreditChangesFailed', $category, $summary)
    }
}
