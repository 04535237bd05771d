#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# The README's commands as a newcomer runs them: `dotnet pwsh ./build.ps1 -Task Demo` and `-Task Shell`, in a fresh
# pwsh from the tool manifest. -NoBuild only because `dotnet test` has built everything already.
Describe 'build.ps1' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $root = Get-RepoRoot
        $configuration = if ($env:EC2CAPACITY_CONFIGURATION) { $env:EC2CAPACITY_CONFIGURATION } else { 'Debug' }

        function Invoke-BuildScript {
            <# Runs build.ps1 in a child pwsh with its own temp folder; returns { ExitCode; Text; Temp; EmulatorId }. #>
            param([string[]] $Arguments, [string] $InputText)
            $temp = Join-Path ([System.IO.Path]::GetTempPath()) ('ec2capacity-build-test-' + [guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Path $temp
            $saved = $env:TMPDIR
            $env:TMPDIR = $temp
            Push-Location $root
            try {
                $all = @('pwsh', '-NoProfile', './build.ps1') + $Arguments + @('-NoBuild', '-Configuration', $configuration)
                $text = if ($InputText) { $InputText | & dotnet @all 2>&1 } else { & dotnet @all 2>&1 }
                $exitCode = $LASTEXITCODE
            }
            finally {
                Pop-Location
                $env:TMPDIR = $saved
            }
            $text = ($text | ForEach-Object { "$_" }) -join "`n"
            $emulatorId = if ($text -match 'Emulator: http://127\.0\.0\.1:\d+/ \(process (\d+)\)') { [int] $Matches[1] }
            [pscustomobject]@{ ExitCode = $exitCode; Text = $text; Temp = $temp; EmulatorId = $emulatorId }
        }

        function Invoke-DemoWithSeed {
            <# Runs the Demo task against the emulator started with this seed text (a temporary file, removed after). #>
            param([Parameter(Mandatory)] [string] $SeedText)
            $seed = Join-Path ([System.IO.Path]::GetTempPath()) ('ec2capacity-seed-' + [guid]::NewGuid().ToString('N') + '.json')
            Set-Content -Path $seed -Value $SeedText
            try { Invoke-BuildScript -Arguments '-Task', 'Demo', '-SeedFile', $seed }
            finally { Remove-Item $seed }
        }

        function Test-ProcessAlive {
            param([int] $Id)
            $null -ne (Get-Process -Id $Id -ErrorAction SilentlyContinue)
        }
    }

    AfterEach {
        if ($run -and (Test-Path $run.Temp)) { Remove-Item -Recurse -Force $run.Temp }
    }

    It 'Demo exits 0, prints the pipeline''s objects and leaves no emulator or file behind' {
        $run = Invoke-BuildScript -Arguments '-Task', 'Demo'

        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.EmulatorId | Should -Not -BeNullOrEmpty -Because $run.Text
        # The usage table, the -WhatIf line, the allocation made and reclaimed, and the credit results.
        $run.Text | Should -Match 'cr-0a1b2c3d4e5f60718\s+active\s+20\s+11\s+5\s+4/4 active'
        $run.Text | Should -Match 'What if: .*cr-0123456789abcdef0'
        $run.Text | Should -Match 'cr-0123456789abcdef0\s+cr-0[0-9a-f]{16}'
        $run.Text | Should -Match 'i-0123456789abcdef2\s+unlimited\s+True'
        $run.Text | Should -Match 'Emulator stopped\.'
        Test-ProcessAlive $run.EmulatorId | Should -BeFalse
        @(Get-ChildItem -Force $run.Temp).Count | Should -Be 0
    }

    It 'Demo whose pipeline fails exits 1, names the failure and still stops the emulator' {
        $empty = Get-DemoSeedJson | ConvertFrom-Json
        $empty.capacityReservations = @()
        $empty.instances = @()
        $run = Invoke-DemoWithSeed -SeedText ($empty | ConvertTo-Json -Depth 10)

        $run.ExitCode | Should -Be 1 -Because $run.Text
        $run.Text | Should -Match 'InvalidCapacityReservationId\.NotFound'
        $run.Text | Should -Match 'Emulator stopped\.'
        Test-ProcessAlive $run.EmulatorId | Should -BeFalse
        @(Get-ChildItem -Force $run.Temp).Count | Should -Be 0
    }

    It 'Demo with a seed the emulator refuses exits 1 with the emulator''s reason and leaves no process' {
        $run = Invoke-DemoWithSeed -SeedText '{ "capacityReservations": [ { "capacityReservationId": "not-an-id" } ] }'

        $run.ExitCode | Should -Be 1 -Because $run.Text
        $run.Text | Should -Match 'The emulator exited with code 2'
        $run.EmulatorId | Should -BeNullOrEmpty
        @(Get-ChildItem -Force $run.Temp).Count | Should -Be 0
    }

    It 'Shell lands in a pwsh with the module imported and $emu ready, and stops the emulator on exit' {
        $commands = "(Get-CapacityReservationUsage cr-0123456789abcdef0 @emu).TotalInstanceCount`n`"keys: `$((`$emu.Keys | Sort-Object) -join ',')`"`nexit`n"
        $run = Invoke-BuildScript -Arguments '-Task', 'Shell' -InputText $commands

        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Text | Should -Match '(?m)\D10$'
        $run.Text | Should -Match 'keys: AccessKey,EndpointUrl,Region,SecretKey'
        $run.Text | Should -Not -Match ([regex]::Escape((Get-DemoSeedInfo).SecretAccessKey))
        $run.Text | Should -Match 'Emulator stopped\.'
        Test-ProcessAlive $run.EmulatorId | Should -BeFalse
    }

    It 'is runnable as a script on Linux and macOS (shebang and run bit)' {
        (Get-Content -Path (Join-Path $root 'build.ps1') -TotalCount 1) | Should -Be '#!/usr/bin/env pwsh'
        if (-not $IsWindows) {
            (Get-Item (Join-Path $root 'build.ps1')).UnixFileMode.HasFlag([System.IO.UnixFileMode]::UserExecute) | Should -BeTrue
        }
        $mode = (git -C $root ls-files --stage build.ps1) -split '\s+' | Select-Object -First 1
        $mode | Should -Be '100755'
    }
}
