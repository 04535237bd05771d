#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# What PowerShell itself knows about the module, asked of PowerShell: the manifest (Test-ModuleManifest), the cmdlets'
# parameters (Get-Command), the views (Get-FormatData) and the help (Get-Help), each against the contract below.
BeforeDiscovery {
    $contract = Import-PowerShellDataFile (Join-Path $PSScriptRoot 'CmdletContract.psd1')
    $cmdlets = $contract.Cmdlets
    $parameterCases = foreach ($cmdlet in $contract.Cmdlets) {
        foreach ($parameter in @($cmdlet.Parameters) + $contract.Common) {
            @{ Cmdlet = $cmdlet.Name; Parameter = $parameter.Name; Expected = $parameter }
        }
    }
}

Describe 'The module as PowerShell sees it' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $root = Get-RepoRoot
        $manifestPath = Join-Path $root 'Ec2Capacity.psd1'
        Import-Ec2Capacity
        $module = Get-Module Ec2Capacity
        $contract = Import-PowerShellDataFile (Join-Path $PSScriptRoot 'CmdletContract.psd1')
        $cmdlets = $contract.Cmdlets
        $common = $contract.Common
        function Get-TypeName {
            param([type] $Type)
            $underlying = [System.Nullable]::GetUnderlyingType($Type)
            if ($underlying) { "$($underlying.FullName)?" } else { $Type.FullName }
        }
        $commonParameterNames = [System.Management.Automation.Cmdlet]::CommonParameters +
            [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    }

    Context 'manifest' {
        It 'passes Test-ModuleManifest and declares both editions on .NET Framework 4.7.2+ and PowerShell 5.1+' {
            $manifest = Test-ModuleManifest -Path $manifestPath -ErrorAction Stop
            $manifest.RootModule | Should -Be 'module/Ec2Capacity.psm1'
            @($manifest.CompatiblePSEditions | Sort-Object) | Should -Be @('Core', 'Desktop')
            $manifest.PowerShellVersion | Should -Be ([version] '5.1')
            $manifest.DotNetFrameworkVersion | Should -Be ([version] '4.7.2')
            $manifest.Guid | Should -Not -Be ([guid]::Empty)
            $manifest.Author | Should -Not -BeNullOrEmpty
            $manifest.Description | Should -Not -BeNullOrEmpty
        }

        It 'exports the five cmdlets by name, and no function, alias or variable' {
            $data = Import-PowerShellDataFile -Path $manifestPath
            @($data.CmdletsToExport | Sort-Object) | Should -Be @($cmdlets.Name | Sort-Object)
            $data.CmdletsToExport | Should -Not -Match '[*?]'
            foreach ($key in 'FunctionsToExport', 'AliasesToExport', 'VariablesToExport') {
                $data.ContainsKey($key) | Should -BeTrue -Because "without $key PowerShell exports '*'"
                @($data[$key]).Count | Should -Be 0
            }
            @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($cmdlets.Name | Sort-Object)
            @(Get-Command -Module Ec2Capacity | Where-Object CommandType -ne 'Cmdlet').Count | Should -Be 0
        }

        It 'has gallery metadata that Publish-Module needs' {
            $psData = (Import-PowerShellDataFile -Path $manifestPath).PrivateData.PSData
            $psData.Tags | Should -Contain 'PSEdition_Core'
            $psData.Tags | Should -Contain 'PSEdition_Desktop'
            $psData.Tags | Should -Not -Match '\s'
            foreach ($key in 'ProjectUri', 'LicenseUri') {
                ([uri] $psData[$key]).Scheme | Should -BeIn 'https', 'http'
            }
            $psData.ReleaseNotes | Should -Not -BeNullOrEmpty
        }

        It 'names its version once: the built assemblies carry the manifest''s ModuleVersion' {
            $version = [version] (Import-PowerShellDataFile -Path $manifestPath).ModuleVersion
            $expected = [version]::new($version.Major, $version.Minor, [Math]::Max(0, $version.Build), [Math]::Max(0, $version.Revision))
            $module.Version | Should -Be $version
            foreach ($edition in 'Core', 'Desktop') {
                [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path $root "module/bin/$edition/Ec2Capacity.dll")).Version | Should -Be $expected
            }
        }

        It 'resolves every file it names relative to the module base, with forward slashes' {
            $data = Import-PowerShellDataFile -Path $manifestPath
            foreach ($relative in @($data.RootModule) + @($data.FormatsToProcess) + @($data.TypesToProcess) + @($data.RequiredAssemblies) + @($data.NestedModules)) {
                if (-not $relative) { continue }
                $relative | Should -Not -Match '\\'
                [System.IO.Path]::IsPathRooted($relative) | Should -BeFalse
                Join-Path $root $relative | Should -Exist
            }
        }
    }

    Context 'cmdlets' {
        It '<Name> supports ShouldProcess at ConfirmImpact <ConfirmImpact> and declares [OutputType(<OutputType>)]' -ForEach $cmdlets {
            $command = Get-Command $Name -Module Ec2Capacity
            $metadata = [System.Management.Automation.CommandMetadata]::new($command)
            $metadata.SupportsShouldProcess | Should -BeTrue
            "$($metadata.ConfirmImpact)" | Should -Be $ConfirmImpact
            @($command.OutputType.Type.FullName) | Should -Be @($OutputType)
            $command.ImplementingType.IsPublic | Should -BeTrue
        }

        It '<Name> has exactly the contract''s parameters' -ForEach $cmdlets {
            $command = Get-Command $Name -Module Ec2Capacity
            $own = @($command.Parameters.Keys | Where-Object { $_ -notin $commonParameterNames } | Sort-Object)
            $own | Should -Be @((@($Parameters) + $common).Name | Sort-Object)
        }

        It '<Cmdlet> -<Parameter> has the contract''s type, binding, aliases and validation' -ForEach $parameterCases {
            $parameter = (Get-Command $Cmdlet -Module Ec2Capacity).Parameters[$Parameter]
            $parameter.Name | Should -BeExactly $Expected.Name
            Get-TypeName $parameter.ParameterType | Should -Be $Expected.Type
            foreach ($setName in $parameter.ParameterSets.Keys) {
                $set = $parameter.ParameterSets[$setName]
                # Mandatory everywhere, or (MandatoryIn) only in the named parameter sets.
                $mandatory = if ($Expected.MandatoryIn) { $setName -in $Expected.MandatoryIn } else { [bool] $Expected.Mandatory }
                $set.IsMandatory | Should -Be $mandatory -Because "-$Parameter in set $setName"
                $set.Position | Should -Be $(if ($null -ne $Expected.Position) { $Expected.Position } else { [int]::MinValue })
                $set.ValueFromPipeline | Should -Be ([bool] $Expected.ByValue)
                $set.ValueFromPipelineByPropertyName | Should -Be ([bool] $Expected.ByPropertyName)
            }
            @($parameter.Aliases | Sort-Object) | Should -Be @($Expected.Aliases | Sort-Object)

            $validateSet = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
            if ($Expected.ValidateSet) { @($validateSet.ValidValues) | Should -Be @($Expected.ValidateSet) } else { $validateSet | Should -BeNullOrEmpty }
            # A count's range is [ValidateRange] or, where a blank CSV cell must mean "not given", the WholeNumber transformation's.
            $range = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] }
            $whole = $parameter.Attributes | Where-Object { $_.GetType().Name -eq 'WholeNumberAttribute' }
            if ($Expected.Range) {
                $bounds = if ($range) { @([long] $range.MinRange, [long] $range.MaxRange) } else { @([long] $whole.Minimum, [long] $whole.Maximum) }
                $bounds | Should -Be @([long] $Expected.Range[0], [long] $Expected.Range[1])
            }
            $completer = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }
            [bool] $completer | Should -Be ([bool] $Expected.Completer)
            $hidden = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow }).Count -gt 0
            $hidden | Should -Be ([bool] $Expected.Hidden)
        }

        It '<Name> can be proxied (Pester''s Mock): every parameter type resolves by name outside the module''s load context' -ForEach $cmdlets {
            $command = Get-Command $Name -Module Ec2Capacity
            foreach ($parameter in $command.Parameters.Values) {
                $parameter.ParameterType.FullName -as [type] | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) is typed $($parameter.ParameterType.FullName)"
            }
            $proxy = [System.Management.Automation.ProxyCommand]::Create([System.Management.Automation.CommandMetadata]::new($command))
            { [scriptblock]::Create($proxy) } | Should -Not -Throw
        }

        It 'declares the shared AWS parameters once, on a base class of every cmdlet' {
            $declaring = foreach ($name in $cmdlets.Name) {
                $type = (Get-Command $name -Module Ec2Capacity).ImplementingType
                foreach ($parameter in $common.Name) {
                    $declaredBy = $type.GetProperty($parameter).DeclaringType
                    $declaredBy | Should -Not -Be $type -Because "$name declares -$parameter itself"
                    $declaredBy.FullName
                }
            }
            @($declaring | Sort-Object -Unique).Count | Should -Be 1
        }
    }

    Context 'views' {
        It 'every output type has a view whose columns name real properties' {
            foreach ($typeName in ($cmdlets.OutputType | Sort-Object -Unique)) {
                # Our types live in the module's load context, out of reach of [type] literals: ask the cmdlets for them.
                $type = Get-Command -Module Ec2Capacity | ForEach-Object { $_.OutputType.Type } | Where-Object FullName -eq $typeName | Select-Object -First 1
                $type | Should -Not -BeNullOrEmpty
                $formats = @(Get-FormatData -TypeName $typeName)
                $formats.Count | Should -BeGreaterThan 0 -Because "$typeName needs a view"
                foreach ($view in $formats.FormatViewDefinition) {
                    $entries = @($view.Control.Rows.Columns.DisplayEntry) + @($view.Control.Entries.Items.DisplayEntry) |
                        Where-Object { $_ -and "$($_.ValueType)" -eq 'Property' }
                    $entries.Count | Should -BeGreaterThan 0
                    foreach ($entry in $entries) {
                        $type.GetProperty($entry.Value) | Should -Not -BeNullOrEmpty -Because "$typeName view $($view.Name) shows $($entry.Value)"
                    }
                }
            }
        }
    }

    Context 'help' {
        It 'Get-Help <Name> -Online resolves to docs/cmdlets/<Name>.md, a page that exists and is the MAML''s text' -ForEach $cmdlets {
            $uri = "https://github.com/ec2capacity/Ec2Capacity/blob/main/docs/cmdlets/$Name.md"
            (Get-Command $Name -Module Ec2Capacity).HelpUri | Should -Be $uri
            # Get-Help -Online opens the MAML's "Online Version:" link (PowerShell prefers it to HelpUri).
            $online = @((Get-Help $Name).relatedLinks.navigationLink | Where-Object { "$($_.linkText)".Trim() -eq 'Online Version:' })
            $online.Count | Should -Be 1
            "$($online[0].uri)".Trim() | Should -Be $uri
            $page = Join-Path $root "docs/cmdlets/$Name.md"
            Test-Path -LiteralPath $page | Should -BeTrue
            . (Join-Path $root 'module/help/ConvertTo-HelpMarkdown.ps1')
            [System.IO.File]::ReadAllText($page) | Should -BeExactly (ConvertTo-HelpMarkdown -Name $Name) -Because 'the page is generated from the MAML (dotnet pwsh ./build.ps1 -Task Docs)'
        }

        It 'Get-Help -Full documents every parameter of <Name> as Get-Command sees it' -ForEach $cmdlets {
            $command = Get-Command $Name -Module Ec2Capacity
            $help = Get-Help $Name -Full
            ($help.Synopsis | Out-String).Trim() | Should -Not -Match "^$([regex]::Escape($Name))\b" -Because 'a generated synopsis means the MAML was not found'
            ($help.description | Out-String).Trim() | Should -Not -BeNullOrEmpty
            ($help.alertSet | Out-String).Trim() | Should -Not -BeNullOrEmpty

            $documented = @{}
            foreach ($entry in $help.parameters.parameter) { $documented[$entry.name] = $entry }
            # Hidden parameters (DontShow) are not for users: no help, no syntax.
            $visible = @($command.Parameters.Values | Where-Object {
                    $_.Name -notin $commonParameterNames -and -not ($_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow })
                })
            foreach ($parameter in $visible) {
                $entry = $documented[$parameter.Name]
                $entry | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs help"
                ($entry.description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs a description"
                $set = @($parameter.ParameterSets.Values)[0]
                # Help's one "required" per parameter: mandatory in every set it belongs to (per set: the syntax check below).
                $required = @($parameter.ParameterSets.Values | Where-Object { -not $_.IsMandatory }).Count -eq 0
                $entry.required | Should -Be ("$required".ToLower()) -Because "-$($parameter.Name) required"
                $position = if ($set.Position -eq [int]::MinValue) { 'named' } else { "$($set.Position)" }
                $entry.position | Should -Be $position -Because "-$($parameter.Name) position"
                $kinds = @(if ($set.ValueFromPipeline) { 'ByValue' }; if ($set.ValueFromPipelineByPropertyName) { 'ByPropertyName' })
                $pipeline = if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
                $entry.pipelineInput | Should -Be $pipeline -Because "-$($parameter.Name) pipeline input"
                $aliases = if ($parameter.Aliases.Count) { ($parameter.Aliases | Sort-Object) -join ', ' } else { 'none' }
                (($entry.aliases -split ',\s*' | Sort-Object) -join ', ') | Should -Be $aliases -Because "-$($parameter.Name) aliases"
            }
            # One syntax block per parameter set, each with that set's own parameters.
            $sets = @($command.ParameterSets)
            $syntax = @($help.syntax.syntaxItem)
            $syntax.Count | Should -Be $sets.Count -Because 'Get-Help shows one syntax per parameter set'
            $shown = @($syntax | ForEach-Object { (@($_.parameter.name | Where-Object { $_ -notin $commonParameterNames }) | Sort-Object) -join ',' }) | Sort-Object
            $declared = @($sets | ForEach-Object {
                    (@($_.Parameters | Where-Object { $_.Name -notin $commonParameterNames -and -not ($_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow }) } |
                            ForEach-Object Name) | Sort-Object) -join ','
                }) | Sort-Object
            $shown | Should -Be $declared
            foreach ($name in $documented.Keys) {
                $command.Parameters.ContainsKey($name) | Should -BeTrue -Because "the help documents -$name"
            }
            $syntax = @($help.syntax.syntaxItem.parameter.name | Sort-Object -Unique)
            foreach ($parameter in $visible.Name) {
                $syntax | Should -Contain $parameter
            }
            @($help.returnValues.returnValue.type.name) | Should -Contain $command.OutputType[0].Type.FullName
        }

        It 'the examples of <Name> call it with parameters it has, pipe it, preview with -WhatIf and meet AWS.Tools' -ForEach $cmdlets {
            $examples = @((Get-Help $Name -Full).examples.example)
            $examples.Count | Should -BeGreaterOrEqual 3
            $piped = $whatIf = $awsTools = $false
            foreach ($example in $examples) {
                ($example.remarks | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "$($example.title) needs remarks"
                $errors = $null
                $ast = [System.Management.Automation.Language.Parser]::ParseInput($example.code, [ref] $null, [ref] $errors)
                $errors | Should -BeNullOrEmpty -Because "$($example.title) must parse"
                $calls = $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true)
                $own = @($calls | Where-Object { $_.GetCommandName() -eq $Name })
                $own.Count | Should -BeGreaterThan 0 -Because "$($example.title) must call $Name"
                foreach ($call in $calls) {
                    $callName = $call.GetCommandName()
                    if ($callName -match '-(EC2|AWS)') { $awsTools = $true }
                    $target = Get-Command $callName -Module Ec2Capacity -ErrorAction SilentlyContinue
                    if (-not $target) { continue }
                    foreach ($element in $call.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                        $known = $target.Parameters.Keys + ($target.Parameters.Values.Aliases) + $commonParameterNames + 'WhatIf', 'Confirm'
                        $known | Should -Contain $element.ParameterName -Because "$($example.title) passes -$($element.ParameterName) to $callName"
                        if ($callName -eq $Name -and $element.ParameterName -eq 'WhatIf') { $whatIf = $true }
                    }
                    if ($callName -eq $Name -and $call.Parent.PipelineElements.Count -gt 1) { $piped = $true }
                }
                if ($example.code -match '\$WhatIfPreference\s*=\s*\$true') { $whatIf = $true }
            }
            $piped | Should -BeTrue -Because 'an example pipes into or out of the cmdlet'
            $whatIf | Should -BeTrue -Because 'an example previews with -WhatIf'
            $awsTools | Should -BeTrue -Because 'an example hands off to or from AWS.Tools'
        }

        It 'Get-Help about_Ec2Capacity finds the about topic beside the manifest' {
            Join-Path $root 'en-US/about_Ec2Capacity.help.txt' | Should -Exist
            $about = Get-Help about_Ec2Capacity | Out-String
            $about | Should -Match 'StoredAWSCredentials'
            $about | Should -Match 'DryRun'
        }

        It 'the help beside the manifest is the current source in module/help' {
            foreach ($source in Get-ChildItem (Join-Path $root 'module/help/en-US') -File) {
                $installed = Join-Path $root "en-US/$($source.Name)"
                (Get-FileHash $installed).Hash | Should -Be (Get-FileHash $source.FullName).Hash -Because "$($source.Name) is stale; build again"
            }
        }
    }
}

Describe 'The packaged module' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $root = Get-RepoRoot
        $packageRoot = Join-Path ([System.IO.Path]::GetTempPath()) ('ec2capacity-package-' + [guid]::NewGuid().ToString('N'))
        # The MSBuild target behind ./build.ps1 -Task Package, over what the build laid out, into a folder of our own.
        Invoke-PackageTarget -Project 'src/Ec2Capacity/Ec2Capacity.csproj' -Target PackageModule -PackageRoot $packageRoot
        $version = (Import-PowerShellDataFile (Join-Path $root 'Ec2Capacity.psd1')).ModuleVersion
        $package = Join-Path $packageRoot "Ec2Capacity/$version"
    }

    AfterAll {
        Remove-Item -Recurse -Force $packageRoot -ErrorAction SilentlyContinue
    }

    It 'passes Test-ModuleManifest, and its FileList is exactly the folder''s files' {
        $manifest = Test-ModuleManifest -Path (Join-Path $package 'Ec2Capacity.psd1') -ErrorAction Stop
        $present = @(Get-ChildItem -Path $package -Recurse -File |
                ForEach-Object { [System.IO.Path]::GetRelativePath($package, $_.FullName).Replace('\', '/') } | Sort-Object)
        $listed = @((Import-PowerShellDataFile (Join-Path $package 'Ec2Capacity.psd1')).FileList | Sort-Object)
        $listed | Should -Be $present
        $manifest.Version | Should -Be ([version] $version)
    }

    It 'imports from a folder on $env:PSModulePath, with its cmdlets, views and help' {
        $modules = Join-Path $packageRoot 'modules'
        $null = New-Item -ItemType Directory -Path $modules
        Copy-Item -Recurse -Path (Join-Path $packageRoot 'Ec2Capacity') -Destination $modules
        $script = {
            param($ModulePath)
            $env:PSModulePath = $ModulePath + [System.IO.Path]::PathSeparator + $env:PSModulePath
            Import-Module Ec2Capacity -ErrorAction Stop
            $module = Get-Module Ec2Capacity
            [pscustomobject]@{
                Base     = $module.ModuleBase
                Cmdlets  = @($module.ExportedCmdlets.Keys).Count
                Views    = @(Get-FormatData -TypeName 'Ec2Capacity.CapacityReservationUsage').Count
                Synopsis = (Get-Help Get-CapacityReservationUsage).Synopsis
                About    = [bool](Get-Help about_Ec2Capacity | Out-String)
            }
        }
        # A fresh session: the module imported by the other tests must not answer for the package.
        $result = Start-Job -ScriptBlock $script -ArgumentList $modules | Receive-Job -Wait -AutoRemoveJob
        $result.Base | Should -BeLike "$modules*"
        $result.Cmdlets | Should -Be 5
        $result.Views | Should -BeGreaterThan 0
        $result.Synopsis | Should -Not -Match '^Get-CapacityReservationUsage'
        $result.About | Should -BeTrue
    }
}

Describe 'The same module through two paths in one process' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        Import-Ec2Capacity
        # Another path to the same files, as a link or an installed copy of the same build would be.
        $linked = Join-Path $TestDrive 'Ec2Capacity'
        $null = New-Item -ItemType $(if ([System.IO.Path]::DirectorySeparatorChar -eq '\') { 'Junction' } else { 'SymbolicLink' }) -Path $linked -Target (Get-RepoRoot)
        $bind = {
            # Binding only: the request goes nowhere (port 1) and its error is expected.
            New-InterruptibleCapacityAllocation cr-0123456789abcdef0 -InstanceCount 2 -EndpointUrl 'http://127.0.0.1:1/' -Region us-east-1 `
                -AccessKey AKIDBINDINGTEST0001 -SecretKey binding-test -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failed
            @($failed | Where-Object { $_.Exception -is [System.Management.Automation.ParameterBindingException] -or $_.Exception.InnerException -is [InvalidCastException] })
        }
    }

    It 'binds parameters in both runspaces: one load context per build, whatever the path' {
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $shell = [powershell]::Create()
        $shell.Runspace = $runspace
        try {
            $null = $shell.AddScript("param(`$Manifest) Import-Module `$Manifest -ErrorAction Stop; & { $bind }").AddArgument((Join-Path $linked 'Ec2Capacity.psd1'))
            $other = @($shell.Invoke())
            $shell.Streams.Error | Where-Object { $_.Exception -is [System.Management.Automation.ParameterBindingException] } | Should -BeNullOrEmpty
            $other | Should -BeNullOrEmpty
        }
        finally {
            $shell.Dispose()
            $runspace.Dispose()
        }
        $here = @(& $bind)
        $here | Should -BeNullOrEmpty
    }
}
