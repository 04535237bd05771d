#Requires -Modules Ec2Capacity, Ec2Capacity.Testing
# Tests of the example runbooks as a runbook author writes them: the installed modules, nothing else. Two styles:
# against the Ec2Capacity.Testing emulator (EC2's own answers, the journal, the state) and with Pester's Mock.
# Run: Invoke-Pester ./examples   (with Ec2Capacity and Ec2Capacity.Testing on $env:PSModulePath)

BeforeAll {
    Import-Module Ec2Capacity, Ec2Capacity.Testing
    $ProgressPreference = 'SilentlyContinue'
}

Describe 'Against the emulator' {
    BeforeAll {
        $emu = Start-Ec2CapacityEmulator
        $owner = $emu.Owner
    }
    AfterAll {
        $emu | Stop-Ec2CapacityEmulator
    }
    BeforeEach {
        $emu | Reset-Ec2CapacityEmulator
    }

    It 'Lend-IdleCapacity lends what is idle beyond the margin' {
        $summary = & "$PSScriptRoot/Lend-IdleCapacity.ps1" -CapacityReservationId cr-0123456789abcdef0 -SafetyMargin 2 @owner

        $summary.Created | Should -Be 1
        $create = Get-Ec2CapacityEmulatorRequest CreateInterruptibleCapacityReservationAllocation
        $create.Parameters.InstanceCount | Should -Be '4'
        $source = (Get-Ec2CapacityEmulatorState).capacityReservations | Where-Object capacityReservationId -eq cr-0123456789abcdef0
        $source.interruptibleCapacityAllocation.targetInstanceCount | Should -Be 4
    }

    It 'Lend-IdleCapacity -WhatIf changes nothing: only DryRuns and reads' {
        $null = & "$PSScriptRoot/Lend-IdleCapacity.ps1" -CapacityReservationId cr-0123456789abcdef0 -SafetyMargin 2 -WhatIf @owner

        $changes = Get-Ec2CapacityEmulatorRequest | Where-Object { $_.Action -ne 'GetCapacityReservationUsage' -and -not $_.DryRun }
        $changes | Should -BeNullOrEmpty
        ((Get-Ec2CapacityEmulatorState).capacityReservations | Where-Object capacityReservationId -eq cr-0123456789abcdef0).interruptibleCapacityAllocation |
            Should -BeNullOrEmpty
    }

    It 'Reclaim-InterruptibleCapacity takes everything back before the deadline' {
        $summary = & "$PSScriptRoot/Reclaim-InterruptibleCapacity.ps1" -CapacityReservationId cr-0a1b2c3d4e5f60718 -Deadline (Get-Date).AddMinutes(2) -PollIntervalSeconds 1 @owner

        $summary.AllFinished | Should -BeTrue
        $summary.InstancesReclaimed | Should -Be 4
        (Get-Ec2CapacityEmulatorRequest UpdateInterruptibleCapacityReservationAllocation).Parameters.TargetInstanceCount | Should -Be '0'
    }

    It 'a runbook meets EC2''s refusal when its key may only read' {
        $readOnly = $emu.ReadOnly
        { & "$PSScriptRoot/Lend-IdleCapacity.ps1" -CapacityReservationId cr-0123456789abcdef0 -SafetyMargin 2 @readOnly -ErrorAction SilentlyContinue } |
            Should -Throw '*cr-0123456789abcdef0 (UnauthorizedOperation)*'

        (Get-Ec2CapacityEmulatorRequest CreateInterruptibleCapacityReservationAllocation).ErrorCode | Should -Be 'UnauthorizedOperation'
    }
}

Describe 'With Mock' {
    It 'Lend-IdleCapacity asks to lend what is idle beyond the margin' {
        Mock Get-CapacityReservationUsage {
            [pscustomobject]@{ CapacityReservationId = 'cr-1000000000000000a'; State = 'active'; AvailableInstanceCount = 5; Interruptible = $false; InterruptibleCapacityAllocation = $null }
        }
        Mock New-InterruptibleCapacityAllocation {
            [pscustomobject]@{
                SourceCapacityReservationId = $CapacityReservationId; InterruptibleCapacityReservationId = $null
                InstanceCount = $InstanceCount; TargetInstanceCount = $InstanceCount; Status = 'pending'
            }
        }

        $null = & "$PSScriptRoot/Lend-IdleCapacity.ps1" -CapacityReservationId cr-1000000000000000a -SafetyMargin 2 -Region us-east-1

        Should -Invoke New-InterruptibleCapacityAllocation -Times 1 -Exactly -ParameterFilter { $InstanceCount -eq 3 }
    }
}
