#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# What a user finds in $Error: PowerShell's categories and exception types they can catch, never the module's own types.
Describe 'Error records' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        Import-Ec2Capacity
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $demo = Get-DemoConnection -Emulator $emulator
        $readOnly = Get-DemoConnection -Emulator $emulator -ReadOnly
        $ours = (Get-Command Get-CapacityReservationUsage).ImplementingType.Assembly
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }

    It '<Case> is <Category> with a <Exception>' -ForEach @(
        @{ Case = 'an unknown reservation'; Category = 'ObjectNotFound'; Exception = 'System.Management.Automation.ItemNotFoundException'
            Run = { Get-CapacityReservationUsage $seed.Unknown @demo -ErrorAction Stop } }
        @{ Case = 'a malformed ID'; Category = 'InvalidArgument'; Exception = 'System.ArgumentException'
            Run = { Get-CapacityReservationUsage 'cr-123' @demo -ErrorAction Stop } }
        @{ Case = 'a denied DryRun'; Category = 'PermissionDenied'; Exception = 'System.UnauthorizedAccessException'
            Run = { Stop-CapacityReservation $seed.Source -WhatIf @readOnly -ErrorAction Stop } }
        @{ Case = 'a missing profile'; Category = 'ObjectNotFound'; Exception = 'System.Management.Automation.ItemNotFoundException'
            Run = { Get-CapacityReservationUsage $seed.Source -ProfileName 'no-such-profile' -ProfileLocation (Join-Path $TestDrive 'none') -Region us-east-1 -EndpointUrl $emulator.Url } }
        @{ Case = 'EC2 refusing a change'; Category = 'InvalidOperation'; Exception = 'System.InvalidOperationException'
            Run = { Stop-CapacityReservation $seed.Cancelled -Force @demo -ErrorAction Stop } }
    ) {
        $record = $null
        try { & $Run *> $null } catch { $record = $_ }
        $record | Should -Not -BeNullOrEmpty
        $record.CategoryInfo.Category | Should -Be $Category
        $record.Exception.GetType().FullName | Should -Be $Exception
        $record.Exception.GetType().Assembly | Should -Not -Be $ours
        if ($record.Exception.InnerException) { $record.Exception.InnerException.GetType().Assembly | Should -Not -Be $ours }
    }

    It 'a runbook can catch bad input by its .NET type' {
        $caught = $false
        try { Get-CapacityReservationUsage 'cr-123' @demo -ErrorAction Stop }
        catch [System.ArgumentException] { $caught = $true }
        $caught | Should -BeTrue
    }
}
