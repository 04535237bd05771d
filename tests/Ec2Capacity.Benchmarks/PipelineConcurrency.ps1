#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Issue 14's goals at the PowerShell level: the real cmdlets in one pwsh against the emulator (its own process), each
    pair interleaved, median of -Runs. Prints `note` lines and one `ratio <name> <value>` line per goal:

      get-200-latency50-throttle1-over-default  200 reservations piped to Get-CapacityReservationUsage, latencyMs 50:
                                                -ThrottleLimit 1 / the default (goal >= 6)
      wait-20-over-1-latency50                  20 allocations created with -Wait from one pipeline / one allocation
                                                alone, each settling after the same reads, latencyMs 50 (goal <= 1.5)
      get-1-over-raw-sdk                        one reservation through Get-CapacityReservationUsage / the same request
                                                on a reused raw AmazonEC2Client called from PowerShell, latency 0
                                                (goal <= 1.05)
      credits-1000-one-per-instance-over-piped  1,000 instances: one raw ModifyInstanceCreditSpecification per instance
                                                / the 1,000 piped to Set-InstanceCreditSpecification, latency 0
                                                (goal >= 20)

.EXAMPLE
    dotnet build Ec2Capacity.sln -c Release; dotnet pwsh tests/Ec2Capacity.Benchmarks/PipelineConcurrency.ps1 -Configuration Release
#>
param([int] $Runs = 3, [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Debug')

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
. (Join-Path $root 'tests/Ec2Capacity.Emulator/EmulatorProcess.ps1')

# One world for every measurement: the demo state, 20 extra sources and 1,000 burstable instances.
$world = Get-Content -Raw (Join-Path $root 'tests/Ec2Capacity.Emulator/demo-seed.json') | ConvertFrom-Json
$sources = @(1..20 | ForEach-Object { 'cr-{0:x17}' -f (0xa000 + $_) })
$world.capacityReservations = @($world.capacityReservations) + @($sources | ForEach-Object {
        [pscustomobject]@{
            capacityReservationId = $_; ownerId = '123456789012'; instanceType = 'm5.large'; totalInstanceCount = 10; state = 'active'
            capacityBlock = $false; instanceUsages = @([pscustomobject]@{ accountId = '123456789012'; usedInstanceCount = 2 })
        }
    })
$instances = @(1..1000 | ForEach-Object { 'i-{0:x17}' -f (0xc000 + $_) })
$world.instances = @($world.instances) + @($instances | ForEach-Object {
        [pscustomobject]@{ instanceId = $_; instanceType = 't3.micro'; state = 'running'; tenancy = 'default'; cpuCredits = 'standard' }
    })
function Get-SeedJson([int] $LatencyMs) {
    $world.behavior.faults.latencyMs = $LatencyMs
    $world | ConvertTo-Json -Depth 12
}

$seedFile = Join-Path ([System.IO.Path]::GetTempPath()) "ec2capacity-pipelines-$PID.json"
Get-SeedJson 0 | Set-Content -Path $seedFile -NoNewline
$emulator = Start-EmulatorProcess -Dll (Join-Path $root "tests/Ec2Capacity.Emulator/bin/$Configuration/net10.0/Ec2Capacity.Emulator.dll") -SeedFile $seedFile
try {
    Import-Module (Join-Path $root 'Ec2Capacity.psd1')
    $accessKey = 'AKIAIOSFODNN7EXAMPLE'; $secretKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
    $connection = @{ EndpointUrl = $emulator.Url; Region = 'us-east-1'; AccessKey = $accessKey; SecretKey = $secretKey }

    # The raw SDK as a script would use it: our AWSSDK copies loaded into the default context, one reused client.
    Add-Type -Path (Join-Path $root 'module/bin/Core/AWSSDK.Core.dll'), (Join-Path $root 'module/bin/Core/AWSSDK.EC2.dll')
    $config = [Amazon.EC2.AmazonEC2Config]::new()
    $config.ServiceURL = $emulator.Url
    $config.AuthenticationRegion = 'us-east-1'
    $raw = [Amazon.EC2.AmazonEC2Client]::new([Amazon.Runtime.BasicAWSCredentials]::new($accessKey, $secretKey), $config)

    function Reset-World([int] $LatencyMs) {
        $body = [System.Text.Encoding]::UTF8.GetBytes((Get-SeedJson $LatencyMs))
        $null = Invoke-WebRequest -UseBasicParsing -Method Post -Uri ($emulator.Url + '_emulator/reset') -Body $body -ContentType 'application/json'
    }
    function Measure-Ms([scriptblock] $Block) {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $null = & $Block
        $clock.Elapsed.TotalMilliseconds
    }
    function Get-Median([double[]] $Values) { $sorted = @($Values | Sort-Object); $sorted[[int][Math]::Floor($sorted.Count / 2)] }
    function Assert-Count($Objects, [int] $Expected, [string] $What) {
        $count = @($Objects).Count
        if ($count -ne $Expected) { throw "${What}: expected $Expected objects, got $count" }
    }

    # --- 200 reads, latency 50: sequential vs default -ThrottleLimit
    Reset-World 50
    $ids = @(1..200 | ForEach-Object { 'cr-0123456789abcdef0' })
    $readAll = { param($Limit) Assert-Count @($ids | Get-CapacityReservationUsage -ThrottleLimit $Limit @connection) 200 'get-200' }
    $null = & $readAll 8
    $sequential = @(); $concurrent = @()
    for ($i = 0; $i -lt $Runs; $i++) {
        $sequential += Measure-Ms { & $readAll 1 }
        $concurrent += Measure-Ms { & $readAll 8 }
    }
    $s = Get-Median $sequential; $c = Get-Median $concurrent
    "note get-200-latency50 throttle-1 {0:0} ms, default (8) {1:0} ms" -f $s, $c
    "ratio get-200-latency50-throttle1-over-default {0:0.00}" -f ($s / $c)

    # --- -Wait: 20 allocations from one pipeline vs one alone (every allocation settles after two reads), latency 50
    $lend = {
        param([string[]] $From)
        $rows = $From | ForEach-Object { [pscustomobject]@{ CapacityReservationId = $_; InstanceCount = 2 } }
        $settled = @($rows | New-InterruptibleCapacityAllocation -Wait -WaitTimeoutSeconds 120 @connection)
        Assert-Count $settled $From.Count 'wait'
        if (@($settled | Where-Object Status -ne 'active').Count) { throw 'an allocation did not settle active' }
    }
    $one = @(); $twenty = @()
    for ($i = 0; $i -lt $Runs; $i++) {
        Reset-World 50; $one += Measure-Ms { & $lend $sources[0] }
        Reset-World 50; $twenty += Measure-Ms { & $lend $sources }
    }
    $o = Get-Median $one; $t = Get-Median $twenty
    "note wait-latency50 one allocation {0:0} ms, 20 from one pipeline {1:0} ms" -f $o, $t
    "ratio wait-20-over-1-latency50 {0:0.00}" -f ($t / $o)

    # --- one item, latency 0: the cmdlet vs the raw SDK call it makes
    Reset-World 0
    $request = [Amazon.EC2.Model.GetCapacityReservationUsageRequest]::new()
    $request.CapacityReservationId = 'cr-0123456789abcdef0'
    $viaCmdlet = { Assert-Count (Get-CapacityReservationUsage cr-0123456789abcdef0 @connection) 1 'get-1' }
    $viaRaw = { $answer = $raw.GetCapacityReservationUsageAsync($request).GetAwaiter().GetResult(); if (-not $answer.State) { throw 'no state' } }
    for ($i = 0; $i -lt 20; $i++) { & $viaCmdlet; & $viaRaw }
    $pairs = @(); $cmdletMs = @(); $rawMs = @()
    for ($i = 0; $i -lt 100 * $Runs; $i++) {
        # Interleaved A B B A, so drift hits both alike.
        if ($i % 2) { $a = Measure-Ms $viaCmdlet; $b = Measure-Ms $viaRaw } else { $b = Measure-Ms $viaRaw; $a = Measure-Ms $viaCmdlet }
        $pairs += $a / $b; $cmdletMs += $a; $rawMs += $b
    }
    "note get-1 median of {0} interleaved pairs: cmdlet {1:0.000} ms, raw SDK {2:0.000} ms" -f $pairs.Count, (Get-Median $cmdletMs), (Get-Median $rawMs)
    "ratio get-1-over-raw-sdk {0:0.000}" -f (Get-Median $pairs)

    # --- 1,000 credit changes, latency 0: one raw request per instance vs piped to the cmdlet
    $perInstance = {
        foreach ($id in $instances) {
            $modify = [Amazon.EC2.Model.ModifyInstanceCreditSpecificationRequest]::new()
            $spec = [Amazon.EC2.Model.InstanceCreditSpecificationRequest]::new()
            $spec.InstanceId = $id; $spec.CpuCredits = 'unlimited'
            $modify.InstanceCreditSpecifications = [System.Collections.Generic.List[Amazon.EC2.Model.InstanceCreditSpecificationRequest]]::new()
            $modify.InstanceCreditSpecifications.Add($spec)
            $null = $raw.ModifyInstanceCreditSpecificationAsync($modify).GetAwaiter().GetResult()
        }
    }
    $piped = { $instances | Set-InstanceCreditSpecification -CpuCredits unlimited @connection }
    function Assert-AllUnlimited {
        $state = (Invoke-WebRequest -UseBasicParsing -Uri ($emulator.Url + '_emulator/state')).Content | ConvertFrom-Json
        $changed = @($state.instances | Where-Object { $_.instanceId -in $instances -and $_.cpuCredits -eq 'unlimited' }).Count
        if ($changed -ne 1000) { throw "credits: $changed of 1000 instances are unlimited" }
    }
    $single = @(); $batched = @()
    for ($i = 0; $i -lt $Runs; $i++) {
        Reset-World 0; $single += Measure-Ms $perInstance; Assert-AllUnlimited
        Reset-World 0; $batched += Measure-Ms $piped; Assert-AllUnlimited
    }
    $p = Get-Median $single; $q = Get-Median $batched
    "note credits-1000 one raw request per instance {0:0} ms, piped to Set-InstanceCreditSpecification {1:0} ms" -f $p, $q
    "ratio credits-1000-one-per-instance-over-piped {0:0.0}" -f ($p / $q)
}
finally {
    Stop-EmulatorProcess -Emulator $emulator
    Remove-Item -LiteralPath $seedFile -ErrorAction SilentlyContinue
}
