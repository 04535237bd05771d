#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Issue 13, cases 5 and 11: values that would reach the wire in the wrong shape are refused before any request.
Describe 'Values that must never reach the wire' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        Import-Ec2Capacity
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $endpoint = @{ EndpointUrl = $emulator.Url; Region = 'us-east-1' }
        $injected = "tok`r`nX-Injected: yes"

        function Invoke-Refused {
            <# Runs the call, returns its terminating error; asserts nothing was sent and no secret or token is shown. #>
            param([scriptblock] $Call, [string[]] $MustNotShow)
            Reset-TestEmulator -Emulator $emulator
            $failure = $null
            try { & $Call } catch { $failure = $_ }
            $failure | Should -Not -BeNullOrEmpty -Because 'the call must be refused'
            @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 0
            $text = ($failure | Out-String) + $failure.Exception.ToString()
            foreach ($secret in @(@($MustNotShow) + $injected + $seed.SecretAccessKey) | Where-Object { $_ }) {
                $text | Should -Not -BeLike "*$secret*"
            }
            $failure
        }
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
        Remove-Item Env:AWS_SESSION_TOKEN, Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY, Env:AWS_SHARED_CREDENTIALS_FILE -ErrorAction SilentlyContinue
    }

    It 'a line break in -SessionToken is refused, naming the parameter, not the value' {
        $failure = Invoke-Refused {
            Get-CapacityReservationUsage $seed.Source @endpoint -AccessKey $seed.SessionAccessKeyId -SecretKey $seed.SessionSecretAccessKey -SessionToken $injected
        }
        $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidCredentialText,*'
        $failure.Exception.Message | Should -Match 'session token from -AccessKey/-SecretKey'
        $failure.Exception.Message | Should -Match 'a line break'
    }

    It 'a non-ASCII -AccessKey is refused as such, not reported as a network failure' {
        $failure = Invoke-Refused { Get-CapacityReservationUsage $seed.Source @endpoint -AccessKey 'AKIAIOSFODNN7EXAMPLÉ' -SecretKey $seed.SecretAccessKey }
        $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidCredentialText,*'
        $failure.Exception.Message | Should -Match 'access key ID .* a non-ASCII character'
        $failure.CategoryInfo.Category | Should -Not -Be 'ConnectionError'
    }

    It 'AWS_SESSION_TOKEN with a line break is refused, naming the environment' {
        $env:AWS_ACCESS_KEY_ID = $seed.SessionAccessKeyId
        $env:AWS_SECRET_ACCESS_KEY = $seed.SessionSecretAccessKey
        $env:AWS_SESSION_TOKEN = $injected
        try {
            $failure = Invoke-Refused { Get-CapacityReservationUsage $seed.Source @endpoint }
        }
        finally {
            Remove-Item Env:AWS_SESSION_TOKEN, Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY
        }
        $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidCredentialText,*'
        $failure.Exception.Message | Should -Match 'AWS_'
    }

    It 'a profile whose secret holds a control character is refused, naming the profile' {
        $file = Join-Path ([System.IO.Path]::GetTempPath()) ('ec2capacity-unsafe-' + [guid]::NewGuid().ToString('N'))
        Set-Content -Path $file -Value "[unsafe]`naws_access_key_id = $($seed.AccessKeyId)`naws_secret_access_key = abc`tdef`n"
        try {
            $failure = Invoke-Refused { Get-CapacityReservationUsage $seed.Source @endpoint -ProfileName unsafe -ProfileLocation $file } -MustNotShow "abc`tdef"
        }
        finally {
            Remove-Item $file
        }
        $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidCredentialText,*'
        $failure.Exception.Message | Should -Match "profile 'unsafe'"
    }

    It 'an AWSCredentials object with a line break in its secret is refused too' {
        $credential = [Amazon.Runtime.BasicAWSCredentials]::new($seed.AccessKeyId, "secret`nX-Injected: yes")
        $failure = Invoke-Refused { Get-CapacityReservationUsage $seed.Source @endpoint -Credential $credential } -MustNotShow 'X-Injected'
        $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidCredentialText,*'
        $failure.Exception.Message | Should -Match 'secret access key from -Credential'
    }

    It 'a tag value that is a list or a hashtable is refused, naming the key' -ForEach @(
        @{ Shape = 'list'; Tag = @{ team = @(1, 2) }; TypeName = 'Object\[\]' }
        @{ Shape = 'hashtable'; Tag = @{ team = @{ a = 1 } }; TypeName = 'Hashtable' }
    ) {
        Reset-TestEmulator -Emulator $emulator
        $errors = @()
        New-InterruptibleCapacityAllocation $seed.Source 2 -Tag $Tag @endpoint -AccessKey $seed.AccessKeyId -SecretKey $seed.SecretAccessKey `
            -ErrorAction SilentlyContinue -ErrorVariable +errors
        @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 0
        $errors.Count | Should -Be 1
        "$($errors[0])" | Should -Match "tag 'team' is a $TypeName"
        "$($errors[0])" | Should -Match '-Tag'
    }

    It 'scalar tag values still go through as text' {
        Reset-TestEmulator -Emulator $emulator
        $null = New-InterruptibleCapacityAllocation $seed.Source 1 -Tag @{ team = 'batch'; size = 3 } @endpoint -AccessKey $seed.AccessKeyId -SecretKey $seed.SecretAccessKey
        $create = @(Get-EmulatorJournal -Emulator $emulator | Where-Object action -eq 'CreateInterruptibleCapacityReservationAllocation')
        $create.Count | Should -Be 1
        ($create[0].parameters | ConvertTo-Json -Compress) | Should -Match '"3"'
        ($create[0].parameters | ConvertTo-Json -Compress) | Should -Not -Match 'System\.'
    }

    It '<Parameter> <Value> is refused by the cmdlet before any request, naming the accepted values' -ForEach @(
        @{ Parameter = 'ZeroSizePreference'; Value = 'keep'; Accepted = 'default,retain' }
        @{ Parameter = 'ZeroSizePreference'; Value = "retain "; Accepted = 'default,retain' }
        @{ Parameter = 'ZeroSizePreference'; Value = "default`n"; Accepted = 'default,retain' }
        @{ Parameter = 'ZeroSizePreference'; Value = 'DEFAULT;Action=CancelCapacityReservation'; Accepted = 'default,retain' }
        @{ Parameter = 'CpuCredits'; Value = 'burst'; Accepted = 'standard,unlimited' }
        @{ Parameter = 'CpuCredits'; Value = 'standard&Action=TerminateInstances'; Accepted = 'standard,unlimited' }
        @{ Parameter = 'CpuCredits'; Value = "unlimited`n"; Accepted = 'standard,unlimited' }
        @{ Parameter = 'ApplyCancellationCharge'; Value = 'wind-down'; Accepted = 'commitment-wind-down' }
        @{ Parameter = 'ApplyCancellationCharge'; Value = 'commitment_wind_down'; Accepted = 'commitment-wind-down' }
    ) {
        $keys = @{ AccessKey = $seed.AccessKeyId; SecretKey = $seed.SecretAccessKey }
        $call = switch ($Parameter) {
            'ZeroSizePreference' { { Update-InterruptibleCapacityAllocation $seed.SourceWithAllocation 1 -ZeroSizePreference $Value -Force @endpoint @keys } }
            'CpuCredits' { { Set-InstanceCreditSpecification $seed.T3Micro -CpuCredits $Value @endpoint @keys } }
            'ApplyCancellationCharge' { { Stop-CapacityReservation $seed.Source -QuoteId 'crcq-0123456789abcdef0' -ApplyCancellationCharge $Value -Force @endpoint @keys } }
        }
        $failure = Invoke-Refused -Call $call
        $failure.FullyQualifiedErrorId | Should -BeLike "ParameterArgumentValidationError,*"
        "$failure" | Should -BeLike "*$Parameter*"
        "$failure" | Should -BeLike "*$Accepted*"
    }

    It '<Cmdlet> -<Parameter> <Value> is refused before any request, naming the parameter' -ForEach @(
        @{ Cmdlet = 'New-InterruptibleCapacityAllocation'; Parameter = 'InstanceCount'; Value = 0 }
        @{ Cmdlet = 'New-InterruptibleCapacityAllocation'; Parameter = 'InstanceCount'; Value = 1001 }
        @{ Cmdlet = 'New-InterruptibleCapacityAllocation'; Parameter = 'InstanceCount'; Value = -3 }
        @{ Cmdlet = 'Update-InterruptibleCapacityAllocation'; Parameter = 'TargetInstanceCount'; Value = -1 }
        @{ Cmdlet = 'Update-InterruptibleCapacityAllocation'; Parameter = 'TargetInstanceCount'; Value = 1001 }
        @{ Cmdlet = 'Get-CapacityReservationUsage'; Parameter = 'PageSize'; Value = 0 }
        @{ Cmdlet = 'Get-CapacityReservationUsage'; Parameter = 'PageSize'; Value = 1001 }
        @{ Cmdlet = 'Set-InstanceCreditSpecification'; Parameter = 'BatchSize'; Value = 0 }
        @{ Cmdlet = 'Set-InstanceCreditSpecification'; Parameter = 'BatchSize'; Value = 1001 }
    ) {
        $keys = @{ AccessKey = $seed.AccessKeyId; SecretKey = $seed.SecretAccessKey }
        $target = if ($Cmdlet -eq 'Set-InstanceCreditSpecification') { $seed.T3Micro } else { $seed.SourceWithAllocation }
        $extra = switch ($Cmdlet) {
            'New-InterruptibleCapacityAllocation' { @{} }
            'Update-InterruptibleCapacityAllocation' { @{ Force = $true } }
            'Set-InstanceCreditSpecification' { @{ CpuCredits = 'unlimited' } }
            default { @{} }
        }
        $count = @{ $Parameter = $Value }
        if ($Cmdlet -eq 'New-InterruptibleCapacityAllocation') { $target = $seed.Source }
        $failure = Invoke-Refused -Call { & $Cmdlet $target @count @extra @endpoint @keys }.GetNewClosure()
        "$failure" | Should -BeLike "*$Parameter*"
    }
}
