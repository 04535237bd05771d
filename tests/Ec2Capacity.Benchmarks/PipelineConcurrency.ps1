#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Issue 14's concurrency goal at the PowerShell level: 200 reservations piped to Get-CapacityReservationUsage with
    the emulator holding every answer 50 ms (latencyMs 50), default -ThrottleLimit against -ThrottleLimit 1, in one
    pwsh. Median of -Runs each, interleaved; prints `ratio get-200-latency50-throttle1-over-default <value>` (goal >= 6).

.EXAMPLE
    dotnet build Ec2Capacity.sln -c Release; dotnet pwsh tests/Ec2Capacity.Benchmarks/PipelineConcurrency.ps1 -Configuration Release
#>
param([int] $Runs = 3, [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Debug')

$ErrorActionPreference = 'Stop'
$root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
. (Join-Path $root 'tests/Ec2Capacity.Emulator/EmulatorProcess.ps1')
$seedFile = Join-Path ([System.IO.Path]::GetTempPath()) "ec2capacity-latency50-$PID.json"
$demoSeed = Join-Path $root 'tests/Ec2Capacity.Emulator/demo-seed.json'
(Get-Content -Raw $demoSeed) -replace '"latencyMs": 0', '"latencyMs": 50' | Set-Content -Path $seedFile -NoNewline
$emulator = Start-EmulatorProcess -Dll (Join-Path $root "tests/Ec2Capacity.Emulator/bin/$Configuration/net10.0/Ec2Capacity.Emulator.dll") -SeedFile $seedFile
try {
    Import-Module (Join-Path $root 'Ec2Capacity.psd1')
    $connection = @{ EndpointUrl = $emulator.Url; Region = 'us-east-1'; AccessKey = 'AKIAIOSFODNN7EXAMPLE'; SecretKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }
    $ids = @(1..200 | ForEach-Object { 'cr-0123456789abcdef0' })
    function Measure-Pipeline([int] $ThrottleLimit) {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $count = @($ids | Get-CapacityReservationUsage -ThrottleLimit $ThrottleLimit @connection).Count
        if ($count -ne 200) { throw "expected 200 objects, got $count" }
        $clock.Elapsed.TotalMilliseconds
    }
    function Get-Median { param([double[]] $Values) $sorted = $Values | Sort-Object; $sorted[[int][Math]::Floor($sorted.Count / 2)] }
    $null = Measure-Pipeline 8   # warm up: load, JIT, client
    $sequential = @(); $concurrent = @()
    for ($i = 0; $i -lt $Runs; $i++) {
        $sequential += Measure-Pipeline 1
        $concurrent += Measure-Pipeline 8
    }
    $s = Get-Median $sequential; $c = Get-Median $concurrent
    "note get-200-latency50 throttle-1 {0:0} ms, default (8) {1:0} ms" -f $s, $c
    "ratio get-200-latency50-throttle1-over-default {0:0.00}" -f ($s / $c)
}
finally {
    Stop-EmulatorProcess -Emulator $emulator
    Remove-Item -LiteralPath $seedFile -ErrorAction SilentlyContinue
}
