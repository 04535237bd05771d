# The module's root: picks the build for this edition and imports its cmdlets.
# PowerShell 7: the cmdlets and the AWS SDK they ship load into a load context of their own, so that another module's
# AWSSDK.Core (AWS.Tools, whichever version, imported before or after) and ours never replace each other.
# Windows PowerShell 5.1 has no load contexts: the cmdlets load as they are, and their module initializer resolves
# their own dependencies and checks the AWSSDK.Core already in the session.
if ($PSVersionTable.PSEdition -eq 'Core') {
    Add-Type -LiteralPath (Join-Path $PSScriptRoot 'bin/Ec2Capacity.LoadContext.dll')
    $cmdlets = [Ec2Capacity.LoadContext.ModuleContext]::LoadCmdlets((Join-Path $PSScriptRoot 'bin/Core/Ec2Capacity.dll'))
}
else {
    $cmdlets = [System.Reflection.Assembly]::LoadFrom((Join-Path $PSScriptRoot 'bin/Desktop/Ec2Capacity.dll'))
}
Import-Module -Assembly $cmdlets
