@{
    RootModule           = 'bin/Ec2Capacity.Testing.dll'
    # Packaged with Ec2Capacity's version (the Package task writes it from Ec2Capacity.psd1; a test keeps this one equal).
    ModuleVersion        = '0.1.0'
    GUID                 = '5d0c9a53-7e0f-4b8e-9a41-2f3c6b1d8e07'
    Author               = 'Ec2Capacity contributors'
    CompanyName          = 'Ec2Capacity'
    Copyright            = 'Copyright (c) Ec2Capacity contributors'
    Description          = 'An offline EC2 for the five actions of Ec2Capacity, inside this PowerShell process on 127.0.0.1: test runbooks with Pester against real EC2 answers (SigV4, DryRun, state, faults) without AWS.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('Ec2Capacity.Testing.format.ps1xml')
    CmdletsToExport      = @('Start-Ec2CapacityEmulator', 'Stop-Ec2CapacityEmulator', 'Reset-Ec2CapacityEmulator', 'Get-Ec2CapacityEmulatorState', 'Get-Ec2CapacityEmulatorRequest')
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('AWS', 'EC2', 'CapacityReservation', 'Pester', 'Testing', 'Emulator', 'PSEdition_Core')
            ProjectUri = 'https://github.com/ec2capacity/Ec2Capacity'
        }
    }
}
