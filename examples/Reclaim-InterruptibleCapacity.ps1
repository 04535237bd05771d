<#
.SYNOPSIS
Reclaims all interruptible capacity that the given source reservations lend, and waits for it until a deadline.

.DESCRIPTION
For every source reservation given (IDs, piped IDs, piped Get-CapacityReservationUsage objects, or the output of
New-/Update-InterruptibleCapacityAllocation) the runbook:

1. reads its usage (Get-CapacityReservationUsage) to see what it lends. Nothing lent (no allocation, a canceled
   one, or an active one at 0) is finished at once (NothingToReclaim). The ID of an interruptible reservation is
   replaced by its source's ID. An allocation that is already being canceled is only waited for; a failed one is
   reported as Failed.
2. starts every reclaim right away: Update-InterruptibleCapacityAllocation -TargetInstanceCount 0 -Force (the
   runbook is the confirmation: running instances in the interruptible reservations get EC2's two-minute notice and
   are terminated). All reclaims are started before any waiting, so every source gets the whole time until the
   deadline.
3. waits for all of them together: it polls the sources' usage every -PollIntervalSeconds until each allocation
   has settled (canceled, or active at 0 instances with -ZeroSizePreference retain) or the deadline has passed.
   (Update-InterruptibleCapacityAllocation -Wait waits for one source after the other, so the later sources would
   only start reclaiming once the earlier ones had settled: the runbook polls itself instead.)

A deadline that has already passed when the runbook starts does not stop it: the reclaims are still started (the
capacity is needed), the usage is read once, and whatever has not settled is reported as TimedOut.

The runbook writes ONE summary object (see OUTPUTS) with one result per source, saying which finished
(Finished = $true: Reclaimed or NothingToReclaim) and which did not (TimedOut, Failed) and when.

Unattended runs: when any source did not finish before the deadline, or failed, the runbook throws a terminating
error after writing the summary (FullyQualifiedErrorId ReclaimNotFinished, TargetObject = the summary), so 'pwsh
-File', a scheduled task, a CI step or an Azure Automation job ends as failed (exit code 1). -AllowFailure turns
that off. Missing credentials or region stop the run before any change.

-WhatIf reads the usage for real and sends each update as an EC2 DryRun request instead: results are WouldReclaim,
or Failed when EC2 says the call would be refused; nothing is waited for.

.PARAMETER CapacityReservationId
The source reservations (cr-...). Binds from the pipeline by value and by property name, also through the alias
SourceCapacityReservationId (the output of New-/Update-InterruptibleCapacityAllocation). An interruptible
reservation's ID is replaced by its source's ID.

.PARAMETER Deadline
When the capacity must be back. A DateTime (Get-Date).AddMinutes(30), or a string such as
'2030-01-31T08:00:00Z'; a time without an offset is local time.

.PARAMETER ZeroSizePreference
default (the interruptible reservations are canceled at 0) or retain (they stay, empty). Passed to
Update-InterruptibleCapacityAllocation; when omitted, each allocation keeps its own preference.

.PARAMETER PollIntervalSeconds
Seconds between two polls of the sources' usage while waiting (1 to 300). Default: 10.

.PARAMETER AllowFailure
Do not throw when sources did not finish; only report them in the summary.

.PARAMETER Region
The AWS region (for example us-east-1). Passed to every cmdlet, like all connection parameters.

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
PS> ./Reclaim-InterruptibleCapacity.ps1 -CapacityReservationId cr-0123456789abcdef0, cr-0fedcba9876543210 -Deadline (Get-Date).AddMinutes(20) -Region us-east-1

Takes back everything both reservations lend and waits up to 20 minutes.

.EXAMPLE
PS> Get-Content ./sources.txt | ./Reclaim-InterruptibleCapacity.ps1 -Deadline '2030-01-31T08:00:00Z' -ZeroSizePreference retain -Region us-east-1

Reclaims before 08:00 UTC and keeps the interruptible reservations at size 0 for next time.

.EXAMPLE
PS> ./Reclaim-InterruptibleCapacity.ps1 -CapacityReservationId cr-0123456789abcdef0 -Deadline (Get-Date).AddHours(1) -Region us-east-1 -WhatIf

Checks with EC2 DryRun that the reclaim would be allowed; changes nothing and waits for nothing.

.EXAMPLE
PS> $summary = ./Reclaim-InterruptibleCapacity.ps1 cr-0123456789abcdef0 -Deadline (Get-Date).AddMinutes(10) -AllowFailure
PS> $summary.Results | Where-Object { -not $_.Finished }

Never throws; lists the sources that had not settled by the deadline.

.INPUTS
System.String, Ec2Capacity.CapacityReservationUsage, Ec2Capacity.InterruptibleCapacityAllocation (by property name).

.OUTPUTS
Ec2Capacity.Runbook.ReclaimSummary (a PSCustomObject) with Deadline, WhatIf, Sources, Finished, NotFinished,
Reclaimed, NothingToReclaim, TimedOut, Failed, Planned (WouldReclaim under -WhatIf), InstancesReclaimed,
AllFinished and Results: one Ec2Capacity.Runbook.ReclaimResult per source with CapacityReservationId,
InterruptibleCapacityReservationId, InstanceCountBefore, Outcome (Reclaimed, NothingToReclaim, TimedOut, Failed,
WouldReclaim), Finished, FinishedAt, Status and InstanceCount (as last seen), ErrorCode and ErrorMessage.

.NOTES
Needs the Ec2Capacity module on PowerShell 5.1 or 7.
The runbook itself calls no ShouldProcess: -WhatIf and -Confirm flow to the cmdlets, which turn -WhatIf into DryRun.
Test it like tests/Pester/Examples.Tests.ps1 does: against the emulator, or with Mock Update-InterruptibleCapacityAllocation.
#>

#Requires -Version 5.1

[CmdletBinding(SupportsShouldProcess)]
[OutputType('Ec2Capacity.Runbook.ReclaimSummary')]
param(
    [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
    [Alias('SourceCapacityReservationId')]
    [AllowEmptyCollection()]
    [string[]] $CapacityReservationId,

    [Parameter(Mandatory)]
    [datetime] $Deadline,

    [ValidateSet('default', 'retain')]
    [string] $ZeroSizePreference,

    [ValidateRange(1, 300)]
    [int] $PollIntervalSeconds = 10,

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

begin {
    # Anything unexpected (no credentials, no region) stops the run. Per-source failures are collected with
    # -ErrorAction SilentlyContinue -ErrorVariable and reported in the summary instead.
    $ErrorActionPreference = 'Stop'
    Set-StrictMode -Version 2.0

    function New-ReclaimResult {
        param($CapacityReservationId)
        [pscustomobject]@{
            PSTypeName                         = 'Ec2Capacity.Runbook.ReclaimResult'
            CapacityReservationId              = $CapacityReservationId
            InterruptibleCapacityReservationId = $null
            InstanceCountBefore                = 0
            Outcome                            = $null
            Finished                           = $false
            FinishedAt                         = $null
            Status                             = $null
            InstanceCount                      = $null
            ErrorCode                          = $null
            ErrorMessage                       = $null
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

    function Test-Settled {
        # An allocation is settled once nothing is lent any more: canceled (ZeroSizePreference default), gone, or
        # active at 0 instances (retain). 'active' with instances left is the state before the update took effect.
        param($Allocation)
        if ($null -eq $Allocation) { return $true }
        $status = "$($Allocation.Status)"
        if ($status -eq 'canceled') { return $true }
        return ($status -eq 'active' -and [int]$Allocation.InstanceCount -eq 0 -and [int]$Allocation.TargetInstanceCount -eq 0)
    }

    function Set-Finished {
        param($Result, $Outcome, $Allocation)
        $Result.Outcome = $Outcome
        $Result.Finished = $true
        $Result.FinishedAt = Get-Date
        if ($null -ne $Allocation) {
            $Result.Status = $Allocation.Status
            $Result.InstanceCount = $Allocation.InstanceCount
        }
    }

    function Set-Failed {
        param($Result, $Outcome, $Code, $Message)
        $Result.Outcome = $Outcome
        $Result.Finished = $false
        $Result.ErrorCode = $Code
        $Result.ErrorMessage = $Message
    }

    # The connection parameters, passed on exactly as given (none given: the module's usual resolution applies).
    $aws = @{}
    foreach ($name in @('Region', 'ProfileName', 'ProfileLocation', 'AccessKey', 'SecretKey', 'SessionToken', 'Credential', 'EndpointUrl')) {
        if ($PSBoundParameters.ContainsKey($name)) { $aws[$name] = $PSBoundParameters[$name] }
    }
    # Reads are never DryRuns and never prompt: the plan needs real numbers even under -WhatIf.
    $readParams = $aws.Clone()
    $readParams['WhatIf'] = $false
    $readParams['Confirm'] = $false

    $whatIf = [bool]$WhatIfPreference
    $deadlineUtc = $Deadline.ToUniversalTime()

    $queue = New-Object 'System.Collections.Generic.List[string]'
    $seen = New-Object 'System.Collections.Generic.HashSet[string]' -ArgumentList ([System.StringComparer]::Ordinal)
}

process {
    foreach ($id in @($CapacityReservationId)) {
        if ([string]::IsNullOrWhiteSpace($id)) { continue }
        $id = $id.Trim()
        if ($seen.Add($id)) { $queue.Add($id) }
    }
}

end {
    $results = New-Object 'System.Collections.Generic.List[object]'
    $sources = New-Object 'System.Collections.Generic.HashSet[string]' -ArgumentList ([System.StringComparer]::Ordinal)
    $toUpdate = New-Object 'System.Collections.Generic.List[object]'
    $waiting = New-Object 'System.Collections.Generic.List[object]'

    # 1. What does each source lend?
    foreach ($id in $queue) {
        $usage = @(Get-CapacityReservationUsage -CapacityReservationId $id @readParams -ErrorAction SilentlyContinue -ErrorVariable readErrors)
        if ($usage.Count -gt 0 -and $null -ne $usage[0] -and $usage[0].Interruptible -and $null -ne $usage[0].InterruptionInfo) {
            $sourceId = [string]$usage[0].InterruptionInfo.SourceCapacityReservationId
            Write-Verbose "$id is an interruptible reservation; reclaiming through its source $sourceId."
            $id = $sourceId
            # The source itself is (or was) in the list: it is handled there.
            if ($sources.Contains($id) -or $queue.Contains($id)) { continue }
            $usage = @(Get-CapacityReservationUsage -CapacityReservationId $id @readParams -ErrorAction SilentlyContinue -ErrorVariable readErrors)
        }
        if (-not $sources.Add($id)) { continue }
        $result = New-ReclaimResult -CapacityReservationId $id
        $results.Add($result)

        if ($usage.Count -eq 0 -or $null -eq $usage[0]) {
            $record = if (@($readErrors).Count -gt 0) { @($readErrors)[0] } else { $null }
            Set-Failed $result 'Failed' $(if ($record) { Get-RecordCode $record } else { 'NoResult' }) `
                $(if ($record) { Get-RecordText $record } else { "Get-CapacityReservationUsage returned nothing for $id." })
            continue
        }
        $allocation = $usage[0].InterruptibleCapacityAllocation
        if ($null -ne $allocation) {
            $result.InterruptibleCapacityReservationId = $allocation.InterruptibleCapacityReservationId
            $result.InstanceCountBefore = [int]$allocation.InstanceCount
            $result.Status = $allocation.Status
            $result.InstanceCount = $allocation.InstanceCount
        }
        if (Test-Settled $allocation) {
            Set-Finished $result 'NothingToReclaim' $allocation
        }
        elseif ("$($allocation.Status)" -eq 'failed') {
            Set-Failed $result 'Failed' 'AllocationFailed' "The allocation of $id failed; EC2 will not reclaim it through an update."
        }
        elseif ("$($allocation.Status)" -eq 'canceling') {
            # Already on its way to 0: an update would be refused, so only wait.
            if ($whatIf) { $result.Outcome = 'WouldReclaim' } else { $waiting.Add($result) }
        }
        else {
            $toUpdate.Add($result)
        }
    }

    # 2. Start every reclaim before waiting for any.
    foreach ($result in $toUpdate) {
        $updateParams = $aws.Clone()
        $updateParams['CapacityReservationId'] = $result.CapacityReservationId
        $updateParams['TargetInstanceCount'] = 0
        $updateParams['Force'] = $true
        $updateParams['WhatIf'] = $whatIf
        if ($ZeroSizePreference) { $updateParams['ZeroSizePreference'] = $ZeroSizePreference }
        $output = @(Update-InterruptibleCapacityAllocation @updateParams -ErrorAction SilentlyContinue -ErrorVariable updateErrors)
        $errors = @($updateErrors)
        if ($errors.Count -gt 0) {
            Set-Failed $result 'Failed' (Get-RecordCode $errors[0]) (Get-RecordText $errors[0])
            continue
        }
        if ($whatIf) {
            $result.Outcome = 'WouldReclaim'
            continue
        }
        if ($output.Count -gt 0 -and $null -ne $output[0]) {
            $result.Status = $output[0].Status
            $result.InstanceCount = $output[0].InstanceCount
            if (Test-Settled $output[0]) {
                Set-Finished $result 'Reclaimed' $output[0]
                continue
            }
        }
        $waiting.Add($result)
    }

    # 3. Wait for all of them together, until the deadline.
    $total = $waiting.Count
    $poll = 0
    while (-not $whatIf -and $waiting.Count -gt 0) {
        $poll++
        $stillWaiting = New-Object 'System.Collections.Generic.List[object]'
        foreach ($result in $waiting) {
            $usage = @(Get-CapacityReservationUsage -CapacityReservationId $result.CapacityReservationId @readParams -ErrorAction SilentlyContinue -ErrorVariable pollErrors)
            if ($usage.Count -eq 0 -or $null -eq $usage[0]) {
                # A failed read (throttling, network) is not the end: keep waiting, remember why.
                $record = if (@($pollErrors).Count -gt 0) { @($pollErrors)[0] } else { $null }
                if ($record) {
                    $result.ErrorCode = Get-RecordCode $record
                    $result.ErrorMessage = Get-RecordText $record
                }
                $stillWaiting.Add($result)
                continue
            }
            $allocation = $usage[0].InterruptibleCapacityAllocation
            $result.ErrorCode = $null
            $result.ErrorMessage = $null
            if ($null -ne $allocation) {
                $result.Status = $allocation.Status
                $result.InstanceCount = $allocation.InstanceCount
            }
            if (Test-Settled $allocation) {
                Set-Finished $result 'Reclaimed' $allocation
            }
            elseif ("$($allocation.Status)" -eq 'failed') {
                Set-Failed $result 'Failed' 'AllocationFailed' "The allocation of $($result.CapacityReservationId) failed while being reclaimed."
            }
            else {
                $stillWaiting.Add($result)
            }
        }
        $waiting = $stillWaiting
        if ($waiting.Count -eq 0) { break }
        $left = $deadlineUtc - [datetime]::UtcNow
        Write-Progress -Activity 'Reclaiming interruptible capacity' -PercentComplete ([int](100 * ($total - $waiting.Count) / [Math]::Max(1, $total))) `
            -Status "$($total - $waiting.Count) of $total settled; $([Math]::Max(0, [int]$left.TotalSeconds)) s to the deadline (poll $poll)"
        if ($left.TotalMilliseconds -le 0) { break }
        Start-Sleep -Milliseconds ([int][Math]::Min($PollIntervalSeconds * 1000, [Math]::Ceiling($left.TotalMilliseconds)))
    }
    if ($total -gt 0 -and -not $whatIf) { Write-Progress -Activity 'Reclaiming interruptible capacity' -Completed }

    foreach ($result in $waiting) {
        $why = if ($result.ErrorMessage) { " The last read failed: $($result.ErrorMessage)" } else { '' }
        Set-Failed $result 'TimedOut' 'DeadlinePassed' ("The allocation of $($result.CapacityReservationId) was still '$($result.Status)' with " +
            "$($result.InstanceCount) instance(s) at the deadline $($Deadline.ToString('o')).$why")
    }

    $all = $results.ToArray()
    $notFinished = @($all | Where-Object { -not $_.Finished -and $_.Outcome -ne 'WouldReclaim' })
    $reclaimed = 0
    foreach ($r in $all) {
        if ($r.Outcome -eq 'Reclaimed') { $reclaimed += [int]$r.InstanceCountBefore }
    }
    $summary = [pscustomobject]@{
        PSTypeName         = 'Ec2Capacity.Runbook.ReclaimSummary'
        Deadline           = $Deadline
        WhatIf             = $whatIf
        Sources            = $all.Count
        Finished           = @($all | Where-Object { $_.Finished }).Count
        NotFinished        = $notFinished.Count
        Reclaimed          = @($all | Where-Object { $_.Outcome -eq 'Reclaimed' }).Count
        NothingToReclaim   = @($all | Where-Object { $_.Outcome -eq 'NothingToReclaim' }).Count
        TimedOut           = @($all | Where-Object { $_.Outcome -eq 'TimedOut' }).Count
        Failed             = @($all | Where-Object { $_.Outcome -eq 'Failed' }).Count
        Planned            = @($all | Where-Object { $_.Outcome -eq 'WouldReclaim' }).Count
        InstancesReclaimed = $reclaimed
        AllFinished        = (-not $whatIf -and $notFinished.Count -eq 0)
        Results            = $all
    }
    $summary

    if ($notFinished.Count -gt 0) {
        $list = ($notFinished | ForEach-Object { "$($_.CapacityReservationId) ($($_.Outcome): $($_.ErrorCode))" }) -join ', '
        $message = "$($notFinished.Count) of $($all.Count) source(s) did not finish reclaiming before $($Deadline.ToString('o')): $list."
        if ($AllowFailure) {
            Write-Warning $message
        }
        else {
            $exception = New-Object System.InvalidOperationException -ArgumentList $message
            $category = [System.Management.Automation.ErrorCategory]::OperationTimeout
            throw (New-Object System.Management.Automation.ErrorRecord -ArgumentList $exception, 'ReclaimNotFinished', $category, $summary)
        }
    }
}
