#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Issue 14, part 1: -WhatIf checks the plan, not only the permission. Beside EC2's DryRun (permissions and
# parameters; the emulator's DryRun stays EC2's), the cmdlet reads the target's usage and predicts what its state
# decides. A failing plan is a non-terminating error, so -WhatIf -ErrorAction Stop stops the runbook.
Describe '-WhatIf predicts the plan' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        . (Join-Path $PSScriptRoot 'ScriptedHost.ps1')
        Import-Ec2Capacity
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $arguments = @{ Demo = (Get-DemoConnection -Emulator $emulator); Seed = $seed; Expired = 'cr-0777777777777777a' }

        function Invoke-Preview {
            <# Runs a -WhatIf script on the scripted host; returns its What-if lines, errors and what it sent; checks nothing changed. #>
            param([scriptblock] $ScriptBlock)
            Reset-TestEmulator -Emulator $emulator
            $before = Get-EmulatorStateText -Emulator $emulator
            $run = Invoke-WithScriptedHost -Arguments $arguments -ScriptBlock $ScriptBlock
            Get-EmulatorStateText -Emulator $emulator | Should -Be $before -Because '-WhatIf changes nothing'
            $journal = @(Get-EmulatorJournal -Emulator $emulator)
            @($journal | Where-Object { -not $_.dryRun -and $_.action -ne 'GetCapacityReservationUsage' }).Count | Should -Be 0 -Because 'only DryRuns and usage reads are sent'
            @($journal | Where-Object dryRun).Count | Should -Be 1 -Because 'one DryRun per target'
            $run | Add-Member -NotePropertyName Verdict -NotePropertyValue (@($run.Lines | Where-Object { $_ -like '*EC2 DryRun:*' }) -join "`n") -PassThru
        }
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }

    Context 'Stop-CapacityReservation' {
        It 'a <State> reservation: DryRun allowed, the plan would fail, and it is an error' -ForEach @(
            @{ State = 'cancelled'; Id = 'cr-0eeeeeeeeeeeeeee5' }
            @{ State = 'expired'; Id = 'cr-0777777777777777a' }
        ) {
            $arguments.Target = $Id
            $run = Invoke-Preview { $demo = $Arguments.Demo; Stop-CapacityReservation $Arguments.Target -WhatIf @demo }
            $run.Verdict | Should -BeLike "*EC2 DryRun: allowed*Plan: would fail — $Id is $State.*"
            $run.Errors.Count | Should -Be 1
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'PlanWouldFail,*'
            $run.Errors[0].TargetObject | Should -Be $Id
        }

        It 'an interruptible reservation: the plan would fail and names its source, which gives it back' {
            $run = Invoke-Preview { $demo = $Arguments.Demo; Stop-CapacityReservation $Arguments.Seed.Interruptible -WhatIf @demo }
            $run.Verdict | Should -BeLike "*EC2 DryRun: allowed*Plan: would fail — $($seed.Interruptible) is an interruptible reservation*Update-InterruptibleCapacityAllocation $($seed.SourceWithAllocation) -TargetInstanceCount 0*"
            $run.Errors.Count | Should -Be 1
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'PlanWouldFail,*'
        }

        It '-WhatIf -ErrorAction Stop stops the runbook on a failing plan' {
            $run = Invoke-Preview {
                $demo = $Arguments.Demo
                try { Stop-CapacityReservation $Arguments.Seed.Cancelled -WhatIf -ErrorAction Stop @demo; 'went on' }
                catch { "stopped: $($_.FullyQualifiedErrorId)" }
            }
            $run.Output | Should -BeLike 'stopped: PlanWouldFail,*'
        }

        It 'an active reservation: the plan says what is cancelled and names what a read cannot check' {
            $run = Invoke-Preview { $demo = $Arguments.Demo; Stop-CapacityReservation $Arguments.Seed.Source -WhatIf @demo }
            $run.Errors | Should -BeNullOrEmpty
            $run.Verdict | Should -BeLike "*Plan: cancels $($seed.Source) (active, 4 of 10 instances in use, which keep running)*not checked*"
        }
    }

    Context 'New-InterruptibleCapacityAllocation' {
        It '<Case>: the plan would fail' -ForEach @(
            @{ Case = 'a cancelled source'; Id = 'cr-0eeeeeeeeeeeeeee5'; Count = 1; Reason = 'is cancelled, not active' }
            @{ Case = 'an interruptible reservation'; Id = 'cr-0fedcba9876543210'; Count = 1; Reason = 'is itself an interruptible reservation' }
            @{ Case = 'a source that already lends'; Id = 'cr-0a1b2c3d4e5f60718'; Count = 1; Reason = 'already lends 4 instance(s)' }
            @{ Case = 'too few available instances'; Id = 'cr-0123456789abcdef0'; Count = 7; Reason = 'has only 6 of 10 instances available' }
        ) {
            $arguments.Target = $Id; $arguments.Count = $Count
            $run = Invoke-Preview { $demo = $Arguments.Demo; New-InterruptibleCapacityAllocation $Arguments.Target $Arguments.Count -WhatIf @demo }
            $run.Verdict | Should -BeLike "*Plan: would fail — $Id $Reason*"
            @($run.Errors | Where-Object { $_.FullyQualifiedErrorId -like 'PlanWouldFail,*' }).Count | Should -Be 1
        }

        It 'a source that can lend: the plan says how many, and that an end date or a commitment is not checked' {
            $run = Invoke-Preview { $demo = $Arguments.Demo; New-InterruptibleCapacityAllocation $Arguments.Seed.Source 2 -WhatIf @demo }
            $run.Errors | Should -BeNullOrEmpty
            $run.Verdict | Should -BeLike '*Plan: lends 2 of 6 available instances; an end date, a commitment or a Capacity Block are not in the usage answer and are not checked.*'
        }
    }

    Context 'Update-InterruptibleCapacityAllocation' {
        It '<Case>: the plan would fail' -ForEach @(
            @{ Case = 'a source that lends nothing'; Id = 'cr-0123456789abcdef0'; Reason = 'cr-0123456789abcdef0 lends nothing' }
            @{ Case = 'an expired source'; Id = 'cr-0777777777777777a'; Reason = 'cr-0777777777777777a is expired, not active' }
            @{ Case = 'the interruptible reservation''s ID'; Id = 'cr-0fedcba9876543210'; Reason = 'cr-0fedcba9876543210 is the interruptible reservation; update its source cr-0a1b2c3d4e5f60718' }
            @{ Case = 'a raise beyond what is available'; Id = 'cr-0a1b2c3d4e5f60718'; Target = 30; Reason = 'raising to 30 needs 26 more instances' }
        ) {
            $arguments.Target = $Id; $arguments.Count = if ($Target) { $Target } else { 0 }
            $run = Invoke-Preview { $demo = $Arguments.Demo; Update-InterruptibleCapacityAllocation $Arguments.Target $Arguments.Count -WhatIf @demo }
            $run.Verdict | Should -BeLike "*Plan: would fail — $Reason*"
            @($run.Errors | Where-Object { $_.FullyQualifiedErrorId -like 'PlanWouldFail,*' }).Count | Should -Be 1
        }

        It 'a target equal to the current one: nothing to do, and no error' {
            $run = Invoke-Preview { $demo = $Arguments.Demo; Update-InterruptibleCapacityAllocation $Arguments.Seed.SourceWithAllocation 4 -WhatIf @demo }
            $run.Errors | Should -BeNullOrEmpty
            $run.Verdict | Should -BeLike '*Plan: nothing to do — the target is already 4.*'
        }

        It 'a reclaim: how many instances it takes back, and how many of those run' {
            $run = Invoke-Preview { $demo = $Arguments.Demo; Update-InterruptibleCapacityAllocation $Arguments.Seed.SourceWithAllocation 1 -WhatIf @demo }
            $run.Errors | Should -BeNullOrEmpty
            $run.Verdict | Should -Match 'Plan: reclaims 3 of 4 lent instances \(\d+ or fewer of \d+ running get a two-minute notice\)\.'
        }
    }
}
