#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Issue 13: pipelines that never surprise.
Describe 'Pipelines' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        Import-Ec2Capacity
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $noRegion = Get-DemoConnection -Emulator $emulator -NoRegion
        # No region anywhere but on the records: no profile files, no AWS_REGION.
        $env:AWS_CONFIG_FILE = Join-Path $TestDrive 'no-config'
        $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $TestDrive 'no-credentials'
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
        Remove-Item Env:AWS_CONFIG_FILE, Env:AWS_SHARED_CREDENTIALS_FILE -ErrorAction SilentlyContinue
    }

    BeforeEach {
        Reset-TestEmulator -Emulator $emulator
    }

    Context 'case 2: one bad record does not stop the others' {
        It 'a piped record whose Region is invalid or blank is an error for that record; the others are read, in order' {
            $records = @(
                [pscustomobject]@{ CapacityReservationId = $seed.Source; Region = 'us-east-1' }
                [pscustomobject]@{ CapacityReservationId = $seed.SourceWithAllocation; Region = 'not-a-region' }
                [pscustomobject]@{ CapacityReservationId = $seed.Interruptible; Region = '' }
                [pscustomobject]@{ CapacityReservationId = $seed.Shared; Region = 'us-east-1' }
            )
            $result = Invoke-Quietly { $records | Get-CapacityReservationUsage @noRegion -ErrorAction SilentlyContinue -ErrorVariable +errs; $errs }

            @($result.Output.CapacityReservationId) | Should -Be @($seed.Source, $seed.Shared)
            $result.Errors.Count | Should -Be 2
            $result.Errors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidRegion,*'
            $result.Errors[0].TargetObject | Should -Be $seed.SourceWithAllocation
            $result.Errors[0].ErrorDetails.RecommendedAction | Should -Match 'system name, such as us-east-1'
            $result.Errors[1].FullyQualifiedErrorId | Should -BeLike 'NoRegion,*'
            $result.Errors[1].TargetObject | Should -Be $seed.Interruptible
            @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 2
        }

        It 'the same holds for a change: Update skips only the record without a usable region' {
            $records = @(
                [pscustomobject]@{ CapacityReservationId = $seed.SourceWithAllocation; Region = 'nowhere-9'; TargetInstanceCount = 2 }
                [pscustomobject]@{ CapacityReservationId = $seed.SourceWithAllocation; Region = 'us-east-1'; TargetInstanceCount = 3 }
            )
            $result = Invoke-Quietly { $records | Update-InterruptibleCapacityAllocation -Force @noRegion -ErrorAction SilentlyContinue -ErrorVariable +errs; $errs }

            $result.Errors.Count | Should -Be 1
            $result.Errors[0].TargetObject | Should -Be $seed.SourceWithAllocation
            $journal = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -eq 'UpdateInterruptibleCapacityReservationAllocation')
            $journal.Count | Should -Be 1
            $journal[0].parameters.TargetInstanceCount | Should -Be '3'
        }

        It 'a failure no record can escape still stops the command: an invalid -Region on the command line' {
            { $seed.Source, $seed.Shared | Get-CapacityReservationUsage @noRegion -Region 'not-a-region' } |
                Should -Throw -ErrorId 'InvalidRegion,Ec2Capacity.Commands.GetCapacityReservationUsageCommand'
            @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 0
        }
    }

    Context 'case 12: advice that fits the failure' {
        It '<Case> gets advice about <About>, not a generic "Pass -Region and credentials"' -ForEach @(
            @{ Case = '-AccessKey without -SecretKey'; About = '-SecretKey'; Id = 'IncompleteKeys'; Extra = @{ AccessKey = 'AKIAIOSFODNN7EXAMPLE' } }
            @{ Case = 'a bad -EndpointUrl'; About = 'an absolute http or https URL'; Id = 'InvalidEndpointUrl'; Extra = @{ EndpointUrl = 'not a url'; AccessKey = 'AKIAIOSFODNN7EXAMPLE'; SecretKey = 'x' } }
            @{ Case = 'a bad -Region'; About = 'system name'; Id = 'InvalidRegion'; Extra = @{ Region = 'mars-1'; AccessKey = 'AKIAIOSFODNN7EXAMPLE'; SecretKey = 'x' } }
        ) {
            $call = @{ EndpointUrl = $emulator.Url; Region = 'us-east-1' }
            foreach ($key in $Extra.Keys) { $call[$key] = $Extra[$key] }
            $failure = $null
            try { Get-CapacityReservationUsage $seed.Source @call } catch { $failure = $_ }
            $failure.FullyQualifiedErrorId | Should -BeLike "$Id,*"
            $failure.ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape($About))
            $failure.ErrorDetails.RecommendedAction | Should -Not -Match 'Pass -Region and credentials'
        }

        It 'an EC2 refusal gets advice that fits it: <Case>' -ForEach @(
            @{ Case = 'cancelling a cancelled reservation'; Call = { Stop-CapacityReservation $seed.Cancelled -Force @demo }; Code = 'IncorrectState'; About = 'Nothing to do' }
            @{ Case = 'lending from an end-dated reservation'; Call = { New-InterruptibleCapacityAllocation $seed.EndDated 1 @demo }; Code = 'IncorrectState'; About = 'without an end date' }
            @{ Case = 'updating a reservation that lends nothing'; Call = { Update-InterruptibleCapacityAllocation $seed.Source 1 -Force @demo }; Code = 'IncorrectState'; About = 'New-InterruptibleCapacityAllocation' }
            @{ Case = 'cancelling a committed reservation without a quote'; Call = { Stop-CapacityReservation $seed.Committed -Force @demo }; Code = 'IncorrectState'; About = '-QuoteId' }
            @{ Case = 'unlimited credits for a non-burstable instance'; Call = { Set-InstanceCreditSpecification $seed.NotBurstable -CpuCredits unlimited @demo }; Code = 'InstanceCreditSpecification.NotSupported'; About = 'burstable' }
            @{ Case = 'cancelling an interruptible reservation directly'; Call = { Stop-CapacityReservation $seed.Interruptible -Force @demo }; Code = 'OperationNotPermitted'; About = 'through its source' }
        ) {
            $demo = Get-DemoConnection -Emulator $emulator
            $result = Invoke-Quietly { & $Call }
            $result.Errors.Count | Should -Be 1
            $result.Errors[0].FullyQualifiedErrorId | Should -BeLike "$Code,*"
            $advice = $result.Errors[0].ErrorDetails.RecommendedAction
            $advice | Should -Match ([regex]::Escape($About))
            $advice | Should -Not -Match 'try again when it is'
        }
    }

    Context 'case 10: objects from AWS.Tools' {
        BeforeAll {
            # Get-EC2Instance writes Amazon.EC2.Model.Reservation objects from AWS.Tools' own AWSSDK.EC2: foreign to us.
            Add-Type -Path (Join-Path (Get-RepoRoot) 'module/bin/Core/AWSSDK.EC2.dll')
            function New-Reservation {
                param([string[]] $InstanceIds)
                $reservation = [Amazon.EC2.Model.Reservation]::new()
                $reservation.ReservationId = 'r-0123456789abcdef0'
                $reservation.Instances = [System.Collections.Generic.List[Amazon.EC2.Model.Instance]]::new()
                foreach ($id in $InstanceIds) {
                    $instance = [Amazon.EC2.Model.Instance]::new()
                    $instance.InstanceId = $id
                    $reservation.Instances.Add($instance)
                }
                $reservation
            }
        }

        It 'Get-EC2Instance reservations piped to Set-InstanceCreditSpecification change each instance they contain' {
            $demo = Get-DemoConnection -Emulator $emulator
            $reservations = (New-Reservation $seed.T3Micro, $seed.T2Micro), (New-Reservation $seed.T3aMedium)

            $results = @($reservations | Set-InstanceCreditSpecification -CpuCredits unlimited -PassThru @demo)

            @($results.InstanceId) | Should -Be @($seed.T3Micro, $seed.T2Micro, $seed.T3aMedium)
            $results.Succeeded | Should -Not -Contain $false
            (Get-InstanceState -Emulator $emulator -Id $seed.T3aMedium).cpuCredits | Should -Be 'unlimited'
        }

        It 'an object with no instance ID is refused with a clear message, and nothing is sent for it' {
            $demo = Get-DemoConnection -Emulator $emulator
            $result = Invoke-Quietly { [pscustomobject]@{ Name = 'not an instance' }, $seed.T3Micro | Set-InstanceCreditSpecification -CpuCredits unlimited -PassThru @demo }

            $result.Errors.Count | Should -Be 1
            "$($result.Errors[0])" | Should -Match 'has no InstanceId and no Instances'
            @($result.Output.InstanceId) | Should -Be @($seed.T3Micro)
            $journal = @(Get-EmulatorJournal -Emulator $emulator)
            ($journal.parameters | ConvertTo-Json) | Should -Not -Match 'PSCustomObject|Reservation'
        }
    }

    Context 'case 1: this module''s own objects never change a count the user did not type' {
        It 'a stale allocation object piped to Update with only -ZeroSizePreference does not resize the allocation back' {
            $demo = Get-DemoConnection -Emulator $emulator
            $a = New-InterruptibleCapacityAllocation $seed.Source 3 -Wait -WaitTimeoutSeconds 60 @demo
            $null = Update-InterruptibleCapacityAllocation $seed.Source -TargetInstanceCount 1 -Force @demo

            $null = $a | Update-InterruptibleCapacityAllocation -ZeroSizePreference retain -Force @demo

            $updates = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -eq 'UpdateInterruptibleCapacityReservationAllocation')
            $updates.Count | Should -Be 2
            $updates[1].parameters.PSObject.Properties.Name | Should -Not -Contain 'TargetInstanceCount'
            $updates[1].parameters.ZeroSizePreference | Should -Be 'retain'
            (Get-ReservationState -Emulator $emulator -Id $seed.Source).interruptibleCapacityAllocation.targetInstanceCount | Should -Be 1
        }

        It 'our object with nothing typed is an error for that record; a plan row after it still binds its count' {
            $demo = Get-DemoConnection -Emulator $emulator
            $ours = (Invoke-Quietly { $seed.SourceWithAllocation | Update-InterruptibleCapacityAllocation -TargetInstanceCount 4 -Force @demo }).Output[0]
            Reset-TestEmulator -Emulator $emulator
            $row = [pscustomobject]@{ CapacityReservationId = $seed.SourceWithAllocation; TargetInstanceCount = 2 }

            $result = Invoke-Quietly { $ours, $row | Update-InterruptibleCapacityAllocation -Force @demo }

            $result.Errors.Count | Should -Be 1
            $result.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ValueNotTakenFromOwnOutput,*'
            "$($result.Errors[0])" | Should -Match 'Give -TargetInstanceCount'
            $updates = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -eq 'UpdateInterruptibleCapacityReservationAllocation')
            $updates.Count | Should -Be 1
            $updates[0].parameters.TargetInstanceCount | Should -Be '2'
        }

        It 'a count typed on the command line is used with our objects piped in' {
            $demo = Get-DemoConnection -Emulator $emulator
            $null = Get-CapacityReservationUsage $seed.SourceWithAllocation @demo | Update-InterruptibleCapacityAllocation -TargetInstanceCount 0 -Force @demo
            $update = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -eq 'UpdateInterruptibleCapacityReservationAllocation')
            $update.Count | Should -Be 1
            $update[0].parameters.TargetInstanceCount | Should -Be '0'
        }

        It 'New does not lend again the count of a piped allocation, nor Set reapply the option of a piped result' {
            $demo = Get-DemoConnection -Emulator $emulator
            $allocation = @(Get-CapacityReservationUsage $seed.SourceWithAllocation @demo | Update-InterruptibleCapacityAllocation -TargetInstanceCount 4 -Force @demo)[0]
            $credit = @(Set-InstanceCreditSpecification $seed.T3Micro -CpuCredits unlimited -PassThru @demo)[0]
            Reset-TestEmulator -Emulator $emulator

            $new = Invoke-Quietly { $allocation | New-InterruptibleCapacityAllocation -WhatIf @demo }
            $set = Invoke-Quietly { $credit | Set-InstanceCreditSpecification -PassThru @demo }
            $typed = @($credit | Set-InstanceCreditSpecification -CpuCredits standard -PassThru @demo)

            $new.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ValueNotTakenFromOwnOutput,*'
            "$($new.Errors[0])" | Should -Match '-InstanceCount'
            $set.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ValueNotTakenFromOwnOutput,*'
            "$($set.Errors[0])" | Should -Match '-CpuCredits'
            $typed[0].CpuCredits | Should -Be 'standard'
            @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 1
        }
    }

    Context 'case 6: Ctrl+C during -Wait never hides a change that was made' {
        It '<Cmdlet> says what it changed before it waits, so a stopped wait leaves a record of it' -ForEach @(
            @{ Cmdlet = 'New-InterruptibleCapacityAllocation'; Arguments = @{ CapacityReservationId = 'cr-0123456789abcdef0'; InstanceCount = 2 } }
            @{ Cmdlet = 'Update-InterruptibleCapacityAllocation'; Arguments = @{ CapacityReservationId = 'cr-0a1b2c3d4e5f60718'; TargetInstanceCount = 1; Force = $true } }
        ) {
            # The allocation never settles, so the wait runs until it is stopped.
            $slow = Get-DemoSeedJson | ConvertFrom-Json
            $slow | Add-Member -NotePropertyName behavior -NotePropertyValue ([pscustomobject]@{ settleAfterReads = 1000 }) -Force
            Reset-TestEmulator -Emulator $emulator -SeedJson ($slow | ConvertTo-Json -Depth 10)
            $call = (Get-DemoConnection -Emulator $emulator) + $Arguments
            $ps = [powershell]::Create()
            $null = $ps.AddScript({
                    param($Manifest, $Cmdlet, $Call)
                    Import-Module $Manifest
                    & $Cmdlet @Call -Wait -WaitTimeoutSeconds 600
                }).AddArgument((Join-Path (Get-RepoRoot) 'Ec2Capacity.psd1')).AddArgument($Cmdlet).AddArgument($call)
            $subscription = Register-ObjectEvent -InputObject $ps.Streams.Information -EventName DataAdded -SourceIdentifier "info-$Cmdlet"
            try {
                $async = $ps.BeginInvoke()
                $told = Wait-Event -SourceIdentifier "info-$Cmdlet" -Timeout 60
                $told | Should -Not -BeNullOrEmpty -Because 'the cmdlet must say what it changed before waiting'
                $ps.Stop()
                { $ps.EndInvoke($async) } | Should -Throw
            }
            finally {
                Unregister-Event -SourceIdentifier "info-$Cmdlet"
                Remove-Event -SourceIdentifier "info-$Cmdlet" -ErrorAction SilentlyContinue
                $ps.Dispose()
            }

            $record = $ps.Streams.Information | Where-Object { $_.Tags -contains 'ChangeSent' } | Select-Object -First 1
            "$($record.MessageData)" | Should -Match 'Change sent: the interruptible allocation of cr-0'
            "$($record.MessageData)" | Should -Match 'stopping the wait does not undo the change'
            $changes = @(Get-EmulatorJournal -Emulator $emulator | Where-Object { $_.action -like '*InterruptibleCapacityReservationAllocation' -and -not $_.dryRun })
            $changes.Count | Should -Be 1
            $changes[0].httpStatus | Should -Be 200
        }
    }

    Context 'case 8: at most 10,000 items in one command' {
        BeforeAll {
            $ids = foreach ($n in 1..10001) { 'i-{0:x17}' -f $n }
            $reservations = foreach ($n in 1..10001) { 'cr-{0:x17}' -f $n }
        }

        It 'a list of 10,001 IDs on the command line is refused before any request (<Cmdlet>)' -ForEach @(
            @{ Cmdlet = 'Get-CapacityReservationUsage'; Parameter = 'CapacityReservationId' }
            @{ Cmdlet = 'Stop-CapacityReservation'; Parameter = 'CapacityReservationId' }
            @{ Cmdlet = 'Set-InstanceCreditSpecification'; Parameter = 'InstanceId' }
        ) {
            $demo = Get-DemoConnection -Emulator $emulator
            $values = if ($Parameter -eq 'InstanceId') { $ids } else { $reservations }
            $call = @{ $Parameter = $values }
            if ($Cmdlet -eq 'Set-InstanceCreditSpecification') { $call.CpuCredits = 'unlimited' }
            { & $Cmdlet @call @demo -WhatIf } | Should -Throw -ErrorId "TooManyItems,Ec2Capacity.Commands.$($Cmdlet -replace '-', '')Command"
            @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 0
        }

        It 'a later record for the same instance with another option is refused and not sent, also after an earlier batch (BatchSize <_>)' -ForEach 100, 1 {
            $demo = Get-DemoConnection -Emulator $emulator
            $rows = @(
                [pscustomobject]@{ InstanceId = $seed.T3Micro; CpuCredits = 'unlimited' }
                [pscustomobject]@{ InstanceId = $seed.T3Micro; CpuCredits = 'standard' }
            )
            $result = Invoke-Quietly { $rows | Set-InstanceCreditSpecification -BatchSize $_ -PassThru @demo }

            @($result.Output).Count | Should -Be 1
            $result.Output[0].CpuCredits | Should -Be 'unlimited'
            $result.Errors.Count | Should -Be 1
            "$($result.Errors[0])" | Should -Match "already given with 'unlimited'; the later 'standard' is not applied"
            $journal = @(Get-EmulatorJournal -Emulator $emulator)
            $journal.Count | Should -Be 1
            ($journal[0].parameters | ConvertTo-Json) | Should -Not -Match 'standard'
            (Get-InstanceState -Emulator $emulator -Id $seed.T3Micro).cpuCredits | Should -Be 'unlimited'
        }

        It '10,001 instances piped to Set: the first 10,000 are sent in 100 batches, the last one is an error and never sent' {
            $demo = Get-DemoConnection -Emulator $emulator
            $errors = @()
            $ids | Set-InstanceCreditSpecification -CpuCredits unlimited -WhatIf @demo -ErrorAction SilentlyContinue -ErrorVariable +errors 6>$null | Out-Null

            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'TooManyItems,*'
            $errors[0].TargetObject | Should -Be $ids[-1]
            $journal = @(Get-EmulatorJournal -Emulator $emulator)
            $journal.Count | Should -Be 100
            ($journal.parameters | ConvertTo-Json -Depth 3) | Should -Not -Match ([regex]::Escape($ids[-1]))
        }
    }

    Context 'case 3: accepted credit changes are never lost, whatever stops the pipeline' {
        It '-ErrorAction Stop on a later bad record: what was accepted before it is sent and reported first' {
            $demo = Get-DemoConnection -Emulator $emulator
            $failure = $null
            try { $seed.T3Micro, $seed.T2Micro, 'i-bad', $seed.T3aMedium | Set-InstanceCreditSpecification -CpuCredits unlimited -PassThru -ErrorAction Stop -OutVariable written @demo | Out-Null }
            catch { $failure = $_ }

            $failure.TargetObject | Should -Be 'i-bad'
            @($written.InstanceId) | Should -Be @($seed.T3Micro, $seed.T2Micro)
            $modify = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -eq 'ModifyInstanceCreditSpecification')
            $modify.Count | Should -Be 1
            (Get-InstanceState -Emulator $emulator -Id $seed.T2Micro).cpuCredits | Should -Be 'unlimited'
            (Get-InstanceState -Emulator $emulator -Id $seed.T3aMedium).cpuCredits | Should -Be 'standard' -Because 'nothing after the stop is sent'
        }

        It 'without -PassThru or Stop, a bad record in the middle changes nothing about what is sent' {
            $demo = Get-DemoConnection -Emulator $emulator
            $result = Invoke-Quietly { $seed.T3Micro, 'i-bad', $seed.T2Micro | Set-InstanceCreditSpecification -CpuCredits unlimited @demo }
            $result.Errors.Count | Should -Be 1
            (Get-InstanceState -Emulator $emulator -Id $seed.T3Micro).cpuCredits | Should -Be 'unlimited'
            (Get-InstanceState -Emulator $emulator -Id $seed.T2Micro).cpuCredits | Should -Be 'unlimited'
        }

        It '-ErrorAction Stop inside a batch: every instance of the batch is reported, changed or not' {
            $demo = Get-DemoConnection -Emulator $emulator
            $failure = $null
            $ids = $seed.T3Micro, $seed.NotBurstable, $seed.Terminated, $seed.T2Micro
            try { $ids | Set-InstanceCreditSpecification -CpuCredits unlimited -PassThru -ErrorAction Stop -OutVariable written @demo | Out-Null }
            catch { $failure = $_ }

            @($written.InstanceId) | Should -Be $ids
            @($written | Where-Object Succeeded).InstanceId | Should -Be @($seed.T3Micro, $seed.T2Micro)
            $failure.TargetObject | Should -Be $seed.NotBurstable
            "$failure" | Should -Match ([regex]::Escape("The same batch also failed for 1 other instance(s): $($seed.Terminated)"))
            (Get-InstanceState -Emulator $emulator -Id $seed.T2Micro).cpuCredits | Should -Be 'unlimited'
        }
    }
}
