#Requires -Version 5.1
# Pester 5 tests of the runbooks in examples/. Each runbook is tested twice, the two ways you can test your own:
#  - against the EC2 emulator (tests/Ec2Capacity.Emulator): a real HTTP endpoint seeded with the scenario
#    (tests/Pester/Examples/*.seed.json); the runbook runs with -EndpointUrl and the seed account's keys, and the test
#    checks the runbook's summary, the emulator's state (GET /_emulator/state) and its request journal
#    (GET /_emulator/requests);
#  - with our cmdlets mocked: 'Mock Get-CapacityReservationUsage { ... }' in the test's scope replaces the cmdlet for
#    the runbook too (a runbook run with '& $path' resolves commands through the caller's scopes), so no endpoint is
#    needed and the test checks which calls the runbook made (Should -Invoke).
# Runs on Windows PowerShell 5.1 and PowerShell 7 (./build.ps1 -Task Test).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Ec2Capacity

    # The reclaim runbook shows progress while it waits; keep the test log readable.
    $ProgressPreference = 'SilentlyContinue'

    $examples = Join-Path (Get-RepoRoot) 'examples'
    $fixtures = Join-Path $PSScriptRoot 'Examples'

    # The reservations and instances of the seeds in tests/Pester/Examples/.
    $ids = @{
        # lend.seed.json (us-west-2)
        LendNew         = 'cr-1000000000000000a'  # active, total 10, used 2: 8 available, nothing lent
        LendRaise       = 'cr-2000000000000000b'  # active, total 12, used 3, lends 2 (active): 7 available
        LendRaiseTarget = 'cr-2000000000000000c'  # the interruptible reservation of LendRaise
        LendTight       = 'cr-3000000000000000d'  # active, total 4, used 3: 1 available
        LendCancelled   = 'cr-4000000000000000e'  # cancelled
        LendEndDated    = 'cr-5000000000000000f'  # active, 6 available, but with an end date
        # reclaim.seed.json (eu-west-1)
        Source1         = 'cr-6000000000000000a'  # lends 4 (default: canceled at 0)
        Interruptible1  = 'cr-6000000000000000b'  # its interruptible reservation (3 instances running)
        Source2         = 'cr-7000000000000000c'  # lends 3 (retain: stays at 0)
        Interruptible2  = 'cr-7000000000000000d'
        Source3         = 'cr-8000000000000000e'  # lends nothing
    }
    $ownerKey = 'AKIDRUNBOOKOWNER0001'

    function Get-RunbookSeed {
        param([Parameter(Mandatory)] [string] $Name)
        Get-Content -Raw -LiteralPath (Join-Path $fixtures "$Name.seed.json")
    }

    function Get-RunbookConnection {
        <# The splat a runbook needs for the emulator: endpoint, the seed's region, an account's keys (owner or read-only). #>
        param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [string] $SeedJson, [switch] $ReadOnly)
        $seed = $SeedJson | ConvertFrom-Json
        $index = 0
        if ($ReadOnly) { $index = 1 }
        $account = @($seed.accounts)[$index]
        @{
            EndpointUrl = $Emulator.Url
            Region      = $seed.region
            AccessKey   = $account.accessKeyId
            SecretKey   = $account.secretAccessKey
        }
    }

    function Invoke-Runbook {
        <#
            Runs examples/<Name> like an unattended job would and returns { Summary; Error; Warnings }: the summary the
            runbook wrote (kept through -OutVariable even when it then throws) and the terminating error, if any.
        #>
        param(
            [Parameter(Mandatory)] [string] $Name,
            [hashtable] $Parameters = @{},
            [object[]] $InputObject
        )
        $path = Join-Path $examples $Name
        $out = $null
        $warnings = $null
        $failure = $null
        try {
            if ($PSBoundParameters.ContainsKey('InputObject')) {
                $null = $InputObject | & $path @Parameters -OutVariable out -WarningVariable warnings -WarningAction SilentlyContinue
            }
            else {
                $null = & $path @Parameters -OutVariable out -WarningVariable warnings -WarningAction SilentlyContinue
            }
        }
        catch {
            $failure = $_
        }
        [pscustomobject]@{
            Summary  = @($out) | Select-Object -Last 1
            Error    = $failure
            Warnings = @($warnings)
        }
    }

    function ConvertTo-ResultTable {
        <# The runbook's per-item results keyed by an ID property. #>
        param($Results, [string] $Key)
        $table = @{}
        foreach ($result in @($Results)) {
            if ($null -ne $result.$Key) { $table[[string]$result.$Key] = $result }
        }
        $table
    }

    function Get-JournalEntry {
        <# The emulator's journal entries of one EC2 action. #>
        param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [string] $Action)
        @(Get-EmulatorJournal -Emulator $Emulator | Where-Object { $_.action -eq $Action })
    }
}

Describe 'Lend-IdleCapacity.ps1 against the emulator' {
    BeforeAll {
        $emulator = Start-TestEmulator
        $seed = Get-RunbookSeed -Name 'lend'
        $owner = Get-RunbookConnection -Emulator $emulator -SeedJson $seed
        $reader = Get-RunbookConnection -Emulator $emulator -SeedJson $seed -ReadOnly
    }
    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }
    BeforeEach {
        Reset-TestEmulator -Emulator $emulator -SeedJson $seed
    }

    It 'lends what is idle beyond the margin, raises an existing allocation and skips the rest' {
        $parameters = @{
            CapacityReservationId = @($ids.LendNew, $ids.LendRaise, $ids.LendTight, $ids.LendCancelled)
            SafetyMargin          = 2
            Wait                  = $true
            WaitTimeoutSeconds    = 60
        }
        $run = Invoke-Runbook -Name 'Lend-IdleCapacity.ps1' -Parameters ($parameters + $owner)

        $run.Error | Should -BeNullOrEmpty
        $run.Summary.Reservations | Should -Be 4
        $run.Summary.Created | Should -Be 1
        $run.Summary.Raised | Should -Be 1
        $run.Summary.Skipped | Should -Be 2
        $run.Summary.Failed | Should -Be 0
        $run.Summary.InstancesLent | Should -Be 11

        $results = ConvertTo-ResultTable -Results $run.Summary.Results -Key 'CapacityReservationId'
        $results[$ids.LendNew].Action | Should -Be 'Created'
        $results[$ids.LendNew].AvailableInstanceCount | Should -Be 8
        $results[$ids.LendNew].InstanceCount | Should -Be 6
        $results[$ids.LendNew].Status | Should -Be 'active'
        $results[$ids.LendNew].InterruptibleCapacityReservationId | Should -Match '^cr-[0-9a-f]{17}$'
        $results[$ids.LendRaise].Action | Should -Be 'Raised'
        $results[$ids.LendRaise].InstanceCount | Should -Be 5
        $results[$ids.LendRaise].TargetInstanceCount | Should -Be 7
        $results[$ids.LendRaise].InterruptibleCapacityReservationId | Should -Be $ids.LendRaiseTarget
        $results[$ids.LendTight].Action | Should -Be 'Skipped'
        $results[$ids.LendTight].Reason | Should -BeLike 'NoIdleCapacity*'
        $results[$ids.LendCancelled].Action | Should -Be 'Skipped'
        $results[$ids.LendCancelled].Reason | Should -BeLike 'NotActive*'

        # The emulator agrees: exactly the margin is left available in both sources.
        $lendNew = Get-ReservationState -Emulator $emulator -Id $ids.LendNew
        $lendNew.availableInstanceCount | Should -Be 2
        $lendNew.interruptibleCapacityAllocation.targetInstanceCount | Should -Be 6
        $lendNew.interruptibleCapacityAllocation.status | Should -Be 'active'
        $lent = Get-ReservationState -Emulator $emulator -Id $results[$ids.LendNew].InterruptibleCapacityReservationId
        $lent.interruptible | Should -BeTrue
        $lent.interruptionInfo.sourceCapacityReservationId | Should -Be $ids.LendNew
        $lent.totalInstanceCount | Should -Be 6
        $lendRaise = Get-ReservationState -Emulator $emulator -Id $ids.LendRaise
        $lendRaise.availableInstanceCount | Should -Be 2
        $lendRaise.interruptibleCapacityAllocation.targetInstanceCount | Should -Be 7
        (Get-ReservationState -Emulator $emulator -Id $ids.LendRaiseTarget).totalInstanceCount | Should -Be 7
        (Get-ReservationState -Emulator $emulator -Id $ids.LendTight).availableInstanceCount | Should -Be 1

        $creates = Get-JournalEntry -Emulator $emulator -Action 'CreateInterruptibleCapacityReservationAllocation'
        $creates.Count | Should -Be 1
        $creates[0].dryRun | Should -BeFalse
        $creates[0].parameters.CapacityReservationId | Should -Be $ids.LendNew
        $creates[0].parameters.InstanceCount | Should -Be '6'
        $updates = Get-JournalEntry -Emulator $emulator -Action 'UpdateInterruptibleCapacityReservationAllocation'
        $updates.Count | Should -Be 1
        $updates[0].parameters.CapacityReservationId | Should -Be $ids.LendRaise
        $updates[0].parameters.TargetInstanceCount | Should -Be '7'
        # Every request was signed with the key given to the runbook.
        @(Get-EmulatorJournal -Emulator $emulator | Where-Object { $_.accessKeyId -ne $ownerKey }).Count | Should -Be 0
    }

    It 'takes usage objects from the pipeline; -ExistingAllocation Skip only creates' {
        $usage = Get-CapacityReservationUsage -CapacityReservationId $ids.LendNew, $ids.LendRaise @owner
        $run = Invoke-Runbook -Name 'Lend-IdleCapacity.ps1' -InputObject $usage -Parameters (@{ SafetyMargin = 2; ExistingAllocation = 'Skip' } + $owner)

        $run.Error | Should -BeNullOrEmpty
        $results = ConvertTo-ResultTable -Results $run.Summary.Results -Key 'CapacityReservationId'
        $results[$ids.LendNew].Action | Should -Be 'Created'
        $results[$ids.LendNew].InstanceCount | Should -Be 6
        $results[$ids.LendRaise].Action | Should -Be 'Skipped'
        $results[$ids.LendRaise].Reason | Should -BeLike 'HasAllocation*'
        (Get-JournalEntry -Emulator $emulator -Action 'UpdateInterruptibleCapacityReservationAllocation').Count | Should -Be 0
        (Get-ReservationState -Emulator $emulator -Id $ids.LendRaise).interruptibleCapacityAllocation.targetInstanceCount | Should -Be 2
    }

    It '-WhatIf checks every change with an EC2 DryRun and changes nothing' {
        $before = Get-EmulatorStateText -Emulator $emulator
        $parameters = @{ CapacityReservationId = @($ids.LendNew, $ids.LendRaise); SafetyMargin = 2; WhatIf = $true }
        $run = Invoke-Runbook -Name 'Lend-IdleCapacity.ps1' -Parameters ($parameters + $owner)

        $run.Error | Should -BeNullOrEmpty
        $run.Summary.WhatIf | Should -BeTrue
        $run.Summary.Planned | Should -Be 2
        $run.Summary.InstancesLent | Should -Be 0
        $results = ConvertTo-ResultTable -Results $run.Summary.Results -Key 'CapacityReservationId'
        $results[$ids.LendNew].Action | Should -Be 'WouldCreate'
        $results[$ids.LendNew].InstanceCount | Should -Be 6
        $results[$ids.LendRaise].Action | Should -Be 'WouldRaise'
        $results[$ids.LendRaise].TargetInstanceCount | Should -Be 7

        Get-EmulatorStateText -Emulator $emulator | Should -Be $before
        $changes = @(Get-EmulatorJournal -Emulator $emulator | Where-Object { $_.action -ne 'GetCapacityReservationUsage' })
        $changes.Count | Should -Be 2
        @($changes | Where-Object { -not $_.dryRun }).Count | Should -Be 0
        # The reads were real: the plan needs real numbers.
        @(Get-EmulatorJournal -Emulator $emulator | Where-Object { $_.action -eq 'GetCapacityReservationUsage' -and $_.dryRun }).Count | Should -Be 0
    }

    It '-WhatIf fails the run when EC2 would refuse the change (a key without the permission)' {
        $parameters = @{ CapacityReservationId = @($ids.LendNew); SafetyMargin = 2; WhatIf = $true }
        $run = Invoke-Runbook -Name 'Lend-IdleCapacity.ps1' -Parameters ($parameters + $reader)

        $run.Error | Should -Not -BeNullOrEmpty
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'LendIdleCapacityFailed*'
        $run.Error.TargetObject.Failed | Should -Be 1
        $run.Summary.Failed | Should -Be 1
        @($run.Summary.Results)[0].ErrorCode | Should -Be 'UnauthorizedOperation'
        @(Get-JournalEntry -Emulator $emulator -Action 'CreateInterruptibleCapacityReservationAllocation' | Where-Object { -not $_.dryRun }).Count | Should -Be 0
    }

    It 'reports a reservation with an end date as failed (IncorrectState); -AllowFailure lets the run succeed' {
        $parameters = @{ CapacityReservationId = @($ids.LendNew, $ids.LendEndDated); SafetyMargin = 2; AllowFailure = $true }
        $run = Invoke-Runbook -Name 'Lend-IdleCapacity.ps1' -Parameters ($parameters + $owner)

        $run.Error | Should -BeNullOrEmpty
        @($run.Warnings | Where-Object { "$_" -like '1 of 2 reservation(s) failed*' }).Count | Should -Be 1
        $run.Summary.Created | Should -Be 1
        $run.Summary.Failed | Should -Be 1
        $results = ConvertTo-ResultTable -Results $run.Summary.Results -Key 'CapacityReservationId'
        $results[$ids.LendEndDated].Action | Should -Be 'Failed'
        $results[$ids.LendEndDated].ErrorCode | Should -Be 'IncorrectState'
        (Get-ReservationState -Emulator $emulator -Id $ids.LendEndDated).availableInstanceCount | Should -Be 6

        # Without -AllowFailure the same failure ends the run with a terminating error (exit code 1 under -File).
        $again = Invoke-Runbook -Name 'Lend-IdleCapacity.ps1' -Parameters (@{ CapacityReservationId = @($ids.LendEndDated) } + $owner)
        $again.Error.FullyQualifiedErrorId | Should -BeLike 'LendIdleCapacityFailed*'
        $again.Error.Exception.Message | Should -BeLike "*$($ids.LendEndDated) (IncorrectState)*"
        $again.Summary.Failed | Should -Be 1
    }
}

Describe 'Lend-IdleCapacity.ps1 with mocked cmdlets' {
    BeforeAll {
        $runbook = 'Lend-IdleCapacity.ps1'

        # What the mocked Get-CapacityReservationUsage answers, per reservation.
        $mockUsage = @{
            'cr-1000000000000000a' = @{ State = 'active'; Available = 8; Allocation = $null }
            'cr-2000000000000000b' = @{
                State = 'active'; Available = 7
                Allocation = @{ Status = 'active'; InstanceCount = 2; TargetInstanceCount = 2; InterruptibleCapacityReservationId = 'cr-2000000000000000c' }
            }
            'cr-3000000000000000d' = @{ State = 'active'; Available = 1; Allocation = $null }
        }

        Mock Get-CapacityReservationUsage {
            $mockId = @($CapacityReservationId)[0]
            $mockEntry = $mockUsage[$mockId]
            $mockAllocation = $null
            if ($null -ne $mockEntry.Allocation) { $mockAllocation = New-Object -TypeName psobject -Property $mockEntry.Allocation }
            [pscustomobject]@{
                CapacityReservationId           = $mockId
                State                           = $mockEntry.State
                AvailableInstanceCount          = $mockEntry.Available
                Interruptible                   = $false
                InterruptibleCapacityAllocation = $mockAllocation
            }
        }
        # Like the real cmdlets, the mocks write nothing under -WhatIf.
        Mock New-InterruptibleCapacityAllocation {
            if ($PesterBoundParameters['WhatIf']) { return }
            [pscustomobject]@{
                SourceCapacityReservationId        = $CapacityReservationId
                InterruptibleCapacityReservationId = $null
                InstanceCount                      = $InstanceCount
                TargetInstanceCount                = $InstanceCount
                Status                             = 'pending'
            }
        }
        Mock Update-InterruptibleCapacityAllocation {
            if ($PesterBoundParameters['WhatIf']) { return }
            [pscustomobject]@{
                SourceCapacityReservationId        = $CapacityReservationId
                InterruptibleCapacityReservationId = 'cr-2000000000000000c'
                InstanceCount                      = 2
                TargetInstanceCount                = $TargetInstanceCount
                Status                             = 'updating'
            }
        }

        # AWS.Tools.EC2 need not be installed: a stand-in with its parameter names gives Mock a command to replace.
        function Get-EC2CapacityReservation {
            [CmdletBinding()]
            param([object[]] $Filter, [string] $Region, [string] $ProfileName, [string] $ProfileLocation, [string] $AccessKey,
                [string] $SecretKey, [string] $SessionToken, [object] $Credential, [string] $EndpointUrl)
            throw 'Mock Get-EC2CapacityReservation in the test that needs it.'
        }
    }

    It 'lends the available capacity minus the margin where nothing is lent yet' {
        $run = Invoke-Runbook -Name $runbook -Parameters @{ CapacityReservationId = 'cr-1000000000000000a'; SafetyMargin = 2 }

        $run.Error | Should -BeNullOrEmpty
        Should -Invoke New-InterruptibleCapacityAllocation -Times 1 -Exactly -ParameterFilter {
            $CapacityReservationId -eq 'cr-1000000000000000a' -and $InstanceCount -eq 6
        }
        Should -Invoke Update-InterruptibleCapacityAllocation -Times 0 -Exactly
        $result = @($run.Summary.Results)[0]
        $result.Action | Should -Be 'Created'
        $result.InstanceCount | Should -Be 6
        $result.Status | Should -Be 'pending'
    }

    It 'raises an existing allocation by the idle capacity, with -Force (raising never interrupts anything)' {
        $run = Invoke-Runbook -Name $runbook -Parameters @{ CapacityReservationId = 'cr-2000000000000000b'; SafetyMargin = 2 }

        $run.Error | Should -BeNullOrEmpty
        Should -Invoke Update-InterruptibleCapacityAllocation -Times 1 -Exactly -ParameterFilter {
            $CapacityReservationId -eq 'cr-2000000000000000b' -and $TargetInstanceCount -eq 7 -and $Force
        }
        Should -Invoke New-InterruptibleCapacityAllocation -Times 0 -Exactly
        @($run.Summary.Results)[0].Action | Should -Be 'Raised'
        @($run.Summary.Results)[0].InstanceCount | Should -Be 5
    }

    It 'skips what it must not touch: -ExistingAllocation Skip, and no idle capacity beyond the margin' {
        $parameters = @{ CapacityReservationId = @('cr-2000000000000000b', 'cr-3000000000000000d'); SafetyMargin = 1; ExistingAllocation = 'Skip' }
        $run = Invoke-Runbook -Name $runbook -Parameters $parameters

        $run.Error | Should -BeNullOrEmpty
        Should -Invoke New-InterruptibleCapacityAllocation -Times 0 -Exactly
        Should -Invoke Update-InterruptibleCapacityAllocation -Times 0 -Exactly
        $results = ConvertTo-ResultTable -Results $run.Summary.Results -Key 'CapacityReservationId'
        $results['cr-2000000000000000b'].Reason | Should -BeLike 'HasAllocation*'
        $results['cr-3000000000000000d'].Reason | Should -BeLike 'NoIdleCapacity*'
        $run.Summary.Skipped | Should -Be 2
    }

    It '-WhatIf reads the real usage and passes -WhatIf to the change' {
        $run = Invoke-Runbook -Name $runbook -Parameters @{ CapacityReservationId = 'cr-1000000000000000a'; SafetyMargin = 2; WhatIf = $true }

        $run.Error | Should -BeNullOrEmpty
        Should -Invoke Get-CapacityReservationUsage -Times 1 -Exactly -ParameterFilter {
            $PesterBoundParameters.ContainsKey('WhatIf') -and -not $PesterBoundParameters['WhatIf']
        }
        Should -Invoke New-InterruptibleCapacityAllocation -Times 1 -Exactly -ParameterFilter { [bool]$PesterBoundParameters['WhatIf'] }
        $run.Summary.WhatIf | Should -BeTrue
        @($run.Summary.Results)[0].Action | Should -Be 'WouldCreate'
    }

    It 'skips piped AWS.Tools reservations that have an end date without asking EC2' {
        $piped = @(
            [pscustomobject]@{ CapacityReservationId = 'cr-5000000000000000f'; EndDateType = 'limited' }
            [pscustomobject]@{ CapacityReservationId = 'cr-1000000000000000a'; EndDateType = 'unlimited' }
        )
        $run = Invoke-Runbook -Name $runbook -InputObject $piped -Parameters @{ SafetyMargin = 2 }

        $run.Error | Should -BeNullOrEmpty
        Should -Invoke Get-CapacityReservationUsage -Times 0 -Exactly -ParameterFilter { $CapacityReservationId -contains 'cr-5000000000000000f' }
        Should -Invoke New-InterruptibleCapacityAllocation -Times 1 -Exactly
        $results = ConvertTo-ResultTable -Results $run.Summary.Results -Key 'CapacityReservationId'
        $results['cr-5000000000000000f'].Reason | Should -BeLike 'HasEndDate*'
        $results['cr-1000000000000000a'].Action | Should -Be 'Created'
    }

    It 'finds the active open-ended reservations through AWS.Tools when no ID is given' {
        Mock Get-EC2CapacityReservation {
            [pscustomobject]@{ CapacityReservationId = 'cr-1000000000000000a'; State = 'active'; EndDateType = 'unlimited' }
            [pscustomobject]@{ CapacityReservationId = 'cr-5000000000000000f'; State = 'active'; EndDateType = 'limited' }
        }
        $run = Invoke-Runbook -Name $runbook -Parameters @{ SafetyMargin = 2; Region = 'us-west-2' }

        $run.Error | Should -BeNullOrEmpty
        Should -Invoke Get-EC2CapacityReservation -Times 1 -Exactly -ParameterFilter {
            $Region -eq 'us-west-2' -and @($Filter)[0].Name -eq 'state' -and @(@($Filter)[0].Values) -contains 'active'
        }
        Should -Invoke New-InterruptibleCapacityAllocation -Times 1 -Exactly -ParameterFilter {
            $CapacityReservationId -eq 'cr-1000000000000000a' -and $Region -eq 'us-west-2'
        }
        $run.Summary.Reservations | Should -Be 2
        $run.Summary.Skipped | Should -Be 1
    }
}

Describe 'Reclaim-InterruptibleCapacity.ps1 against the emulator' {
    BeforeAll {
        $emulator = Start-TestEmulator
        $seed = Get-RunbookSeed -Name 'reclaim'
        $owner = Get-RunbookConnection -Emulator $emulator -SeedJson $seed
    }
    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }
    BeforeEach {
        Reset-TestEmulator -Emulator $emulator -SeedJson $seed
    }

    It 'reclaims every source, waits for all of them and reports which finished' {
        $parameters = @{
            CapacityReservationId = @($ids.Source1, $ids.Source2, $ids.Source3)
            Deadline              = (Get-Date).AddMinutes(2)
            PollIntervalSeconds   = 1
        }
        $run = Invoke-Runbook -Name 'Reclaim-InterruptibleCapacity.ps1' -Parameters ($parameters + $owner)

        $run.Error | Should -BeNullOrEmpty
        $run.Summary.Sources | Should -Be 3
        $run.Summary.Finished | Should -Be 3
        $run.Summary.NotFinished | Should -Be 0
        $run.Summary.Reclaimed | Should -Be 2
        $run.Summary.NothingToReclaim | Should -Be 1
        $run.Summary.InstancesReclaimed | Should -Be 7
        $run.Summary.AllFinished | Should -BeTrue

        $results = ConvertTo-ResultTable -Results $run.Summary.Results -Key 'CapacityReservationId'
        $results[$ids.Source1].Outcome | Should -Be 'Reclaimed'
        $results[$ids.Source1].Finished | Should -BeTrue
        $results[$ids.Source1].FinishedAt | Should -Not -BeNullOrEmpty
        $results[$ids.Source1].InstanceCountBefore | Should -Be 4
        $results[$ids.Source1].Status | Should -Be 'canceled'
        $results[$ids.Source1].InterruptibleCapacityReservationId | Should -Be $ids.Interruptible1
        $results[$ids.Source2].Outcome | Should -Be 'Reclaimed'
        $results[$ids.Source2].Status | Should -Be 'active'
        $results[$ids.Source2].InstanceCount | Should -Be 0
        $results[$ids.Source3].Outcome | Should -Be 'NothingToReclaim'

        # default: the interruptible reservation is cancelled and the capacity is back in the source.
        $source1 = Get-ReservationState -Emulator $emulator -Id $ids.Source1
        $source1.interruptibleCapacityAllocation.status | Should -Be 'canceled'
        $source1.availableInstanceCount | Should -Be 8
        (Get-ReservationState -Emulator $emulator -Id $ids.Interruptible1).state | Should -Be 'cancelled'
        # retain: the interruptible reservation stays, empty.
        $source2 = Get-ReservationState -Emulator $emulator -Id $ids.Source2
        $source2.interruptibleCapacityAllocation.status | Should -Be 'active'
        $source2.interruptibleCapacityAllocation.instanceCount | Should -Be 0
        $source2.availableInstanceCount | Should -Be 8
        (Get-ReservationState -Emulator $emulator -Id $ids.Interruptible2).state | Should -Be 'active'

        $updates = Get-JournalEntry -Emulator $emulator -Action 'UpdateInterruptibleCapacityReservationAllocation'
        $updates.Count | Should -Be 2
        @($updates | ForEach-Object { $_.parameters.CapacityReservationId }) | Should -Be @($ids.Source1, $ids.Source2)
        @($updates | Where-Object { $_.parameters.TargetInstanceCount -ne '0' -or $_.dryRun }).Count | Should -Be 0
    }

    It 'reports a source that has not settled by the deadline and fails the run; the reclaim is still started' {
        # Allocations that settle only after 1000 usage reads: the deadline comes first.
        Reset-TestEmulator -Emulator $emulator -SeedJson ($seed -replace '"settleAfterReads":\s*1\b', '"settleAfterReads": 1000')
        $parameters = @{ CapacityReservationId = $ids.Source1; Deadline = (Get-Date).AddSeconds(2); PollIntervalSeconds = 1 }
        $run = Invoke-Runbook -Name 'Reclaim-InterruptibleCapacity.ps1' -Parameters ($parameters + $owner)

        $run.Error | Should -Not -BeNullOrEmpty
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'ReclaimNotFinished*'
        $run.Error.Exception.Message | Should -BeLike "*$($ids.Source1) (TimedOut*"
        $run.Summary.TimedOut | Should -Be 1
        $run.Summary.NotFinished | Should -Be 1
        $run.Summary.AllFinished | Should -BeFalse
        $result = @($run.Summary.Results)[0]
        $result.Outcome | Should -Be 'TimedOut'
        $result.Finished | Should -BeFalse
        $result.Status | Should -Be 'canceling'
        $result.ErrorCode | Should -Be 'DeadlinePassed'
        (Get-ReservationState -Emulator $emulator -Id $ids.Source1).interruptibleCapacityAllocation.status | Should -Be 'canceling'
    }

    It '-WhatIf checks each reclaim with an EC2 DryRun, changes nothing and waits for nothing' {
        $before = Get-EmulatorStateText -Emulator $emulator
        $parameters = @{ CapacityReservationId = @($ids.Source1, $ids.Source2, $ids.Source3); Deadline = (Get-Date).AddMinutes(2); WhatIf = $true }
        $run = Invoke-Runbook -Name 'Reclaim-InterruptibleCapacity.ps1' -Parameters ($parameters + $owner)

        $run.Error | Should -BeNullOrEmpty
        $run.Summary.WhatIf | Should -BeTrue
        $run.Summary.Planned | Should -Be 2
        $run.Summary.NothingToReclaim | Should -Be 1
        Get-EmulatorStateText -Emulator $emulator | Should -Be $before
        $updates = Get-JournalEntry -Emulator $emulator -Action 'UpdateInterruptibleCapacityReservationAllocation'
        $updates.Count | Should -Be 2
        @($updates | Where-Object { -not $_.dryRun }).Count | Should -Be 0
        # One read per source by the runbook, no polling; each of the 2 previewed reclaims adds -WhatIf's plan reads
        # (its source, and its interruptible reservation to count what runs there).
        (Get-JournalEntry -Emulator $emulator -Action 'GetCapacityReservationUsage').Count | Should -Be (3 + 2 * 2)
    }

    It 'takes piped usage of an interruptible reservation and reclaims through its source' {
        $usage = Get-CapacityReservationUsage -CapacityReservationId $ids.Interruptible1 @owner
        $run = Invoke-Runbook -Name 'Reclaim-InterruptibleCapacity.ps1' -InputObject $usage `
            -Parameters (@{ Deadline = (Get-Date).AddMinutes(2); PollIntervalSeconds = 1 } + $owner)

        $run.Error | Should -BeNullOrEmpty
        @($run.Summary.Results).Count | Should -Be 1
        @($run.Summary.Results)[0].CapacityReservationId | Should -Be $ids.Source1
        @($run.Summary.Results)[0].Outcome | Should -Be 'Reclaimed'
        (Get-JournalEntry -Emulator $emulator -Action 'UpdateInterruptibleCapacityReservationAllocation')[0].parameters.CapacityReservationId |
            Should -Be $ids.Source1
    }
}

Describe 'Reclaim-InterruptibleCapacity.ps1 with mocked cmdlets' {
    BeforeAll {
        $runbook = 'Reclaim-InterruptibleCapacity.ps1'

        # A tiny fake of EC2 for the mocks: what each source lends, which were reclaimed, and the order of the calls.
        $mockLent = @{ 'cr-6000000000000000a' = 4; 'cr-7000000000000000c' = 3; 'cr-8000000000000000e' = 0 }
        $mockState = @{
            Reclaimed        = @{}
            Reads            = @{}
            SettleAfterReads = 1
            Log              = New-Object 'System.Collections.Generic.List[string]'
        }

        Mock Get-CapacityReservationUsage {
            $mockId = @($CapacityReservationId)[0]
            $mockAllocation = $null
            if ($mockLent[$mockId] -gt 0) {
                $mockStatus = 'active'
                $mockCount = $mockLent[$mockId]
                $mockTarget = $mockCount
                if ($mockState.Reclaimed.ContainsKey($mockId)) {
                    $mockState.Log.Add("read:$mockId")
                    $mockState.Reads[$mockId] = 1 + [int]$mockState.Reads[$mockId]
                    $mockTarget = 0
                    if ($mockState.Reads[$mockId] -ge $mockState.SettleAfterReads) {
                        $mockStatus = 'canceled'
                        $mockCount = 0
                    }
                    else {
                        $mockStatus = 'canceling'
                    }
                }
                $mockAllocation = [pscustomobject]@{
                    Status                             = $mockStatus
                    InstanceCount                      = $mockCount
                    TargetInstanceCount                = $mockTarget
                    InterruptibleCapacityReservationId = 'cr-90000000000000001'
                }
            }
            [pscustomobject]@{
                CapacityReservationId           = $mockId
                State                           = 'active'
                Interruptible                   = $false
                InterruptionInfo                = $null
                InterruptibleCapacityAllocation = $mockAllocation
            }
        }
        Mock Update-InterruptibleCapacityAllocation {
            if ($PesterBoundParameters['WhatIf']) { return }
            $mockState.Log.Add("update:$CapacityReservationId")
            $mockState.Reclaimed[$CapacityReservationId] = $true
            [pscustomobject]@{
                SourceCapacityReservationId = $CapacityReservationId
                InstanceCount               = $mockLent[$CapacityReservationId]
                TargetInstanceCount         = 0
                Status                      = 'canceling'
            }
        }
        # No real waiting in these tests.
        Mock Start-Sleep { }
    }
    BeforeEach {
        $mockState.Reclaimed.Clear()
        $mockState.Reads.Clear()
        $mockState.Log.Clear()
        $mockState.SettleAfterReads = 1
    }

    It 'starts every reclaim with -TargetInstanceCount 0 -Force before it waits for any' {
        $parameters = @{ CapacityReservationId = @('cr-6000000000000000a', 'cr-7000000000000000c', 'cr-8000000000000000e'); Deadline = (Get-Date).AddMinutes(5) }
        $run = Invoke-Runbook -Name $runbook -Parameters $parameters

        $run.Error | Should -BeNullOrEmpty
        Should -Invoke Update-InterruptibleCapacityAllocation -Times 2 -Exactly -ParameterFilter { $TargetInstanceCount -eq 0 -and $Force }
        Should -Invoke Update-InterruptibleCapacityAllocation -Times 0 -Exactly -ParameterFilter { $CapacityReservationId -eq 'cr-8000000000000000e' }
        @($mockState.Log)[0..1] | Should -Be @('update:cr-6000000000000000a', 'update:cr-7000000000000000c')
        @($mockState.Log)[2] | Should -BeLike 'read:*'
        # Both settled at the first poll: no sleeping.
        Should -Invoke Start-Sleep -Times 0 -Exactly
        $run.Summary.Reclaimed | Should -Be 2
        $run.Summary.NothingToReclaim | Should -Be 1
        $run.Summary.InstancesReclaimed | Should -Be 7
        $run.Summary.AllFinished | Should -BeTrue
    }

    It 'polls until the deadline and fails the run for what has not settled' {
        $mockState.SettleAfterReads = 1000
        $parameters = @{ CapacityReservationId = 'cr-6000000000000000a'; Deadline = (Get-Date).AddSeconds(-1) }
        $run = Invoke-Runbook -Name $runbook -Parameters $parameters

        $run.Error.FullyQualifiedErrorId | Should -BeLike 'ReclaimNotFinished*'
        # A deadline already passed: the reclaim is still started, then read once.
        Should -Invoke Update-InterruptibleCapacityAllocation -Times 1 -Exactly
        $mockState.Reads['cr-6000000000000000a'] | Should -Be 1
        @($run.Summary.Results)[0].Outcome | Should -Be 'TimedOut'
        @($run.Summary.Results)[0].Status | Should -Be 'canceling'
    }

    It '-AllowFailure reports the sources that did not finish without failing the run' {
        $mockState.SettleAfterReads = 1000
        $parameters = @{ CapacityReservationId = 'cr-7000000000000000c'; Deadline = (Get-Date).AddSeconds(-1); AllowFailure = $true }
        $run = Invoke-Runbook -Name $runbook -Parameters $parameters

        $run.Error | Should -BeNullOrEmpty
        @($run.Warnings | Where-Object { "$_" -like '1 of 1 source(s) did not finish*' }).Count | Should -Be 1
        $run.Summary.NotFinished | Should -Be 1
        $run.Summary.AllFinished | Should -BeFalse
    }

    It '-WhatIf reads the real usage, passes -WhatIf to Update- and does not wait' {
        $parameters = @{ CapacityReservationId = @('cr-6000000000000000a', 'cr-8000000000000000e'); Deadline = (Get-Date).AddMinutes(5); WhatIf = $true }
        $run = Invoke-Runbook -Name $runbook -Parameters $parameters

        $run.Error | Should -BeNullOrEmpty
        Should -Invoke Update-InterruptibleCapacityAllocation -Times 1 -Exactly -ParameterFilter { [bool]$PesterBoundParameters['WhatIf'] }
        Should -Invoke Get-CapacityReservationUsage -Times 2 -Exactly -ParameterFilter {
            $PesterBoundParameters.ContainsKey('WhatIf') -and -not $PesterBoundParameters['WhatIf']
        }
        $run.Summary.Planned | Should -Be 1
        $run.Summary.NothingToReclaim | Should -Be 1
    }
}

Describe 'Set-CreditsFromCsv.ps1 against the emulator' {
    BeforeAll {
        $emulator = Start-TestEmulator
        $seed = Get-RunbookSeed -Name 'credits'
        $owner = Get-RunbookConnection -Emulator $emulator -SeedJson $seed
        $reader = Get-RunbookConnection -Emulator $emulator -SeedJson $seed -ReadOnly
        # 10 rows: 2 good, 3 that EC2 refuses, 1 unknown instance, 1 empty and 1 bad option, a repeat and a conflict.
        $csv = Join-Path $fixtures 'credits.csv'
    }
    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }
    BeforeEach {
        Reset-TestEmulator -Emulator $emulator -SeedJson $seed
    }

    It 'applies the CSV in one batch, lists every failure and fails the run' {
        $run = Invoke-Runbook -Name 'Set-CreditsFromCsv.ps1' -Parameters (@{ Path = $csv } + $owner)

        $run.Error | Should -Not -BeNullOrEmpty
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'CreditChangesFailed*'
        $run.Error.Exception.Message | Should -BeLike '6 of 8 credit change(s)*'
        $run.Error.TargetObject.Failed | Should -Be 6

        $summary = $run.Summary
        $summary.Rows | Should -Be 10
        $summary.Requested | Should -Be 5
        $summary.Succeeded | Should -Be 2
        $summary.Failed | Should -Be 6
        @($summary.Failures).Count | Should -Be 6
        $outcomes = ConvertTo-ResultTable -Results $summary.Results -Key 'InstanceId'
        $outcomes['i-0a000000000000001'].Outcome | Should -Be 'Succeeded'
        $outcomes['i-0a000000000000002'].Outcome | Should -Be 'Succeeded'
        $outcomes['i-0a000000000000002'].CpuCredits | Should -Be 'unlimited'
        $outcomes['i-0a000000000000003'].ErrorCode | Should -Be 'InstanceCreditSpecification.NotSupported'
        $outcomes['i-0a000000000000004'].ErrorCode | Should -Be 'IncorrectInstanceState'
        $outcomes['i-0a00000000000000f'].ErrorCode | Should -Be 'InvalidInstanceID.NotFound'
        $outcomes['i-0a000000000000006'].ErrorCode | Should -Be 'MissingCpuCredits'
        $outcomes['i-0a000000000000006'].Row | Should -Be 6
        $outcomes['i-0a000000000000007'].ErrorCode | Should -Be 'InvalidCpuCredits'
        $outcomes['i-0a000000000000008'].ErrorCode | Should -Be 'ConflictingCpuCredits'

        (Get-InstanceState -Emulator $emulator -Id 'i-0a000000000000001').cpuCredits | Should -Be 'standard'
        (Get-InstanceState -Emulator $emulator -Id 'i-0a000000000000002').cpuCredits | Should -Be 'unlimited'
        # Rows that were not sent left their instances alone.
        (Get-InstanceState -Emulator $emulator -Id 'i-0a000000000000006').cpuCredits | Should -Be 'unlimited'
        (Get-InstanceState -Emulator $emulator -Id 'i-0a000000000000008').cpuCredits | Should -Be 'unlimited'

        # One request for the five instances that could be sent (the repeat of row 1 is sent once).
        $requests = Get-JournalEntry -Emulator $emulator -Action 'ModifyInstanceCreditSpecification'
        $requests.Count | Should -Be 1
        $sent = @($requests[0].parameters.PSObject.Properties | Where-Object { $_.Name -like 'InstanceCreditSpecification.*.InstanceId' })
        $sent.Count | Should -Be 5
    }

    It '-BatchSize splits the requests; -AllowFailure lets the run succeed with the failures in the summary' {
        $run = Invoke-Runbook -Name 'Set-CreditsFromCsv.ps1' -Parameters (@{ Path = $csv; BatchSize = 2; AllowFailure = $true } + $owner)

        $run.Error | Should -BeNullOrEmpty
        @($run.Warnings | Where-Object { "$_" -like '6 of 8 credit change(s)*' }).Count | Should -Be 1
        $run.Summary.Succeeded | Should -Be 2
        $run.Summary.Failed | Should -Be 6
        # ceil(5 / 2) requests
        (Get-JournalEntry -Emulator $emulator -Action 'ModifyInstanceCreditSpecification').Count | Should -Be 3
    }

    It '-WhatIf checks the plan with EC2 DryRun requests and changes nothing' {
        $plan = Join-Path $TestDrive 'plan.csv'
        Set-Content -LiteralPath $plan -Value @('InstanceId,CpuCredits', 'i-0a000000000000001,standard', 'i-0a000000000000002,unlimited')
        $before = Get-EmulatorStateText -Emulator $emulator
        $run = Invoke-Runbook -Name 'Set-CreditsFromCsv.ps1' -Parameters (@{ Path = $plan; WhatIf = $true } + $owner)

        $run.Error | Should -BeNullOrEmpty
        $run.Summary.WhatIf | Should -BeTrue
        $run.Summary.WouldChange | Should -Be 2
        $run.Summary.Failed | Should -Be 0
        Get-EmulatorStateText -Emulator $emulator | Should -Be $before
        $requests = Get-JournalEntry -Emulator $emulator -Action 'ModifyInstanceCreditSpecification'
        $requests.Count | Should -Be 1
        $requests[0].dryRun | Should -BeTrue
    }

    It '-WhatIf fails the run when the key may not change credit options' {
        $plan = Join-Path $TestDrive 'plan.csv'
        Set-Content -LiteralPath $plan -Value @('InstanceId,CpuCredits', 'i-0a000000000000001,standard', 'i-0a000000000000002,unlimited')
        $run = Invoke-Runbook -Name 'Set-CreditsFromCsv.ps1' -Parameters (@{ Path = $plan; WhatIf = $true } + $reader)

        $run.Error.FullyQualifiedErrorId | Should -BeLike 'CreditChangesFailed*'
        $run.Summary.Failed | Should -Be 2
        @($run.Summary.Failures | Where-Object { $_.ErrorCode -ne 'UnauthorizedOperation' }).Count | Should -Be 0
    }
}

Describe 'Set-CreditsFromCsv.ps1 with mocked cmdlets' {
    BeforeAll {
        $runbook = 'Set-CreditsFromCsv.ps1'

        # Every instance succeeds except i-0a000000000000003, which is not burstable. Nothing is written under -WhatIf.
        Mock Set-InstanceCreditSpecification {
            if ($PesterBoundParameters['WhatIf']) { return }
            foreach ($mockInstance in $InstanceId) {
                $mockOk = $mockInstance -ne 'i-0a000000000000003'
                $mockCode = $null
                $mockMessage = $null
                if (-not $mockOk) {
                    $mockCode = 'InstanceCreditSpecification.NotSupported'
                    $mockMessage = "The instance type of $mockInstance does not support a credit option."
                }
                [pscustomobject]@{
                    InstanceId   = $mockInstance
                    CpuCredits   = $CpuCredits
                    Succeeded    = $mockOk
                    ErrorCode    = $mockCode
                    ErrorMessage = $mockMessage
                }
            }
        }
    }

    It 'pipes each good row once into Set-InstanceCreditSpecification -PassThru and fails the run on failures' {
        $plan = Join-Path $TestDrive 'plan.csv'
        Set-Content -LiteralPath $plan -Value @(
            'InstanceId,CpuCredits'
            'i-0a000000000000001,standard'
            'i-0a000000000000003,UNLIMITED'
            'i-0a000000000000005,turbo'
            'i-0a000000000000001,standard'
        )
        $run = Invoke-Runbook -Name $runbook -Parameters @{ Path = $plan }

        Should -Invoke Set-InstanceCreditSpecification -Times 1 -Exactly -ParameterFilter {
            $InstanceId -contains 'i-0a000000000000001' -and $CpuCredits -eq 'standard' -and $PassThru
        }
        Should -Invoke Set-InstanceCreditSpecification -Times 1 -Exactly -ParameterFilter {
            $InstanceId -contains 'i-0a000000000000003' -and $CpuCredits -eq 'unlimited'
        }
        Should -Invoke Set-InstanceCreditSpecification -Times 0 -Exactly -ParameterFilter { $InstanceId -contains 'i-0a000000000000005' }
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'CreditChangesFailed*'
        $run.Summary.Succeeded | Should -Be 1
        $run.Summary.Failed | Should -Be 2
        @($run.Summary.Failures | ForEach-Object { $_.ErrorCode } | Sort-Object) |
            Should -Be @('InstanceCreditSpecification.NotSupported', 'InvalidCpuCredits')
    }

    It '-DefaultCpuCredits fills empty cells and a column-less CpuCredits; -AllowFailure never throws' {
        $plan = Join-Path $TestDrive 'ids.csv'
        Set-Content -LiteralPath $plan -Value @('InstanceId', 'i-0a000000000000001', 'i-0a000000000000003')
        $run = Invoke-Runbook -Name $runbook -Parameters @{ Path = $plan; DefaultCpuCredits = 'unlimited'; AllowFailure = $true }

        $run.Error | Should -BeNullOrEmpty
        Should -Invoke Set-InstanceCreditSpecification -Times 2 -Exactly -ParameterFilter { $CpuCredits -eq 'unlimited' }
        $run.Summary.Failed | Should -Be 1
        @($run.Warnings | Where-Object { "$_" -like '1 of 2 credit change(s)*' }).Count | Should -Be 1
    }

    It '-WhatIf is passed on to the cmdlet' {
        $plan = Join-Path $TestDrive 'plan.csv'
        Set-Content -LiteralPath $plan -Value @('InstanceId,CpuCredits', 'i-0a000000000000001,standard')
        $run = Invoke-Runbook -Name $runbook -Parameters @{ Path = $plan; WhatIf = $true; BatchSize = 50 }

        $run.Error | Should -BeNullOrEmpty
        Should -Invoke Set-InstanceCreditSpecification -Times 1 -Exactly -ParameterFilter { [bool]$PesterBoundParameters['WhatIf'] -and $BatchSize -eq 50 }
        @($run.Summary.Results)[0].Outcome | Should -Be 'WouldChange'
    }

    It 'stops before any request when the CSV has no InstanceId column' {
        $plan = Join-Path $TestDrive 'wrong.csv'
        Set-Content -LiteralPath $plan -Value @('Name,CpuCredits', 'web-1,standard')
        $run = Invoke-Runbook -Name $runbook -Parameters @{ Path = $plan }

        $run.Error | Should -Not -BeNullOrEmpty
        $run.Error.Exception.Message | Should -BeLike '*no InstanceId column*'
        $run.Summary | Should -BeNullOrEmpty
        Should -Invoke Set-InstanceCreditSpecification -Times 0 -Exactly
    }
}
