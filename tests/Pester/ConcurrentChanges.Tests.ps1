#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Issue 14, part 2 (New, Update, Stop): changes for different items are sent at the same time, up to -ThrottleLimit;
# objects and errors come out in input order, prompts and What if lines in input order on the pipeline thread, -Wait
# waits for all changes together, and Ctrl+C stops everything in flight.
Describe 'Changes run concurrently, in order' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        . (Join-Path $PSScriptRoot 'ScriptedHost.ps1')
        Import-Ec2Capacity
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $demo = Get-DemoConnection -Emulator $emulator
        $manifest = Join-Path (Get-RepoRoot) 'Ec2Capacity.psd1'

        function New-SourceSeed {
            <# The demo state plus -Count active sources (10 instances, 2 used); -Lending: each lends 4 (retain) to its own interruptible reservation. #>
            param([int] $Count, [int] $LatencyMs = 0, [switch] $Lending)
            $world = Get-DemoSeedJson | ConvertFrom-Json
            $reservations = [System.Collections.Generic.List[object]]::new()
            $reservations.AddRange(@($world.capacityReservations))
            $ids = @()
            for ($i = 1; $i -le $Count; $i++) {
                $id = 'cr-{0:x17}' -f (0xa000 + $i)
                $ids += $id
                $source = [ordered]@{
                    capacityReservationId = $id; ownerId = '123456789012'; instanceType = 'm5.large'; totalInstanceCount = 10
                    state = 'active'; capacityBlock = $false; instanceUsages = @(@{ accountId = '123456789012'; usedInstanceCount = 2 })
                }
                if ($Lending) {
                    $lentId = 'cr-{0:x17}' -f (0xb000 + $i)
                    $source.interruptibleCapacityAllocation = [ordered]@{
                        instanceCount = 4; targetInstanceCount = 4; status = 'active'; interruptibleCapacityReservationId = $lentId
                        interruptionType = 'adhoc'; zeroSizePreference = 'retain'
                    }
                    $reservations.Add([ordered]@{
                            capacityReservationId = $lentId; ownerId = '123456789012'; instanceType = 'm5.large'; totalInstanceCount = 4
                            state = 'active'; capacityBlock = $false; instanceUsages = @(); interruptible = $true
                            interruptionInfo = @{ sourceCapacityReservationId = $id; interruptionType = 'adhoc' }
                        })
                }
                $reservations.Add($source)
            }
            $world.capacityReservations = $reservations.ToArray()
            $world.behavior.faults.latencyMs = $LatencyMs
            @{ Json = ($world | ConvertTo-Json -Depth 12); Ids = $ids }
        }

        function Get-Sequence($records, [string] $IdProperty) {
            # One entry per item, in the order written: the ID of an object, or of an error.
            @($records | ForEach-Object {
                    if ($_ -is [System.Management.Automation.ErrorRecord]) { "error:$($_.TargetObject)" } else { $_.$IdProperty }
                })
        }

        function Wait-Journal([scriptblock] $Until) {
            # The emulator records an aborted request once it sees the abort: wait for that condition, bounded.
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            do {
                $journal = @(Get-EmulatorJournal -Emulator $emulator)
                if (& $Until $journal) { return $journal }
                Start-Sleep -Milliseconds 50
            } while ([DateTime]::UtcNow -lt $deadline)
            $journal
        }
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }

    It 'New writes allocations and errors in input order with -ThrottleLimit <_>' -ForEach 1, 4, 12 {
        $world = New-SourceSeed -Count 9 -LatencyMs 100
        Reset-TestEmulator -Emulator $emulator -SeedJson $world.Json
        $ids = $world.Ids
        # A cancelled source (EC2 refuses), a count no source has (EC2 refuses) and a malformed ID (refused before sending).
        $rows = @(
            @{ Id = $ids[0]; Count = 2 }, @{ Id = $seed.Cancelled; Count = 1 }, @{ Id = $ids[1]; Count = 2 }, @{ Id = $ids[2]; Count = 9 }
            @{ Id = $ids[3]; Count = 2 }, @{ Id = 'cr-123'; Count = 1 }, @{ Id = $ids[4]; Count = 2 }, @{ Id = $ids[5]; Count = 3 }
            @{ Id = $ids[6]; Count = 2 }, @{ Id = $ids[7]; Count = 1 }, @{ Id = $ids[8]; Count = 2 }
        ) | ForEach-Object { [pscustomobject]@{ CapacityReservationId = $_.Id; InstanceCount = $_.Count } }

        $records = @($rows | New-InterruptibleCapacityAllocation -ThrottleLimit $_ @demo 2>&1)

        $failing = $seed.Cancelled, $ids[2], 'cr-123'
        $expected = @($rows.CapacityReservationId | ForEach-Object { if ($_ -in $failing) { "error:$_" } else { $_ } })
        Get-Sequence $records 'SourceCapacityReservationId' | Should -Be $expected
        @(Get-EmulatorJournal -Emulator $emulator | Where-Object { $_.action -eq 'CreateInterruptibleCapacityReservationAllocation' -and $_.httpStatus -eq 200 }).Count | Should -Be 8
    }

    It 'Stop writes results and errors in input order' {
        $world = New-SourceSeed -Count 6 -LatencyMs 100
        Reset-TestEmulator -Emulator $emulator -SeedJson $world.Json
        $ids = @($world.Ids[0], $seed.Unknown, $world.Ids[1], $world.Ids[2], $seed.Cancelled, $world.Ids[3], $world.Ids[4], $world.Ids[5])

        $records = @($ids | Stop-CapacityReservation -Force -PassThru -ThrottleLimit 4 @demo 2>&1)

        $expected = @($ids | ForEach-Object { if ($_ -in $seed.Unknown, $seed.Cancelled) { "error:$_" } else { $_ } })
        Get-Sequence $records 'CapacityReservationId' | Should -Be $expected
        foreach ($id in $world.Ids) { (Get-ReservationState -Emulator $emulator -Id $id).state | Should -Be 'cancelled' }
    }

    It 'New -Wait sends every change before the first allocation settles, then writes each settled allocation in input order' {
        $world = New-SourceSeed -Count 6
        Reset-TestEmulator -Emulator $emulator -SeedJson $world.Json
        $run = Invoke-WithScriptedHost -Arguments @{ Ids = $world.Ids; Call = $demo } -ScriptBlock {
            $call = $Arguments.Call
            $Arguments.Ids | ForEach-Object { [pscustomobject]@{ CapacityReservationId = $_; InstanceCount = 3 } } |
                New-InterruptibleCapacityAllocation -Wait -WaitTimeoutSeconds 120 @call
        }
        $output = $run.Output
        $errors = $run.Errors
        $progress = $run.Progress
        $told = @($run.Information | Where-Object { $_.Tags -contains 'ChangeSent' })

        $errors | Should -BeNullOrEmpty
        $output.SourceCapacityReservationId | Should -Be $world.Ids
        $output.Status | Select-Object -Unique | Should -Be 'active'
        $told.Count | Should -Be 6

        # Waiting one by one would read the first source to its end before sending the second change.
        $journal = @(Get-EmulatorJournal -Emulator $emulator)
        $lastCreate = ($journal | Where-Object action -eq 'CreateInterruptibleCapacityReservationAllocation' | Measure-Object sequence -Maximum).Maximum
        $firstSourceReads = @($journal | Where-Object { $_.action -eq 'GetCapacityReservationUsage' -and $_.parameters.CapacityReservationId -eq $world.Ids[0] } | Sort-Object sequence)
        $lastCreate | Should -BeLessThan $firstSourceReads[-1].sequence

        # One display: a line for the pipeline and, below it, one line per allocation, each completed.
        $pipelineLine = @($progress | Where-Object ParentActivityId -eq -1)
        $pipelineLine.ActivityId | Select-Object -Unique | Should -HaveCount 1
        $allocationLines = @($progress | Where-Object ParentActivityId -eq $pipelineLine[0].ActivityId)
        $allocationLines.ActivityId | Select-Object -Unique | Should -HaveCount 6
        $allocationLines.Activity | Select-Object -Unique | Sort-Object | Should -Be ($world.Ids | ForEach-Object { "Allocation $_" } | Sort-Object)
        @($allocationLines | Where-Object RecordType -eq 'Completed').Count | Should -Be 6
        $pipelineLine[-1].RecordType | Should -Be 'Completed'
    }

    It 'Update asks in input order and sends only what was confirmed' {
        $world = New-SourceSeed -Count 3 -LatencyMs 50 -Lending
        Reset-TestEmulator -Emulator $emulator -SeedJson $world.Json
        $run = Invoke-WithScriptedHost -Answers 'Yes', 'No', 'Yes' -Arguments @{ Ids = $world.Ids; Call = $demo } -ScriptBlock {
            $call = $Arguments.Call
            $Arguments.Ids | Update-InterruptibleCapacityAllocation -TargetInstanceCount 1 @call
        }

        $run.Errors | Should -BeNullOrEmpty
        $run.Prompts.Count | Should -Be 3
        for ($i = 0; $i -lt 3; $i++) { $run.Prompts[$i].Message | Should -Match ([regex]::Escape($world.Ids[$i])) }
        $run.Output.SourceCapacityReservationId | Should -Be @($world.Ids[0], $world.Ids[2])
        $updates = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -eq 'UpdateInterruptibleCapacityReservationAllocation')
        $updates.parameters.CapacityReservationId | Sort-Object | Should -Be @($world.Ids[0], $world.Ids[2])
    }

    It 'What if lines stay in input order, each verdict after its change' {
        $world = New-SourceSeed -Count 4 -LatencyMs 50
        Reset-TestEmulator -Emulator $emulator -SeedJson $world.Json
        $run = Invoke-WithScriptedHost -Arguments @{ Ids = $world.Ids; Call = $demo } -ScriptBlock {
            $call = $Arguments.Call
            $Arguments.Ids | Stop-CapacityReservation -WhatIf @call
        }

        $lines = @($run.Lines | Where-Object { $_ -like 'What if:*' })
        $lines.Count | Should -Be 8
        for ($i = 0; $i -lt 4; $i++) {
            $lines[2 * $i] | Should -BeLike "What if: Cancel Capacity Reservation $($world.Ids[$i]);*"
            $lines[2 * $i + 1] | Should -BeLike "What if: $($world.Ids[$i]): EC2 DryRun: allowed*"
        }
    }

    It 'Two changes of one source keep their order' {
        $world = New-SourceSeed -Count 2 -LatencyMs 100 -Lending
        Reset-TestEmulator -Emulator $emulator -SeedJson $world.Json
        $plan = @(
            [pscustomobject]@{ CapacityReservationId = $world.Ids[0]; TargetInstanceCount = 3 }
            [pscustomobject]@{ CapacityReservationId = $world.Ids[1]; TargetInstanceCount = 2 }
            [pscustomobject]@{ CapacityReservationId = $world.Ids[0]; TargetInstanceCount = 1 }
        )
        $null = $plan | Update-InterruptibleCapacityAllocation -Force -ThrottleLimit 8 @demo

        $targets = @(Get-EmulatorJournal -Emulator $emulator | Where-Object {
                $_.action -eq 'UpdateInterruptibleCapacityReservationAllocation' -and $_.parameters.CapacityReservationId -eq $world.Ids[0]
            } | Sort-Object sequence | ForEach-Object { $_.parameters.TargetInstanceCount })
        $targets | Should -Be @('3', '1')
        (Get-ReservationState -Emulator $emulator -Id $world.Ids[0]).interruptibleCapacityAllocation.targetInstanceCount | Should -Be 1
    }

    It '-ErrorAction Stop: every cancel already made behind the failing one is told before the error stops the command' {
        $world = New-SourceSeed -Count 2 -LatencyMs 200
        Reset-TestEmulator -Emulator $emulator -SeedJson $world.Json
        $run = Invoke-WithScriptedHost -Arguments @{ Ids = @($seed.Cancelled) + $world.Ids; Call = $demo } -ScriptBlock {
            $call = $Arguments.Call
            $Arguments.Ids | Stop-CapacityReservation -Force -PassThru -ThrottleLimit 3 -ErrorAction Stop @call
        }
        # The command stopped: its terminating error is the last one.
        $run.Errors[-1].Exception | Should -BeOfType [System.Management.Automation.MethodInvocationException]
        $told = @($run.Information | Where-Object { $_.Tags -contains 'ChangeSent' } | ForEach-Object { "$($_.MessageData)" })

        foreach ($id in $world.Ids) {
            (Get-ReservationState -Emulator $emulator -Id $id).state | Should -Be 'cancelled'
            @($told | Where-Object { $_ -like "*$id*" }).Count | Should -Be 1 -Because "the cancel of $id was made"
        }
    }

    It 'Set sends batches at the same time and writes every result in input order' {
        $world = Get-DemoSeedJson | ConvertFrom-Json
        $instances = @(1..38 | ForEach-Object {
                [pscustomobject]@{ instanceId = ('i-{0:x17}' -f (0xc000 + $_)); instanceType = 't3.micro'; state = 'running'; tenancy = 'default'; cpuCredits = 'standard' }
            })
        $world.instances = @($world.instances) + $instances
        $world.behavior.faults.latencyMs = 100
        Reset-TestEmulator -Emulator $emulator -SeedJson ($world | ConvertTo-Json -Depth 12)
        # The instance that is not burstable sits in the middle of the third batch.
        $ids = @($instances[0..11].instanceId) + $seed.NotBurstable + @($instances[12..37].instanceId)

        $records = @($ids | Set-InstanceCreditSpecification -CpuCredits unlimited -BatchSize 5 -ThrottleLimit 4 -PassThru @demo 2>&1)

        $results = @($records | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
        $results.InstanceId | Should -Be $ids
        ($results | Where-Object { -not $_.Succeeded }).InstanceId | Should -Be $seed.NotBurstable
        @($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).TargetObject | Should -Be $seed.NotBurstable
        @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -eq 'ModifyInstanceCreditSpecification').Count | Should -Be 8
    }

    It 'Ctrl+C stops every change in flight: none of them is carried out' {
        $world = New-SourceSeed -Count 4 -LatencyMs 5000
        Reset-TestEmulator -Emulator $emulator -SeedJson $world.Json
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($Manifest, $Ids, $Call)
                Import-Module $Manifest
                $Ids | ForEach-Object { [pscustomobject]@{ CapacityReservationId = $_; InstanceCount = 2 } } |
                    New-InterruptibleCapacityAllocation -ThrottleLimit 4 -Verbose @Call
            }).AddArgument($manifest).AddArgument($world.Ids).AddArgument($demo)
        $null = Register-ObjectEvent -InputObject $ps.Streams.Verbose -EventName DataAdded -SourceIdentifier 'verbose-new'
        try {
            $async = $ps.BeginInvoke()
            # Each change says its ClientToken as it is sent: once four have, all four are held by the emulator.
            while (@($ps.Streams.Verbose | Where-Object Message -like 'ClientToken *').Count -lt 4) {
                $event = Wait-Event -SourceIdentifier 'verbose-new' -Timeout 30
                if (-not $event) { break }
                Remove-Event -EventIdentifier $event.EventIdentifier
            }
            @($ps.Streams.Verbose | Where-Object Message -like 'ClientToken *').Count | Should -Be 4
            $ps.Stop()
            { $ps.EndInvoke($async) } | Should -Throw
            $ps.Streams.Error | Should -BeNullOrEmpty
        }
        finally {
            Unregister-Event -SourceIdentifier 'verbose-new'
            Remove-Event -SourceIdentifier 'verbose-new' -ErrorAction SilentlyContinue
            $ps.Dispose()
        }

        $journal = Wait-Journal { param($j) @($j | Where-Object action -eq 'CreateInterruptibleCapacityReservationAllocation').Count -ge 4 }
        $creates = @($journal | Where-Object action -eq 'CreateInterruptibleCapacityReservationAllocation')
        $creates.Count | Should -Be 4
        $creates.errorCode | Select-Object -Unique | Should -Be 'ClientClosedRequest'
        foreach ($id in $world.Ids) { (Get-ReservationState -Emulator $emulator -Id $id).interruptibleCapacityAllocation | Should -BeNullOrEmpty }
    }
}
