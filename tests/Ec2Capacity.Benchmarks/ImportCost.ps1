#!/usr/bin/env pwsh
<#
.SYNOPSIS
    What importing the module costs a fresh PowerShell: a new pwsh that imports Ec2Capacity and sends one usage request,
    against a new pwsh that loads the raw AWS SDK (the same files) and sends the same request. Median of -Runs processes
    each, interleaved; prints `ratio import-and-first-request <module / raw>` (goal <= 1.1).

.EXAMPLE
    dotnet build Ec2Capacity.sln -c Release; dotnet pwsh tests/Ec2Capacity.Benchmarks/ImportCost.ps1 -Configuration Release
#>
param([int] $Runs = 9, [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Debug')

$ErrorActionPreference = 'Stop'
$root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
. (Join-Path $root 'tests/Ec2Capacity.Emulator/EmulatorProcess.ps1')
$emulator = Start-EmulatorProcess -Dll (Join-Path $root "tests/Ec2Capacity.Emulator/bin/$Configuration/net10.0/Ec2Capacity.Emulator.dll")
$bin = Join-Path $root 'module/bin/Core'
$common = "`$url = '$($emulator.Url)'; `$ak = 'AKIAIOSFODNN7EXAMPLE'; `$sk = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'"
$module = "$common; Import-Module '$root/Ec2Capacity.psd1'; if ((Get-CapacityReservationUsage cr-0123456789abcdef0 -EndpointUrl `$url -Region us-east-1 -AccessKey `$ak -SecretKey `$sk).TotalInstanceCount -ne 10) { exit 3 }"
$raw = "$common; Add-Type -Path '$bin/AWSSDK.Core.dll', '$bin/AWSSDK.EC2.dll'
`$config = [Amazon.EC2.AmazonEC2Config]@{ ServiceURL = `$url; AuthenticationRegion = 'us-east-1' }
`$client = [Amazon.EC2.AmazonEC2Client]::new([Amazon.Runtime.BasicAWSCredentials]::new(`$ak, `$sk), `$config)
`$answer = `$client.GetCapacityReservationUsageAsync([Amazon.EC2.Model.GetCapacityReservationUsageRequest]@{ CapacityReservationId = 'cr-0123456789abcdef0' }).GetAwaiter().GetResult()
if (`$answer.TotalInstanceCount -ne 10) { exit 3 }"

function Measure-Process {
    param([string] $Command)
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    & dotnet pwsh -NoProfile -NonInteractive -Command $Command
    if ($LASTEXITCODE -ne 0) { throw "A measured process failed with exit code $LASTEXITCODE." }
    $clock.Elapsed.TotalMilliseconds
}

function Get-Median { param([double[]] $Values) $sorted = $Values | Sort-Object; $sorted[[int][Math]::Floor($sorted.Count / 2)] }

try {
    Push-Location $root
    $null = Measure-Process $raw; $null = Measure-Process $module   # warm the disk cache for both
    $moduleTimes = @(); $rawTimes = @()
    for ($i = 0; $i -lt $Runs; $i++) {
        $moduleTimes += Measure-Process $module
        $rawTimes += Measure-Process $raw
    }
    $m = Get-Median $moduleTimes; $r = Get-Median $rawTimes
    "import-and-first-request: module median {0:N0} ms, raw SDK median {1:N0} ms over {2} processes each" -f $m, $r, $Runs
    'ratio import-and-first-request {0:N3}' -f ($m / $r)
}
finally {
    Pop-Location
    Stop-EmulatorProcess -Emulator $emulator
}
