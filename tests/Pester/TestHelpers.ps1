# Shared by every *.Tests.ps1 in this folder: dot-source it from BeforeAll.
#
#   BeforeAll {
#       . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
#       $emulator = Start-TestEmulator
#       $demo = Get-DemoConnection -Emulator $emulator
#   }
#   AfterAll { Stop-TestEmulator -Emulator $emulator }
#
# Nothing here builds: `dotnet test Ec2Capacity.sln` builds module/bin/ and the emulator before it runs these suites
# (tests/Ec2Capacity.Pester.Tests). Works on Windows PowerShell 5.1 and PowerShell 7.

# Functions only (no script-scope variables): Pester 5 runs BeforeAll and It in different scopes.

function Get-RepoRoot {
    # $PSScriptRoot in a function is the folder of the file that defines it: tests/Pester.
    (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
}

function Invoke-PackageTarget {
    <#
        Runs a packaging target of ./build.ps1 -Task Package (PackageModule of src/Ec2Capacity, PackageTestingModule of
        src/Ec2Capacity.Testing) over what the build laid out, into -PackageRoot instead of out/.
    #>
    param([Parameter(Mandatory)] [string] $Project, [Parameter(Mandatory)] [string] $Target, [Parameter(Mandatory)] [string] $PackageRoot)
    $output = & dotnet msbuild (Join-Path (Get-RepoRoot) $Project) "-t:$Target" -nologo -v:minimal "-p:PackageRoot=$PackageRoot/" 2>&1
    if ($LASTEXITCODE -ne 0) { throw "$Target failed: $output" }
}

function Get-DemoSeedInfo {
    <# The emulator's demo seed (tests/Ec2Capacity.Emulator/DemoSeed.cs and demo-seed.json). #>
    @{
        Region                  = 'us-east-1'
        AccessKeyId             = 'AKIAIOSFODNN7EXAMPLE'
        SecretAccessKey         = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
        ReadOnlyAccessKeyId     = 'AKIAI44QH8DHBEXAMPLE'
        ReadOnlySecretAccessKey = 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY'
        SessionAccessKeyId      = 'ASIAIOSFODNN7SESSION'
        SessionSecretAccessKey  = 'sessionSecretKeyExample/K7MDENG/bPxRfiCY'
        SessionToken            = 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN'
        # active m5.large, total 10, used 4 (two accounts), no allocation: the reservation to lend from
        Source                  = 'cr-0123456789abcdef0'
        # active c5.xlarge, total 20, used 5, lends 4 (active, retain) to Interruptible
        SourceWithAllocation    = 'cr-0a1b2c3d4e5f60718'
        Interruptible           = 'cr-0fedcba9876543210'
        # 25 accounts using 2 each: several pages
        Shared                  = 'cr-0aaaaaaaaaaaaaaa1'
        EndDated                = 'cr-0bbbbbbbbbbbbbbb2'
        Committed               = 'cr-0ccccccccccccccc3'
        CapacityBlock           = 'cr-0ddddddddddddddd4'
        Cancelled               = 'cr-0eeeeeeeeeeeeeee5'
        Assessing               = 'cr-01234567890abcde7'
        Delayed                 = 'cr-09999999999999998'
        # well-formed, not in the seed
        Unknown                 = 'cr-0000000000000dead'
        # burstable, running, standard
        T3Micro                 = 'i-0123456789abcdef0'
        # burstable, stopped, unlimited
        T3Large                 = 'i-0123456789abcdef1'
        # burstable, running, standard
        T2Micro                 = 'i-0123456789abcdef2'
        # burstable, running, unlimited
        T4gSmall                = 'i-0123456789abcdef3'
        # burstable, running, standard
        T3aMedium               = 'i-0123456789abcdef4'
        # m5.large: not burstable (InstanceCreditSpecification.NotSupported)
        NotBurstable            = 'i-0123456789abcdef5'
        # terminated (IncorrectInstanceState)
        Terminated              = 'i-0123456789abcdef6'
        # the old 8-hex form, burstable, stopped
        OldForm                 = 'i-1a2b3c4d'
    }
}

function Import-Ec2Capacity {
    <# Imports the module from the repository root (the module base PowerShell finds help in). #>
    Import-Module (Join-Path (Get-RepoRoot) 'Ec2Capacity.psd1') -Force -ErrorAction Stop
    # The module's AWSSDK.Core is private to its load context; tests that build credential objects load a copy into the
    # default context, as AWS.Tools would (for the module these are credentials from another AWSSDK.Core).
    if (-not ('Amazon.Runtime.BasicAWSCredentials' -as [type])) {
        Add-Type -Path (Join-Path (Get-RepoRoot) 'module/bin/Core/AWSSDK.Core.dll')
    }
}

. (Join-Path $PSScriptRoot '../Ec2Capacity.Emulator/EmulatorProcess.ps1')

function Get-EmulatorDll {
    # The configuration the xunit host (or ./build.ps1 -Task Pester) built; Debug for a developer running Pester by hand.
    $configuration = if ($env:EC2CAPACITY_CONFIGURATION) { $env:EC2CAPACITY_CONFIGURATION } else { 'Debug' }
    Join-Path (Get-RepoRoot) "tests/Ec2Capacity.Emulator/bin/$configuration/net10.0/Ec2Capacity.Emulator.dll"
}

function Start-TestEmulator {
    <# Starts the built emulator on a free port with its demo seed; returns { Url; Process }. #>
    Start-EmulatorProcess -Dll (Get-EmulatorDll)
}

function Stop-TestEmulator {
    param($Emulator)
    Stop-EmulatorProcess -Emulator $Emulator
}

function Get-DemoSeedJson {
    Get-Content -Raw -Path (Join-Path (Get-RepoRoot) 'tests/Ec2Capacity.Emulator/demo-seed.json')
}

function Reset-TestEmulator {
    <# Replaces the state (the demo seed unless -SeedJson) and clears the journal. #>
    param([Parameter(Mandatory)] $Emulator, [string] $SeedJson)
    if (-not $SeedJson) { $SeedJson = Get-DemoSeedJson }
    $null = Invoke-WebRequest -UseBasicParsing -Method Post -Uri ($Emulator.Url + '_emulator/reset') `
        -Body ([System.Text.Encoding]::UTF8.GetBytes($SeedJson)) -ContentType 'application/json'
}

function Get-EmulatorJournal {
    <# Every EC2 request since the last reset: { sequence, action, dryRun, httpStatus, errorCode, accessKeyId, requestId, parameters }. #>
    param([Parameter(Mandatory)] $Emulator)
    $json = (Invoke-WebRequest -UseBasicParsing -Uri ($Emulator.Url + '_emulator/requests')).Content
    # ForEach-Object unrolls the array on both 5.1 (one array object) and 7 (already unrolled).
    @($json | ConvertFrom-Json | ForEach-Object { $_ })
}

function Get-EmulatorStateText {
    <# The state as the emulator serialises it: byte-identical while nothing changes. #>
    param([Parameter(Mandatory)] $Emulator)
    (Invoke-WebRequest -UseBasicParsing -Uri ($Emulator.Url + '_emulator/state')).Content
}

function Get-EmulatorState {
    param([Parameter(Mandatory)] $Emulator)
    Get-EmulatorStateText -Emulator $Emulator | ConvertFrom-Json
}

function Get-DemoConnection {
    <# Splat for the owner key (every action allowed). -NoRegion leaves -Region out, so piped objects can bind it. #>
    param([Parameter(Mandatory)] $Emulator, [switch] $ReadOnly, [switch] $NoRegion)
    $seed = Get-DemoSeedInfo
    $connection = @{
        EndpointUrl = $Emulator.Url
        AccessKey   = if ($ReadOnly) { $seed.ReadOnlyAccessKeyId } else { $seed.AccessKeyId }
        SecretKey   = if ($ReadOnly) { $seed.ReadOnlySecretAccessKey } else { $seed.SecretAccessKey }
    }
    if (-not $NoRegion) { $connection.Region = $seed.Region }
    $connection
}

function Get-ReservationState {
    <# One reservation from the emulator state. #>
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [string] $Id)
    (Get-EmulatorState -Emulator $Emulator).capacityReservations | Where-Object capacityReservationId -eq $Id
}

function Get-InstanceState {
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [string] $Id)
    (Get-EmulatorState -Emulator $Emulator).instances | Where-Object instanceId -eq $Id
}

function New-AwsToolsSessionStandIn {
    <#
        An object shaped like AWS.Tools' Amazon.PowerShell.Common.AWSPSCredentials, which Set-AWSCredential stores in
        $StoredAWSCredentials: the real AWSCredentials sit in the NON-PUBLIC instance property Credentials, with Name and
        Source beside it.
    #>
    param([Parameter(Mandatory)] $Credentials, [string] $Name = 'pester-session')
    if (-not ('Ec2CapacityPester.AWSPSCredentials' -as [type])) {
        Add-Type -TypeDefinition @'
namespace Ec2CapacityPester
{
    public sealed class AWSPSCredentials
    {
        public AWSPSCredentials(object credentials, string name)
        {
            Credentials = credentials;
            Name = name;
            Source = "Session";
        }

        private object Credentials { get; set; }
        public string Name { get; private set; }
        public string Source { get; private set; }
    }
}
'@
    }
    New-Object -TypeName 'Ec2CapacityPester.AWSPSCredentials' -ArgumentList $Credentials, $Name
}

function Invoke-Quietly {
    <#
        Runs a script block and returns @{ Output; Errors } with every non-terminating error collected (not shown).
        The script block must pass -ErrorVariable +errs -ErrorAction SilentlyContinue itself where it wants them.
    #>
    param([Parameter(Mandatory)] [scriptblock] $ScriptBlock)
    $errs = @()
    $output = @(& $ScriptBlock 2>&1 | ForEach-Object {
            if ($_ -is [System.Management.Automation.ErrorRecord]) { $errs += $_ } else { $_ }
        })
    [pscustomobject]@{ Output = $output; Errors = $errs }
}
