#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, packages or tries out the Ec2Capacity module.

.DESCRIPTION
    Run it with the pinned PowerShell of the tool manifest: `dotnet tool restore`, then `dotnet pwsh ./build.ps1 ...`.
    It also runs in Windows PowerShell 5.1 and any PowerShell 7. Every task needs only the .NET SDK.

      Build    dotnet build Ec2Capacity.sln: lays out module/bin/ and <root>/en-US/, so that
               Import-Module ./Ec2Capacity.psd1 works right after.
      Test     dotnet test Ec2Capacity.sln: every xunit suite and every Pester suite (in pwsh 7.6.9). Fails on any failure.
      Pester   Only the Pester suites, in the PowerShell that runs this script (for Windows PowerShell 5.1, say);
               needs a build first (-Task Build or -Task Test).
      Package  Clean copies of the module in out/Ec2Capacity/<version>/ and of the test kit in
               out/Ec2Capacity.Testing/<version>/, ready for Publish-Module.
      Docs     Writes docs/cmdlets/<Name>.md for each cmdlet from the MAML help (the pages the cmdlets' HelpUri names).
      Demo     Starts the EC2 emulator with its demo seed, imports the module, runs a short pipeline against it and
               stops the emulator.
      Shell    An interactive pwsh with the module imported and the emulator running; $emu is the connection splat.
               The emulator stops when you leave it (exit).

.PARAMETER SeedFile
    Demo and Shell: the emulator's seed (JSON, see tests/Ec2Capacity.Emulator/README.md) instead of its demo seed.

.PARAMETER NoBuild
    Demo, Shell and Pester: use what the last build laid out instead of building first.

.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Demo
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test -Configuration Release
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Pester', 'Package', 'Docs', 'Demo', 'Shell')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',

    [string] $SeedFile,

    [switch] $NoBuild
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
$solution = Join-Path $root 'Ec2Capacity.sln'
$manifest = Join-Path $root 'Ec2Capacity.psd1'
. (Join-Path $root 'tests/Ec2Capacity.Emulator/EmulatorProcess.ps1')

# The emulator's demo seed (tests/Ec2Capacity.Emulator/README.md): its owner account's public example keys, valid
# only against the emulator.
$demoAccessKey = 'AKIAIOSFODNN7EXAMPLE'
$demoSecretKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'

function Invoke-Dotnet {
    param([Parameter(Mandatory)] [string[]] $Arguments)
    Write-Host "dotnet $($Arguments -join ' ')"
    # Out-Host: dotnet's output is for the reader, never part of a function's return value.
    & dotnet @Arguments | Out-Host
    if ($LASTEXITCODE -ne 0) {
        throw "dotnet $($Arguments -join ' ') failed with exit code $LASTEXITCODE."
    }
}

function Get-ModuleVersion {
    (Import-PowerShellDataFile -Path $manifest).ModuleVersion
}

function Get-PinnedVersion {
    param([Parameter(Mandatory)] [string] $Name)
    $props = [xml](Get-Content -Raw -Path (Join-Path $root 'Directory.Packages.props'))
    $value = $props.Project.PropertyGroup | ForEach-Object { $_.$Name } | Where-Object { $_ } | Select-Object -First 1
    if (-not $value) { throw "Directory.Packages.props pins no $Name." }
    $value
}

function Get-ThisPowerShell {
    # The same PowerShell that runs this script, as a command and its leading arguments: powershell.exe for 5.1, pwsh
    # for 7, and 'dotnet <pwsh.dll>' for the tool-manifest pwsh (whose process is dotnet).
    $path = (Get-Process -Id $PID).Path
    if ([System.IO.Path]::GetFileNameWithoutExtension($path) -eq 'dotnet') {
        return @($path, (Join-Path $PSHOME 'pwsh.dll'))
    }
    @($path)
}

function Invoke-Build {
    Invoke-Dotnet @('build', $solution, '-c', $Configuration, '-nologo')
}

function Invoke-Test {
    Invoke-Dotnet @('test', $solution, '-c', $Configuration, '-nologo')
}

function Invoke-PesterHere {
    # The same runner the xunit host uses, in this PowerShell, with Pester from the NuGet download of the build.
    if (-not $NoBuild) {
        Invoke-Dotnet @('build', (Join-Path $root 'tests/Ec2Capacity.Pester.Tests'), '-c', $Configuration, '-nologo')
    }
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    $pester = Join-Path $packages ('pester/{0}/tools/Pester.psd1' -f (Get-PinnedVersion 'PesterVersion'))
    $results = Join-Path $root 'out/TestResults'
    New-Item -ItemType Directory -Path $results -Force | Out-Null
    $resultFile = Join-Path $results "Pester-$($PSVersionTable.PSEdition).json"
    $env:EC2CAPACITY_CONFIGURATION = $Configuration
    $env:EC2CAPACITY_NUGET_PACKAGES = $packages
    # A child process of this same PowerShell: a fresh session, as the tests expect, and no DLL locked here.
    $exe, $leading = Get-ThisPowerShell; $leading = @($leading)
    & $exe @leading -NoProfile -NonInteractive -File (Join-Path $root 'tests/Pester/Invoke-PesterRun.ps1') `
        -PesterModule $pester -Path (Join-Path $root 'tests/Pester') -ResultFile $resultFile -Verbosity Detailed
    if ($LASTEXITCODE -ne 0) { throw "The Pester runner failed with exit code $LASTEXITCODE." }
    $failed = @((Get-Content -Raw $resultFile | ConvertFrom-Json).Tests | Where-Object { $_.Result -ne 'Passed' })
    if ($failed.Count -gt 0) {
        throw "$($failed.Count) Pester test(s) did not pass: $(($failed | ForEach-Object Name) -join '; ')"
    }
}

function Invoke-Package {
    # The MSBuild target does the work, so `dotnet build src/Ec2Capacity -t:Package` alone builds the same package
    # (and the contract tests check it). Here we only confirm that the packaged manifest points at files that exist.
    $project = Join-Path $root 'src/Ec2Capacity/Ec2Capacity.csproj'
    Invoke-Dotnet @('build', $project, '-c', $Configuration, '-nologo', '-t:Package')

    $version = Get-ModuleVersion
    $target = Join-Path $root "out/Ec2Capacity/$version"
    $data = Import-PowerShellDataFile -Path (Join-Path $target 'Ec2Capacity.psd1')
    foreach ($relative in @($data.RootModule) + @($data.FormatsToProcess) + @($data.FileList)) {
        if (-not (Test-Path (Join-Path $target $relative))) {
            throw "The packaged manifest names '$relative', which is not in $target."
        }
    }
    Write-Host "Packaged Ec2Capacity $version in $target"

    # The test kit, beside it, with the same version.
    Invoke-Dotnet @('build', (Join-Path $root 'src/Ec2Capacity.Testing/Ec2Capacity.Testing.csproj'), '-c', $Configuration, '-nologo', '-t:Package')
    $kit = Join-Path $root "out/Ec2Capacity.Testing/$version"
    $kitData = Import-PowerShellDataFile -Path (Join-Path $kit 'Ec2Capacity.Testing.psd1')
    if ($kitData.ModuleVersion -ne $version) { throw "Ec2Capacity.Testing was packaged as $($kitData.ModuleVersion), not $version." }
    foreach ($relative in @($kitData.RootModule) + @($kitData.FormatsToProcess)) {
        if (-not (Test-Path (Join-Path $kit $relative))) { throw "The packaged kit manifest names '$relative', which is not in $kit." }
    }
    Write-Host "Packaged Ec2Capacity.Testing $version in $kit"
}

function Start-DemoEmulator {
    if (-not $NoBuild) { Invoke-Build }
    $dll = Join-Path $root "tests/Ec2Capacity.Emulator/bin/$Configuration/net10.0/Ec2Capacity.Emulator.dll"
    $emulator = Start-EmulatorProcess -Dll $dll -SeedFile $SeedFile
    Write-Host "Emulator: $($emulator.Url) (process $($emulator.Process.Id))"
    $emulator
}

function Invoke-Demo {
    $emulator = $null
    try {
        $emulator = Start-DemoEmulator
        Import-Module $manifest -Force
        $demo = @{ EndpointUrl = $emulator.Url; Region = 'us-east-1'; AccessKey = $demoAccessKey; SecretKey = $demoSecretKey }

        Write-Host "`n> Get-CapacityReservationUsage (two reservations, one lends to an interruptible one)"
        Get-CapacityReservationUsage -CapacityReservationId 'cr-0123456789abcdef0', 'cr-0a1b2c3d4e5f60718' @demo |
            Format-Table | Out-Host

        Write-Host '> New-InterruptibleCapacityAllocation -WhatIf (one DryRun request, nothing created)'
        New-InterruptibleCapacityAllocation -CapacityReservationId 'cr-0123456789abcdef0' -InstanceCount 2 -WhatIf @demo

        Write-Host "`n> New-InterruptibleCapacityAllocation -Wait"
        $allocation = New-InterruptibleCapacityAllocation -CapacityReservationId 'cr-0123456789abcdef0' -InstanceCount 2 `
            -Wait -WaitTimeoutSeconds 120 @demo
        $allocation | Format-Table | Out-Host

        Write-Host '> Get-CapacityReservationUsage | Update-InterruptibleCapacityAllocation -TargetInstanceCount 0: reclaim it all'
        Get-CapacityReservationUsage -CapacityReservationId 'cr-0123456789abcdef0' @demo |
            Update-InterruptibleCapacityAllocation -TargetInstanceCount 0 `
            -Force -Wait -WaitTimeoutSeconds 120 @demo | Format-Table | Out-Host

        Write-Host '> Set-InstanceCreditSpecification -PassThru'
        'i-0123456789abcdef0', 'i-0123456789abcdef2' |
            Set-InstanceCreditSpecification -CpuCredits unlimited -PassThru @demo | Format-Table | Out-Host
    }
    finally {
        Remove-Module Ec2Capacity -ErrorAction SilentlyContinue
        Stop-EmulatorProcess -Emulator $emulator
        if ($emulator) { Write-Host 'Emulator stopped.' }
    }
}

function Invoke-Shell {
    $emulator = $null
    try {
        $emulator = Start-DemoEmulator
        # The nested session gets its setup through the environment: no secret on a command line.
        $env:EC2CAPACITY_SHELL_ENDPOINT = $emulator.Url
        $setup = @'
Import-Module (Join-Path $env:EC2CAPACITY_SHELL_ROOT 'Ec2Capacity.psd1')
$emu = @{ EndpointUrl = $env:EC2CAPACITY_SHELL_ENDPOINT; Region = 'us-east-1'; AccessKey = $env:EC2CAPACITY_SHELL_ACCESS_KEY; SecretKey = $env:EC2CAPACITY_SHELL_SECRET_KEY }
Remove-Item Env:EC2CAPACITY_SHELL_*
Write-Host "Ec2Capacity is imported; the emulator answers at $($emu.EndpointUrl). Try:"
Write-Host '  Get-CapacityReservationUsage cr-0123456789abcdef0, cr-0a1b2c3d4e5f60718 @emu'
Write-Host "Type 'exit' to leave; the emulator stops then."
'@
        $env:EC2CAPACITY_SHELL_ROOT = $root
        $env:EC2CAPACITY_SHELL_ACCESS_KEY = $demoAccessKey
        $env:EC2CAPACITY_SHELL_SECRET_KEY = $demoSecretKey
        $exe, $leading = Get-ThisPowerShell; $leading = @($leading)
        $encoded = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($setup))
        & $exe @leading -NoLogo -NoExit -OutputFormat Text -EncodedCommand $encoded
    }
    finally {
        Remove-Item Env:EC2CAPACITY_SHELL_* -ErrorAction SilentlyContinue
        Stop-EmulatorProcess -Emulator $emulator
        if ($emulator) { Write-Host 'Emulator stopped.' }
    }
}

function Invoke-Docs {
    if (-not $NoBuild) { Invoke-Build }
    . (Join-Path $root 'module/help/ConvertTo-HelpMarkdown.ps1')
    Import-Module (Join-Path $root 'Ec2Capacity.psd1') -Force
    $folder = Join-Path $root 'docs/cmdlets'
    $null = New-Item -ItemType Directory -Path $folder -Force
    foreach ($command in Get-Command -Module Ec2Capacity -CommandType Cmdlet) {
        $path = Join-Path $folder "$($command.Name).md"
        [System.IO.File]::WriteAllText($path, (ConvertTo-HelpMarkdown -Name $command.Name), [System.Text.UTF8Encoding]::new($false))
        Write-Host "wrote $path"
    }
}

Push-Location $root
try {
    switch ($Task) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Pester' { Invoke-PesterHere }
        'Package' { Invoke-Package }
        'Docs' { Invoke-Docs }
        'Demo' { Invoke-Demo }
        'Shell' { Invoke-Shell }
    }
}
catch {
    Write-Error -ErrorRecord $_ -ErrorAction Continue
    exit 1
}
finally {
    Pop-Location
}
exit 0
