#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Issue 15: what an admin sees in the console (completion, nested values).

# What Tab offers, asked of PowerShell's own completion (TabExpansion2), without any request.
Describe 'Tab completion' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        Import-Ec2Capacity
        function Get-Completion {
            param([string] $Line)
            @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches)
        }
    }

    It '-Region offers real regions only, with their names as tooltips' {
        $matches = Get-Completion 'Get-CapacityReservationUsage -Region '
        $texts = @($matches.CompletionText)
        $texts | Should -Contain 'us-east-1'
        $texts | Should -Contain 'eu-west-1'
        $texts | Should -Not -Contain 'us-east-1-regional'
        $texts | Should -Not -Contain 'aws-global'
        ($matches | Where-Object CompletionText -eq 'eu-west-1').ToolTip | Should -Match 'Ireland'
    }

    It '-Region completes what was typed' {
        @((Get-Completion 'Set-InstanceCreditSpecification -Region eu-we').CompletionText) | Should -Be @('eu-west-1', 'eu-west-2', 'eu-west-3')
    }
}

Describe 'Nested values read well' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        Import-Ec2Capacity
        $seed = Get-DemoSeedInfo
        $emulator = Start-TestEmulator
        $demo = Get-DemoConnection -Emulator $emulator
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
    }

    It 'Format-List * shows the allocation, the accounts and the source as text, not type names (80 columns)' {
        $source = Get-CapacityReservationUsage $seed.SourceWithAllocation @demo
        $interruptible = Get-CapacityReservationUsage $seed.Interruptible @demo

        $text = ($source, $interruptible | Format-List * | Out-String -Width 80)

        $text | Should -Not -Match 'Ec2Capacity\.\w+Info\b'
        $text | Should -Not -Match '\{\d{12}(, \d{12})*\}'
        $text | Should -Match "InterruptibleCapacityAllocation\s+: lends 4/4 \(active\) to $($seed.Interruptible)\r?\n"
        $text | Should -Match '123456789012: \d+ used'
        $text | Should -Match "InterruptionInfo\s+: lent from $($seed.SourceWithAllocation) \(adhoc\)"
        "$($source.InterruptibleCapacityAllocation)" | Should -Match '^lends 4/4 \(active\)'
    }
}
