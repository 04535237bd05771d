# The module's root: picks the build for this edition and imports its cmdlets.
# PowerShell 7: the cmdlets and the AWS SDK they ship load into a load context of their own, so that another module's
# AWSSDK.Core (AWS.Tools, whichever version, imported before or after) and ours never replace each other.
# Windows PowerShell 5.1 has no load contexts: the cmdlets load as they are, and their module initializer resolves
# their own dependencies and checks the AWSSDK.Core already in the session.
if ($PSVersionTable.PSEdition -eq 'Core') {
    if (-not ('Ec2Capacity.LoadContext.ModuleContext' -as [type])) {
        Add-Type -LiteralPath (Join-Path $PSScriptRoot 'bin/Ec2Capacity.LoadContext.dll')
    }
    $cmdlets = [Ec2Capacity.LoadContext.ModuleContext]::LoadCmdlets((Join-Path $PSScriptRoot 'bin/Core/Ec2Capacity.dll'))
}
else {
    $cmdlets = [System.Reflection.Assembly]::LoadFrom((Join-Path $PSScriptRoot 'bin/Desktop/Ec2Capacity.dll'))
}

$importModule = Get-Command -Name Import-Module -Module Microsoft.PowerShell.Core
$inner = & $importModule -Assembly $cmdlets -Force -PassThru

# After Remove-Module or Import-Module -Force, PowerShell reuses the binary module it made from this same assembly and
# leaves this module without its cmdlets (PowerShell/PowerShell#20710): hand them over ourselves in that case.
$outer = $ExecutionContext.SessionState.Module
if ($inner -and $outer -and $outer.ExportedCmdlets.Count -eq 0) {
    $addExportedCmdlet = [System.Management.Automation.PSModuleInfo].GetMethod('AddExportedCmdlet',
        [System.Reflection.BindingFlags] 'Instance, NonPublic')
    foreach ($command in @(if ($addExportedCmdlet) { $inner.ExportedCmdlets.Values })) {
        $null = $addExportedCmdlet.Invoke($outer, @(, $command))
    }
}
