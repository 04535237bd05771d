# Not part of the suite: a file that does not even parse.
Describe 'broken' {
    It 'never runs' { $x = ( }
}
