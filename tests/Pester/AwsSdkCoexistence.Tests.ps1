#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Ec2Capacity next to a module that brings another AWSSDK.Core (the AWS.Tools situation), in both import orders, each
# case in a fresh pwsh (Start-Job), against the emulator.
BeforeDiscovery {
    $cores = @(
        @{ Core = '4.0.3.3 netstandard2.0'; Version = '4.0.3.3'; Framework = 'netstandard2.0' }
        @{ Core = '4.0.3.3 net8.0'; Version = '4.0.3.3'; Framework = 'net8.0' }
        @{ Core = '4.1.0 net8.0'; Version = '4.1.0'; Framework = 'net8.0' }
        # Our own version, but the file from another folder (the net8.0 build that once passed a version-only check).
        @{ Core = '4.0.102.19 net8.0'; Version = '4.0.102.19'; Framework = 'net8.0' }
    )
    $cases = foreach ($core in $cores) {
        foreach ($order in 'before', 'after') { $core + @{ Order = $order } }
    }
}

Describe 'Beside another AWSSDK.Core in one session' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $packages = if ($env:EC2CAPACITY_NUGET_PACKAGES) { $env:EC2CAPACITY_NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }

        $session = {
            param($Root, $StandIn, $CorePath, $Order, $Url, $Seed)
            $ErrorActionPreference = 'Stop'
            $endpoint = @{ EndpointUrl = $Url; Region = 'us-east-1' }
            $keys = @{ AccessKey = $Seed.AccessKeyId; SecretKey = $Seed.SecretAccessKey }
            $result = [ordered]@{ Error = $null }
            try {
            if ($Order -eq 'before') { Import-Module $StandIn -ArgumentList $CorePath }
            Import-Module (Join-Path $Root 'Ec2Capacity.psd1')
            $result.First = (Get-CapacityReservationUsage $Seed.Source @endpoint @keys).TotalInstanceCount
            if ($Order -eq 'after') { Import-Module $StandIn -ArgumentList $CorePath }
            $result.Theirs = Get-StandInAwsSdkCore

            # Their credentials, given to us: -Credential, and an AWS.Tools-shaped session object.
            $theirs = New-StandInCredential -AccessKey $Seed.ReadOnlyAccessKeyId -SecretKey $Seed.ReadOnlySecretAccessKey
            $result.ByCredential = (Get-CapacityReservationUsage $Seed.Source -Credential $theirs @endpoint).TotalInstanceCount
            Set-StandInSessionCredential -Credential (New-StandInCredential -AccessKey $Seed.AccessKeyId -SecretKey $Seed.SecretAccessKey)
            $verbose = Get-CapacityReservationUsage $Seed.Source @endpoint -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            $result.SessionVerbose = ($verbose | ForEach-Object Message) -join "`n"

            # Refreshing credentials keep refreshing: asked for their keys on every request, never copied once.
            $rotation = [string[][]] @(@($Seed.AccessKeyId, $Seed.SecretAccessKey), @($Seed.ReadOnlyAccessKeyId, $Seed.ReadOnlySecretAccessKey))
            $rotating = New-StandInRotatingCredential -Keys $rotation
            $null = Get-CapacityReservationUsage $Seed.Source -Credential $rotating @endpoint
            $rotating.Rotate()
            $null = Get-CapacityReservationUsage $Seed.Source -Credential $rotating @endpoint
            $result.RotatingCalls = $rotating.Calls

            $ours = (Get-Command Get-CapacityReservationUsage).ImplementingType.Assembly
            $ourContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($ours)
            $result.OurContext = $ourContext.Name
            $result.OurCore = @($ourContext.Assemblies | Where-Object { $_.GetName().Name -eq 'AWSSDK.Core' } | ForEach-Object Location)
            $result.DefaultHasOurs = @([System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies |
                    Where-Object { $_.GetName().Name -match '^(Ec2Capacity|AWSSDK\.EC2)$' } | ForEach-Object { $_.GetName().Name })
            $result.Again = (Get-CapacityReservationUsage $Seed.SourceWithAllocation @endpoint @keys).TotalInstanceCount
            $result.TheirsAgain = (Get-StandInAwsSdkCore).Works
            }
            catch { $result.Error = "$_ at $($_.InvocationInfo.PositionMessage)" }
            [pscustomobject]$result
        }
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }

    It 'imports again with -Force and after Remove-Module in the same session, and keeps working' {
        $r = Start-Job -ArgumentList (Get-RepoRoot), $emulator.Url, $seed -ScriptBlock {
            param($Root, $Url, $Seed)
            $ErrorActionPreference = 'Stop'
            $call = @{ EndpointUrl = $Url; Region = 'us-east-1'; AccessKey = $Seed.AccessKeyId; SecretKey = $Seed.SecretAccessKey }
            Import-Module (Join-Path $Root 'Ec2Capacity.psd1')
            $a = (Get-CapacityReservationUsage $Seed.Source @call).TotalInstanceCount
            Import-Module (Join-Path $Root 'Ec2Capacity.psd1') -Force
            $b = (Get-CapacityReservationUsage $Seed.Source @call).TotalInstanceCount
            Remove-Module Ec2Capacity
            Import-Module (Join-Path $Root 'Ec2Capacity.psd1')
            $c = (Get-CapacityReservationUsage $Seed.Source @call).TotalInstanceCount
            @($a, $b, $c, @(Get-Command -Module Ec2Capacity).Count)
        } | Receive-Job -Wait -AutoRemoveJob
        $r | Should -Be @(10, 10, 10, 5)
    }

    It 'AWSSDK.Core <Core> loaded <Order> Import-Module: both modules work, and credentials cross over' -ForEach $cases {
        Reset-TestEmulator -Emulator $emulator
        $corePath = Join-Path $packages "awssdk.core/$Version/lib/$Framework/AWSSDK.Core.dll"
        $corePath | Should -Exist
        $standIn = Join-Path $PSScriptRoot 'AwsToolsStandIn/AwsToolsStandIn.psd1'

        $r = Start-Job -ScriptBlock $session -ArgumentList (Get-RepoRoot), $standIn, $corePath, $Order, $emulator.Url, $seed |
            Receive-Job -Wait -AutoRemoveJob

        $r.Error | Should -BeNullOrEmpty
        $r.First | Should -Be 10
        $r.Theirs.Location | Should -Be $corePath
        $r.Theirs.FileVersion | Should -BeLike "$Version*"
        $r.Theirs.LoadContext | Should -Be 'Default'
        $r.Theirs.Works | Should -BeTrue
        $r.ByCredential | Should -Be 10
        $r.SessionVerbose | Should -Match 'StoredAWSCredentials'
        $r.SessionVerbose | Should -Not -Match ([regex]::Escape($seed.SecretAccessKey))
        $r.RotatingCalls | Should -BeGreaterOrEqual 2
        $r.OurContext | Should -Be 'Ec2Capacity'
        @($r.OurCore) | Should -Be @((Join-Path (Get-RepoRoot) 'module/bin/Core/AWSSDK.Core.dll'))
        @($r.DefaultHasOurs).Count | Should -Be 0
        $r.Again | Should -Be 20
        $r.TheirsAgain | Should -BeTrue

        # Each credential signed what it should: ours, theirs via -Credential, their session, then both rotating keys.
        $signers = @(Get-EmulatorJournal -Emulator $emulator | ForEach-Object accessKeyId)
        $signers | Should -Be @($seed.AccessKeyId, $seed.ReadOnlyAccessKeyId, $seed.AccessKeyId,
            $seed.AccessKeyId, $seed.ReadOnlyAccessKeyId, $seed.AccessKeyId)
    }
}
