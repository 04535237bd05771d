#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

Describe 'New-InterruptibleCapacityAllocation and Update-InterruptibleCapacityAllocation' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        Import-Ec2Capacity
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $demo = Get-DemoConnection -Emulator $emulator
        $readOnly = Get-DemoConnection -Emulator $emulator -ReadOnly
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }

    BeforeEach {
        Reset-TestEmulator -Emulator $emulator
    }

    Context 'New-InterruptibleCapacityAllocation' {
        It 'lends instances and writes a typed allocation object' {
            $allocation = New-InterruptibleCapacityAllocation $seed.Source 2 -Tag @{ team = 'batch' } @demo

            $allocation.GetType().FullName | Should -Be 'Ec2Capacity.InterruptibleCapacityAllocation'
            $allocation.SourceCapacityReservationId | Should -Be $seed.Source
            $allocation.TargetInstanceCount | Should -Be 2
            $allocation.Status | Should -Be 'pending'
            $allocation.ClientToken | Should -Not -BeNullOrEmpty
            $allocation.Region | Should -Be 'us-east-1'

            $create = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -eq 'CreateInterruptibleCapacityReservationAllocation')
            $create.Count | Should -Be 1
            $create[0].dryRun | Should -BeFalse
            $create[0].parameters.InstanceCount | Should -Be '2'
            $create[0].parameters.ClientToken | Should -Be $allocation.ClientToken
            $create[0].parameters.'TagSpecification.1.ResourceType' | Should -Be 'capacity-reservation'
            $create[0].parameters.'TagSpecification.1.Tag.1.Key' | Should -Be 'team'
        }

        It '-Wait returns the settled allocation with the interruptible reservation ID' {
            $allocation = New-InterruptibleCapacityAllocation -CapacityReservationId $seed.Source -InstanceCount 2 -Wait -WaitTimeoutSeconds 120 @demo

            $allocation.Status | Should -Be 'active'
            $allocation.InterruptibleCapacityReservationId | Should -Match '^cr-[0-9a-f]{17}$'
            $allocation.InstanceCount | Should -Be 2
            (Get-ReservationState -Emulator $emulator -Id $seed.Source).interruptibleCapacityAllocation.status | Should -Be 'active'
        }

        It '-Wait that runs out of time is a non-terminating OperationTimeout error' {
            # The emulator settles after 2 usage reads; the waiter reads at once, then would wait 5 s: 1 s is too short.
            $result = Invoke-Quietly { New-InterruptibleCapacityAllocation $seed.Source 2 -Wait -WaitTimeoutSeconds 1 @demo }

            $result.Output | Should -BeNullOrEmpty
            $result.Errors.Count | Should -Be 1
            $result.Errors[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
            $result.Errors[0].FullyQualifiedErrorId | Should -BeLike 'WaitTimeout,*'
            $result.Errors[0].TargetObject | Should -Be $seed.Source
        }

        It 'binds ID and count from CSV rows' {
            $csv = Join-Path $TestDrive 'lend.csv'
            @(
                [pscustomobject]@{ CapacityReservationId = $seed.Source; InstanceCount = '3' }
                [pscustomobject]@{ CapacityReservationId = $seed.EndDated; InstanceCount = '1' }
            ) | Export-Csv -Path $csv -NoTypeInformation

            $result = Invoke-Quietly { Import-Csv $csv | New-InterruptibleCapacityAllocation @demo }

            $result.Output.Count | Should -Be 1
            $result.Output[0].TargetInstanceCount | Should -Be 3
            # A reservation with an end date cannot lend: EC2 IncorrectState, the next row still ran.
            $result.Errors.Count | Should -Be 1
            $result.Errors[0].TargetObject | Should -Be $seed.EndDated
            $result.Errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        }

        It '-WhatIf sends one DryRun request, changes nothing and writes no object' {
            $before = Get-EmulatorStateText -Emulator $emulator

            $output = New-InterruptibleCapacityAllocation $seed.Source -InstanceCount 2 -Wait -WhatIf @demo

            $output | Should -BeNullOrEmpty
            $journal = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -ne 'GetCapacityReservationUsage') # -WhatIf's plan reads are not changes
            $journal.Count | Should -Be 1
            $journal[0].action | Should -Be 'CreateInterruptibleCapacityReservationAllocation'
            $journal[0].dryRun | Should -BeTrue
            Get-EmulatorStateText -Emulator $emulator | Should -Be $before
        }

        It '-WhatIf with credentials that lack the permission fails a runbook under -ErrorAction Stop' {
            { New-InterruptibleCapacityAllocation $seed.Source 2 -WhatIf -ErrorAction Stop @readOnly } |
                Should -Throw -ErrorId 'UnauthorizedOperation,Ec2Capacity.Commands.NewInterruptibleCapacityAllocationCommand'
            $journal = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -ne 'GetCapacityReservationUsage') # -WhatIf's plan reads are not changes
            $journal.Count | Should -Be 1
            $journal[0].dryRun | Should -BeTrue
            $journal[0].errorCode | Should -Be 'UnauthorizedOperation'
        }

        It 'without -ZeroSizePreference the new allocation shows EC2''s default preference, not a blank' {
            $created = New-InterruptibleCapacityAllocation $seed.Source 1 -Confirm:$false @demo
            $created.ZeroSizePreference | Should -Be 'default'
        }

        It 'a denied verdict is an error record with PermissionDenied' {
            $result = Invoke-Quietly { New-InterruptibleCapacityAllocation $seed.Source 2 -WhatIf @readOnly }
            $result.Errors.Count | Should -Be 1
            $result.Errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            $result.Errors[0].TargetObject | Should -Be $seed.Source
        }

        It 'rejects a reserved tag key before sending anything' {
            $result = Invoke-Quietly { New-InterruptibleCapacityAllocation $seed.Source 2 -Tag @{ 'aws:owner' = 'x' } @demo }
            $result.Errors.Count | Should -Be 1
            $result.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 0
        }
    }

    Context 'Update-InterruptibleCapacityAllocation' {
        It 'takes ID and region from Get-CapacityReservationUsage output' {
            $noRegion = Get-DemoConnection -Emulator $emulator -NoRegion

            $updated = Get-CapacityReservationUsage $seed.SourceWithAllocation @demo |
                Update-InterruptibleCapacityAllocation -TargetInstanceCount 2 -Confirm:$false @noRegion

            $updated.SourceCapacityReservationId | Should -Be $seed.SourceWithAllocation
            $updated.TargetInstanceCount | Should -Be 2
            $updated.Region | Should -Be 'us-east-1'
            $update = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -eq 'UpdateInterruptibleCapacityReservationAllocation')
            $update.Count | Should -Be 1
            $update[0].parameters.TargetInstanceCount | Should -Be '2'
        }

        It '-Force changes without a prompt and reads nothing for one' {
            $updated = Update-InterruptibleCapacityAllocation $seed.SourceWithAllocation 1 -Force @demo

            $updated.TargetInstanceCount | Should -Be 1
            $journal = @(Get-EmulatorJournal -Emulator $emulator)
            $journal.Count | Should -Be 1
            $journal[0].action | Should -Be 'UpdateInterruptibleCapacityReservationAllocation'
        }

        It '-Confirm:$false changes without a prompt' {
            { Update-InterruptibleCapacityAllocation $seed.SourceWithAllocation 3 -Confirm:$false @demo -ErrorAction Stop } | Should -Not -Throw
            (Get-ReservationState -Emulator $emulator -Id $seed.SourceWithAllocation).interruptibleCapacityAllocation.targetInstanceCount | Should -Be 3
        }

        It '-WhatIf wins over -Force: only the DryRun is sent' {
            $before = Get-EmulatorStateText -Emulator $emulator

            $output = Update-InterruptibleCapacityAllocation $seed.SourceWithAllocation 0 -Force -WhatIf @demo

            $output | Should -BeNullOrEmpty
            $journal = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -ne 'GetCapacityReservationUsage') # -WhatIf's plan reads are not changes
            $journal.Count | Should -Be 1
            $journal[0].dryRun | Should -BeTrue
            $journal[0].action | Should -Be 'UpdateInterruptibleCapacityReservationAllocation'
            Get-EmulatorStateText -Emulator $emulator | Should -Be $before
        }

        It 'checks a CSV plan with -WhatIf; a blank TargetInstanceCount cell is not 0' {
            $csv = Join-Path $TestDrive 'plan.csv'
            @(
                [pscustomobject]@{ CapacityReservationId = $seed.SourceWithAllocation; TargetInstanceCount = '1' }
                [pscustomobject]@{ CapacityReservationId = $seed.SourceWithAllocation; TargetInstanceCount = '' }
            ) | Export-Csv -Path $csv -NoTypeInformation
            $before = Get-EmulatorStateText -Emulator $emulator

            $output = Import-Csv $csv | Update-InterruptibleCapacityAllocation -ZeroSizePreference default -WhatIf @demo

            $output | Should -BeNullOrEmpty
            $journal = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -ne 'GetCapacityReservationUsage') # -WhatIf's plan reads are not changes
            $journal.Count | Should -Be 2
            $journal | ForEach-Object {
                $_.dryRun | Should -BeTrue
                $_.parameters.ZeroSizePreference | Should -Be 'default'
            }
            $journal[0].parameters.TargetInstanceCount | Should -Be '1'
            $journal[1].parameters.PSObject.Properties.Name | Should -Not -Contain 'TargetInstanceCount'
            Get-EmulatorStateText -Emulator $emulator | Should -Be $before
        }

        It 'a blank TargetInstanceCount cell without -ZeroSizePreference is an error for that row, and nothing is sent for it' {
            $csv = Join-Path $TestDrive 'blank.csv'
            @(
                [pscustomobject]@{ CapacityReservationId = $seed.SourceWithAllocation; TargetInstanceCount = '' }
            ) | Export-Csv -Path $csv -NoTypeInformation

            $result = Invoke-Quietly { Import-Csv $csv | Update-InterruptibleCapacityAllocation -WhatIf @demo }

            $result.Errors.Count | Should -Be 1
            $result.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $result.Errors[0].TargetObject | Should -Be $seed.SourceWithAllocation
            @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 0
        }

        It 'a CSV count that is not a whole number (<_>) is an error for that row naming the value; the other rows run' -ForEach 'two', '1.5', '-1x' {
            $csv = Join-Path $TestDrive 'bad.csv'
            @(
                [pscustomobject]@{ CapacityReservationId = $seed.SourceWithAllocation; TargetInstanceCount = $_ }
                [pscustomobject]@{ CapacityReservationId = $seed.SourceWithAllocation; TargetInstanceCount = '3' }
            ) | Export-Csv -Path $csv -NoTypeInformation

            # With -ZeroSizePreference given, a dropped count would silently turn the row into a preference-only change.
            $result = Invoke-Quietly {
                Import-Csv $csv | Update-InterruptibleCapacityAllocation -ZeroSizePreference retain -WhatIf @demo -ErrorAction SilentlyContinue -ErrorVariable +errs
                $errs
            }

            $result.Errors.Count | Should -Be 1
            "$($result.Errors[0])" | Should -Match ([regex]::Escape("-TargetInstanceCount: '$_' is not a whole number. Expected a whole number from 0 to 1000"))
            $journal = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -ne 'GetCapacityReservationUsage') # -WhatIf's plan reads are not changes
            $journal.Count | Should -Be 1 -Because 'only the good row is sent'
            $journal[0].parameters.TargetInstanceCount | Should -Be '3'
        }

        It 'a count given as 1.5 on the command line is refused, not rounded to 2' {
            { Update-InterruptibleCapacityAllocation $seed.SourceWithAllocation -TargetInstanceCount 1.5 -Force @demo } |
                Should -Throw -ErrorId 'ParameterArgumentTransformationError,Ec2Capacity.Commands.UpdateInterruptibleCapacityAllocationCommand'
            @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 0
        }

        It 'a blank InstanceCount cell for New says it is blank, and the other rows run' {
            $rows = @(
                [pscustomobject]@{ CapacityReservationId = $seed.Source; InstanceCount = '' }
                [pscustomobject]@{ CapacityReservationId = $seed.Source; InstanceCount = '2' }
            )
            $result = Invoke-Quietly { $rows | New-InterruptibleCapacityAllocation -WhatIf @demo -ErrorAction SilentlyContinue -ErrorVariable +errs; $errs }

            $result.Errors.Count | Should -Be 1
            "$($result.Errors[0])" | Should -Match ([regex]::Escape('-InstanceCount: The value is blank. Expected a whole number from 1 to 1000'))
            "$($result.Errors[0])" | Should -Not -Match 'The 0 argument'
            @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -ne 'GetCapacityReservationUsage') # -WhatIf's plan reads are not changes.Count | Should -Be 1
        }

        It 'changes only the zero-size preference' {
            $updated = Update-InterruptibleCapacityAllocation -CapacityReservationId $seed.SourceWithAllocation -ZeroSizePreference default -Force @demo
            $updated | Should -Not -BeNullOrEmpty
            $update = @(Get-EmulatorJournal -Emulator $emulator)[0]
            $update.parameters.PSObject.Properties.Name | Should -Not -Contain 'TargetInstanceCount'
            $update.parameters.ZeroSizePreference | Should -Be 'default'
        }

        It 'needs -TargetInstanceCount or -ZeroSizePreference (its two parameter sets), before sending anything' {
            (Get-Command Update-InterruptibleCapacityAllocation).ParameterSets.Name | Sort-Object | Should -Be @('Preference', 'Target')
            # The test host is non-interactive: PowerShell reports the missing mandatory parameter instead of prompting.
            { Update-InterruptibleCapacityAllocation $seed.SourceWithAllocation -Force @demo } | Should -Throw -ErrorId 'MissingMandatoryParameter,*'
            @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 0
        }

        It 'a plan row whose count is blank, with no -ZeroSizePreference, is that row''s error: nothing to update' {
            $result = Invoke-Quietly { [pscustomobject]@{ CapacityReservationId = $seed.SourceWithAllocation; TargetInstanceCount = '' } | Update-InterruptibleCapacityAllocation -Force @demo }
            $result.Errors.Count | Should -Be 1
            $result.Errors[0].FullyQualifiedErrorId | Should -BeLike 'NothingToUpdate,*'
            "$($result.Errors[0])" | Should -BeLike '-TargetInstanceCount: This record gives neither a target count nor a zero-size preference, so there is nothing to update. Expected *' -Because 'one prefix, then a sentence'
            @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 0
        }

        It '-Wait reclaims to 0 and returns the settled state (retain keeps it active)' {
            $settled = Update-InterruptibleCapacityAllocation $seed.SourceWithAllocation -TargetInstanceCount 0 -Wait -WaitTimeoutSeconds 120 -Force @demo

            $settled.Status | Should -Be 'active'
            $settled.TargetInstanceCount | Should -Be 0
            $settled.InstanceCount | Should -Be 0
            (Get-ReservationState -Emulator $emulator -Id $seed.SourceWithAllocation).interruptibleCapacityAllocation.instanceCount | Should -Be 0
        }

        It 'the interruptible reservation ID instead of the source is a non-terminating error' {
            $result = Invoke-Quietly { Update-InterruptibleCapacityAllocation $seed.Interruptible 1 -Force @demo }
            $result.Output | Should -BeNullOrEmpty
            $result.Errors.Count | Should -Be 1
            $result.Errors[0].TargetObject | Should -Be $seed.Interruptible
        }

        It 'New- output pipes into Update- (source ID and region bind; the typed target wins)' {
            $updated = New-InterruptibleCapacityAllocation $seed.Source 4 -Wait -WaitTimeoutSeconds 120 @demo |
                Update-InterruptibleCapacityAllocation -TargetInstanceCount 1 -Force @demo

            $updated.SourceCapacityReservationId | Should -Be $seed.Source
            $updated.TargetInstanceCount | Should -Be 1
        }
    }

    Context 'formatting' {
        It 'shows the deciding columns in the table and every property in the list (80-column rendering: Console.Tests.ps1)' {
            $allocation = New-InterruptibleCapacityAllocation $seed.Source 2 -ZeroSizePreference retain @demo
            $table = $allocation | Format-Table | Out-String -Width 250
            foreach ($column in 'Source', 'Interruptible', 'Lent', 'Target', 'Status', 'Region') {
                $table | Should -Match $column
            }
            $list = $allocation | Format-List | Out-String -Width 250
            foreach ($property in 'SourceCapacityReservationId', 'InterruptibleCapacityReservationId', 'InstanceCount', 'TargetInstanceCount', 'Status', 'ZeroSizePreference', 'InterruptionType', 'Region') {
                $list | Should -Match "$property\s+:"
            }
            $list | Should -Match 'ZeroSizePreference\s+: retain'
        }
    }
}
