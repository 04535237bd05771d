#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

Describe 'Set-InstanceCreditSpecification' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        Import-Ec2Capacity
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $demo = Get-DemoConnection -Emulator $emulator
        $readOnly = Get-DemoConnection -Emulator $emulator -ReadOnly

        function Get-CreditRequests {
            @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -eq 'ModifyInstanceCreditSpecification')
        }
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }

    BeforeEach {
        Reset-TestEmulator -Emulator $emulator
    }

    It 'changes AWS.Tools Instance-shaped objects in one request and writes results with -PassThru' {
        # (Get-EC2Instance).Instances writes Amazon.EC2.Model.Instance objects: InstanceId binds by property name.
        $instances = @(
            [pscustomobject]@{ InstanceId = $seed.T3Micro; InstanceType = 't3.micro' }
            [pscustomobject]@{ InstanceId = $seed.T2Micro; InstanceType = 't2.micro' }
            [pscustomobject]@{ InstanceId = $seed.T3aMedium; InstanceType = 't3a.medium' }
        )

        $results = @($instances | Set-InstanceCreditSpecification -CpuCredits unlimited -PassThru @demo)

        $results.Count | Should -Be 3
        $results[0].GetType().FullName | Should -Be 'Ec2Capacity.InstanceCreditSpecificationResult'
        $results | ForEach-Object {
            $_.Succeeded | Should -BeTrue
            $_.CpuCredits | Should -Be 'unlimited'
            $_.Region | Should -Be 'us-east-1'
        }
        (Get-CreditRequests).Count | Should -Be 1
        (Get-InstanceState -Emulator $emulator -Id $seed.T3Micro).cpuCredits | Should -Be 'unlimited'
        (Get-InstanceState -Emulator $emulator -Id $seed.T2Micro).cpuCredits | Should -Be 'unlimited'
    }

    It 'restores saved settings from Get-EC2CreditSpecification-shaped objects (CpuCredits binds by property name)' {
        $saved = @(
            [pscustomobject]@{ InstanceId = $seed.T3Micro; CpuCredits = 'unlimited' }
            [pscustomobject]@{ InstanceId = $seed.T3Large; CpuCredits = 'standard' }
        )

        $output = $saved | Set-InstanceCreditSpecification @demo

        $output | Should -BeNullOrEmpty
        (Get-InstanceState -Emulator $emulator -Id $seed.T3Micro).cpuCredits | Should -Be 'unlimited'
        (Get-InstanceState -Emulator $emulator -Id $seed.T3Large).cpuCredits | Should -Be 'standard'
        $requests = @(Get-CreditRequests)
        $requests.Count | Should -Be 1
        $requests[0].parameters.'InstanceCreditSpecification.1.CpuCredits' | Should -Be 'unlimited'
        $requests[0].parameters.'InstanceCreditSpecification.2.CpuCredits' | Should -Be 'standard'
    }

    It 'gathers the whole pipeline into ceil(N / BatchSize) requests' {
        $ids = $seed.T3Micro, $seed.T3Large, $seed.T2Micro, $seed.T4gSmall, $seed.T3aMedium

        $results = @($ids | Set-InstanceCreditSpecification -CpuCredits standard -BatchSize 2 -PassThru @demo)

        $results.Count | Should -Be 5
        (Get-CreditRequests).Count | Should -Be 3
    }

    It 'each failed instance is a non-terminating error with the instance as target; the rest succeed' {
        $ids = $seed.T3Micro, $seed.NotBurstable, $seed.Terminated

        $result = Invoke-Quietly { $ids | Set-InstanceCreditSpecification -CpuCredits unlimited -PassThru @demo }

        $result.Output.Count | Should -Be 3
        ($result.Output | Where-Object Succeeded).InstanceId | Should -Be $seed.T3Micro
        $result.Errors.Count | Should -Be 2
        $byTarget = @{}
        $result.Errors | ForEach-Object { $byTarget[$_.TargetObject] = $_ }
        $byTarget[$seed.NotBurstable].FullyQualifiedErrorId | Should -BeLike 'InstanceCreditSpecification.NotSupported,*'
        $byTarget[$seed.NotBurstable].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $byTarget[$seed.Terminated].FullyQualifiedErrorId | Should -BeLike 'IncorrectInstanceState,*'
        $failed = $result.Output | Where-Object { -not $_.Succeeded }
        $failed.ErrorCode | Should -Contain 'IncorrectInstanceState'
        (Get-CreditRequests).Count | Should -Be 1
    }

    It 'sends a duplicated instance once' {
        $seed.T3Micro, $seed.T3Micro, $seed.T2Micro | Set-InstanceCreditSpecification -CpuCredits unlimited @demo
        $requests = @(Get-CreditRequests)
        $requests.Count | Should -Be 1
        $names = $requests[0].parameters.PSObject.Properties.Name
        $names | Should -Contain 'InstanceCreditSpecification.2.InstanceId'
        $names | Should -Not -Contain 'InstanceCreditSpecification.3.InstanceId'
    }

    It 'says in -Verbose which instance was given more than once' {
        $verbose = $seed.T3Micro, $seed.T3Micro | Set-InstanceCreditSpecification -CpuCredits unlimited -Verbose @demo 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        @($verbose | Where-Object Message -Like "$($seed.T3Micro) was given more than once*").Count | Should -Be 1
    }

    It 'rejects a malformed instance ID per item, before any request, and sends the others' {
        $result = Invoke-Quietly { 'i-XYZ', $seed.T3Micro | Set-InstanceCreditSpecification -CpuCredits unlimited @demo }
        $result.Errors.Count | Should -Be 1
        $result.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $result.Errors[0].TargetObject | Should -Be 'i-XYZ'
        $requests = @(Get-CreditRequests)
        $requests.Count | Should -Be 1
        $requests[0].parameters.'InstanceCreditSpecification.1.InstanceId' | Should -Be $seed.T3Micro
    }

    It 'an object without CpuCredits and no -CpuCredits is a binding error naming CpuCredits' {
        $result = Invoke-Quietly { [pscustomobject]@{ InstanceId = $seed.T3Micro } | Set-InstanceCreditSpecification @demo }
        $result.Errors.Count | Should -BeGreaterThan 0
        $result.Errors[0].Exception.Message | Should -Match 'CpuCredits'
        (Get-CreditRequests).Count | Should -Be 0
    }

    It 'derives one ClientToken per batch from -ClientToken' {
        $seed.T3Micro, $seed.T2Micro | Set-InstanceCreditSpecification -CpuCredits unlimited -BatchSize 1 -ClientToken 'pester-token' @demo
        $tokens = (Get-CreditRequests).parameters.ClientToken
        $tokens | Should -Be @('pester-token', 'pester-token-2')
    }

    It '-WhatIf sends one DryRun per batch, changes nothing and writes no object' {
        $before = Get-EmulatorStateText -Emulator $emulator

        $output = $seed.T3Micro, $seed.T2Micro, $seed.T3aMedium | Set-InstanceCreditSpecification -CpuCredits unlimited -BatchSize 2 -PassThru -WhatIf @demo

        $output | Should -BeNullOrEmpty
        $requests = @(Get-CreditRequests)
        $requests.Count | Should -Be 2
        $requests | ForEach-Object { $_.dryRun | Should -BeTrue }
        Get-EmulatorStateText -Emulator $emulator | Should -Be $before
    }

    It '-WhatIf with read-only credentials writes one PermissionDenied error per instance' {
        $result = Invoke-Quietly { $seed.T3Micro, $seed.T2Micro | Set-InstanceCreditSpecification -CpuCredits unlimited -WhatIf @readOnly }
        $result.Errors.Count | Should -Be 2
        $result.Errors | ForEach-Object { $_.CategoryInfo.Category | Should -Be 'PermissionDenied' }
        ($result.Errors.TargetObject | Sort-Object) | Should -Be (@($seed.T3Micro, $seed.T2Micro) | Sort-Object)
        (Get-CreditRequests).Count | Should -Be 1
    }

    It '-Confirm:$false changes without a prompt' {
        { $seed.T3Micro | Set-InstanceCreditSpecification -CpuCredits unlimited -Confirm:$false -ErrorAction Stop @demo } | Should -Not -Throw
        (Get-InstanceState -Emulator $emulator -Id $seed.T3Micro).cpuCredits | Should -Be 'unlimited'
    }

    It 'shows the deciding columns in the table and the full error in the list (80-column rendering: Console.Tests.ps1)' {
        $results = $seed.T3Micro, $seed.NotBurstable |
            Set-InstanceCreditSpecification -CpuCredits unlimited -PassThru -ErrorAction SilentlyContinue @demo
        $table = $results | Format-Table | Out-String -Width 200
        foreach ($column in 'InstanceId', 'CpuCredits', 'OK', 'Region', 'Error') {
            $table | Should -Match $column
        }
        $list = $results | Format-List | Out-String -Width 200
        $list | Should -Match 'ErrorCode\s+: InstanceCreditSpecification\.NotSupported'
        $list | Should -Match 'Succeeded\s+: False'
    }
}
