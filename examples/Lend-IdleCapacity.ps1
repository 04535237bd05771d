<#
.SYNOPSIS
Lends the idle capacity of open-ended Capacity Reservations as interruptible capacity, keeping a safety margin.

.DESCRIPTION
For every reservation given (IDs, piped IDs, piped Get-CapacityReservationUsage objects, or piped AWS.Tools
Get-EC2CapacityReservation objects) the runbook reads its current usage with Get-CapacityReservationUsage and lends
what is idle beyond -SafetyMargin:

    idle = AvailableInstanceCount - SafetyMargin      (at most 1000 instances per allocation)

- No allocation yet (or only a canceled one): New-InterruptibleCapacityAllocation -InstanceCount idle (Created).
- An active allocation: with -ExistingAllocation Raise (the default) Update-InterruptibleCapacityAllocation raises its
  target by idle (Raised). Raising only lends more and never interrupts an instance, so the runbook passes -Force
  (Update- asks for confirmation by default because lowering reclaims). With -ExistingAllocation Skip the
  reservation is skipped (the runbook then only creates).
- Skipped, with the reason in the result: idle is 0 or less (NoIdleCapacity), the reservation is not active
  (NotActive), it is itself an interruptible reservation (Interruptible), its allocation is changing right now
  (pending, updating or canceling: AllocationChanging) or failed (AllocationFailed), the allocation already has
  the maximum of 1000 instances (AtMaximum), or a piped AWS.Tools object says it has an end date (HasEndDate).
The runbook never lowers an allocation: use Reclaim-InterruptibleCapacity.ps1 for that.

Which reservations are open-ended (no end date)? EC2 lends only from active reservations without an end date, and
GetCapacityReservationUsage does not return the end date, so:
- IDs you pass are taken as open-ended. A reservation that has an end date is refused by EC2 (IncorrectState) and
  reported as Failed, so a wrong list is noticed.
- Piped AWS.Tools CapacityReservation objects (Get-EC2CapacityReservation) bind their EndDateType: only 'unlimited'
  ones are lent, the others are Skipped (HasEndDate) without a request.
- Without any ID and without pipeline input, the runbook asks AWS.Tools.EC2 for the active reservations
  (Get-EC2CapacityReservation -Filter state=active, with the same connection parameters) and keeps those whose
  EndDateType is 'unlimited'. Without AWS.Tools.EC2 that is a terminating error: pass the IDs instead.
Piped usage objects only contribute their ID: the usage is read again right before deciding.

The runbook writes ONE summary object (see OUTPUTS) with one result per reservation. Per-reservation errors of the
cmdlets are collected into that summary (ErrorCode, ErrorMessage) instead of the error stream.

Unattended runs: when any reservation Failed, the runbook throws a terminating error after writing the summary
(FullyQualifiedErrorId LendIdleCapacityFailed, TargetObject = the summary), so 'pwsh -File', a scheduled task, a CI
step or an Azure Automation job ends as failed (exit code 1). -AllowFailure turns that off. Missing credentials or
region, or no way to find reservations, stop the run before any change.

-WhatIf reads the usage for real (reads change nothing) and sends every New-/Update- as an EC2 DryRun request:
results are WouldCreate / WouldRaise, or Failed when EC2 says the call would be refused (UnauthorizedOperation,
IncorrectState, ...), which makes '-WhatIf' a complete permission and plan check that fails the run when it would fail.

.PARAMETER CapacityReservationId
The source reservations (cr-...). Binds from the pipeline by value (strings) and by property name
(CapacityReservationId of usage objects and AWS.Tools CapacityReservation objects). Duplicates are handled once.

.PARAMETER EndDateType
Binds from piped AWS.Tools CapacityReservation objects: only 'unlimited' (open-ended) reservations are lent.
You do not normally pass it yourself.

.PARAMETER SafetyMargin
Instances to leave available in each reservation for your own launches. Default: 1.

.PARAMETER ExistingAllocation
What to do with a reservation that already lends capacity: Raise (default) raises the allocation's target by the
idle capacity; Skip leaves it alone.

.PARAMETER Tag
Tags for new interruptible reservations (a hashtable), passed to New-InterruptibleCapacityAllocation -Tag.

.PARAMETER ZeroSizePreference
default or retain, for new allocations (New-InterruptibleCapacityAllocation -ZeroSizePreference).

.PARAMETER Wait
Wait until every new or raised allocation is active (passed to New-/Update- -Wait), so the results show the
settled status and the interruptible reservation's ID.

.PARAMETER WaitTimeoutSeconds
How long each -Wait may take, in seconds (passed on; the cmdlets' default is 600).

.PARAMETER AllowFailure
Do not throw when reservations failed; only report them in the summary.

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
PS> ./Lend-IdleCapacity.ps1 -CapacityReservationId cr-0123456789abcdef0, cr-0fedcba9876543210 -SafetyMargin 2 -Region us-east-1

Lends everything but two instances of each reservation's available capacity.

.EXAMPLE
PS> Get-EC2CapacityReservation -Region us-east-1 | ./Lend-IdleCapacity.ps1 -Region us-east-1 -Tag @{ team = 'batch' } -Wait

Pipes AWS.Tools objects: reservations with an end date are skipped without a request.

.EXAMPLE
PS> ./Lend-IdleCapacity.ps1 -Region us-east-1 -SafetyMargin 4 -ExistingAllocation Skip

Discovers the active open-ended reservations with AWS.Tools.EC2 and creates allocations only where none exist.

.EXAMPLE
PS> ./Lend-IdleCapacity.ps1 -CapacityReservationId cr-0123456789abcdef0 -Region us-east-1 -WhatIf

Shows what would be lent; EC2 checks every call with DryRun and the run fails if a call would be refused.

.EXAMPLE
PS> (./Lend-IdleCapacity.ps1 -CapacityReservationId cr-0123456789abcdef0 -Region us-east-1).Results | Format-Table

One row per reservation: Action (Created, Raised, WouldCreate, WouldRaise, Skipped, Failed), Reason, counts.

.INPUTS
System.String, Ec2Capacity.CapacityReservationUsage, Amazon.EC2.Model.CapacityReservation (by property name).

.OUTPUTS
Ec2Capacity.Runbook.LendIdleCapacitySummary (a PSCustomObject) with WhatIf, SafetyMargin, ExistingAllocation,
Reservations (how many were considered), Created, Raised, Skipped, Failed, Planned (WouldCreate + WouldRaise under
-WhatIf), InstancesLent (instances lent by this run) and Results: one Ec2Capacity.Runbook.LendResult per reservation
with CapacityReservationId, Action, Reason, AvailableInstanceCount (before), InstanceCount (lent, or that would be
lent, by this run), TargetInstanceCount (the allocation's target afterwards), Status,
InterruptibleCapacityReservationId (when known), ErrorCode and ErrorMessage.

.NOTES
Needs the Ec2Capacity module (and AWS.Tools.EC2 only for discovery) on PowerShell 5.1 or 7.
The runbook itself calls no ShouldProcess: -WhatIf and -Confirm flow to the cmdlets, which turn -WhatIf into DryRun.
Test it like tests/Pester/Examples.Tests.ps1 does: against the emulator, or with Mock Get-CapacityReservationUsage.
#>

#Requires -Version 5.1

[CmdletBinding(SupportsShouldProcess)]
[OutputType('Ec2Capacity.Runbook.LendIdleCapacitySummary')]
param(
    [Parameter(Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
    [AllowEmptyCollection()]
    [string[]] $CapacityReservationId,

    [Parameter(ValueFromPipelineByPropertyName)]
    [AllowNull()]
    [object] $EndDateType,

    [ValidateRange(0, 1000)]
    [int] $SafetyMargin = 1,

    [ValidateSet('Raise', 'Skip')]
    [string] $ExistingAllocation = 'Raise',

    [hashtable] $Tag,

    [ValidateSet('default', 'retain')]
    [string] $ZeroSizePreference,

    [switch] $Wait,

    [ValidateRange(1, 86400)]
    [int] $WaitTimeoutSeconds,

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
    # Anything unexpected (no credentials, no region) stops the run. Per-reservation failures are collected with
    # -ErrorAction SilentlyContinue -ErrorVariable and reported in the summary instead.
    $ErrorActionPreference = 'Stop'
    Set-StrictMode -Version 2.0

    # EC2 lends at most 1000 instances per allocation.
    $maxAllocation = 1000

    function New-LendResult {
        param($CapacityReservationId, $Action, $Reason, $AvailableInstanceCount, $InstanceCount, $TargetInstanceCount,
            $Status, $InterruptibleCapacityReservationId, $ErrorCode, $ErrorMessage)
        [pscustomobject]@{
            PSTypeName                         = 'Ec2Capacity.Runbook.LendResult'
            CapacityReservationId              = $CapacityReservationId
            Action                             = $Action
            Reason                             = $Reason
            AvailableInstanceCount             = $AvailableInstanceCount
            InstanceCount                      = $InstanceCount
            TargetInstanceCount                = $TargetInstanceCount
            Status                             = $Status
            InterruptibleCapacityReservationId = $InterruptibleCapacityReservationId
            ErrorCode                          = $ErrorCode
            ErrorMessage                       = $ErrorMessage
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
    $idsGiven = $PSBoundParameters.ContainsKey('CapacityReservationId')

    $results = New-Object 'System.Collections.Generic.List[object]'
    $queue = New-Object 'System.Collections.Generic.List[string]'
    $seen = New-Object 'System.Collections.Generic.HashSet[string]' -ArgumentList ([System.StringComparer]::Ordinal)
}

process {
    foreach ($id in @($CapacityReservationId)) {
        if ([string]::IsNullOrWhiteSpace($id)) { continue }
        $id = $id.Trim()
        if (-not $seen.Add($id)) { continue }
        if ($null -ne $EndDateType -and "$EndDateType" -ne 'unlimited') {
            $results.Add((New-LendResult -CapacityReservationId $id -Action 'Skipped' `
                        -Reason "HasEndDate: EndDateType is '$EndDateType'; only reservations without an end date can lend capacity."))
            continue
        }
        $queue.Add($id)
    }
}

end {
    if (-not $idsGiven -and -not $MyInvocation.ExpectingInput) {
        # Discovery through AWS.Tools.EC2: EC2's usage call does not say whether a reservation has an end date.
        if ($null -eq (Get-Command -Name 'Get-EC2CapacityReservation' -ErrorAction SilentlyContinue)) {
            throw ('No -CapacityReservationId was given and Get-EC2CapacityReservation (AWS.Tools.EC2) is not available ' +
                'to find the active open-ended reservations. Pass the IDs, pipe them, or install AWS.Tools.EC2.')
        }
        $activeFilter = @(@{ Name = 'state'; Values = @('active') })
        foreach ($reservation in @(Get-EC2CapacityReservation @aws -Filter $activeFilter)) {
            if ($null -eq $reservation) { continue }
            $id = [string]$reservation.CapacityReservationId
            if (-not $id -or -not $seen.Add($id)) { continue }
            if ("$($reservation.EndDateType)" -ne 'unlimited') {
                $results.Add((New-LendResult -CapacityReservationId $id -Action 'Skipped' `
                            -Reason "HasEndDate: EndDateType is '$($reservation.EndDateType)'; only reservations without an end date can lend capacity."))
                continue
            }
            $queue.Add($id)
        }
        Write-Verbose "AWS.Tools found $($queue.Count) active open-ended reservation(s)."
    }

    # Reads are never DryRuns and never prompt: the plan needs real numbers even under -WhatIf.
    $readParams = $aws.Clone()
    $readParams['WhatIf'] = $false
    $readParams['Confirm'] = $false

    foreach ($id in $queue) {
        $usage = @(Get-CapacityReservationUsage -CapacityReservationId $id @readParams -ErrorAction SilentlyContinue -ErrorVariable readErrors)
        if ($usage.Count -eq 0 -or $null -eq $usage[0]) {
            $record = if (@($readErrors).Count -gt 0) { @($readErrors)[0] } else { $null }
            $results.Add((New-LendResult -CapacityReservationId $id -Action 'Failed' -Reason 'The usage could not be read.' `
                        -ErrorCode $(if ($record) { Get-RecordCode $record } else { 'NoResult' }) `
                        -ErrorMessage $(if ($record) { Get-RecordText $record } else { "Get-CapacityReservationUsage returned nothing for $id." })))
            continue
        }
        $usage = $usage[0]
        $available = [int]$usage.AvailableInstanceCount
        $allocation = $usage.InterruptibleCapacityAllocation
        $hasAllocation = $null -ne $allocation -and "$($allocation.Status)" -ne 'canceled'
        $idle = $available - $SafetyMargin

        $skip = $null
        if ($usage.Interruptible) {
            $skip = 'Interruptible: this is an interruptible reservation; only its source can lend capacity.'
        }
        elseif ("$($usage.State)" -ne 'active') {
            $skip = "NotActive: the reservation is '$($usage.State)'."
        }
        elseif ($hasAllocation -and @('pending', 'updating', 'canceling') -contains "$($allocation.Status)") {
            $skip = "AllocationChanging: its allocation is '$($allocation.Status)'; run again once it has settled."
        }
        elseif ($hasAllocation -and "$($allocation.Status)" -eq 'failed') {
            $skip = 'AllocationFailed: its allocation failed; look at it before lending more.'
        }
        elseif ($hasAllocation -and $ExistingAllocation -eq 'Skip') {
            $skip = "HasAllocation: it already lends $($allocation.InstanceCount) instance(s) and -ExistingAllocation is Skip."
        }
        elseif ($idle -le 0) {
            $skip = "NoIdleCapacity: $available available, safety margin $SafetyMargin."
        }
        if ($null -ne $skip) {
            $results.Add((New-LendResult -CapacityReservationId $id -Action 'Skipped' -Reason $skip -AvailableInstanceCount $available `
                        -InstanceCount 0 -TargetInstanceCount $(if ($hasAllocation) { $allocation.TargetInstanceCount } else { $null }) `
                        -Status $(if ($hasAllocation) { $allocation.Status } else { $null }) `
                        -InterruptibleCapacityReservationId $(if ($hasAllocation) { $allocation.InterruptibleCapacityReservationId } else { $null })))
            continue
        }

        $callParams = $aws.Clone()
        $callParams['CapacityReservationId'] = $id
        $callParams['WhatIf'] = $whatIf
        if ($Wait) { $callParams['Wait'] = $true }
        if ($PSBoundParameters.ContainsKey('WaitTimeoutSeconds')) { $callParams['WaitTimeoutSeconds'] = $WaitTimeoutSeconds }

        if ($hasAllocation) {
            $current = [int]$allocation.TargetInstanceCount
            $target = [Math]::Min($maxAllocation, $current + $idle)
            if ($target -le $current) {
                $results.Add((New-LendResult -CapacityReservationId $id -Action 'Skipped' -AvailableInstanceCount $available -InstanceCount 0 `
                            -Reason "AtMaximum: the allocation already lends $current instance(s), the most one allocation can hold." `
                            -TargetInstanceCount $current -Status $allocation.Status -InterruptibleCapacityReservationId $allocation.InterruptibleCapacityReservationId))
                continue
            }
            $callParams['TargetInstanceCount'] = $target
            # Raising never interrupts anything; -Force skips the prompt Update- shows for reclaims. -WhatIf still wins.
            $callParams['Force'] = $true
            $action = 'Raised'
            $planned = 'WouldRaise'
            $count = $target - $current
            $reason = "Raised the allocation from $current to $target ($available available, safety margin $SafetyMargin)."
            $output = @(Update-InterruptibleCapacityAllocation @callParams -ErrorAction SilentlyContinue -ErrorVariable callErrors)
        }
        else {
            $count = [Math]::Min($maxAllocation, $idle)
            $target = $count
            $callParams['InstanceCount'] = $count
            if ($PSBoundParameters.ContainsKey('Tag')) { $callParams['Tag'] = $Tag }
            if ($ZeroSizePreference) { $callParams['ZeroSizePreference'] = $ZeroSizePreference }
            $action = 'Created'
            $planned = 'WouldCreate'
            $reason = "Lent $count instance(s) ($available available, safety margin $SafetyMargin)."
            $output = @(New-InterruptibleCapacityAllocation @callParams -ErrorAction SilentlyContinue -ErrorVariable callErrors)
        }

        $errors = @($callErrors)
        if ($errors.Count -gt 0) {
            $results.Add((New-LendResult -CapacityReservationId $id -Action 'Failed' -AvailableInstanceCount $available -InstanceCount 0 `
                        -Reason "$(if ($whatIf) { 'The DryRun of lending' } else { 'Lending' }) $count instance(s) failed (a -Wait that timed out leaves the allocation in place)." `
                        -TargetInstanceCount $target -ErrorCode (Get-RecordCode $errors[0]) -ErrorMessage (Get-RecordText $errors[0])))
            continue
        }
        if ($whatIf) {
            $results.Add((New-LendResult -CapacityReservationId $id -Action $planned -AvailableInstanceCount $available -InstanceCount $count `
                        -Reason "Would lend $count instance(s) ($available available, safety margin $SafetyMargin)." -TargetInstanceCount $target `
                        -Status $(if ($hasAllocation) { $allocation.Status } else { $null }) `
                        -InterruptibleCapacityReservationId $(if ($hasAllocation) { $allocation.InterruptibleCapacityReservationId } else { $null })))
            continue
        }
        if ($output.Count -eq 0 -or $null -eq $output[0]) {
            $results.Add((New-LendResult -CapacityReservationId $id -Action 'Failed' -AvailableInstanceCount $available -InstanceCount 0 `
                        -Reason 'The cmdlet returned no allocation.' -TargetInstanceCount $target -ErrorCode 'NoResult' `
                        -ErrorMessage "No allocation was returned for $id; check its usage before running again."))
            continue
        }
        $allocationOut = $output[0]
        $interruptibleId = $allocationOut.InterruptibleCapacityReservationId
        if (-not $interruptibleId -and $hasAllocation) { $interruptibleId = $allocation.InterruptibleCapacityReservationId }
        $results.Add((New-LendResult -CapacityReservationId $id -Action $action -Reason $reason -AvailableInstanceCount $available `
                    -InstanceCount $count -TargetInstanceCount $allocationOut.TargetInstanceCount -Status $allocationOut.Status `
                    -InterruptibleCapacityReservationId $interruptibleId))
    }

    $all = $results.ToArray()
    $failed = @($all | Where-Object { $_.Action -eq 'Failed' })
    $lent = 0
    foreach ($r in $all) {
        if ($r.Action -eq 'Created' -or $r.Action -eq 'Raised') { $lent += [int]$r.InstanceCount }
    }
    $summary = [pscustomobject]@{
        PSTypeName         = 'Ec2Capacity.Runbook.LendIdleCapacitySummary'
        WhatIf             = $whatIf
        SafetyMargin       = $SafetyMargin
        ExistingAllocation = $ExistingAllocation
        Reservations       = $all.Count
        Created            = @($all | Where-Object { $_.Action -eq 'Created' }).Count
        Raised             = @($all | Where-Object { $_.Action -eq 'Raised' }).Count
        Planned            = @($all | Where-Object { $_.Action -eq 'WouldCreate' -or $_.Action -eq 'WouldRaise' }).Count
        Skipped            = @($all | Where-Object { $_.Action -eq 'Skipped' }).Count
        Failed             = $failed.Count
        InstancesLent      = $lent
        Results            = $all
    }
    $summary

    if ($failed.Count -gt 0) {
        $list = ($failed | ForEach-Object { "$($_.CapacityReservationId) ($($_.ErrorCode))" }) -join ', '
        $message = "$($failed.Count) of $($all.Count) reservation(s) failed: $list."
        if ($AllowFailure) {
            Write-Warning $message
        }
        else {
            $exception = New-Object System.InvalidOperationException -ArgumentList $message
            $category = [System.Management.Automation.ErrorCategory]::InvalidResult
            throw (New-Object System.Management.Automation.ErrorRecord -ArgumentList $exception, 'LendIdleCapacityFailed', $category, $summary)
        }
    }
}
