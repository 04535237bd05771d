# The cmdlet contract that Module.Tests.ps1 checks in PowerShell. A parameter has no position, pipeline binding, alias,
# validation or mandatory flag unless given here; Common lists the AWS parameters every cmdlet shares.
@{
    Common = @(
        @{ Name = 'Region'; Type = 'System.String'; ByPropertyName = $true; Aliases = @('RegionToCall'); Completer = $true }
        @{ Name = 'ProfileName'; Type = 'System.String'; Aliases = @('StoredCredentials', 'AWSProfileName'); Completer = $true }
        @{ Name = 'ProfileLocation'; Type = 'System.String'; Aliases = @('AWSProfilesLocation', 'ProfilesLocation') }
        @{ Name = 'AccessKey'; Type = 'System.String'; Aliases = @('AK') }
        @{ Name = 'SecretKey'; Type = 'System.String'; Aliases = @('SK', 'SecretAccessKey') }
        @{ Name = 'SessionToken'; Type = 'System.String'; Aliases = @('ST') }
        @{ Name = 'Credential'; Type = 'System.Object' }
        @{ Name = 'EndpointUrl'; Type = 'System.String' }
        # Hidden: binds our own piped objects, so that their counts are never taken as a change (issue 13, case 1).
        @{ Name = 'PipedOutput'; Type = 'System.Object'; ByValue = $true; Hidden = $true }
    )
    Cmdlets = @(
        @{ Name = 'Get-CapacityReservationUsage'; ConfirmImpact = 'Low'; OutputType = 'Ec2Capacity.CapacityReservationUsage'
            Parameters = @(
                @{ Name = 'CapacityReservationId'; Type = 'System.String[]'; Mandatory = $true; Position = 0; ByValue = $true; ByPropertyName = $true; Completer = $true }
                @{ Name = 'PageSize'; Type = 'System.Int32'; Aliases = @('MaxResults'); Range = @(1, 1000) }
                @{ Name = 'ThrottleLimit'; Type = 'System.Int32'; Range = @(1, 64) }
            )
        }
        @{ Name = 'New-InterruptibleCapacityAllocation'; ConfirmImpact = 'Medium'; OutputType = 'Ec2Capacity.InterruptibleCapacityAllocation'
            Parameters = @(
                @{ Name = 'CapacityReservationId'; Type = 'System.String'; Mandatory = $true; Position = 0; ByValue = $true; ByPropertyName = $true; Aliases = @('SourceCapacityReservationId'); Completer = $true }
                @{ Name = 'InstanceCount'; Type = 'System.Int32'; Mandatory = $true; Position = 1; ByPropertyName = $true; Range = @(1, 1000) }
                @{ Name = 'Tag'; Type = 'System.Collections.Hashtable' }
                @{ Name = 'ZeroSizePreference'; Type = 'System.String'; ValidateSet = @('default', 'retain') }
                @{ Name = 'ClientToken'; Type = 'System.String' }
                @{ Name = 'Wait'; Type = 'System.Management.Automation.SwitchParameter' }
                @{ Name = 'WaitTimeoutSeconds'; Type = 'System.Int32'; Range = @(1, 86400) }
                @{ Name = 'ThrottleLimit'; Type = 'System.Int32'; Range = @(1, 64) }
            )
        }
        @{ Name = 'Update-InterruptibleCapacityAllocation'; ConfirmImpact = 'Medium'; OutputType = 'Ec2Capacity.InterruptibleCapacityAllocation'
            Parameters = @(
                @{ Name = 'CapacityReservationId'; Type = 'System.String'; Mandatory = $true; Position = 0; ByValue = $true; ByPropertyName = $true; Aliases = @('SourceCapacityReservationId'); Completer = $true }
                @{ Name = 'TargetInstanceCount'; Type = 'System.Int32?'; Position = 1; ByPropertyName = $true; Range = @(0, 1000); MandatoryIn = @('Target') }
                @{ Name = 'ZeroSizePreference'; Type = 'System.String'; ValidateSet = @('default', 'retain'); MandatoryIn = @('Preference') }
                @{ Name = 'Wait'; Type = 'System.Management.Automation.SwitchParameter' }
                @{ Name = 'WaitTimeoutSeconds'; Type = 'System.Int32'; Range = @(1, 86400) }
                @{ Name = 'Force'; Type = 'System.Management.Automation.SwitchParameter' }
                @{ Name = 'ThrottleLimit'; Type = 'System.Int32'; Range = @(1, 64) }
            )
        }
        @{ Name = 'Stop-CapacityReservation'; ConfirmImpact = 'Medium'; OutputType = 'Ec2Capacity.CapacityReservationCancellation'
            Parameters = @(
                @{ Name = 'CapacityReservationId'; Type = 'System.String[]'; Mandatory = $true; Position = 0; ByValue = $true; ByPropertyName = $true; Completer = $true }
                @{ Name = 'QuoteId'; Type = 'System.String'; Mandatory = $true }
                @{ Name = 'ApplyCancellationCharge'; Type = 'System.String'; Mandatory = $true; ValidateSet = @('commitment-wind-down') }
                @{ Name = 'Force'; Type = 'System.Management.Automation.SwitchParameter' }
                @{ Name = 'PassThru'; Type = 'System.Management.Automation.SwitchParameter' }
                @{ Name = 'ThrottleLimit'; Type = 'System.Int32'; Range = @(1, 64) }
            )
        }
        @{ Name = 'Set-InstanceCreditSpecification'; ConfirmImpact = 'Medium'; OutputType = 'Ec2Capacity.InstanceCreditSpecificationResult'
            Parameters = @(
                @{ Name = 'InstanceId'; Type = 'System.String[]'; Mandatory = $true; Position = 0; ByValue = $true; ByPropertyName = $true; Completer = $true }
                # Mandatory unless the piped object carries it: Mandatory + ValueFromPipelineByPropertyName.
                @{ Name = 'CpuCredits'; Type = 'System.String'; Mandatory = $true; ByPropertyName = $true; ValidateSet = @('standard', 'unlimited') }
                @{ Name = 'ClientToken'; Type = 'System.String' }
                @{ Name = 'BatchSize'; Type = 'System.Int32'; Range = @(1, 1000) }
                @{ Name = 'PassThru'; Type = 'System.Management.Automation.SwitchParameter' }
                @{ Name = 'ThrottleLimit'; Type = 'System.Int32'; Range = @(1, 64) }
            )
        }
    )
}
