#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Issue 16: Ec2Capacity.Testing, the emulator as a module runbook authors install. Its cmdlets run the emulator inside
# this PowerShell process; the packaged modules alone are enough for a user's Pester file. The kit is a .NET 8 assembly:
# PowerShell 7.4+ only, so Windows PowerShell 5.1 (the GitHub workflow's Pester job) skips these.
BeforeDiscovery {
    $kitRuns = $PSVersionTable.PSVersion -ge [version] '7.4'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Ec2Capacity
    Import-Module (Join-Path (Get-RepoRoot) 'module/Ec2Capacity.Testing/Ec2Capacity.Testing.psd1') -Force -ErrorAction Stop
    $seed = Get-DemoSeedInfo

    function Test-Listening([int] $Port) {
        # True while something accepts connections on 127.0.0.1:$Port.
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect([System.Net.IPAddress]::Loopback, $Port); $true } catch { $false } finally { $client.Dispose() }
    }
}

Describe 'Start-Ec2CapacityEmulator' -Skip:(-not $kitRuns) {
    It 'runs in this process on 127.0.0.1 and hands out a connection splat per seeded account' {
        $emu = Start-Ec2CapacityEmulator
        try {
            $emu.EndpointUrl | Should -Match '^http://127\.0\.0\.1:\d+/$'
            $emu.Region | Should -Be 'us-east-1'
            $emu.Accounts.Keys | Should -Be @('Owner', 'ReadOnly', 'Session')
            $owner = $emu.Owner
            $owner.Keys | Sort-Object | Should -Be @('AccessKey', 'EndpointUrl', 'Region', 'SecretKey')
            $emu.Session.SessionToken | Should -Be $seed.SessionToken
            (Get-CapacityReservationUsage $seed.Source @owner).TotalInstanceCount | Should -Be 10
        }
        finally {
            $emu | Stop-Ec2CapacityEmulator
        }
    }

    It 'shows where it listens and the account names, never a key' {
        $emu = Start-Ec2CapacityEmulator
        try {
            $text = $emu | Out-String
            $text | Should -Match 'EndpointUrl\s*:\s*http://127\.0\.0\.1:'
            $text | Should -Match 'Accounts\s*:\s*Owner, ReadOnly, Session'
            $text | Should -Not -Match ([regex]::Escape($seed.SecretAccessKey))
        }
        finally {
            $emu | Stop-Ec2CapacityEmulator
        }
    }

    It 'takes a seed as a hashtable, as JSON text and as a file path' {
        $hashtable = @{
            region   = 'eu-west-1'
            accounts = @(@{ name = 'Admin'; accountId = '123456789012'; accessKeyId = 'AKIDKITADMIN'; secretAccessKey = 'kit-secret'; allowedActions = @('*') })
            capacityReservations = @(
                [ordered]@{ capacityReservationId = 'cr-1000000000000000a'; ownerId = '123456789012'; instanceType = 'm5.large'; totalInstanceCount = 10; state = 'active'
                    instanceUsages = @(@{ accountId = '123456789012'; usedInstanceCount = 2 }) }
            )
        }
        $file = Join-Path $TestDrive 'seed.json'
        $hashtable | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $file
        foreach ($form in $hashtable, (Get-Content -Raw $file), $file) {
            $emu = Start-Ec2CapacityEmulator -Seed $form
            try {
                $emu.Region | Should -Be 'eu-west-1'
                $admin = $emu.Admin
                (Get-CapacityReservationUsage cr-1000000000000000a @admin).AvailableInstanceCount | Should -Be 8
            }
            finally {
                $emu | Stop-Ec2CapacityEmulator
            }
        }
    }

    It 'refuses a bad seed with the seed parser''s message, naming the field' {
        $bad = @{ region = 'eu-west-1'; accounts = @(@{ accountId = '12'; accessKeyId = 'AKIDX'; secretAccessKey = 's'; allowedActions = @('*') }) }
        { Start-Ec2CapacityEmulator -Seed $bad } | Should -Throw '-Seed: accounts[[]0].accountId: expected 12 digits'
        { Start-Ec2CapacityEmulator -Seed (Join-Path $TestDrive 'missing.json') } | Should -Throw '*is not a file*'
    }

    It 'runs the about topic''s seed example' {
        $about = Get-Content -Raw (Join-Path (Get-RepoRoot) 'module/Ec2Capacity.Testing/en-US/about_Ec2Capacity.Testing.help.txt')
        $example = [regex]::Match($about, '(?s)        \$seed = @\{.*?\n        \$emu = Start-Ec2CapacityEmulator -Seed \$seed').Value
        $example | Should -Not -BeNullOrEmpty
        . ([scriptblock]::Create($example))
        try {
            $emu.Owner.Region | Should -Be 'eu-west-1'
            @((Get-Ec2CapacityEmulatorState -Emulator $emu).capacityReservations).Count | Should -Be 1
        }
        finally {
            $emu | Stop-Ec2CapacityEmulator
        }
    }

    It 'listens on the loopback address only' {
        $emu = Start-Ec2CapacityEmulator
        try {
            $listeners = @([System.Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties().GetActiveTcpListeners() |
                    Where-Object Port -eq $emu.Port)
            $listeners.Count | Should -Be 1
            $listeners[0].Address | Should -Be ([System.Net.IPAddress]::Loopback)
        }
        finally {
            $emu | Stop-Ec2CapacityEmulator
        }
    }

    It 'gives each start its own emulator and port' {
        $a = Start-Ec2CapacityEmulator
        $b = Start-Ec2CapacityEmulator
        try {
            $a.Port | Should -Not -Be $b.Port
            $owner = $a.Owner
            $null = Get-CapacityReservationUsage $seed.Source @owner
            @(Get-Ec2CapacityEmulatorRequest -Emulator $a).Count | Should -Be 1
            @(Get-Ec2CapacityEmulatorRequest -Emulator $b).Count | Should -Be 0
        }
        finally {
            $a, $b | Stop-Ec2CapacityEmulator
        }
    }
}

Describe 'The journal, the state and reset' -Skip:(-not $kitRuns) {
    BeforeAll {
        $emu = Start-Ec2CapacityEmulator
        $owner = $emu.Owner
    }
    AfterAll {
        $emu | Stop-Ec2CapacityEmulator
    }

    It 'Get-Ec2CapacityEmulatorRequest lists each request as an object, filtered by action' {
        $emu | Reset-Ec2CapacityEmulator
        $null = New-InterruptibleCapacityAllocation $seed.Source -InstanceCount 2 -WhatIf @owner
        $null = New-InterruptibleCapacityAllocation $seed.Source -InstanceCount 2 -Confirm:$false @owner

        $all = @(Get-Ec2CapacityEmulatorRequest -Emulator $emu)
        $all.Sequence | Should -Be @(1..$all.Count)
        $creates = @(Get-Ec2CapacityEmulatorRequest CreateInterruptibleCapacityReservationAllocation -Emulator $emu)
        $creates.DryRun | Should -Be @($true, $false)
        $creates[1].HttpStatus | Should -Be 200
        $creates[1].Parameters.CapacityReservationId | Should -Be $seed.Source
        $creates[1].AccessKeyId | Should -Be $seed.AccessKeyId
        ($all | Out-String) | Should -Not -Match ([regex]::Escape($seed.SecretAccessKey))
    }

    It 'Get-Ec2CapacityEmulatorState shows the change; Reset-Ec2CapacityEmulator puts the demo state back' {
        $emu | Reset-Ec2CapacityEmulator
        $null = New-InterruptibleCapacityAllocation $seed.Source -InstanceCount 3 -Confirm:$false @owner
        $source = (Get-Ec2CapacityEmulatorState).capacityReservations | Where-Object capacityReservationId -eq $seed.Source
        $source.interruptibleCapacityAllocation.targetInstanceCount | Should -Be 3

        Reset-Ec2CapacityEmulator
        ((Get-Ec2CapacityEmulatorState).capacityReservations | Where-Object capacityReservationId -eq $seed.Source).interruptibleCapacityAllocation | Should -BeNullOrEmpty
        Get-Ec2CapacityEmulatorRequest | Should -BeNullOrEmpty
    }

    It 'a bad reset seed is an error and keeps the state' {
        $emu | Reset-Ec2CapacityEmulator
        Reset-Ec2CapacityEmulator -Seed '{"region": 5}' -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'InvalidSeed,*'
        $failed[0].Exception.Message | Should -BeLike '-Seed: region:*'
        $emu.Region | Should -Be 'us-east-1'
    }
}

Describe 'Help' -Skip:(-not $kitRuns) {
    It '<_> has help from the MAML: a synopsis, each parameter described, examples that parse' -ForEach @(
        'Start-Ec2CapacityEmulator', 'Reset-Ec2CapacityEmulator', 'Get-Ec2CapacityEmulatorState', 'Get-Ec2CapacityEmulatorRequest', 'Stop-Ec2CapacityEmulator'
    ) {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeLike "$_*"
        $declared = @((Get-Command $_).Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters })
        foreach ($name in $declared) {
            ($help.parameters.parameter | Where-Object name -eq $name).description.Text | Should -Not -BeNullOrEmpty -Because "-$name is documented"
        }
        foreach ($example in @($help.examples.example)) {
            $errors = $null
            $null = [System.Management.Automation.Language.Parser]::ParseInput($example.code, [ref] $null, [ref] $errors)
            $errors | Should -BeNullOrEmpty
        }
    }
}

Describe 'Nothing is left listening' -Skip:(-not $kitRuns) {
    It 'Stop-Ec2CapacityEmulator closes the port, and the cmdlets say the emulator is stopped' {
        $emu = Start-Ec2CapacityEmulator
        Test-Listening $emu.Port | Should -BeTrue
        $emu | Stop-Ec2CapacityEmulator
        Test-Listening $emu.Port | Should -BeFalse
        $emu.IsRunning | Should -BeFalse
        Get-Ec2CapacityEmulatorState -Emulator $emu -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'EmulatorStopped,*'
    }

    It 'an emulator stops when the runspace that started it closes, even after a failure' {
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $shell = [powershell]::Create()
        $shell.Runspace = $runspace
        $manifest = Join-Path (Get-RepoRoot) 'module/Ec2Capacity.Testing/Ec2Capacity.Testing.psd1'
        $port = @($shell.AddScript({ param($Manifest) Import-Module $Manifest; (Start-Ec2CapacityEmulator).Port }).AddArgument($manifest).Invoke())[0]
        $shell.Commands.Clear()
        $null = $shell.AddScript({ throw 'the test failed before its AfterAll' })
        { $shell.Invoke() } | Should -Throw '*failed before its AfterAll*'
        Test-Listening $port | Should -BeTrue

        $shell.Dispose()
        $runspace.Dispose()
        # PowerShell reports the closing runspace on its own thread: wait for the port to close (bounded).
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ((Test-Listening $port) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
        Test-Listening $port | Should -BeFalse
    }
}

Describe 'In a fresh pwsh with only the packaged modules' -Skip:(-not $kitRuns) {
    BeforeAll {
        $root = Get-RepoRoot
        $modules = Join-Path ([System.IO.Path]::GetTempPath()) ('ec2capacity-kit-' + [guid]::NewGuid().ToString('N'))
        # The MSBuild targets behind ./build.ps1 -Task Package, over what the build laid out, into a folder of our own.
        Invoke-PackageTarget -Project 'src/Ec2Capacity/Ec2Capacity.csproj' -Target PackageModule -PackageRoot $modules
        Invoke-PackageTarget -Project 'src/Ec2Capacity.Testing/Ec2Capacity.Testing.csproj' -Target PackageTestingModule -PackageRoot $modules
        $version = (Import-PowerShellDataFile (Join-Path $root 'Ec2Capacity.psd1')).ModuleVersion

        # A runbook author's repository: a runbook and a Pester file of a few lines beside it.
        $userRepo = Join-Path $TestDrive 'runbooks'
        $null = New-Item -ItemType Directory -Path $userRepo
        Set-Content -LiteralPath (Join-Path $userRepo 'Lend.ps1') -Value @'
param([string] $EndpointUrl, [string] $Region, [string] $AccessKey, [string] $SecretKey)
New-InterruptibleCapacityAllocation cr-0123456789abcdef0 -InstanceCount 2 -Confirm:$false @PSBoundParameters
'@
        Set-Content -LiteralPath (Join-Path $userRepo 'Lend.Tests.ps1') -Value @'
Describe 'Lend.ps1' {
    BeforeAll { Import-Module Ec2Capacity, Ec2Capacity.Testing; $emu = Start-Ec2CapacityEmulator }
    AfterAll { $emu | Stop-Ec2CapacityEmulator }
    It 'lends two instances' {
        $owner = $emu.Owner; $null = & "$PSScriptRoot/Lend.ps1" @owner
        (Get-Ec2CapacityEmulatorRequest CreateInterruptibleCapacityReservationAllocation).Parameters.InstanceCount | Should -Be '2'
        ((Get-Ec2CapacityEmulatorState).capacityReservations | Where-Object capacityReservationId -eq cr-0123456789abcdef0).interruptibleCapacityAllocation.targetInstanceCount | Should -Be 2
    }
}
'@
    }
    AfterAll {
        Remove-Item -Recurse -Force $modules -ErrorAction SilentlyContinue
    }

    It 'packages Ec2Capacity.Testing beside Ec2Capacity, with the same version, ready for Publish-Module' {
        $manifest = Test-ModuleManifest -Path (Join-Path $modules "Ec2Capacity.Testing/$version/Ec2Capacity.Testing.psd1") -ErrorAction Stop
        $manifest.Version | Should -Be ([version] $version)
        $manifest.ExportedCmdlets.Keys | Sort-Object | Should -Be @('Get-Ec2CapacityEmulatorRequest', 'Get-Ec2CapacityEmulatorState',
            'Reset-Ec2CapacityEmulator', 'Start-Ec2CapacityEmulator', 'Stop-Ec2CapacityEmulator')
        (Import-PowerShellDataFile (Join-Path $root 'module/Ec2Capacity.Testing/Ec2Capacity.Testing.psd1')).ModuleVersion | Should -Be $version
    }

    It 'runs a user''s Pester file of a few lines, and the examples'' tests, with nothing from the repository' {
        $script = {
            param($ModulePath, $PesterManifest, $Paths)
            # Only the packaged modules, and PowerShell's own.
            $env:PSModulePath = $ModulePath + [System.IO.Path]::PathSeparator + (Join-Path $PSHOME 'Modules')
            Import-Module $PesterManifest
            $configuration = New-PesterConfiguration
            $configuration.Run.Path = $Paths
            $configuration.Run.PassThru = $true
            $configuration.Output.Verbosity = 'None'
            $result = Invoke-Pester -Configuration $configuration
            [pscustomobject]@{
                Passed  = $result.PassedCount
                Failed  = @($result.Failed | ForEach-Object { "$($_.ExpandedPath): $($_.ErrorRecord)" }) +
                    @($result.FailedContainers | ForEach-Object { "$($_.Item): $($_.ErrorRecord)" })
                Modules = @(Get-Module Ec2Capacity, Ec2Capacity.Testing | ForEach-Object ModuleBase)
            }
        }
        $paths = @((Join-Path $userRepo 'Lend.Tests.ps1'), (Join-Path (Get-RepoRoot) 'examples/Runbooks.Tests.ps1'))
        $result = Start-Job -ScriptBlock $script -ArgumentList $modules, (Get-Module Pester).Path, $paths | Receive-Job -Wait -AutoRemoveJob

        $result.Failed | Should -BeNullOrEmpty
        $result.Passed | Should -BeGreaterOrEqual 6
        $result.Modules.Count | Should -Be 2
        foreach ($base in $result.Modules) { $base | Should -BeLike "$modules*" }
    }
}
