<#
.SYNOPSIS
    Builds, tests, packages or demonstrates the Ec2Capacity module.

.DESCRIPTION
    Plain PowerShell (Windows PowerShell 5.1 or PowerShell 7), no extra modules. Every task calls dotnet, which is
    all a machine needs to build and test; Pester 5 runs the tests in tests/Pester when it is installed.

      Build    dotnet build Ec2Capacity.sln: lays out module/bin/ and <root>/en-US/, so that
               Import-Module ./Ec2Capacity.psd1 works right after.
      Test     dotnet test Ec2Capacity.sln, then Pester 5 on tests/Pester (NUnit XML in out/TestResults/) when
               Pester 5 is installed. Fails on any failure.
      Package  A clean copy of the module in out/Ec2Capacity/<version>/, ready for Publish-Module.
      Demo     Starts the EC2 emulator with its demo seed, imports the module, runs a short pipeline against it and
               stops the emulator.

.EXAMPLE
    ./build.ps1
.EXAMPLE
    ./build.ps1 -Task Test -Configuration Release
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Demo')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
$solution = Join-Path $root 'Ec2Capacity.sln'
$manifest = Join-Path $root 'Ec2Capacity.psd1'

function Invoke-Dotnet {
    param([Parameter(Mandatory)] [string[]] $Arguments)
    Write-Host "dotnet $($Arguments -join ' ')"
    & dotnet @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "dotnet $($Arguments -join ' ') failed with exit code $LASTEXITCODE."
    }
}

function Get-ModuleVersion {
    (Import-PowerShellDataFile -Path $manifest).ModuleVersion
}

function Get-PowerShellExe {
    # The same edition that runs this script: powershell.exe for 5.1, pwsh for 7.
    (Get-Process -Id $PID).Path
}

function Invoke-Build {
    Invoke-Dotnet @('build', $solution, '-c', $Configuration, '-nologo')
}

function Invoke-Test {
    Invoke-Dotnet @('test', $solution, '-c', $Configuration, '-nologo')

    $pester = Get-Module -ListAvailable -Name Pester |
        Where-Object { $_.Version -ge [version]'5.0.0' } |
        Sort-Object Version -Descending |
        Select-Object -First 1
    if (-not $pester) {
        Write-Warning 'Pester 5 is not installed: the tests in tests/Pester were skipped (Install-Module Pester -MinimumVersion 5.0).'
        return
    }

    $results = Join-Path $root 'out/TestResults'
    New-Item -ItemType Directory -Path $results -Force | Out-Null
    $edition = if ($PSVersionTable.PSEdition) { $PSVersionTable.PSEdition } else { 'Desktop' }
    $resultFile = Join-Path $results "Pester-$edition.xml"

    # A child process of the same PowerShell: the module's DLLs are loaded there and not locked in this session
    # (on Windows a later build could not overwrite them otherwise).
    $runner = @'
param($PesterPath, $TestPath, $ResultFile, $Configuration)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$config = New-PesterConfiguration
$config.Run.Path = $TestPath
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = $ResultFile
$env:EC2CAPACITY_CONFIGURATION = $Configuration
$result = Invoke-Pester -Configuration $config
if ($result.Result -ne 'Passed' -or $result.FailedCount -gt 0) {
    Write-Host "Pester: $($result.FailedCount) failed, $($result.PassedCount) passed."
    exit 1
}
Write-Host "Pester: $($result.PassedCount) passed, 0 failed."
exit 0
'@
    $runnerFile = Join-Path $results 'Invoke-PesterRun.ps1'
    Set-Content -Path $runnerFile -Value $runner -Encoding UTF8
    $exe = Get-PowerShellExe
    & $exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $runnerFile `
        -PesterPath $pester.Path -TestPath (Join-Path $root 'tests/Pester') -ResultFile $resultFile -Configuration $Configuration
    if ($LASTEXITCODE -ne 0) {
        throw "Pester tests failed (results: $resultFile)."
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
}

function Start-Emulator {
    # Port 0: the emulator takes a free port itself and prints it, so no other process can take it in between.
    param([int] $Port = 0)
    $project = Join-Path $root 'tests/Ec2Capacity.Emulator/Ec2Capacity.Emulator.csproj'
    Invoke-Dotnet @('build', $project, '-c', $Configuration, '-nologo')
    $dll = Join-Path $root "tests/Ec2Capacity.Emulator/bin/$Configuration/net10.0/Ec2Capacity.Emulator.dll"
    if (-not (Test-Path $dll)) {
        throw "The emulator was built, but $dll is not there."
    }
    $log = Join-Path ([System.IO.Path]::GetTempPath()) ("ec2capacity-emulator-{0}.log" -f [guid]::NewGuid())
    # The built DLL is started directly (not 'dotnet run'), so the process stopped below is the emulator itself.
    $process = Start-Process -FilePath 'dotnet' -ArgumentList @("`"$dll`"", '--port', $Port) -PassThru -NoNewWindow `
        -RedirectStandardOutput $log -RedirectStandardError "$log.err"
    # Windows PowerShell reports ExitCode only when the handle was opened while the process ran.
    $null = $process.Handle
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($process.HasExited) {
            $err = if (Test-Path "$log.err") { Get-Content -Raw "$log.err" } else { '' }
            throw "The emulator exited with code $($process.ExitCode): $err"
        }
        if ((Test-Path $log) -and (Select-String -Path $log -Pattern 'listening on (http://\S+)' -Quiet)) {
            $url = (Select-String -Path $log -Pattern 'listening on (http://\S+)' | Select-Object -First 1).Matches[0].Groups[1].Value
            return [pscustomobject]@{ Process = $process; Url = $url.TrimEnd('/') + '/'; Log = $log }
        }
        Start-Sleep -Milliseconds 200
    }
    Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
    throw "The emulator did not print 'listening on' within 60 seconds (log: $log)."
}

function Invoke-Demo {
    Invoke-Build
    $emulator = Start-Emulator
    try {
        Write-Host "Emulator: $($emulator.Url)"
        Import-Module $manifest -Force
        # The emulator's demo seed (tests/Ec2Capacity.Emulator/README.md): owner key, every action allowed.
        $demo = @{
            EndpointUrl = $emulator.Url
            Region      = 'us-east-1'
            AccessKey   = 'AKIAIOSFODNN7EXAMPLE'
            SecretKey   = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
        }

        Write-Host "`n> Get-CapacityReservationUsage (two reservations, one lends to an interruptible one)"
        Get-CapacityReservationUsage -CapacityReservationId 'cr-0123456789abcdef0', 'cr-0a1b2c3d4e5f60718' @demo | Format-Table | Out-Host

        Write-Host "> New-InterruptibleCapacityAllocation -WhatIf (one DryRun request, nothing created)"
        New-InterruptibleCapacityAllocation -CapacityReservationId 'cr-0123456789abcdef0' -InstanceCount 2 -WhatIf @demo

        Write-Host "`n> New-InterruptibleCapacityAllocation -Wait"
        $allocation = New-InterruptibleCapacityAllocation -CapacityReservationId 'cr-0123456789abcdef0' -InstanceCount 2 -Wait -WaitTimeoutSeconds 120 @demo
        $allocation | Format-Table | Out-Host

        Write-Host "> Update-InterruptibleCapacityAllocation: reclaim it all"
        $allocation | Update-InterruptibleCapacityAllocation -TargetInstanceCount 0 -Force -Wait -WaitTimeoutSeconds 120 @demo | Format-Table | Out-Host

        Write-Host "> Set-InstanceCreditSpecification -PassThru"
        'i-0123456789abcdef0', 'i-0123456789abcdef2' |
            Set-InstanceCreditSpecification -CpuCredits unlimited -PassThru @demo | Format-Table | Out-Host
    }
    finally {
        Remove-Module Ec2Capacity -ErrorAction SilentlyContinue
        if (-not $emulator.Process.HasExited) {
            Stop-Process -Id $emulator.Process.Id -Force -ErrorAction SilentlyContinue
        }
        Remove-Item -Path $emulator.Log, "$($emulator.Log).err" -Force -ErrorAction SilentlyContinue
    }
}

Push-Location $root
try {
    switch ($Task) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Package' { Invoke-Package }
        'Demo' { Invoke-Demo }
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
