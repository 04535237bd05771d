#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# The last credential source is the EC2 instance profile. Resolution only asks instance metadata whether a profile is
# attached (iam/info); its credentials are fetched by the SDK when a request needs them, never just to prove they
# exist. A loopback stand-in for the instance metadata service (AWS_EC2_METADATA_SERVICE_ENDPOINT) answers IMDSv2.
Describe 'EC2 instance profile credentials' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $seed = Get-DemoSeedInfo
        if (-not ('Ec2CapacityTests.ImdsStandIn' -as [type])) {
            Add-Type -TypeDefinition @'
using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;

namespace Ec2CapacityTests
{
    public sealed class ImdsStandIn : IDisposable
    {
        private readonly HttpListener _listener = new HttpListener();
        private readonly string _credentials;
        public ConcurrentQueue<string> Paths { get; } = new ConcurrentQueue<string>();
        public string Url { get; }

        public ImdsStandIn(string accessKey, string secretKey, string token)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = "http://127.0.0.1:" + port + "/";
            _credentials = "{\"Code\":\"Success\",\"LastUpdated\":\"2026-12-01T00:00:00Z\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"" + accessKey
                + "\",\"SecretAccessKey\":\"" + secretKey + "\",\"Token\":\"" + token + "\",\"Expiration\":\"2099-01-01T00:00:00Z\"}";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            Task.Run(Serve);
        }

        private async Task Serve()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); } catch { return; }
                var path = context.Request.Url.AbsolutePath;
                Paths.Enqueue(context.Request.HttpMethod + " " + path);
                string body = null;
                if (path == "/latest/api/token") body = "stand-in-token";
                else if (path == "/latest/meta-data/iam/info") body = "{\"Code\":\"Success\",\"LastUpdated\":\"2026-12-01T00:00:00Z\",\"InstanceProfileArn\":\"arn:aws:iam::123456789012:instance-profile/test\",\"InstanceProfileId\":\"AIPAEXAMPLEEXAMPLE1\"}";
                else if (path == "/latest/meta-data/iam/security-credentials/" || path == "/latest/meta-data/iam/security-credentials") body = "test-role";
                else if (path == "/latest/meta-data/iam/security-credentials/test-role") body = _credentials;
                context.Response.StatusCode = body == null ? 404 : 200;
                var bytes = Encoding.UTF8.GetBytes(body ?? "not found");
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes, 0, bytes.Length);
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            try { _listener.Stop(); _listener.Close(); } catch { }
        }
    }
}
'@
        }
        $imds = [Ec2CapacityTests.ImdsStandIn]::new($seed.SessionAccessKeyId, $seed.SessionSecretAccessKey, $seed.SessionToken)
        # Before the SDK's first use in this process: it reads the endpoint once. No other source may hold credentials.
        $env:AWS_EC2_METADATA_SERVICE_ENDPOINT = $imds.Url.TrimEnd('/')   # the SDK appends /latest/...
        $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $TestDrive 'no-credentials'
        $env:AWS_CONFIG_FILE = Join-Path $TestDrive 'no-config'
        Import-Ec2Capacity
        $emulator = Start-TestEmulator
        $endpoint = @{ EndpointUrl = $emulator.Url; Region = 'us-east-1' }

        function Get-ImdsPaths { @($imds.Paths.ToArray()) }
        function Clear-ImdsPaths { $null = $imds.Paths.Clear() }
    }

    AfterAll {
        Stop-TestEmulator -Emulator $emulator
        $imds.Dispose()
        Remove-Item Env:AWS_EC2_METADATA_SERVICE_ENDPOINT, Env:AWS_SHARED_CREDENTIALS_FILE, Env:AWS_CONFIG_FILE -ErrorAction SilentlyContinue
    }

    It 'resolution asks only whether a profile is attached, and fetches no credentials when nothing is sent' {
        Clear-ImdsPaths
        $result = Invoke-Quietly { Get-CapacityReservationUsage 'cr-123' @endpoint }
        $result.Errors.Count | Should -Be 1
        $result.Errors[0].FullyQualifiedErrorId | Should -BeLike 'MalformedId,*'
        $paths = Get-ImdsPaths
        $paths | Should -Contain 'GET /latest/meta-data/iam/info'
        # The SDK's InstanceProfileAWSCredentials looks its role name up when it is made (security-credentials/);
        # the credentials themselves (security-credentials/<role>) wait for a request.
        $paths | Should -Not -Contain 'GET /latest/meta-data/iam/security-credentials/test-role'
    }

    It 'a request signs with the instance profile''s credentials, fetched when it needs them' {
        Clear-ImdsPaths
        $verbose = @(Get-CapacityReservationUsage $seed.Source @endpoint -Verbose 4>&1)
        ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String) | Should -BeLike '*EC2 instance profile*'
        ($verbose | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).TotalInstanceCount | Should -Be 10
        Get-ImdsPaths | Should -Contain 'GET /latest/meta-data/iam/security-credentials/test-role'
        (Get-EmulatorJournal -Emulator $emulator | Select-Object -Last 1).accessKeyId | Should -Be $seed.SessionAccessKeyId
    }
}
