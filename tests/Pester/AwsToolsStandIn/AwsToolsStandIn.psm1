# Test-only: a module that brings its own AWSSDK.Core into the session's default load context, as AWS.Tools does, with
# commands that really use it. Import-Module <this> -ArgumentList <path of an AWSSDK.Core.dll>.
param([Parameter(Mandatory)] [string] $AwsSdkCorePath)

Add-Type -LiteralPath $AwsSdkCorePath
Add-Type -ReferencedAssemblies $AwsSdkCorePath, 'netstandard' -IgnoreWarnings -WarningAction SilentlyContinue -TypeDefinition @'
namespace AwsToolsStandIn
{
    // Shaped like AWS.Tools' Amazon.PowerShell.Common.AWSPSCredentials: the credentials sit in a NON-PUBLIC property.
    public sealed class AWSPSCredentials
    {
        public AWSPSCredentials(Amazon.Runtime.AWSCredentials credentials, string name) { Credentials = credentials; Name = name; Source = "Session"; }
        private Amazon.Runtime.AWSCredentials Credentials { get; set; }
        public string Name { get; private set; }
        public string Source { get; private set; }
    }

    // Refreshing credentials (assume-role, SSO): the keys change when Rotate() is called, as they do when a role's
    // session is renewed; whoever copied them once keeps signing with the old ones.
    public sealed class RotatingCredentials : Amazon.Runtime.AWSCredentials
    {
        private readonly string[][] _keys;
        private int _current;
        public RotatingCredentials(string[][] keys) { _keys = keys; }
        public int Calls { get; private set; }
        public void Rotate() { _current = System.Math.Min(_current + 1, _keys.Length - 1); }
        public override Amazon.Runtime.ImmutableCredentials GetCredentials()
        {
            Calls++;
            return new Amazon.Runtime.ImmutableCredentials(_keys[_current][0], _keys[_current][1], null);
        }
    }
}
'@

function New-StandInCredential {
    param([Parameter(Mandatory)] [string] $AccessKey, [Parameter(Mandatory)] [string] $SecretKey)
    [Amazon.Runtime.BasicAWSCredentials]::new($AccessKey, $SecretKey)
}

function New-StandInRotatingCredential {
    param([Parameter(Mandatory)] [string[][]] $Keys)
    [AwsToolsStandIn.RotatingCredentials]::new($Keys)
}

function Set-StandInSessionCredential {
    <# Like Set-AWSCredential: the session credentials in $StoredAWSCredentials. #>
    param([Parameter(Mandatory)] $Credential, [string] $Name = 'stand-in')
    $global:StoredAWSCredentials = [AwsToolsStandIn.AWSPSCredentials]::new($Credential, $Name)
}

function Get-StandInAwsSdkCore {
    <# Which AWSSDK.Core this module runs on, and that it works: builds credentials and reads them back. #>
    $assembly = [Amazon.Runtime.AWSCredentials].Assembly
    $keys = ([Amazon.Runtime.BasicAWSCredentials]::new('AKIDSTANDIN', 'standInSecret')).GetCredentials()
    [pscustomobject]@{
        Location    = $assembly.Location
        FileVersion = [System.Diagnostics.FileVersionInfo]::GetVersionInfo($assembly.Location).FileVersion
        LoadContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).Name
        Works       = $keys.AccessKey -eq 'AKIDSTANDIN'
    }
}

Export-ModuleMember -Function *
