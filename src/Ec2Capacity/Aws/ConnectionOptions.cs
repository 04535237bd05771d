namespace Ec2Capacity
{
    /// <summary>
    /// What a cmdlet knows about where to connect: its common AWS parameters plus the raw values of AWS.Tools'
    /// session variables. Everything is optional; <see cref="ConnectionResolver"/> decides what wins.
    /// </summary>
    internal sealed class ConnectionOptions
    {
        /// <summary>-Region: the region's system name (us-east-1 …).</summary>
        public string Region { get; set; }
        /// <summary>-ProfileName: a profile in the shared credentials/config files (or, on Windows, the SDK store).</summary>
        public string ProfileName { get; set; }
        /// <summary>-ProfileLocation: the shared credentials file to read profiles from.</summary>
        public string ProfileLocation { get; set; }
        /// <summary>-AccessKey: an access key ID; needs <see cref="SecretKey"/>.</summary>
        public string AccessKey { get; set; }
        /// <summary>-SecretKey: the secret access key; needs <see cref="AccessKey"/>. Never echoed anywhere.</summary>
        public string SecretKey { get; set; }
        /// <summary>-SessionToken: the token of temporary credentials; needs both keys. Never echoed anywhere.</summary>
        public string SessionToken { get; set; }
        /// <summary>-Credential: an <c>Amazon.Runtime.AWSCredentials</c>, or an AWS.Tools <c>AWSPSCredentials</c> (or a PSObject around one).</summary>
        public object Credential { get; set; }
        /// <summary>-EndpointUrl: an absolute http(s) URL to send requests to instead of EC2's regional endpoint.</summary>
        public string EndpointUrl { get; set; }
        /// <summary>The raw value of <c>$StoredAWSCredentials</c> (set by AWS.Tools' Set-AWSCredential), or null.</summary>
        public object StoredCredentials { get; set; }
        /// <summary>The raw value of <c>$StoredAWSRegion</c> (set by AWS.Tools' Set-DefaultAWSRegion), or null.</summary>
        public object StoredRegion { get; set; }
    }
}
