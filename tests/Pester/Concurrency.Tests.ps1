#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Issue 14, part 2 (Get-CapacityReservationUsage): reads of different items run at the same time, up to
# -ThrottleLimit; objects and errors still come out in input order, and nothing said on -Verbose is lost.
Describe 'Get-CapacityReservationUsage reads concurrently, in order' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        Import-Ec2Capacity
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $demo = Get-DemoConnection -Emulator $emulator
        # Every answer is held 100 ms, so reads in flight together overlap and finish in any order.
        $slow = (Get-DemoSeedJson) -replace '"latencyMs": 0', '"latencyMs": 100'
        $ids = @($seed.Shared, $seed.Source, $seed.Unknown, $seed.SourceWithAllocation, 'cr-123', $seed.Interruptible,
            $seed.Assessing, $seed.Delayed, $seed.Source, $seed.Cancelled, $seed.EndDated, $seed.Committed)

        function Invoke-Reads([int] $ThrottleLimit) {
            Reset-TestEmulator -Emulator $emulator -SeedJson $slow
            @($ids | Get-CapacityReservationUsage -ThrottleLimit $ThrottleLimit -PageSize 10 -Verbose @demo 2>&1 4>&1)
        }

        function Get-Sequence($records) {
            # One entry per item, in the order written: the ID of an object or of an error.
            @($records | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } | ForEach-Object {
                    if ($_ -is [System.Management.Automation.ErrorRecord]) { "error:$($_.TargetObject)" } else { $_.CapacityReservationId }
                })
        }
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }

    It 'writes objects and errors in input order with -ThrottleLimit <_>' -ForEach 1, 4, 12 {
        $records = Invoke-Reads -ThrottleLimit $_
        $expected = @($ids | ForEach-Object { if ($_ -in $seed.Unknown, 'cr-123') { "error:$_" } else { $_ } })
        Get-Sequence $records | Should -Be $expected
    }

    It 'loses no -Verbose line of the reads in flight' {
        $records = Invoke-Reads -ThrottleLimit 6
        $pages = @($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'GetCapacityReservationUsage cr-*: page *' })
        # Every read that got an answer says at least its last page; the Shared reservation has several.
        @($pages | Where-Object Message -Like "*$($seed.Shared): page*").Count | Should -BeGreaterThan 1
        foreach ($id in $ids | Where-Object { $_ -notin $seed.Unknown, 'cr-123' } | Select-Object -Unique) {
            @($pages | Where-Object Message -Like "GetCapacityReservationUsage ${id}: page*last page*").Count | Should -BeGreaterOrEqual 1 -Because "$id was read"
        }
    }

    It 'sends every read, one request per page' {
        $null = Invoke-Reads -ThrottleLimit 4
        @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -eq 'GetCapacityReservationUsage').Count | Should -BeGreaterOrEqual 11
    }
}
