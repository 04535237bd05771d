# Not part of the suite (tests/Pester): HostTests runs this file to prove that the host reports what Pester decided.
Describe 'host fixture' {
    It 'runs with the preferences of a user''s fresh session' {
        $ErrorActionPreference | Should -Be 'Continue'
        $WhatIfPreference | Should -BeFalse
        $ConfirmPreference | Should -Be 'High'
        Write-Error 'a non-terminating error' -ErrorAction SilentlyContinue
        Set-StrictMode -Off
        $true | Should -BeTrue
    }

    It 'fails on a broken assertion' {
        1 + 1 | Should -Be 3 -Because 'this fixture proves a failed assertion fails the run'
    }

    It 'is data driven <_>' -ForEach 'one', 'two' {
        $_ | Should -BeIn 'one', 'two'
    }
}

Describe 'a block whose BeforeAll throws' {
    BeforeAll { throw 'setup broke' }
    It 'cannot pass' { $true | Should -BeTrue }
}
