#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

Describe 'Stop-CapacityReservation' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        Import-Ec2Capacity
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $demo = Get-DemoConnection -Emulator $emulator
        $readOnly = Get-DemoConnection -Emulator $emulator -ReadOnly
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }

    BeforeEach {
        Reset-TestEmulator -Emulator $emulator
    }

    It '-WhatIf on AWS.Tools CapacityReservation-shaped objects sends one DryRun each and cancels nothing' {
        # Get-EC2CapacityReservation writes Amazon.EC2.Model.CapacityReservation: CapacityReservationId binds by property name.
        $reservations = @(
            [pscustomobject]@{ CapacityReservationId = $seed.Source; InstanceType = 'm5.large'; State = 'active' }
            [pscustomobject]@{ CapacityReservationId = $seed.Unknown; InstanceType = 'm5.2xlarge'; State = 'active' }
        )
        $before = Get-EmulatorStateText -Emulator $emulator

        $result = Invoke-Quietly { $reservations | Stop-CapacityReservation -WhatIf -PassThru @demo }

        $result.Output | Should -BeNullOrEmpty
        $journal = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -ne 'GetCapacityReservationUsage') # -WhatIf's plan reads are not changes
        $journal.Count | Should -Be 2
        $journal | ForEach-Object {
            $_.action | Should -Be 'CancelCapacityReservation'
            $_.dryRun | Should -BeTrue
        }
        # EC2 checks the ID under DryRun: the unknown reservation's verdict fails and is also an error.
        $result.Errors.Count | Should -Be 1
        $result.Errors[0].TargetObject | Should -Be $seed.Unknown
        $result.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-EmulatorStateText -Emulator $emulator | Should -Be $before
    }

    It '-Force -PassThru cancels without a prompt and writes one result per reservation' {
        $cancelled = @(Stop-CapacityReservation $seed.Source, $seed.Assessing -Force -PassThru @demo)

        $cancelled.Count | Should -Be 2
        $cancelled[0].GetType().FullName | Should -Be 'Ec2Capacity.CapacityReservationCancellation'
        $cancelled[0].CapacityReservationId | Should -Be $seed.Source
        $cancelled[0].Cancelled | Should -BeTrue
        $cancelled[0].Region | Should -Be 'us-east-1'
        (Get-ReservationState -Emulator $emulator -Id $seed.Source).state | Should -Be 'cancelled'
        (Get-ReservationState -Emulator $emulator -Id $seed.Assessing).state | Should -Be 'cancelled'
    }

    It 'writes nothing without -PassThru' {
        $output = Stop-CapacityReservation $seed.Delayed -Confirm:$false @demo
        $output | Should -BeNullOrEmpty
        (Get-ReservationState -Emulator $emulator -Id $seed.Delayed).state | Should -Be 'cancelled'
    }

    It 'takes ID and region from Get-CapacityReservationUsage output' {
        $noRegion = Get-DemoConnection -Emulator $emulator -NoRegion
        $result = Get-CapacityReservationUsage $seed.Source @demo | Stop-CapacityReservation -Force -PassThru @noRegion
        $result.CapacityReservationId | Should -Be $seed.Source
        $result.Region | Should -Be 'us-east-1'
    }

    It 'an already cancelled reservation is a non-terminating InvalidOperation error; the others still go' {
        $result = Invoke-Quietly { $seed.Cancelled, $seed.Source | Stop-CapacityReservation -Force -PassThru @demo }

        $result.Output.Count | Should -Be 1
        $result.Output[0].CapacityReservationId | Should -Be $seed.Source
        $result.Errors.Count | Should -Be 1
        $result.Errors[0].FullyQualifiedErrorId | Should -BeLike 'IncorrectState,*'
        $result.Errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $result.Errors[0].TargetObject | Should -Be $seed.Cancelled
    }

    It 'an unknown reservation is ObjectNotFound' {
        $result = Invoke-Quietly { Stop-CapacityReservation $seed.Unknown -Force @demo }
        $result.Errors.Count | Should -Be 1
        $result.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $result.Errors[0].TargetObject | Should -Be $seed.Unknown
    }

    It '-QuoteId and -ApplyCancellationCharge form their own parameter set, both mandatory' {
        $withQuote = (Get-Command Stop-CapacityReservation).ParameterSets | Where-Object Name -eq 'WithQuote'
        ($withQuote.Parameters | Where-Object Name -in 'QuoteId', 'ApplyCancellationCharge' | Where-Object IsMandatory).Count | Should -Be 2
        (Get-Command Stop-CapacityReservation -Syntax) | Should -Match '-QuoteId <string> -ApplyCancellationCharge <string>'
    }

    It '-QuoteId without -ApplyCancellationCharge is refused by PowerShell before any request' {
        # The test host is non-interactive: PowerShell reports the missing mandatory parameter instead of prompting.
        { Stop-CapacityReservation $seed.Committed -QuoteId 'crcq-0123456789abcdef0' -Force @demo } |
            Should -Throw '*ApplyCancellationCharge*'
        @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 0
    }

    It '-WhatIf -Force still sends only the DryRun' {
        $before = Get-EmulatorStateText -Emulator $emulator
        Stop-CapacityReservation $seed.Source -WhatIf -Force @demo
        $journal = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -ne 'GetCapacityReservationUsage') # -WhatIf's plan read is not a change
        $journal.Count | Should -Be 1
        $journal[0].dryRun | Should -BeTrue
        Get-EmulatorStateText -Emulator $emulator | Should -Be $before
    }

    It '-WhatIf with read-only credentials is denied (PermissionDenied) and stops a runbook under -ErrorAction Stop' {
        { Stop-CapacityReservation $seed.Source -WhatIf -ErrorAction Stop @readOnly } | Should -Throw -ErrorId 'UnauthorizedOperation,Ec2Capacity.Commands.StopCapacityReservationCommand'
        $result = Invoke-Quietly { Stop-CapacityReservation $seed.Source -WhatIf @readOnly }
        $result.Errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        (Get-ReservationState -Emulator $emulator -Id $seed.Source).state | Should -Be 'active'
    }

    It 'shows the table columns of CapacityReservationCancellation' {
        $text = Stop-CapacityReservation $seed.Source -Force -PassThru @demo | Format-Table | Out-String -Width 200
        foreach ($column in 'CapacityReservationId', 'Cancelled', 'Region') {
            $text | Should -Match $column
        }
    }
}
