@{
    RootModule             = 'module/Ec2Capacity.psm1'
    ModuleVersion          = '0.1.0'
    GUID                   = '6f1d3c52-8a4e-4b7a-9d2c-3e5f7a9b1c40'
    Author                 = 'Ec2Capacity contributors'
    CompanyName            = 'Ec2Capacity'
    Copyright              = '(c) Ec2Capacity contributors. Apache-2.0.'
    Description            = 'Lend, reclaim, watch and cancel EC2 Capacity Reservations and switch CPU credit options, with honest -WhatIf (EC2 DryRun), pipeline-friendly objects and AWS.Tools credential habits.'
    CompatiblePSEditions   = @('Core', 'Desktop')
    PowerShellVersion      = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    CmdletsToExport        = @(
        'Get-CapacityReservationUsage'
        'New-InterruptibleCapacityAllocation'
        'Set-InstanceCreditSpecification'
        'Stop-CapacityReservation'
        'Update-InterruptibleCapacityAllocation'
    )
    FunctionsToExport      = @()
    AliasesToExport        = @()
    VariablesToExport      = @()
    # Filled in the packaged copy by the MSBuild Package target from the files actually shipped.
    FileList               = @()
    FormatsToProcess       = @('module/Ec2Capacity.format.ps1xml')
    PrivateData            = @{
        PSData = @{
            Tags         = @('AWS', 'EC2', 'CapacityReservation', 'Interruptible', 'CpuCredits', 'PSEdition_Core', 'PSEdition_Desktop')
            ProjectUri   = 'https://github.com/ec2capacity/Ec2Capacity'
            LicenseUri   = 'https://github.com/ec2capacity/Ec2Capacity/blob/main/LICENSE'
            ReleaseNotes = 'First release: Get-CapacityReservationUsage, New-/Update-InterruptibleCapacityAllocation (with -Wait), Stop-CapacityReservation and Set-InstanceCreditSpecification (batched); -WhatIf runs an EC2 DryRun.'
        }
    }
}
