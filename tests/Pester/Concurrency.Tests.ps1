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

    It 'Ctrl+C stops every read in flight: none of them completes' {
        # Every answer is held 5 s; the pipeline is stopped as soon as it has started, while all reads are in flight.
        Reset-TestEmulator -Emulator $emulator -SeedJson ((Get-DemoSeedJson) -replace '"latencyMs": 0', '"latencyMs": 5000')
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($Manifest, $Ids, $Call)
                Import-Module $Manifest
                $Ids | Get-CapacityReservationUsage -ThrottleLimit 6 -Verbose @Call
            }).AddArgument((Join-Path (Get-RepoRoot) 'Ec2Capacity.psd1')).AddArgument(@($ids[0..5])).AddArgument($demo)
        $subscription = Register-ObjectEvent -InputObject $ps.Streams.Verbose -EventName DataAdded -SourceIdentifier 'verbose-get'
        try {
            $async = $ps.BeginInvoke()
            Wait-Event -SourceIdentifier 'verbose-get' -Timeout 60 | Should -Not -BeNullOrEmpty -Because 'the Get must have started'
            $ps.Stop()
            { $ps.EndInvoke($async) } | Should -Throw
        }
        finally {
            Unregister-Event -SourceIdentifier 'verbose-get'
            Remove-Event -SourceIdentifier 'verbose-get' -ErrorAction SilentlyContinue
            $ps.Dispose()
        }
        $ps.Streams.Error | Should -BeNullOrEmpty
        # A read that was stopped never answers 200: it was aborted while EC2 held it, or never sent.
        @(Get-EmulatorJournal -Emulator $emulator | Where-Object httpStatus -eq 200).Count | Should -Be 0
    }
}
