#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Every request reaches EC2 and is applied, and every answer is lost (the emulator's dropAfterCommitRate 1.0).
# A change that may have been applied is OutcomeUnknown, never a plain failure, and no call sends more than the
# 5 attempts the README promises.
Describe 'Changes whose answers are lost' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        Import-Ec2Capacity
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $demo = Get-DemoConnection -Emulator $emulator
        $lossy = (Get-DemoSeedJson) -replace '"dropAfterCommitRate": 0', '"dropAfterCommitRate": 1.0'

        function Get-Requests([string] $Action) { @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -eq $Action) }
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }

    BeforeEach {
        Reset-TestEmulator -Emulator $emulator -SeedJson $lossy
    }

    It 'Stop-CapacityReservation says the outcome is unknown and sends at most 5 cancels' {
        $result = Invoke-Quietly { Stop-CapacityReservation $seed.Delayed -Force @demo }
        $result.Errors.Count | Should -Be 1
        $result.Errors[0].FullyQualifiedErrorId | Should -BeLike 'OutcomeUnknown,*'
        $result.Errors[0].Exception.Message | Should -BeLike '*may or may not have been applied*'
        (Get-Requests CancelCapacityReservation).Count | Should -Be 5
        (Get-Requests GetCapacityReservationUsage).Count | Should -Be 10
    }

    It 'Update-InterruptibleCapacityAllocation says the outcome is unknown' {
        $result = Invoke-Quietly { Update-InterruptibleCapacityAllocation $seed.SourceWithAllocation 2 -Force @demo }
        $result.Errors.Count | Should -Be 1
        $result.Errors[0].FullyQualifiedErrorId | Should -BeLike 'OutcomeUnknown,*'
        (Get-Requests UpdateInterruptibleCapacityReservationAllocation).Count | Should -Be 5
    }

    It 'New-InterruptibleCapacityAllocation says the outcome is unknown and how to retry safely' {
        $result = Invoke-Quietly { New-InterruptibleCapacityAllocation $seed.Source 2 -ClientToken 'lost-1' @demo }
        $result.Errors[0].FullyQualifiedErrorId | Should -BeLike 'OutcomeUnknown,*'
        $result.Errors[0].Exception.Message | Should -BeLike '*-ClientToken lost-1*'
        (Get-Requests CreateInterruptibleCapacityReservationAllocation).Count | Should -Be 5
    }

    It 'Set-InstanceCreditSpecification reports Succeeded as unknown, not false' {
        $result = Invoke-Quietly { Set-InstanceCreditSpecification $seed.T3Micro -CpuCredits unlimited -PassThru @demo }
        $result.Output.Count | Should -Be 1
        # $null, not $false: the instance was changed, and must not read as not changed
        $null -eq $result.Output[0].Succeeded | Should -BeTrue
        $result.Output[0].ErrorCode | Should -Be 'OutcomeUnknown'
        $result.Errors[0].FullyQualifiedErrorId | Should -BeLike 'OutcomeUnknown,*'
        (Get-Requests ModifyInstanceCreditSpecification).Count | Should -Be 5
    }
}
