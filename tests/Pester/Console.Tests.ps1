#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Issue 15: what an admin sees in the console. Completion is asked of PowerShell's own TabExpansion2, views are
# rendered with Out-String at a given width, progress is read from a runspace's progress stream.
Describe 'The console an admin sees' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        Import-Ec2Capacity
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $demo = Get-DemoConnection -Emulator $emulator

        function Get-Completion {
            param([string] $Line)
            @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches)
        }

        function Assert-Table {
            <# The default view at this width: one header line with these columns, no line wider, one line per object. #>
            param([object[]] $Objects, [string[]] $Columns, [int] $Width)
            $lines = @(($Objects | Out-String -Width $Width) -split '\r?\n' | Where-Object { $_.Trim() })
            $lines[0] -split '\s+' | Where-Object { $_ } | Should -Be $Columns
            $lines[1] | Should -Match '^-+( +-+)*\s*$' -Because 'the header must fit on one line'
            $lines.Count | Should -Be (2 + $Objects.Count) -Because 'no row may wrap'
            foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual $Width }
            $lines
        }
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }

    BeforeEach {
        Reset-TestEmulator -Emulator $emulator
    }

    Context 'Tab completion' {
        It '-Region offers real regions only, with their names as tooltips' {
            $matches = Get-Completion 'Get-CapacityReservationUsage -Region '
            $texts = @($matches.CompletionText)
            $texts | Should -Contain 'us-east-1'
            $texts | Should -Contain 'eu-west-1'
            $texts | Should -Not -Contain 'us-east-1-regional'
            $texts | Should -Not -Contain 'aws-global'
            ($matches | Where-Object CompletionText -eq 'eu-west-1').ToolTip | Should -Match 'Ireland'
        }

        It '-ProfileName offers the profiles of the shared credentials and config files, not file names' {
            $folder = Join-Path $TestDrive 'aws'
            $null = New-Item -ItemType Directory -Path $folder
            Set-Content -Path (Join-Path $folder 'credentials') -Value "[default]`naws_access_key_id = AKIAEXAMPLE1`naws_secret_access_key = x`n[ops-admin]`naws_access_key_id = AKIAEXAMPLE2`naws_secret_access_key = y"
            Set-Content -Path (Join-Path $folder 'config') -Value "[profile ops-reader]`nrole_arn = arn:aws:iam::123456789012:role/Reader`nsource_profile = default"
            $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $folder 'credentials'
            $env:AWS_CONFIG_FILE = Join-Path $folder 'config'
            try {
                $all = @((Get-Completion 'Get-CapacityReservationUsage -ProfileName ').CompletionText)
                $ops = @((Get-Completion 'Get-CapacityReservationUsage -ProfileName ops').CompletionText)
            }
            finally {
                Remove-Item Env:AWS_SHARED_CREDENTIALS_FILE, Env:AWS_CONFIG_FILE
            }
            $all | Should -Contain 'default'
            $all | Should -Contain 'ops-admin'
            $all | Should -Contain 'ops-reader'
            $ops | Should -Be @('ops-admin', 'ops-reader')
        }

        It '-ProfileName reads the file -ProfileLocation names' {
            $file = Join-Path $TestDrive 'elsewhere'
            Set-Content -Path $file -Value "[team-a]`naws_access_key_id = AKIAEXAMPLE3`naws_secret_access_key = z"
            @((Get-Completion "Stop-CapacityReservation -ProfileLocation '$file' -ProfileName ").CompletionText) | Should -Contain 'team-a'
        }

        It '-Region completes what was typed' {
            @((Get-Completion 'Set-InstanceCreditSpecification -Region eu-we').CompletionText) | Should -Be @('eu-west-1', 'eu-west-2', 'eu-west-3')
        }
    }

    Context 'Nested values read well' {
        It 'Format-List * shows the allocation, the accounts and the source as text, not type names (80 columns)' {
            $source = Get-CapacityReservationUsage $seed.SourceWithAllocation @demo
            $interruptible = Get-CapacityReservationUsage $seed.Interruptible @demo

            $text = ($source, $interruptible | Format-List * | Out-String -Width 80)

            $text | Should -Not -Match 'Ec2Capacity\.\w+Info\b'
            $text | Should -Not -Match '\{\d{12}(, \d{12})*\}'
            $text | Should -Match "InterruptibleCapacityAllocation\s+: lends 4/4 \(active\) to $($seed.Interruptible)\r?\n"
            $text | Should -Match '123456789012: \d+ used'
            $text | Should -Match "InterruptionInfo\s+: lent from $($seed.SourceWithAllocation) \(adhoc\)"
            "$($source.InterruptibleCapacityAllocation)" | Should -Match '^lends 4/4 \(active\)'
        }
    }

    Context 'Table views at 80 columns' {
        It 'usage shows the IDs, state, counts, what a source lends and the region, at <_> columns' -ForEach 80, 200 {
            $usage = Get-CapacityReservationUsage $seed.Source, $seed.SourceWithAllocation, $seed.Interruptible, $seed.Cancelled @demo
            $lines = Assert-Table -Objects $usage -Width $_ -Columns 'CapacityReservationId', 'State', 'Total', 'Avail', 'Used', 'Lending', 'Region'
            $lines[3] | Should -Match "^$($seed.SourceWithAllocation)\s+active\s+20\s+11\s+5\s+4/4 active\s+us-east-1$"
            $lines[4] | Should -Match "^$($seed.Interruptible)\s+active\s+4\s+2\s+2\s+interruptible\s+us-east-1$"
            $lines[5] | Should -Match '\bcancelled\b'
        }

        It 'allocations show both IDs, the counts, the status and the region, at <_> columns' -ForEach 80, 200 {
            $allocation = Get-CapacityReservationUsage $seed.SourceWithAllocation @demo | Update-InterruptibleCapacityAllocation -TargetInstanceCount 1 -Force @demo
            $lines = Assert-Table -Objects @($allocation) -Width $_ -Columns 'Source', 'Interruptible', 'Lent', 'Target', 'Status', 'Region'
            $lines[2] | Should -Match "^$($seed.SourceWithAllocation)\s+$($seed.Interruptible)\s+4\s+1\s+updating\s+us-east-1$"
        }

        It 'credit results show the instance, option, outcome, region and error, at <_> columns' -ForEach 80, 200 {
            $results = $seed.T3Micro, $seed.NotBurstable | Set-InstanceCreditSpecification -CpuCredits unlimited -PassThru @demo -ErrorAction SilentlyContinue
            $lines = Assert-Table -Objects $results -Width $_ -Columns 'InstanceId', 'CpuCredits', 'OK', 'Region', 'Error'
            $lines[3] | Should -Match "^$($seed.NotBurstable)\s+unlimited\s+False\s+us-east-1\s+NotSupported$"
            ($results[1] | Format-List | Out-String -Width 80) | Should -Match 'ErrorCode\s+: InstanceCreditSpecification\.NotSupported'
        }
    }

    Context 'Progress during -Wait' {
        It 'a reclaim to 0 says what it takes back, and the activity is short enough for the minimal view' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($Manifest, $Call)
                        Import-Module $Manifest
                        Update-InterruptibleCapacityAllocation @Call -TargetInstanceCount 0 -Force -Wait -WaitTimeoutSeconds 120
                    }).AddArgument((Join-Path (Get-RepoRoot) 'Ec2Capacity.psd1')).AddArgument((Get-DemoConnection -Emulator $emulator) + @{ CapacityReservationId = $seed.SourceWithAllocation })
                $output = $ps.Invoke()
                $records = @($ps.Streams.Progress | Where-Object { $_.RecordType -ne 'Completed' })
            }
            finally {
                $ps.Dispose()
            }

            $output[0].Status | Should -BeIn 'active', 'canceled'
            $records.Count | Should -BeGreaterThan 0
            $records.StatusDescription | Should -Not -Match ' of 0\b'
            @($records.StatusDescription | Where-Object { $_ -match '^updating: reclaiming 4 of 4 lent \(\d+/120 s\)$' }).Count | Should -BeGreaterThan 0
            # One display for the pipeline's waits: a line saying how many settled, and one line below it per allocation.
            $pipelineLines = @($records | Where-Object ParentActivityId -eq -1)
            $allocationLines = @($records | Where-Object ParentActivityId -ne -1)
            $pipelineLines.Activity | Select-Object -Unique | Should -Be 'Waiting for allocations'
            $pipelineLines.StatusDescription | Select-Object -Unique | Should -Be '0 of 1 settled', '1 of 1 settled'
            $allocationLines.ParentActivityId | Select-Object -Unique | Should -Be $pipelineLines[0].ActivityId
            $allocationLines.Activity | Select-Object -Unique | Should -Be "Allocation $($seed.SourceWithAllocation)"
            foreach ($record in $records) {
                # The minimal view prints "Activity [Status]" on one line: both fit in 80 columns.
                ("{0} [{1}]" -f $record.Activity, $record.StatusDescription).Length | Should -BeLessOrEqual 80
            }
        }
    }

    Context 'IDs the session has seen' {
        It 'completes -CapacityReservationId with the reservations earlier output named, without any request' {
            Reset-TestEmulator -Emulator $emulator
            $null = Get-CapacityReservationUsage $seed.Source, $seed.SourceWithAllocation @demo
            $sent = @(Get-EmulatorJournal -Emulator $emulator).Count

            $ids = @(Get-Completion 'Stop-CapacityReservation -CapacityReservationId cr-0' | ForEach-Object CompletionText)
            $ids | Should -Contain $seed.Source
            $ids | Should -Contain $seed.SourceWithAllocation
            $ids | Should -Contain $seed.Interruptible -Because 'the usage of the source names its interruptible reservation'
            @(Get-Completion 'Update-InterruptibleCapacityAllocation cr-0a' | ForEach-Object CompletionText) | Should -Contain $seed.SourceWithAllocation
            @(Get-Completion 'Get-CapacityReservationUsage cr-0a' | ForEach-Object CompletionText) | Should -Not -Contain $seed.Source
            @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be $sent -Because 'completion sends nothing'
        }

        It 'completes -InstanceId with the instances earlier credit results named' {
            Reset-TestEmulator -Emulator $emulator
            $null = Set-InstanceCreditSpecification $seed.T3Micro -CpuCredits unlimited -PassThru @demo
            @(Get-Completion 'Set-InstanceCreditSpecification -CpuCredits standard -InstanceId i-0' | ForEach-Object CompletionText) | Should -Contain $seed.T3Micro
        }
    }
}
