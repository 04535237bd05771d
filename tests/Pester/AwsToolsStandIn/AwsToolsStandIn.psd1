@{
    RootModule        = 'AwsToolsStandIn.psm1'
    ModuleVersion     = '1.0.0'
    GUID              = '3b0f2f0e-5d9c-4c61-9a51-0c6f3a0e2b11'
    Description       = 'Test-only stand-in for AWS.Tools: brings its own AWSSDK.Core.'
    FunctionsToExport = @('New-StandInCredential', 'New-StandInRotatingCredential', 'Set-StandInSessionCredential', 'Get-StandInAwsSdkCore')
    CmdletsToExport   = @()
    AliasesToExport   = @()
    VariablesToExport = @()
}
