#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

Describe 'Credentials and region (shared by every cmdlet)' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        Import-Ec2Capacity
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $endpoint = @{ EndpointUrl = $emulator.Url }

        function Get-SigningKeys {
            @(Get-EmulatorJournal -Emulator $emulator | ForEach-Object { $_.accessKeyId })
        }

        # Keep the machine's own AWS settings out of the resolution order for these tests.
        $savedEnvironment = @{}
        foreach ($name in 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION',
            'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE') {
            $savedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $null)
        }
        $emptyCredentials = Join-Path $TestDrive 'credentials'
        Set-Content -Path $emptyCredentials -Value ''
        $env:AWS_SHARED_CREDENTIALS_FILE = $emptyCredentials
        $env:AWS_CONFIG_FILE = Join-Path $TestDrive 'config'
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
        foreach ($name in $savedEnvironment.Keys) {
            [Environment]::SetEnvironmentVariable($name, $savedEnvironment[$name])
        }
    }

    BeforeEach {
        Reset-TestEmulator -Emulator $emulator
    }

    AfterEach {
        Remove-Variable -Name StoredAWSCredentials, StoredAWSRegion -Scope Global -ErrorAction SilentlyContinue
    }

    It 'signs with -AccessKey/-SecretKey' {
        $usage = Get-CapacityReservationUsage $seed.Source -Region us-east-1 -AccessKey $seed.ReadOnlyAccessKeyId -SecretKey $seed.ReadOnlySecretAccessKey @endpoint
        $usage.CapacityReservationId | Should -Be $seed.Source
        Get-SigningKeys | Should -Be $seed.ReadOnlyAccessKeyId
    }

    It 'accepts the AWS.Tools aliases -AK, -SK and -RegionToCall' {
        $usage = Get-CapacityReservationUsage $seed.Source -RegionToCall us-east-1 -AK $seed.AccessKeyId -SK $seed.SecretAccessKey @endpoint
        $usage | Should -Not -BeNullOrEmpty
        Get-SigningKeys | Should -Be $seed.AccessKeyId
    }

    It 'signs temporary credentials with -SessionToken' {
        $usage = Get-CapacityReservationUsage $seed.Source -Region us-east-1 -AccessKey $seed.SessionAccessKeyId -SecretKey $seed.SessionSecretAccessKey -SessionToken $seed.SessionToken @endpoint
        $usage | Should -Not -BeNullOrEmpty
        Get-SigningKeys | Should -Be $seed.SessionAccessKeyId
    }

    It 'signs with an AWSCredentials object given to -Credential' {
        $credential = New-Object Amazon.Runtime.BasicAWSCredentials -ArgumentList $seed.AccessKeyId, $seed.SecretAccessKey
        $usage = Get-CapacityReservationUsage $seed.Source -Region us-east-1 -Credential $credential @endpoint
        $usage | Should -Not -BeNullOrEmpty
        Get-SigningKeys | Should -Be $seed.AccessKeyId
    }

    It 'reuses an AWS.Tools session: $StoredAWSCredentials (non-public Credentials) and $StoredAWSRegion' {
        $inner = New-Object Amazon.Runtime.BasicAWSCredentials -ArgumentList $seed.ReadOnlyAccessKeyId, $seed.ReadOnlySecretAccessKey
        $global:StoredAWSCredentials = New-AwsToolsSessionStandIn -Credentials $inner
        $global:StoredAWSRegion = 'us-east-1'

        $usage = Get-CapacityReservationUsage $seed.Source @endpoint

        $usage.Region | Should -Be 'us-east-1'
        Get-SigningKeys | Should -Be $seed.ReadOnlyAccessKeyId
    }

    It 'accepts a bare AWSCredentials in $StoredAWSCredentials' {
        $global:StoredAWSCredentials = New-Object Amazon.Runtime.BasicAWSCredentials -ArgumentList $seed.AccessKeyId, $seed.SecretAccessKey
        $global:StoredAWSRegion = 'us-east-1'
        Get-CapacityReservationUsage $seed.Source @endpoint | Should -Not -BeNullOrEmpty
        Get-SigningKeys | Should -Be $seed.AccessKeyId
    }

    It 'explicit keys win over the stored session' {
        $global:StoredAWSCredentials = New-Object Amazon.Runtime.BasicAWSCredentials -ArgumentList $seed.ReadOnlyAccessKeyId, $seed.ReadOnlySecretAccessKey
        $global:StoredAWSRegion = 'us-east-1'
        Get-CapacityReservationUsage $seed.Source -AccessKey $seed.AccessKeyId -SecretKey $seed.SecretAccessKey @endpoint | Should -Not -BeNullOrEmpty
        Get-SigningKeys | Should -Be $seed.AccessKeyId
    }

    It 'a wrong secret key is a non-terminating AuthenticationError per ID' {
        $result = Invoke-Quietly { Get-CapacityReservationUsage $seed.Source -Region us-east-1 -AccessKey $seed.AccessKeyId -SecretKey 'wrong-secret' @endpoint }
        $result.Errors.Count | Should -Be 1
        $result.Errors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $result.Errors[0].FullyQualifiedErrorId | Should -BeLike 'AuthFailure,*'
        $result.Errors[0].Exception.Message | Should -Not -Match 'wrong-secret'
    }

    It 'a missing profile terminates with ProfileNotFound (no fall-through)' {
        $global:StoredAWSCredentials = New-Object Amazon.Runtime.BasicAWSCredentials -ArgumentList $seed.AccessKeyId, $seed.SecretAccessKey
        { Get-CapacityReservationUsage $seed.Source -Region us-east-1 -ProfileName 'no-such-profile' -ProfileLocation $emptyCredentials @endpoint } |
            Should -Throw -ErrorId 'ProfileNotFound,Ec2Capacity.Commands.GetCapacityReservationUsageCommand'
        @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 0
    }

    It 'reads keys and region from a profile file given with -ProfileLocation' {
        $file = Join-Path $TestDrive 'pester-credentials'
        Set-Content -Path $file -Value @(
            '[pester]'
            "aws_access_key_id = $($seed.AccessKeyId)"
            "aws_secret_access_key = $($seed.SecretAccessKey)"
            'region = us-east-1'
        )
        $usage = Get-CapacityReservationUsage $seed.Source -ProfileName pester -ProfileLocation $file @endpoint
        $usage.Region | Should -Be 'us-east-1'
        Get-SigningKeys | Should -Be $seed.AccessKeyId
    }

    It '-AccessKey without -SecretKey terminates before any request' {
        { Get-CapacityReservationUsage $seed.Source -Region us-east-1 -AccessKey $seed.AccessKeyId @endpoint } | Should -Throw -ErrorId 'IncompleteKeys,Ec2Capacity.Commands.GetCapacityReservationUsageCommand'
        @(Get-EmulatorJournal -Emulator $emulator).Count | Should -Be 0
    }

    It '-Verbose says where credentials and region came from, never the secret' {
        $verbose = @(Get-CapacityReservationUsage $seed.Source -Region us-east-1 -AccessKey $seed.AccessKeyId -SecretKey $seed.SecretAccessKey @endpoint -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object { $_.Message })
        ($verbose -join "`n") | Should -Match 'us-east-1'
        ($verbose -join "`n") | Should -Match $seed.AccessKeyId
        ($verbose -join "`n") | Should -Not -Match ([regex]::Escape($seed.SecretAccessKey))
    }

    It '-Region tab-completes region names' {
        $line = 'Get-CapacityReservationUsage -Region eu-we'
        $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completion.CompletionMatches.CompletionText | Should -Contain 'eu-west-1'
    }
}
