namespace Ec2Capacity.Engine
{
    /// <summary>
    /// What a user can do about a failure: the RecommendedAction of the cmdlets' ErrorRecords.
    /// </summary>
    public static class ErrorAdvice
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
            }
            switch (failure.Category)
            {
                case FailureCategory.PermissionDenied:
                    return "The credentials in use lack the IAM permission for this EC2 action. Ask for it, or use other credentials (-ProfileName, -Credential). Run with -WhatIf to check permissions without changing anything.";
                case FailureCategory.AuthenticationError:
                    return "EC2 rejected the credentials. Check the access key, secret key and session token (expired?), the profile (-ProfileName), or the stored session (Set-AWSCredential). Run with -Verbose to see which credentials were used.";
                case FailureCategory.ObjectNotFound:
                    return "Check the ID and the region (-Region): EC2 looks only in the region the request went to.";
                case FailureCategory.InvalidArgument:
                    return "Correct the value named in the message and run the command again.";
                case FailureCategory.InvalidOperation:
                    return "The resource is not in a state that allows this action now. Check it with Get-CapacityReservationUsage (or Get-EC2Instance) and try again when it is.";
                case FailureCategory.LimitsExceeded:
                    return "An EC2 limit was reached. Wait and retry, or lower the count.";
                case FailureCategory.ResourceUnavailable:
                    return "EC2 could not serve the request now. Retry later; the request can be repeated safely.";
                case FailureCategory.ConnectionError:
                    return "Check the network path to EC2 (proxy, firewall, -EndpointUrl) and retry.";
                case FailureCategory.OperationTimeout:
                    return "The operation did not finish in time. Check the current state with Get-CapacityReservationUsage; run again with a larger -WaitTimeoutSeconds to keep waiting.";
            }
            return null;
        }
    }
}
