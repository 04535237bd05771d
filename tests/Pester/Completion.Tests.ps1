#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

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
