#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

Describe 'Get-CapacityReservationUsage' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        Import-Ec2Capacity
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $demo = Get-DemoConnection -Emulator $emulator
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }

    BeforeEach {
        Reset-TestEmulator -Emulator $emulator
    }

    Context 'pipeline' {
        It 'reads IDs piped by value: one typed object per reservation, with its region' {
            $usage = @($seed.Source, $seed.SourceWithAllocation | Get-CapacityReservationUsage @demo)

            $usage.Count | Should -Be 2
            $usage[0].GetType().FullName | Should -Be 'Ec2Capacity.CapacityReservationUsage'
            $usage[0].CapacityReservationId | Should -Be $seed.Source
            $usage[0].InstanceType | Should -Be 'm5.large'
            $usage[0].TotalInstanceCount | Should -Be 10
            $usage[0].UsedInstanceCount | Should -Be 4
            $usage[0].State | Should -Be 'active'
            $usage[0].Region | Should -Be 'us-east-1'
            @($usage[0].InstanceUsages).Count | Should -Be 2
            $usage[0].InterruptibleCapacityAllocation | Should -BeNullOrEmpty

            $allocation = $usage[1].InterruptibleCapacityAllocation
            $allocation.GetType().FullName | Should -Be 'Ec2Capacity.InterruptibleAllocationInfo'
            $allocation.InterruptibleCapacityReservationId | Should -Be $seed.Interruptible
            $allocation.InstanceCount | Should -Be 4
            $allocation.Status | Should -Be 'active'
        }

        It 'binds CapacityReservationId by property name (AWS.Tools CapacityReservation-shaped objects)' {
            # Get-EC2CapacityReservation writes Amazon.EC2.Model.CapacityReservation objects; only the property name matters.
            $fromAwsTools = [pscustomobject]@{ CapacityReservationId = $seed.Interruptible; AvailabilityZone = 'us-east-1a'; State = 'active' }

            $usage = $fromAwsTools | Get-CapacityReservationUsage @demo

            $usage.CapacityReservationId | Should -Be $seed.Interruptible
            $usage.Interruptible | Should -BeTrue
            $usage.InterruptionInfo.SourceCapacityReservationId | Should -Be $seed.SourceWithAllocation
        }

        It 'merges every page into one object and honours -PageSize' {
            $usage = Get-CapacityReservationUsage -CapacityReservationId $seed.Shared -PageSize 10 @demo

            @($usage.InstanceUsages).Count | Should -Be 25
            $usage.UsedInstanceCount | Should -Be 50
            $reads = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -eq 'GetCapacityReservationUsage')
            $reads.Count | Should -Be 3
            $reads | ForEach-Object { $_.parameters.MaxResults | Should -Be '10' }
        }

        It 'accepts the alias -MaxResults' {
            $usage = Get-CapacityReservationUsage $seed.Shared -MaxResults 1000 @demo
            @($usage.InstanceUsages).Count | Should -Be 25
            @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 1
        }

        It 'reads a duplicated ID once' {
            $usage = @(Get-CapacityReservationUsage -CapacityReservationId $seed.Source, $seed.Source @demo)
            $usage.Count | Should -Be 1
            @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 1
        }

        It 'carries the region of each piped object (-Region binds by property name)' {
            $noRegion = Get-DemoConnection -Emulator $emulator -NoRegion
            $objects = @(
                [pscustomobject]@{ CapacityReservationId = $seed.Source; Region = 'us-east-1' }
                # The emulator only serves us-east-1: a request signed for eu-west-1 is refused (AuthFailure).
                [pscustomobject]@{ CapacityReservationId = $seed.SourceWithAllocation; Region = 'eu-west-1' }
            )

            $result = Invoke-Quietly { $objects | Get-CapacityReservationUsage @noRegion }

            $result.Output.Count | Should -Be 1
            $result.Output[0].Region | Should -Be 'us-east-1'
            $result.Errors.Count | Should -Be 1
            $result.Errors[0].TargetObject | Should -Be $seed.SourceWithAllocation
            $result.Errors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        }
    }

    Context 'errors' {
        It 'five IDs with one unknown give four objects and one non-terminating error' {
            $ids = $seed.Source, $seed.SourceWithAllocation, $seed.Unknown, $seed.Interruptible, $seed.Shared

            $usage = @($ids | Get-CapacityReservationUsage @demo -ErrorVariable failed -ErrorAction SilentlyContinue)

            $usage.Count | Should -Be 4
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'InvalidCapacityReservationId.NotFound,*'
            $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $failed[0].TargetObject | Should -Be $seed.Unknown
            $failed[0].ErrorDetails.Message | Should -Match 'request ID'
            $failed[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }

        It 'rejects a malformed ID before sending anything for it' {
            $result = Invoke-Quietly { 'cr-NOT-AN-ID', $seed.Source | Get-CapacityReservationUsage @demo }

            $result.Output.Count | Should -Be 1
            $result.Errors.Count | Should -Be 1
            $result.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $result.Errors[0].TargetObject | Should -Be 'cr-NOT-AN-ID'
            $result.Errors[0].Exception.Message | Should -Match 'CapacityReservationId'
            @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 1
        }

        It 'stops the runbook under -ErrorAction Stop' {
            { Get-CapacityReservationUsage $seed.Unknown @demo -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidCapacityReservationId.NotFound,Ec2Capacity.Commands.GetCapacityReservationUsageCommand'
        }

        It 'rejects -PageSize outside 1-1000 at binding' {
            { Get-CapacityReservationUsage $seed.Source -PageSize 0 @demo } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Ec2Capacity.Commands.GetCapacityReservationUsageCommand'
        }
    }

    Context '-WhatIf is an EC2 DryRun' {
        It 'sends exactly one DryRun request per ID, changes nothing and writes no object' {
            $before = Get-EmulatorStateText -Emulator $emulator

            $output = $seed.Source, $seed.SourceWithAllocation | Get-CapacityReservationUsage -WhatIf @demo

            $output | Should -BeNullOrEmpty
            $journal = @(Get-EmulatorJournal -Emulator $emulator)
            $journal.Count | Should -Be 2
            $journal | ForEach-Object {
                $_.action | Should -Be 'GetCapacityReservationUsage'
                $_.dryRun | Should -BeTrue
                $_.httpStatus | Should -Be 412
            }
            Get-EmulatorStateText -Emulator $emulator | Should -Be $before
        }

        It 'reads for real under an inherited $WhatIfPreference (a read changes nothing; a preview downstream needs it)' {
            $WhatIfPreference = $true
            try {
                $output = Get-CapacityReservationUsage $seed.Source @demo
            }
            finally {
                $WhatIfPreference = $false
            }
            $output.CapacityReservationId | Should -Be $seed.Source
            (Get-EmulatorJournal -Emulator $emulator).dryRun | Should -BeFalse
        }

        It 'turns a failing verdict into a non-terminating error' {
            $result = Invoke-Quietly { Get-CapacityReservationUsage $seed.Unknown -WhatIf @demo }

            $result.Output | Should -BeNullOrEmpty
            $result.Errors.Count | Should -Be 1
            $result.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $result.Errors[0].TargetObject | Should -Be $seed.Unknown
            @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 1
            (Get-EmulatorJournal -Emulator $emulator).dryRun | Should -BeTrue
        }
    }

    Context 'formatting' {
        It 'shows the deciding columns in the table and the instance type in the list (80-column rendering: Console.Tests.ps1)' {
            $text = Get-CapacityReservationUsage $seed.SourceWithAllocation @demo | Format-Table | Out-String -Width 200
            foreach ($column in 'CapacityReservationId', 'State', 'Total', 'Avail', 'Used', 'Lending', 'Region') {
                $text | Should -Match $column
            }
            $text | Should -Match '4/4 active'
            Get-CapacityReservationUsage $seed.SourceWithAllocation @demo | Format-List | Out-String -Width 200 | Should -Match 'InstanceType\s+: c5\.xlarge'
        }

        It 'shows the nested objects in a list' {
            $text = Get-CapacityReservationUsage $seed.SourceWithAllocation @demo | Format-List | Out-String -Width 200
            $text | Should -Match $seed.Interruptible
            $text | Should -Match 'InstanceUsages'
        }
    }
}
