using System.Management.Automation;

namespace Ec2Capacity
{
    /// <summary>
    /// What a user can do about a failure: the RecommendedAction of the cmdlets' ErrorRecords. Each EC2 code we know gets
    /// advice that fits it; EC2 uses IncorrectState for several situations, told apart by its message. An unknown code
    /// gets advice only where its category alone says what to do (permissions, credentials, network), else none.
    /// </summary>
    internal static class ErrorAdvice
    {
        /// <summary>A short recommendation for an ErrorRecord, or null when there is nothing useful to say.</summary>
        public static string RecommendedAction(Ec2Failure failure)
        {
            if (failure == null) return null;
            switch (failure.ErrorCode)
            {
                case "InvalidCapacityReservationId.NotFound":
                    return "Check the Capacity Reservation ID and the region (-Region, $StoredAWSRegion): the reservation must exist in the region the request went to.";
                case "InvalidInstanceID.NotFound":
                    return "Check the instance ID and the region (-Region, $StoredAWSRegion): the instance must exist in the region the request went to.";
                case "IdempotentParameterMismatch":
                    return "A -ClientToken can only be reused with the same parameters. Use a new token (or none) for a different request.";
                case "RequestLimitExceeded":
                    return "EC2 throttled the requests even after retries. Wait a little and run again, or send fewer requests at once (a larger -BatchSize for credit changes).";
                case "OutcomeUnknown":
                    return "The change may or may not have been applied: an attempt's answer was lost and the state could not confirm it. Check the current state with Get-CapacityReservationUsage before running the command again.";
                case "NothingToUpdate":
                    return "Give -TargetInstanceCount, -ZeroSizePreference, or both.";
                case "IncorrectState":
                    return IncorrectState(failure.Message ?? string.Empty);
                case "InstanceCreditSpecification.NotSupported":
                    return "Only burstable instances (T2, T3, T3a, T4g) have a CPU credit option, and T2 has no unlimited mode on some platforms; leave this instance out.";
                case "IncorrectInstanceState":
                    return "The instance is terminated or shutting down, so its credit option cannot change; leave it out.";
                case "UnsupportedOperation":
                    return "A Capacity Block cannot be modified, lent or cancelled; choose another reservation.";
                case "OperationNotPermitted":
                    return "An interruptible reservation is taken back through its source: Update-InterruptibleCapacityAllocation <source ID> -TargetInstanceCount 0.";
                case "InvalidInstanceCreditSpecification.DuplicateInstanceId":
                    return "Give each instance once per request.";
            }
            switch (failure.Category)
            {
                case ErrorCategory.PermissionDenied:
                    return "The credentials in use lack the IAM permission for this EC2 action. Ask for it, or use other credentials (-ProfileName, -Credential). Run with -WhatIf to check permissions without changing anything.";
                case ErrorCategory.AuthenticationError:
                    return "EC2 rejected the credentials. Check the access key, secret key and session token (expired?), the profile (-ProfileName), or the stored session (Set-AWSCredential). Run with -Verbose to see which credentials were used.";
                case ErrorCategory.ObjectNotFound:
                    return "Check the ID and the region (-Region): EC2 looks only in the region the request went to.";
                case ErrorCategory.InvalidArgument:
                    return "Correct the value named in the message and run the command again.";
                case ErrorCategory.LimitsExceeded:
                    return "An EC2 limit was reached. Wait and retry, or lower the count.";
                case ErrorCategory.ResourceUnavailable:
                    return "EC2 could not serve the request now. Retry later; the request can be repeated safely.";
                case ErrorCategory.ConnectionError:
                    return "Check the network path to EC2 (proxy, firewall, -EndpointUrl) and retry.";
                case ErrorCategory.OperationTimeout:
                    return "The operation did not finish in time. Check the current state with Get-CapacityReservationUsage; run again with a larger -WaitTimeoutSeconds to keep waiting.";
            }
            return null;
        }

        /// <summary>What to do about a connection failure (a <see cref="ConnectionErrorIds"/> value); none for one we cannot advise on.</summary>
        public static string ForConnectionFailure(string errorId)
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

        private static string IncorrectState(string message)
        {
            bool Says(string words) => message.IndexOf(words, System.StringComparison.OrdinalIgnoreCase) >= 0;
            if (Says("cancellation quote") || Says("QuoteId"))
                return "This reservation has a commitment: get a cancellation quote, then pass -QuoteId <crcq-…> and -ApplyCancellationCharge commitment-wind-down.";
            if (Says("is already"))
                return "Nothing to do: the reservation is already in that state (Get-CapacityReservationUsage shows it).";
            if (Says("end date"))
                return "Only a reservation without an end date can lend capacity; lend from another source reservation.";
            if (Says("no interruptible capacity allocation"))
                return "This reservation lends nothing: create an allocation with New-InterruptibleCapacityAllocation.";
            if (Says("was canceled") || Says("has failed"))
                return "This allocation is over: create a new one with New-InterruptibleCapacityAllocation.";
            if (Says("being canceled") || Says("pending") || Says("assessing") || Says("delayed"))
                return "The reservation or allocation is changing state: wait until Get-CapacityReservationUsage shows it settled, then run again.";
            if (Says("needs an active source") || Says("in state"))
                return "Only an active reservation allows this; check its state with Get-CapacityReservationUsage.";
            return null;
        }
    }
}
