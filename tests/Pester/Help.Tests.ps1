#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeDiscovery {
    $cmdletNames = @(
        'Get-CapacityReservationUsage'
        'New-InterruptibleCapacityAllocation'
        'Update-InterruptibleCapacityAllocation'
        'Stop-CapacityReservation'
        'Set-InstanceCreditSpecification'
    )
}

Describe 'Help and module layout' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        Import-Ec2Capacity
        $module = Get-Module Ec2Capacity
    }

    It 'exports exactly the five cmdlets' {
        @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @(
            'Get-CapacityReservationUsage', 'New-InterruptibleCapacityAllocation', 'Set-InstanceCreditSpecification',
            'Stop-CapacityReservation', 'Update-InterruptibleCapacityAllocation')
    }

    It 'Get-Help finds the MAML help for <_>' -ForEach $cmdletNames {
        $help = Get-Help -Name $_ -Full
        # Without the MAML file PowerShell generates help with no description and no examples.
        ($help.description | Out-String).Trim() | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 3
        $parameterNames = @($help.parameters.parameter | ForEach-Object { $_.name })
        foreach ($common in 'Region', 'ProfileName', 'ProfileLocation', 'AccessKey', 'SecretKey', 'SessionToken', 'Credential', 'EndpointUrl') {
            $parameterNames | Should -Contain $common
        }
    }

    It 'Get-Help about_Ec2Capacity finds the about topic' {
        $about = Get-Help about_Ec2Capacity | Out-String
        $about | Should -Match 'StoredAWSCredentials'
        $about | Should -Match 'DryRun'
    }

    It 'the cmdlets say what they output' -ForEach $cmdletNames {
        (Get-Command $_).OutputType.Name | Should -Match '^Ec2Capacity\.'
    }
}
