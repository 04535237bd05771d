using System;
using System.Management.Automation;
using Ec2Capacity.Engine;

namespace Ec2Capacity
{
    /// <summary>Turns the engine's failures into PowerShell ErrorRecords. No decisions here: the engine classifies.</summary>
    internal static class ErrorRecords
    {
        /// <summary>
        /// A non-terminating record for one target: ErrorId = EC2's code, category = the FailureCategory of the same
        /// name, TargetObject = the ID, message = EC2's message with code and request ID, RecommendedAction from the engine.
        /// </summary>
        public static ErrorRecord FromFailure(Ec2Failure failure, object targetObject = null, Exception exception = null)
        {
            if (failure == null) throw new ArgumentNullException(nameof(failure));
            var record = new ErrorRecord(
                exception ?? new Ec2OperationException(failure),
                failure.ErrorCode,
                ToCategory(failure.Category),
                targetObject ?? failure.TargetId);
            record.ErrorDetails = new ErrorDetails(failure.ToString())
            {
                RecommendedAction = ErrorAdvice.RecommendedAction(failure),
            };
            return record;
        }

        /// <summary>The terminating record for a connection that could not be resolved (no credentials, no region, missing profile …).</summary>
        public static ErrorRecord FromConnectionFailure(ConnectionResolutionException exception, object targetObject = null)
        {
            var record = new ErrorRecord(exception, exception.ErrorId ?? "ConnectionResolutionFailed",
                ToCategory(ConnectionErrorIds.CategoryOf(exception.ErrorId)), targetObject);
            record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = ConnectionAdvice(exception.ErrorId) };
            return record;
        }

        /// <summary>What to do about each connection failure; none for one we cannot advise on, rather than a wrong one.</summary>
        private static string ConnectionAdvice(string errorId)
        {
            switch (errorId)
            {
                case ConnectionErrorIds.NoCredentials:
                    return "Pass credentials (-ProfileName, -AccessKey and -SecretKey, or -Credential), or set them for the session with Set-AWSCredential (AWS.Tools). See Get-Help about_Ec2Capacity.";
                case ConnectionErrorIds.NoRegion:
                    return "Pass -Region, or set a region for the session with Set-DefaultAWSRegion (AWS.Tools), AWS_REGION, or the profile's region.";
                case ConnectionErrorIds.InvalidRegion:
                    return "Use a region's system name, such as us-east-1 or eu-west-1.";
                case ConnectionErrorIds.IncompleteKeys:
                    return "Pass -AccessKey and -SecretKey together, and -SessionToken only with both.";
                case ConnectionErrorIds.InvalidEndpointUrl:
                    return "Give -EndpointUrl as an absolute http or https URL, such as https://ec2.eu-west-1.amazonaws.com.";
                case ConnectionErrorIds.ProfileNotFound:
                    return "Check the profile name and -ProfileLocation; the profiles are in the shared credentials and config files.";
                case ConnectionErrorIds.InvalidProfile:
                    return "Give the profile both aws_access_key_id and aws_secret_access_key, or a role, SSO or credential_process setting.";
                case ConnectionErrorIds.ProfileCredentialsUnavailable:
                    return "Check the profile's role, SSO or credential_process settings; for SSO, sign in again.";
                case ConnectionErrorIds.InvalidCredential:
                    return "Pass AWS credentials to -Credential: the output of New-AWSCredential or Get-AWSCredential, or an Amazon.Runtime.AWSCredentials.";
                case ConnectionErrorIds.InvalidCredentialText:
                    return "Set the key or token again, without line breaks, quotes or typographic characters.";
                default:
                    return null;
            }
        }

        /// <summary>FailureCategory and ErrorCategory share member names by design; an unknown name maps to NotSpecified.</summary>
        public static ErrorCategory ToCategory(FailureCategory category) =>
            Enum.TryParse(category.ToString(), ignoreCase: false, out ErrorCategory result) ? result : ErrorCategory.NotSpecified;
    }
}
