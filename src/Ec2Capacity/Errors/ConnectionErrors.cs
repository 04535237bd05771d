using System.Management.Automation;

namespace Ec2Capacity
{
    /// <summary>The <see cref="ConnectionResolutionException.ErrorId"/> values the resolver uses, and the category each maps to.</summary>
    internal static class ConnectionErrorIds
    {
        /// <summary>No source had credentials.</summary>
        public const string NoCredentials = "NoCredentials";
        /// <summary>No source had a region.</summary>
        public const string NoRegion = "NoRegion";
        /// <summary>-ProfileName (or AWS_PROFILE) names a profile that does not exist.</summary>
        public const string ProfileNotFound = "ProfileNotFound";
        /// <summary>The profile exists but holds no credentials, or only half a key pair.</summary>
        public const string InvalidProfile = "InvalidProfile";
        /// <summary>A role, SSO or process profile whose credentials AWSSDK.Core could not build.</summary>
        public const string ProfileCredentialsUnavailable = "ProfileCredentialsUnavailable";
        /// <summary>-AccessKey without -SecretKey, the reverse, or -SessionToken without both.</summary>
        public const string IncompleteKeys = "IncompleteKeys";
        /// <summary>A key or token holds a control or non-ASCII character (it would go into an HTTP header as it is).</summary>
        public const string InvalidCredentialText = "InvalidCredentialText";
        /// <summary>-Credential or $StoredAWSCredentials holds something that is not AWS credentials.</summary>
        public const string InvalidCredential = "InvalidCredential";
        /// <summary>A region text that is not a region's system name.</summary>
        public const string InvalidRegion = "InvalidRegion";
        /// <summary>-EndpointUrl is not an absolute http(s) URL.</summary>
        public const string InvalidEndpointUrl = "InvalidEndpointUrl";

        /// <summary>The category a cmdlet gives the terminating ErrorRecord for a resolution failure.</summary>
        public static ErrorCategory CategoryOf(string errorId)
        {
            switch (errorId)
            {
                case NoCredentials:
                case ProfileCredentialsUnavailable:
                    return ErrorCategory.AuthenticationError;
                case ProfileNotFound:
                    return ErrorCategory.ObjectNotFound;
                case NoRegion:
                case InvalidProfile:
                case IncompleteKeys:
                case InvalidCredential:
                case InvalidRegion:
                case InvalidEndpointUrl:
                    return ErrorCategory.InvalidArgument;
                default:
                    return ErrorCategory.NotSpecified;
            }
        }
    }
}
