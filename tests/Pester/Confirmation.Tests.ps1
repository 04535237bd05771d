#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# PowerShell decides -WhatIf, -Confirm, $WhatIfPreference and $ConfirmPreference (ShouldProcess), -Force skips the
# second question of an irreversible change (ShouldContinue). Prompts are answered by a scripted host, as a user would.
Describe 'Confirmation' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        . (Join-Path $PSScriptRoot 'ScriptedHost.ps1')
        Import-Ec2Capacity
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $arguments = @{ Demo = (Get-DemoConnection -Emulator $emulator); Seed = $seed }

        function Get-Actions {
            param([string] $Action, [switch] $DryRun)
            @(Get-EmulatorJournal -Emulator $emulator | Where-Object { $_.action -eq $Action -and [bool]$_.dryRun -eq [bool]$DryRun })
        }
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }

    BeforeEach {
        Reset-TestEmulator -Emulator $emulator
    }

    Context 'Stop-CapacityReservation' {
        It 'asks once by default, naming what is lost, and cancels after Yes' {
            $run = Invoke-WithScriptedHost -Answers 'Yes' -Arguments $arguments -ScriptBlock {
                $demo = $Arguments.Demo
                Stop-CapacityReservation $Arguments.Seed.Delayed @demo
            }
            $run.Errors | Should -BeNullOrEmpty
            $run.Prompts.Count | Should -Be 1
            $run.Prompts[0].Message | Should -BeLike "Cancel Capacity Reservation $($seed.Delayed)?*cannot be restored*"
            (Get-ReservationState -Emulator $emulator -Id $seed.Delayed).state | Should -Be 'cancelled'
        }

        It 'cancels nothing after No' {
            $run = Invoke-WithScriptedHost -Answers 'No' -Arguments $arguments -ScriptBlock {
                $demo = $Arguments.Demo
                Stop-CapacityReservation $Arguments.Seed.Delayed @demo
            }
            $run.Prompts.Count | Should -Be 1
            Get-Actions CancelCapacityReservation | Should -BeNullOrEmpty
        }

        It 'does not ask with <_>' -ForEach '-Force', '-Confirm:$false' {
            $switch = $_
            $run = Invoke-WithScriptedHost -Arguments $arguments -ScriptBlock ([scriptblock]::Create(
                    "`$demo = `$Arguments.Demo; Stop-CapacityReservation `$Arguments.Seed.Delayed $switch @demo"))
            $run.Errors | Should -BeNullOrEmpty
            $run.Prompts | Should -BeNullOrEmpty
            (Get-ReservationState -Emulator $emulator -Id $seed.Delayed).state | Should -Be 'cancelled'
        }

        It '-Confirm adds PowerShell''s own question, and -Force -Confirm asks only that one' {
            $both = Invoke-WithScriptedHost -Answers 'Yes', 'Yes' -Arguments $arguments -ScriptBlock {
                $demo = $Arguments.Demo
                Stop-CapacityReservation $Arguments.Seed.Delayed -Confirm @demo
            }
            $both.Prompts.Count | Should -Be 2
            Reset-TestEmulator -Emulator $emulator
            $one = Invoke-WithScriptedHost -Answers 'No' -Arguments $arguments -ScriptBlock {
                $demo = $Arguments.Demo
                Stop-CapacityReservation $Arguments.Seed.Delayed -Force -Confirm @demo
            }
            $one.Prompts.Count | Should -Be 1
            Get-Actions CancelCapacityReservation | Should -BeNullOrEmpty
        }

        It '"No to All" answers the rest of the pipeline without asking again' {
            $run = Invoke-WithScriptedHost -Answers 'No to All' -Arguments $arguments -ScriptBlock {
                $demo = $Arguments.Demo
                $Arguments.Seed.Delayed, $Arguments.Seed.Assessing, $Arguments.Seed.Source | Stop-CapacityReservation @demo
            }
            $run.Prompts.Count | Should -Be 1
            Get-Actions CancelCapacityReservation | Should -BeNullOrEmpty
        }
    }

    Context 'Update-InterruptibleCapacityAllocation' {
        It 'asks before a reclaim with the count read from the allocation' {
            $run = Invoke-WithScriptedHost -Answers 'Yes' -Arguments $arguments -ScriptBlock {
                $demo = $Arguments.Demo
                Update-InterruptibleCapacityAllocation $Arguments.Seed.SourceWithAllocation 1 @demo
            }
            $run.Errors | Should -BeNullOrEmpty
            $run.Prompts.Count | Should -Be 1
            $run.Prompts[0].Message | Should -BeLike 'Reclaim 3 instances from the interruptible allocation*(4 lent, new target 1)*two-minute*'
            (Get-Actions UpdateInterruptibleCapacityReservationAllocation).Count | Should -Be 1
        }

        It 'does not ask when nothing is reclaimed (a raise)' {
            $run = Invoke-WithScriptedHost -Arguments $arguments -ScriptBlock {
                $demo = $Arguments.Demo
                Update-InterruptibleCapacityAllocation $Arguments.Seed.SourceWithAllocation 6 @demo
            }
            $run.Errors | Should -BeNullOrEmpty
            $run.Prompts | Should -BeNullOrEmpty
            (Get-Actions UpdateInterruptibleCapacityReservationAllocation).Count | Should -Be 1
        }

        It 'after "Yes to All" reads nothing more to build prompts that will not show' {
            $run = Invoke-WithScriptedHost -Answers 'Yes to All' -Arguments $arguments -ScriptBlock {
                $demo = $Arguments.Demo
                $id = $Arguments.Seed.SourceWithAllocation
                [pscustomobject]@{ CapacityReservationId = $id; TargetInstanceCount = 2 },
                [pscustomobject]@{ CapacityReservationId = $id; TargetInstanceCount = 1 },
                [pscustomobject]@{ CapacityReservationId = $id; TargetInstanceCount = 0 } |
                    Update-InterruptibleCapacityAllocation @demo -ErrorAction SilentlyContinue
            }
            $run.Prompts.Count | Should -Be 1
            (Get-Actions GetCapacityReservationUsage).Count | Should -Be 1
            (Get-Actions UpdateInterruptibleCapacityReservationAllocation).Count | Should -Be 3
        }

        It 'after "No to All" reads and sends nothing more' {
            $run = Invoke-WithScriptedHost -Answers 'No to All' -Arguments $arguments -ScriptBlock {
                $demo = $Arguments.Demo
                $Arguments.Seed.SourceWithAllocation, $Arguments.Seed.SourceWithAllocation |
                    Update-InterruptibleCapacityAllocation -TargetInstanceCount 0 @demo
            }
            $run.Prompts.Count | Should -Be 1
            (Get-Actions GetCapacityReservationUsage).Count | Should -Be 1
            Get-Actions UpdateInterruptibleCapacityReservationAllocation | Should -BeNullOrEmpty
        }
    }

    Context 'PowerShell''s preferences' {
        It 'a Get never asks, whatever $ConfirmPreference is' {
            $run = Invoke-WithScriptedHost -Arguments $arguments -ScriptBlock {
                $demo = $Arguments.Demo
                $ConfirmPreference = 'Low'
                Get-CapacityReservationUsage $Arguments.Seed.Source @demo
            }
            $run.Errors | Should -BeNullOrEmpty
            $run.Prompts | Should -BeNullOrEmpty
            $run.Output.Count | Should -Be 1
        }

        It 'under $WhatIfPreference a Get reads for real, so Update previews from real objects' {
            $run = Invoke-WithScriptedHost -Arguments $arguments -ScriptBlock {
                $demo = $Arguments.Demo
                $WhatIfPreference = $true
                Get-CapacityReservationUsage $Arguments.Seed.SourceWithAllocation @demo |
                    Update-InterruptibleCapacityAllocation -TargetInstanceCount 0 -Force @demo
            }
            $run.Errors | Should -BeNullOrEmpty
            # The Get's own read comes first, for real (Update's -WhatIf plan reads the usage again after its DryRun).
            $first = @(Get-EmulatorJournal -Emulator $emulator)[0]
            $first.action | Should -Be 'GetCapacityReservationUsage'
            $first.dryRun | Should -BeFalse
            (Get-Actions UpdateInterruptibleCapacityReservationAllocation -DryRun).Count | Should -Be 1
            Get-Actions UpdateInterruptibleCapacityReservationAllocation | Should -BeNullOrEmpty
            ($run.Lines -join "`n") | Should -BeLike "*What if: $($seed.SourceWithAllocation): EC2 DryRun: allowed (the request would have succeeded). Plan: reclaims 4 of 4 lent instances*"
            $run.Lines[0] | Should -BeLike "What if: Reclaim every instance of the interruptible allocation of $($seed.SourceWithAllocation)*"
        }

        It 'an explicit -WhatIf on a Get stays its permission check' {
            $run = Invoke-WithScriptedHost -Arguments $arguments -ScriptBlock {
                $demo = $Arguments.Demo
                Get-CapacityReservationUsage $Arguments.Seed.Source -WhatIf @demo
            }
            $run.Output | Should -BeNullOrEmpty
            (Get-Actions GetCapacityReservationUsage -DryRun).Count | Should -Be 1
            Get-Actions GetCapacityReservationUsage | Should -BeNullOrEmpty
        }

        It 'New asks when $ConfirmPreference is Medium (its ConfirmImpact), and sends nothing after No' {
            $run = Invoke-WithScriptedHost -Answers 'No' -Arguments $arguments -ScriptBlock {
                $demo = $Arguments.Demo
                $ConfirmPreference = 'Medium'
                New-InterruptibleCapacityAllocation $Arguments.Seed.Source 2 @demo
            }
            $run.Prompts.Count | Should -Be 1
            $run.Prompts[0].Message | Should -BeLike "Lend 2 instances of $($seed.Source)*"
            @(Get-EmulatorJournal -Emulator $emulator) | Should -BeNullOrEmpty
        }

        It 'Set asks per instance under -Confirm; "Yes to All" sends every instance in one request' {
            $run = Invoke-WithScriptedHost -Answers 'Yes to All' -Arguments $arguments -ScriptBlock {
                $demo = $Arguments.Demo
                $Arguments.Seed.T3Micro, $Arguments.Seed.T2Micro | Set-InstanceCreditSpecification -CpuCredits unlimited -Confirm @demo
            }
            $run.Errors | Should -BeNullOrEmpty
            $run.Prompts.Count | Should -Be 1
            (Get-Actions ModifyInstanceCreditSpecification).Count | Should -Be 1
            (Get-InstanceState -Emulator $emulator -Id $seed.T2Micro).cpuCredits | Should -Be 'unlimited'
        }
    }
}
