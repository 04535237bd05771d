#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Every example of the MAML help and every recipe of about_Ec2Capacity runs here, as written, against the emulator's
# demo state, and its documented outcome is asserted. Only connection parameters are added, the way a user adds them:
# $PSDefaultParameterValues for -EndpointUrl and the keys, and $StoredAWSRegion (AWS.Tools' Set-DefaultAWSRegion).
# AWS.Tools is not served here: Get-EC2CapacityReservation, Get-EC2Instance and Get-EC2CreditSpecification are
# stand-ins that read the emulator's state and return objects with the properties those cmdlets' objects have.

BeforeDiscovery {
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    . (Join-Path $PSScriptRoot 'HelpExampleSource.ps1')
    # Hashtables, so that Pester makes $Name and $Code of each.
    $examples = @(Get-MamlExample -Path (Join-Path $root 'module/help/en-US/Ec2Capacity.dll-Help.xml') | ForEach-Object { @{ Name = $_.Name; Code = $_.Code } })
    $allRecipes = @(Get-AboutRecipe -Path (Join-Path $root 'module/help/en-US/about_Ec2Capacity.help.txt') | ForEach-Object { @{ Name = $_.Name; Code = $_.Code } })
    # The test kit's recipe needs PowerShell 7.4+ (the kit is a .NET 8 assembly).
    $recipes = @($allRecipes | Where-Object { $_.Code -notmatch 'Ec2Capacity\.Testing' })
    $kitRecipes = @($allRecipes | Where-Object { $_.Code -match 'Ec2Capacity\.Testing' })
    $kitRuns = $PSVersionTable.PSVersion -ge [version] '7.4'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ScriptedHost.ps1')
    . (Join-Path $PSScriptRoot 'HelpExampleSource.ps1')

    # A folder on $env:PSModulePath where Ec2Capacity and Ec2Capacity.Testing are found by name: links to the repository.
    # Every runspace here imports the module through it, as an installed module would be.
    $installed = Join-Path $TestDrive 'modules'
    $null = New-Item -ItemType Directory -Path $installed
    # A junction on Windows (any edition: $IsWindows does not exist in 5.1) needs no privilege; a link elsewhere.
    $linkType = if ([System.IO.Path]::DirectorySeparatorChar -eq '\') { 'Junction' } else { 'SymbolicLink' }
    $null = New-Item -ItemType $linkType -Path (Join-Path $installed 'Ec2Capacity') -Target (Get-RepoRoot)
    $null = New-Item -ItemType $linkType -Path (Join-Path $installed 'Ec2Capacity.Testing') -Target (Join-Path (Get-RepoRoot) 'module/Ec2Capacity.Testing')
    Import-Module (Join-Path $installed 'Ec2Capacity/Ec2Capacity.psd1') -Force -ErrorAction Stop
    $emulator = Start-TestEmulator
    $seed = Get-DemoSeedInfo
    # The five cmdlets the connection defaults are set for (HelpExampleSource.ps1 names them).
    $cmdletNames = $script:ModuleCmdletNames

    # Defines the AWS.Tools stand-ins in the example's runspace; $Arguments.Url is the emulator.
    $standIns = @'
function global:Get-EmulatorWorld { Invoke-RestMethod -Uri ($Arguments.Url + '_emulator/state') }
function global:Get-EC2CapacityReservation {
    param([object[]] $Filter)
    $states = @($Filter | Where-Object { $_.Name -eq 'state' } | ForEach-Object { $_.Values })
    foreach ($r in (Get-EmulatorWorld).capacityReservations) {
        if ($states.Count -and $r.state -notin $states) { continue }
        $used = 0; foreach ($u in @($r.instanceUsages)) { $used += $u.usedInstanceCount }
        [pscustomobject]@{
            CapacityReservationId  = $r.capacityReservationId
            InstanceType           = $r.instanceType
            State                  = $r.state
            EndDateType            = if ($r.endDate) { 'limited' } else { 'unlimited' }
            TotalInstanceCount     = $r.totalInstanceCount
            AvailableInstanceCount = $r.totalInstanceCount - $used
        }
    }
}
function global:Get-EC2Instance {
    # One EC2 Reservation (a launch) holding every instance, as Get-EC2Instance returns them.
    [pscustomobject]@{
        ReservationId = 'r-0123456789abcdef0'
        Instances     = @((Get-EmulatorWorld).instances | ForEach-Object {
            [pscustomobject]@{ InstanceId = $_.instanceId; InstanceType = $_.instanceType; State = [pscustomobject]@{ Name = $_.state } }
        })
    }
}
function global:Get-EC2CreditSpecification {
    param([string[]] $InstanceId)
    foreach ($i in (Get-EmulatorWorld).instances) {
        if ($i.instanceId -in $InstanceId) { [pscustomobject]@{ InstanceId = $i.instanceId; CpuCredits = $i.cpuCredits } }
    }
}
'@

    function Invoke-DocumentedCode {
        <#
            Runs documented code on a fresh demo state in a new runspace on the scripted host (so "What if:" lines and
            prompts are seen), in a working folder holding -Files. Returns what the user saw plus the journal, the state
            and the working folder.
        #>
        param(
            [Parameter(Mandatory)] [string] $Code,
            [hashtable] $Files = @{},
            [hashtable] $Variables = @{},
            [string[]] $Answers = @(),
            [scriptblock] $SeedChange,
            # Shapes the world before the code runs (not the code): called with the owner's connection splat.
            [scriptblock] $Setup,
            [ValidateSet('Owner', 'ReadOnly', 'Denied', 'None')] [string] $Keys = 'Owner',
            [string] $Region = $seed.Region
        )
        $seedJson = Get-DemoSeedJson
        if ($SeedChange) { $seedJson = & $SeedChange $seedJson }
        Reset-TestEmulator -Emulator $emulator -SeedJson $seedJson
        if ($Setup) { $null = & $Setup (Get-DemoConnection -Emulator $emulator) }
        $workDir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory -Path $workDir
        foreach ($file in $Files.GetEnumerator()) { Set-Content -LiteralPath (Join-Path $workDir $file.Key) -Value $file.Value }

        $connection = @{ EndpointUrl = $emulator.Url }
        switch ($Keys) {
            'Owner' { $connection.AccessKey = $seed.AccessKeyId; $connection.SecretKey = $seed.SecretAccessKey }
            'ReadOnly' { $connection.AccessKey = $seed.ReadOnlyAccessKeyId; $connection.SecretKey = $seed.ReadOnlySecretAccessKey }
            # The read-only key, after the seed below took its last permission away.
            'Denied' { $connection.AccessKey = $seed.ReadOnlyAccessKeyId; $connection.SecretKey = $seed.ReadOnlySecretAccessKey }
        }
        $prelude = @'
$null = Set-Location -LiteralPath $Arguments.WorkDir
# Both modules can be imported by name, as once installed; Ec2Capacity is, from there.
$env:PSModulePath = $Arguments.ModulePath + [System.IO.Path]::PathSeparator + $env:PSModulePath
Import-Module Ec2Capacity -ErrorAction Stop
foreach ($name in $Arguments.Cmdlets) {
    foreach ($p in $Arguments.Connection.GetEnumerator()) { $global:PSDefaultParameterValues["${name}:$($p.Key)"] = $p.Value }
}
if ($Arguments.Region) { $global:StoredAWSRegion = $Arguments.Region }
foreach ($v in $Arguments.Variables.GetEnumerator()) { Set-Variable -Name $v.Key -Value $v.Value }
'@
        $arguments = @{
            Url = $emulator.Url; WorkDir = $workDir; Cmdlets = $cmdletNames; Connection = $connection
            Region = $Region; Variables = $Variables; ModulePath = $installed
        }
        $script = [scriptblock]::Create($prelude + "`n" + $standIns + "`n" + $Code)
        $run = Invoke-WithScriptedHost -ScriptBlock $script -Arguments $arguments -Answers $Answers -NoImport
        $run | Add-Member -NotePropertyName Text -NotePropertyValue ($run.Output | Out-String -Width 200)
        $run | Add-Member -NotePropertyName Journal -NotePropertyValue @(Get-EmulatorJournal -Emulator $emulator)
        $run | Add-Member -NotePropertyName State -NotePropertyValue (Get-EmulatorState -Emulator $emulator)
        $run | Add-Member -NotePropertyName WorkDir -NotePropertyValue $workDir
        $run
    }

    function Get-Reservation([object] $Run, [string] $Id) { $Run.State.capacityReservations | Where-Object capacityReservationId -eq $Id }
    function Get-Instance([object] $Run, [string] $Id) { $Run.State.instances | Where-Object instanceId -eq $Id }
    function Get-Sent([object] $Run, [string] $Action, [switch] $DryRun) {
        @($Run.Journal | Where-Object { $_.action -eq $Action -and [bool]$_.dryRun -eq [bool]$DryRun })
    }
    function Get-ErrorId([object] $Run) {
        # The error IDs the user sees; a stop (-ErrorAction Stop) carries the record that stopped it.
        @($Run.Errors | ForEach-Object {
                $record = $_
                for ($e = $_.Exception; $e; $e = $e.InnerException) {
                    if ($e -is [System.Management.Automation.ActionPreferenceStopException]) { $record = $e.ErrorRecord; break }
                }
                ($record.FullyQualifiedErrorId -split ',')[0]
            })
    }
    function Get-CreditEntries([object] $Request) {
        # The journal keeps the Query parameters: InstanceCreditSpecification.N.InstanceId / .CpuCredits.
        $p = $Request.parameters
        foreach ($name in @($p.PSObject.Properties.Name | Where-Object { $_ -match '^InstanceCreditSpecification\.\d+\.InstanceId$' })) {
            [pscustomobject]@{ InstanceId = $p.$name; CpuCredits = $p.($name -replace 'InstanceId$', 'CpuCredits') }
        }
    }
    $withoutPermissions = { param($json) $json -replace '"GetCapacityReservationUsage"', '' }
    $sourceLends4 = {
        param($c)
        $ProgressPreference = 'SilentlyContinue'
        New-InterruptibleCapacityAllocation $seed.Source -InstanceCount 4 -Wait @c
    }
    $inCommitment = { param($json) $json -replace '"commitmentEndDate": null', '"commitmentEndDate": "2099-01-01T00:00:00Z"' }

    # What each documented example or recipe is said to do, keyed as Get-MamlExample / Get-AboutRecipe name them.
    $documented = @{
        'Get-CapacityReservationUsage 1' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code
            $run.Errors | Should -BeNullOrEmpty
            $run.Output.CapacityReservationId | Should -Be $seed.Source
            $table = ($run.Output | Out-String -Width 80) -split '\r?\n' | Where-Object { $_.Trim() }
            $table[0] -split '\s+' | Should -Be @('CapacityReservationId', 'State', 'Total', 'Avail', 'Used', 'Lending', 'Region')
            $table[2] | Should -Match '^cr-0123456789abcdef0\s+active\s+10\s+6\s+4\s+us-east-1$'
        }
        'Get-CapacityReservationUsage 2' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code
            $run.Errors | Should -BeNullOrEmpty
            $expected = @($run.State.capacityReservations | Where-Object state -eq 'active' | ForEach-Object {
                    $used = ($_.instanceUsages | Measure-Object usedInstanceCount -Sum).Sum
                    if ($_.totalInstanceCount - $used -gt 0) { [pscustomobject]@{ Id = $_.capacityReservationId; Available = $_.totalInstanceCount - $used } }
                })
            $run.Output.CapacityReservationId | Sort-Object | Should -Be ($expected.Id | Sort-Object)
            $available = @($run.Output.AvailableInstanceCount)
            $available | Should -Be ($available | Sort-Object -Descending)
            $available[-1] | Should -BeGreaterThan 0
        }
        'Get-CapacityReservationUsage 3' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code
            $run.Errors | Should -BeNullOrEmpty
            $run.Output | Should -BeNullOrEmpty
            $run.Lines | Should -Contain 'What if: Read the usage of Capacity Reservation cr-0123456789abcdef0'
            $run.Lines | Should -Contain 'What if: cr-0123456789abcdef0: EC2 DryRun: allowed (the request would have succeeded)'
            @(Get-Sent $run 'GetCapacityReservationUsage' -DryRun).Count | Should -Be 2
            @(Get-Sent $run 'GetCapacityReservationUsage').Count | Should -Be 0

            $denied = Invoke-DocumentedCode -Code $code -SeedChange $withoutPermissions -Keys Denied
            @($denied.Lines -like 'What if: cr-0123456789abcdef0: EC2 DryRun: denied*').Count | Should -Be 1
            # -ErrorAction Stop: the first denial stops the runbook, the second ID is never sent.
            Get-ErrorId $denied | Should -Contain 'UnauthorizedOperation'
            @(Get-Sent $denied 'GetCapacityReservationUsage' -DryRun).Count | Should -Be 1
        }
        'Get-CapacityReservationUsage 4' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code
            $run.Errors | Should -BeNullOrEmpty
            $run.Output | Should -Be 'cr-0000000000000dead: InvalidCapacityReservationId.NotFound,Ec2Capacity.Commands.GetCapacityReservationUsageCommand (ObjectNotFound)'
            @(Get-Sent $run 'GetCapacityReservationUsage').Count | Should -Be 2
        }
        'Get-CapacityReservationUsage 5' = {
            param($code)
            $profileDir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            $null = New-Item -ItemType Directory -Path $profileDir
            Set-Content -LiteralPath (Join-Path $profileDir 'credentials') -Value "[capacity-admin]`naws_access_key_id = $($seed.AccessKeyId)`naws_secret_access_key = $($seed.SecretAccessKey)"
            # The profile's region is in the config file beside the credentials file.
            Set-Content -LiteralPath (Join-Path $profileDir 'config') -Value "[profile capacity-admin]`nregion = us-east-1"
            $saved = $env:AWS_SHARED_CREDENTIALS_FILE
            try {
                $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $profileDir 'credentials'
                $run = Invoke-DocumentedCode -Code $code -Keys None -Region ''
            }
            finally { $env:AWS_SHARED_CREDENTIALS_FILE = $saved }
            $run.Errors | Should -BeNullOrEmpty
            ($run.Verbose -join "`n") | Should -Match 'capacity-admin'
            ($run.Verbose -join "`n") | Should -Match 'us-east-1'
            ($run.Verbose -join "`n") | Should -Not -Match ([regex]::Escape($seed.SecretAccessKey))
            $run.Text | Should -Match 'CapacityReservationId\s+: cr-0123456789abcdef0'
            $run.Text | Should -Match 'InstanceUsages\s+: .*123456789012.*3'
            @(Get-Sent $run 'GetCapacityReservationUsage')[0].parameters.MaxResults | Should -Be '100'
        }
        'New-InterruptibleCapacityAllocation 1' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code
            $run.Errors | Should -BeNullOrEmpty
            $run.Output.Status | Should -Be 'active'
            $run.Output.InstanceCount | Should -Be 4
            $run.Output.InterruptibleCapacityReservationId | Should -Match '^cr-[0-9a-f]{17}$'
            $lent = Get-Reservation $run $run.Output.InterruptibleCapacityReservationId
            ($lent.tags | Where-Object key -eq 'team').value | Should -Be 'batch'
            (Get-Reservation $run $seed.Source).interruptibleCapacityAllocation.status | Should -Be 'active'
        }
        'New-InterruptibleCapacityAllocation 2' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code
            $run.Errors | Should -BeNullOrEmpty
            $run.Lines | Should -Contain 'What if: Lend 4 instances of cr-0123456789abcdef0 as an interruptible allocation'
            @($run.Lines -like 'What if: cr-0123456789abcdef0: EC2 DryRun: allowed (the request would have succeeded). Plan: *').Count | Should -Be 1
            @(Get-Sent $run 'CreateInterruptibleCapacityReservationAllocation' -DryRun).Count | Should -Be 1
            @(Get-Sent $run 'CreateInterruptibleCapacityReservationAllocation').Count | Should -Be 0
            (Get-Reservation $run $seed.Source).interruptibleCapacityAllocation | Should -BeNullOrEmpty

            $unknown = Invoke-DocumentedCode -Code ($code -replace 'cr-0123456789abcdef0', $seed.Unknown)
            Get-ErrorId $unknown | Should -Contain 'InvalidCapacityReservationId.NotFound'
            @($unknown.Lines -like "What if: $($seed.Unknown): EC2 DryRun: would fail*").Count | Should -Be 1
        }
        'New-InterruptibleCapacityAllocation 3' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code
            $run.Errors | Should -BeNullOrEmpty
            # The active sources without an end date that lend nothing yet, each lending all but 2 of its available instances.
            $lent = @{}
            foreach ($create in Get-Sent $run 'CreateInterruptibleCapacityReservationAllocation') {
                $lent[$create.parameters.CapacityReservationId] = [int]$create.parameters.InstanceCount
                $create.parameters.'TagSpecification.1.Tag.1.Key' | Should -Be 'lentBy'
            }
            $lent.Keys | Sort-Object | Should -Be @($seed.Source, $seed.Shared, $seed.Committed)
            $lent[$seed.Source] | Should -Be 4
            $lent[$seed.Shared] | Should -Be 8
            $lent[$seed.Committed] | Should -Be 4
            $run.Output.SourceCapacityReservationId | Should -Be @($seed.Source, $seed.Shared, $seed.Committed)
        }
        'New-InterruptibleCapacityAllocation 4' = {
            param($code)
            $csv = "CapacityReservationId,InstanceCount`n$($seed.Source),2`n$($seed.Cancelled),1`n$($seed.Shared),3,"
            $run = Invoke-DocumentedCode -Code $code -Files @{ 'lend.csv' = $csv }
            # The cancelled source is an error for its row only; the rows around it become allocations.
            Get-ErrorId $run | Should -Be @('IncorrectState')
            $run.Errors[0].TargetObject | Should -Be $seed.Cancelled
            $run.Text | Should -Match '(?m)^Source\s+Interruptible\s+Lent\s+Target\s+Status\s+Region\s*$'
            $run.Text | Should -Match "$($seed.Source)\s.*\bactive\b"
            $run.Text | Should -Match "$($seed.Shared)\s.*\bactive\b"
            (Get-Reservation $run $seed.Shared).interruptibleCapacityAllocation.targetInstanceCount | Should -Be 3
        }
        'Update-InterruptibleCapacityAllocation 1' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code -Setup $sourceLends4
            $run.Errors | Should -BeNullOrEmpty
            $run.Prompts | Should -BeNullOrEmpty
            $updates = Get-Sent $run 'UpdateInterruptibleCapacityReservationAllocation'
            $updates.Count | Should -Be 1
            $updates[0].parameters.CapacityReservationId | Should -Be $seed.Source
            $updates[0].parameters.TargetInstanceCount | Should -Be '0'
            # Once settled, the default zero-size preference has cancelled the interruptible reservation.
            $lent = $run.Output.InterruptibleCapacityReservationId
            # The demo state settles a change after two reads of it.
            $connection = Get-DemoConnection -Emulator $emulator
            1..2 | ForEach-Object { $null = Get-CapacityReservationUsage $seed.Source @connection }
            (Get-ReservationState -Emulator $emulator -Id $lent).state | Should -Be 'cancelled'
        }
        'Update-InterruptibleCapacityAllocation 2' = {
            param($code)
            $csv = "CapacityReservationId,TargetInstanceCount`n$($seed.SourceWithAllocation),2`n$($seed.Source),1"
            $run = Invoke-DocumentedCode -Code $code -Files @{ 'plan.csv' = $csv }
            @(Get-Sent $run 'UpdateInterruptibleCapacityReservationAllocation' -DryRun).Count | Should -Be 2
            @(Get-Sent $run 'UpdateInterruptibleCapacityReservationAllocation').Count | Should -Be 0
            @($run.Lines -like "What if: $($seed.SourceWithAllocation): EC2 DryRun: allowed*Plan: reclaims 2 of 4 lent*").Count | Should -Be 1
            # The source that lends nothing: EC2's DryRun allows it, the plan would fail, so the row is an error.
            @($run.Lines -like "What if: $($seed.Source): EC2 DryRun: allowed*Plan: would fail*").Count | Should -Be 1
            Get-ErrorId $run | Should -Be @('PlanWouldFail')
            (Get-Reservation $run $seed.SourceWithAllocation).interruptibleCapacityAllocation.targetInstanceCount | Should -Be 4
        }
        'Update-InterruptibleCapacityAllocation 3' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code
            $run.Errors | Should -BeNullOrEmpty
            $run.Prompts | Should -BeNullOrEmpty
            $run.Output.SourceCapacityReservationId | Should -Be $seed.SourceWithAllocation
            $run.Output.InstanceCount | Should -Be 0
            $allocation = (Get-Reservation $run $seed.SourceWithAllocation).interruptibleCapacityAllocation
            $allocation.instanceCount | Should -Be 0
            $allocation.targetInstanceCount | Should -Be 0
        }
        'Update-InterruptibleCapacityAllocation 4' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code -Answers 'Yes'
            $run.Errors | Should -BeNullOrEmpty
            $run.Prompts.Count | Should -Be 1
            $run.Prompts[0].Message | Should -Match '^Reclaim 2 instances from the interruptible allocation of cr-0123456789abcdef0\b'
            $run.Output.TargetInstanceCount | Should -Be 2
            $run.Output.ZeroSizePreference | Should -Be 'retain'
            $updates = Get-Sent $run 'UpdateInterruptibleCapacityReservationAllocation'
            $updates.parameters.CapacityReservationId | Should -Be $seed.Source
            $updates.parameters.TargetInstanceCount | Should -Be '2'
        }
        'Stop-CapacityReservation 1' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code
            $active = @($run.State.capacityReservations | Where-Object state -eq 'active')
            $cancels = Get-Sent $run 'CancelCapacityReservation' -DryRun
            $cancels.parameters.CapacityReservationId | Sort-Object | Should -Be ($active.capacityReservationId | Sort-Object)
            @(Get-Sent $run 'CancelCapacityReservation').Count | Should -Be 0
            foreach ($id in $active.capacityReservationId) {
                @($run.Lines -like "What if: ${id}: EC2 DryRun: allowed*").Count | Should -Be 1
            }
            # Only the interruptible reservation's plan fails: its source gives it back.
            @($run.Lines -like "What if: $($seed.Interruptible): EC2 DryRun: allowed*Plan: would fail*").Count | Should -Be 1
            @($run.Lines -like '*Plan: would fail*').Count | Should -Be 1
            Get-ErrorId $run | Should -Be @('PlanWouldFail')
            $run.Errors[0].TargetObject | Should -Be $seed.Interruptible
        }
        'Stop-CapacityReservation 2' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code
            $run.Prompts | Should -BeNullOrEmpty
            # The second ID of the example is the demo's interruptible reservation, which cannot be cancelled.
            $run.Output.CapacityReservationId | Should -Be @($seed.Source)
            Get-ErrorId $run | Should -Be @('OperationNotPermitted')
            $run.Errors[0].TargetObject | Should -Be $seed.Interruptible
            (Get-Reservation $run $seed.Source).state | Should -Be 'cancelled'
            (Get-Reservation $run $seed.Interruptible).state | Should -Be 'active'
        }
        'Stop-CapacityReservation 3' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code -SeedChange $inCommitment -Answers 'Yes'
            $run.Errors | Should -BeNullOrEmpty
            $run.Prompts.Count | Should -Be 1
            $cancel = Get-Sent $run 'CancelCapacityReservation'
            $cancel.parameters.QuoteId | Should -Be 'crcq-0123456789abcdef0'
            $cancel.parameters.ApplyCancellationCharges | Should -Be 'commitment-wind-down'
            (Get-Reservation $run $seed.Source).state | Should -BeIn 'cancelling', 'cancelled'
        }
        'Stop-CapacityReservation 4' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code
            Get-ErrorId $run | Should -Be @('UnsupportedOperation')
            $run.Errors[0].TargetObject | Should -Be $seed.CapacityBlock
            $cancelled = @(Import-Csv (Join-Path $run.WorkDir 'cancelled.csv'))
            # The active reservations without any instance in use: the end-dated one (the Capacity Block cannot be cancelled).
            $cancelled.CapacityReservationId | Should -Be @($seed.EndDated)
            $cancelled[0].Region | Should -Be 'us-east-1'
            (Get-Reservation $run $seed.EndDated).state | Should -Be 'cancelled'
        }
        'Set-InstanceCreditSpecification 1' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code
            $results = @($run.Output)
            $results.InstanceId | Should -Be @($run.State.instances.instanceId)
            ($results | Where-Object InstanceId -eq $seed.NotBurstable).Succeeded | Should -BeFalse
            ($results | Where-Object InstanceId -eq $seed.NotBurstable).ErrorCode | Should -Be 'InstanceCreditSpecification.NotSupported'
            ($results | Where-Object InstanceId -eq $seed.T3Micro).Succeeded | Should -BeTrue
            (Get-Instance $run $seed.T3Micro).cpuCredits | Should -Be 'unlimited'
            # Each failed instance is one non-terminating error; the command ran to the end.
            @($run.Errors).Count | Should -Be @($results | Where-Object { -not $_.Succeeded }).Count
            Get-ErrorId $run | Should -Contain 'InstanceCreditSpecification.NotSupported'
            @(Get-Sent $run 'ModifyInstanceCreditSpecification').Count | Should -Be 1
        }
        'Set-InstanceCreditSpecification 2' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code -Variables @{ ids = @($seed.T3Micro, $seed.T4gSmall) }
            $run.Errors | Should -BeNullOrEmpty
            $entries = @(Get-CreditEntries (Get-Sent $run 'ModifyInstanceCreditSpecification')[0])
            ($entries | Where-Object InstanceId -eq $seed.T3Micro).CpuCredits | Should -Be 'standard'
            ($entries | Where-Object InstanceId -eq $seed.T4gSmall).CpuCredits | Should -Be 'unlimited'
        }
        'Set-InstanceCreditSpecification 3' = {
            param($code)
            $ids = @($seed.T3Micro, $seed.T3Large, $seed.T4gSmall)
            $run = Invoke-DocumentedCode -Code $code -Files @{ 'instance-ids.txt' = ($ids -join "`n") }
            $run.Errors | Should -BeNullOrEmpty
            foreach ($id in $ids) { $run.Lines | Should -Contain "What if: Set the CPU credit option of $id to standard" }
            @(Get-Sent $run 'ModifyInstanceCreditSpecification' -DryRun).Count | Should -Be 1
            @(Get-Sent $run 'ModifyInstanceCreditSpecification').Count | Should -Be 0
            (Get-Instance $run $seed.T3Large).cpuCredits | Should -Be 'unlimited'

            $denied = Invoke-DocumentedCode -Code $code -Files @{ 'instance-ids.txt' = ($ids -join "`n") } -Keys ReadOnly
            Get-ErrorId $denied | Should -Contain 'UnauthorizedOperation'
        }
        'Set-InstanceCreditSpecification 4' = {
            param($code)
            $csv = "InstanceId,CpuCredits`n$($seed.T3Micro),unlimited`n$($seed.NotBurstable),unlimited`n$($seed.T4gSmall),standard"
            $run = Invoke-DocumentedCode -Code $code -Files @{ 'credits.csv' = $csv }
            $failed = @(Import-Csv (Join-Path $run.WorkDir 'failed.csv'))
            $failed.InstanceId | Should -Be @($seed.NotBurstable)
            $failed[0].ErrorCode | Should -Be 'InstanceCreditSpecification.NotSupported'
            $failed[0].ErrorMessage | Should -Not -BeNullOrEmpty
            (Get-Instance $run $seed.T3Micro).cpuCredits | Should -Be 'unlimited'
            (Get-Instance $run $seed.T4gSmall).cpuCredits | Should -Be 'standard'
        }

        'about: So a runbook can check its permissions and its plan before it changes anything' = {
            param($code)
            $csv = "CapacityReservationId,TargetInstanceCount`n$($seed.SourceWithAllocation),2`n$($seed.Source),1"
            $run = Invoke-DocumentedCode -Code $code -Files @{ 'plan.csv' = $csv }
            # The second row's plan would fail: -ErrorAction Stop stops there, after both DryRuns, changing nothing.
            Get-ErrorId $run | Should -Contain 'PlanWouldFail'
            @(Get-Sent $run 'UpdateInterruptibleCapacityReservationAllocation').Count | Should -Be 0
        }
        'about: Usage of every active reservation, largest spare capacity first' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code
            $run.Errors | Should -BeNullOrEmpty
            $available = @($run.Output.AvailableInstanceCount)
            $available.Count | Should -Be @($run.State.capacityReservations | Where-Object state -eq 'active').Count
            $available | Should -Be ($available | Sort-Object -Descending)
        }
        'about: Lend the idle capacity of open-ended reservations, keeping 2 spare' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code
            $run.Errors | Should -BeNullOrEmpty
            $run.Output.SourceCapacityReservationId | Should -Be @($seed.Source, $seed.Shared, $seed.Committed)
            $run.Output.Status | Should -Be @('active', 'active', 'active')
            $run.Output.InstanceCount | Should -Be @(4, 8, 4)
        }
        'about: Take all lent capacity back and wait for it' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code -Setup $sourceLends4
            $run.Errors | Should -BeNullOrEmpty
            $run.Output.InstanceCount | Should -Be 0
            # -Wait wrote the allocation once it had settled: the default preference cancelled the interruptible one.
            $run.Output.Status | Should -Be 'canceled'
            (Get-Reservation $run $run.Output.InterruptibleCapacityReservationId).state | Should -Be 'cancelled'
        }
        'about: Apply a CSV plan' = {
            param($code)
            $csv = "CapacityReservationId,TargetInstanceCount`n$($seed.SourceWithAllocation),6"
            $run = Invoke-DocumentedCode -Code $code -Files @{ 'plan.csv' = $csv }
            $run.Errors | Should -BeNullOrEmpty
            $run.Prompts | Should -BeNullOrEmpty
            $run.Output.TargetInstanceCount | Should -Be 6
            (Get-Reservation $run $seed.SourceWithAllocation).interruptibleCapacityAllocation.targetInstanceCount | Should -Be 6
        }
        'about: Switch CPU credits and keep a report of the failures' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code
            $failed = @(Import-Csv (Join-Path $run.WorkDir 'failed.csv'))
            $failed.InstanceId | Should -Contain $seed.NotBurstable
            $failed.InstanceId | Should -Not -Contain $seed.T3Micro
            (Get-Instance $run $seed.T3Micro).cpuCredits | Should -Be 'unlimited'
        }
        'about: Restore saved credit settings' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code -Variables @{ ids = @($seed.T3Micro, $seed.T4gSmall) }
            $run.Errors | Should -BeNullOrEmpty
            $entries = @(Get-CreditEntries (Get-Sent $run 'ModifyInstanceCreditSpecification')[0])
            $entries.CpuCredits | Should -Be @('standard', 'unlimited')
        }
        'about: For example' = {
            param($code)
            # The about topic's emulator listens on port 5000; ours on a free port (the only change).
            $run = Invoke-DocumentedCode -Code ($code -replace 'http://127\.0\.0\.1:5000/', $emulator.Url) -Keys None -Region ''
            $run.Errors | Should -BeNullOrEmpty
            $run.Output[0].CapacityReservationId | Should -Be $seed.Source
            $run.Output[1].SourceCapacityReservationId | Should -Be $seed.Source
            $run.Output[1].Status | Should -Be 'active'
            $run.Output[1].InstanceCount | Should -Be 2
        }
        'about: The Ec2Capacity.Testing module runs the emulator inside PowerShell 7.4+' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code -Keys None
            $run.Errors | Should -BeNullOrEmpty
            $run.Output.Count | Should -Be 2
            $run.Output[0].CapacityReservationId | Should -Be $seed.Source
            $run.Output[1].Action | Should -Be 'GetCapacityReservationUsage'
            $run.Output[1].HttpStatus | Should -Be 200
            # The kit's own emulator answered: the shared test emulator saw nothing.
            $run.Journal | Should -BeNullOrEmpty
        }
        'about: Handle errors as with any cmdlet' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code -Variables @{ ids = @($seed.Source, $seed.Unknown) }
            $run.Errors | Should -BeNullOrEmpty
            $run.Output.Count | Should -Be 2
            $run.Output[0].CapacityReservationId | Should -Be $seed.Source
            $run.Output[1].Name | Should -Be 'ObjectNotFound'
            $run.Output[1].Count | Should -Be 1
        }
        'about: Handle errors as with any cmdlet (2)' = {
            param($code)
            $run = Invoke-DocumentedCode -Code $code -Variables @{ id = $seed.Source }
            # The source lends nothing: the Stop error is caught and becomes a warning.
            $run.Errors | Should -BeNullOrEmpty
            $run.Warnings.Count | Should -Be 1
            @(Get-Sent $run 'UpdateInterruptibleCapacityReservationAllocation').Count | Should -Be 1
        }
    }
}

AfterAll {
    Stop-TestEmulator -Emulator $emulator
}

Describe 'Help examples' {
    It 'every example and recipe has a documented outcome here, and every outcome an example' {
        $names = @((Get-MamlExample -Path (Join-Path (Get-RepoRoot) 'module/help/en-US/Ec2Capacity.dll-Help.xml')).Name) +
            @((Get-AboutRecipe -Path (Join-Path (Get-RepoRoot) 'module/help/en-US/about_Ec2Capacity.help.txt')).Name)
        $names | Sort-Object | Should -Be ($documented.Keys | Sort-Object)
    }

    It '<Name> does what its help says' -ForEach $examples {
        & $documented[$Name] $Code
    }

    It '<Name> does what the about topic says' -ForEach $recipes {
        & $documented[$Name] $Code
    }

    It '<Name> does what the about topic says' -ForEach $kitRecipes -Skip:(-not $kitRuns) {
        & $documented[$Name] $Code
    }
}
