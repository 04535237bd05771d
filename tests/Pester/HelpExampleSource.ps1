# Reads the documented code that HelpExamples.Tests.ps1 runs: the examples of the MAML help and the recipes of
# about_Ec2Capacity. Dot-source it.

$script:ModuleCmdletNames = 'Get-CapacityReservationUsage', 'New-InterruptibleCapacityAllocation',
    'Update-InterruptibleCapacityAllocation', 'Stop-CapacityReservation', 'Set-InstanceCreditSpecification'
# AWS.Tools cmdlets the help pipes from (the tests stand them in), and the test kit's, which the about topic shows.
$script:OtherModuleCmdletNames = 'Get-EC2CapacityReservation', 'Get-EC2Instance', 'Get-EC2CreditSpecification',
    'Start-Ec2CapacityEmulator', 'Stop-Ec2CapacityEmulator', 'Reset-Ec2CapacityEmulator', 'Get-Ec2CapacityEmulatorState', 'Get-Ec2CapacityEmulatorRequest'

function Get-MamlExample {
    <# Every example of the MAML help as { Name = '<cmdlet> <n>'; Code }. #>
    param([Parameter(Mandatory)] [string] $Path)
    $xml = [xml](Get-Content -Raw -LiteralPath $Path)
    $ns = [System.Xml.XmlNamespaceManager]::new($xml.NameTable)
    $ns.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
    $ns.AddNamespace('maml', 'http://schemas.microsoft.com/maml/2004/10')
    $ns.AddNamespace('dev', 'http://schemas.microsoft.com/maml/dev/2004/10')
    foreach ($command in $xml.SelectNodes('//command:command', $ns)) {
        $name = $command.SelectSingleNode('command:details/command:name', $ns).InnerText.Trim()
        $number = 0
        foreach ($example in $command.SelectNodes('command:examples/command:example', $ns)) {
            $number++
            [pscustomobject]@{ Name = "$name $number"; Code = $example.SelectSingleNode('dev:code', $ns).InnerText }
        }
    }
}

function Test-RunnableRecipe {
    # Code that parses, calls one of our cmdlets, and calls only commands that exist (prose indented like code fails).
    param([string] $Code)
    $tokens = $null
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref] $tokens, [ref] $errors)
    if ($errors.Count) { return $false }
    $names = @($ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true) |
            ForEach-Object { $_.GetCommandName() })
    if (-not ($names | Where-Object { $_ -in $script:ModuleCmdletNames })) { return $false }
    foreach ($name in $names) {
        if (-not $name) { return $false }
        if ($name -in $script:ModuleCmdletNames -or $name -in $script:OtherModuleCmdletNames) { continue }
        if (-not (Get-Command -Name $name -ErrorAction Ignore)) { return $false }
    }
    $true
}

function Get-AboutRecipe {
    <#
        Every runnable code block of the about topic (lines indented 8 or more, after a paragraph) as { Name; Code }.
        Name is 'about: ' and the last sentence before it, without a trailing parenthesis or colon; a block right after
        another block is '<that name> (2)'.
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $lines = @(Get-Content -LiteralPath $Path)
    $prose = [System.Collections.Generic.List[string]]::new()
    $lastName = $null
    $afterBlock = $false
    $paragraphEnded = $false
    $i = 0
    while ($i -lt $lines.Count) {
        $line = $lines[$i]
        if ($line -match '^ {8}\S') {
            $block = [System.Collections.Generic.List[string]]::new()
            while ($i -lt $lines.Count -and ($lines[$i] -match '^ {8}' -or ($lines[$i] -eq '' -and $i + 1 -lt $lines.Count -and $lines[$i + 1] -match '^ {12}'))) {
                $block.Add($lines[$i].Substring([Math]::Min(8, $lines[$i].Length)))
                $i++
            }
            $code = ($block -join "`n").TrimEnd()
            if ($afterBlock -and $lastName) { $name = "$lastName (2)" }
            else {
                $sentence = (($prose -join ' ') -split '(?<=\.)\s+')[-1]
                $name = 'about: ' + ($sentence -replace '\s*\([^)]*\)\s*:?$', '' -replace ':$', '').Trim()
            }
            if (Test-RunnableRecipe -Code $code) {
                [pscustomobject]@{ Name = $name; Code = $code }
                $lastName = $name
            }
            $afterBlock = $true
            $prose.Clear()
            continue
        }
        if ($line -notmatch '^ {4}\S' -and $line.Trim()) {
            # A section or subsection heading ends what came before.
            $prose.Clear()
            $afterBlock = $false
            $paragraphEnded = $true
        }
        elseif ($line.Trim()) {
            if ($afterBlock -or $paragraphEnded) { $prose.Clear() }
            $afterBlock = $false
            $paragraphEnded = $false
            $prose.Add($line.Trim())
        }
        else {
            $paragraphEnded = $true
        }
        $i++
    }
}
