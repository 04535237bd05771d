using System.Collections.Generic;
using System.Linq;

namespace Ec2Capacity.Contract.Tests
{
    /// <summary>
    /// THE cmdlet contract, in one place, taken from the issue texts (issue 2: walking skeleton + common parameters,
    /// issue 3: New-/Update-InterruptibleCapacityAllocation, issue 4: Stop-CapacityReservation and
    /// Set-InstanceCreditSpecification) and docs/design.md / the AWS.Tools conventions notes for the shared parameters.
    /// A parameter the issue does not give a position, pipeline binding, alias or mandatory flag has none.
    /// Where the issue leaves a type open (e.g. "-WaitTimeoutSeconds"), the accepted types are listed.
    /// </summary>
    internal static class CmdletContract
    {
        public const string String = "System.String";
        public const string StringArray = "System.String[]";
        public const string Int = "System.Int32";
        public const string NullableInt = "System.Int32?";
        public const string Switch = "System.Management.Automation.SwitchParameter";
        public const string Hashtable = "System.Collections.Hashtable";
        public const string AwsCredentials = "Amazon.Runtime.AWSCredentials";

        /// <summary>ConfirmImpact values: None 0, Low 1, Medium 2, High 3.</summary>
        public const int None = 0, Low = 1, Medium = 2, High = 3;

        /// <summary>
        /// Shared AWS parameters (issue 2 "Common parameters on a base class"; aliases from aws-tools-conventions.md):
        /// -Region binds by property name (our objects carry their region along a pipeline) and tab-completes;
        /// none of the credential/endpoint parameters binds from the pipeline. None is mandatory or positional.
        /// </summary>
        public static readonly ExpectedParameter[] Common =
        {
            new ExpectedParameter("Region", String) { ByPropertyName = true, Aliases = new[] { "RegionToCall" }, ArgumentCompleter = true },
            new ExpectedParameter("ProfileName", String) { Aliases = new[] { "StoredCredentials", "AWSProfileName" } },
            new ExpectedParameter("ProfileLocation", String) { Aliases = new[] { "AWSProfilesLocation", "ProfilesLocation" } },
            new ExpectedParameter("AccessKey", String) { Aliases = new[] { "AK" } },
            new ExpectedParameter("SecretKey", String) { Aliases = new[] { "SK", "SecretAccessKey" } },
            new ExpectedParameter("SessionToken", String) { Aliases = new[] { "ST" } },
            new ExpectedParameter("Credential", AwsCredentials),
            new ExpectedParameter("EndpointUrl", String),
        };

        public static readonly ExpectedCmdlet[] Cmdlets =
        {
            // Issue 2. -WhatIf maps to DryRun on every cmdlet, so even Get supports ShouldProcess; it must never prompt
            // under the default $ConfirmPreference, hence ConfirmImpact at most Low.
            new ExpectedCmdlet("Get", "CapacityReservationUsage", maxConfirmImpact: Low, minConfirmImpact: None,
                outputType: "Ec2Capacity.CapacityReservationUsage",
                new ExpectedParameter("CapacityReservationId", StringArray) { Mandatory = true, Position = 0, ByValue = true, ByPropertyName = true },
                new ExpectedParameter("PageSize", Int, NullableInt) { Aliases = new[] { "MaxResults" }, Range = (1, 1000), RangeRequired = true }),

            // Issue 3.
            new ExpectedCmdlet("New", "InterruptibleCapacityAllocation", Medium, Medium,
                "Ec2Capacity.InterruptibleCapacityAllocation",
                new ExpectedParameter("CapacityReservationId", String, StringArray)
                    { Mandatory = true, Position = 0, ByValue = true, ByPropertyName = true, Aliases = new[] { "SourceCapacityReservationId" } },
                new ExpectedParameter("InstanceCount", Int) { Mandatory = true, Position = 1, ByPropertyName = true, Range = (1, 1000) },
                new ExpectedParameter("Tag", Hashtable),
                new ExpectedParameter("ZeroSizePreference", String) { ValidateSet = new[] { "default", "retain" } },
                new ExpectedParameter("ClientToken", String),
                new ExpectedParameter("Wait", Switch),
                new ExpectedParameter("WaitTimeoutSeconds", Int) { Range = (1, null) }),

            new ExpectedCmdlet("Update", "InterruptibleCapacityAllocation", High, High,
                "Ec2Capacity.InterruptibleCapacityAllocation",
                new ExpectedParameter("CapacityReservationId", String, StringArray)
                    { Mandatory = true, Position = 0, ByValue = true, ByPropertyName = true, Aliases = new[] { "SourceCapacityReservationId" } },
                // Not mandatory: an update may set only -ZeroSizePreference.
                new ExpectedParameter("TargetInstanceCount", Int, NullableInt) { Position = 1, ByPropertyName = true, Range = (0, 1000) },
                new ExpectedParameter("ZeroSizePreference", String) { ValidateSet = new[] { "default", "retain" } },
                new ExpectedParameter("Wait", Switch),
                new ExpectedParameter("WaitTimeoutSeconds", Int) { Range = (1, null) },
                new ExpectedParameter("Force", Switch)),

            // Issue 4.
            new ExpectedCmdlet("Stop", "CapacityReservation", High, High,
                "Ec2Capacity.CapacityReservationCancellation",
                new ExpectedParameter("CapacityReservationId", StringArray) { Mandatory = true, Position = 0, ByValue = true, ByPropertyName = true },
                new ExpectedParameter("QuoteId", String),
                new ExpectedParameter("ApplyCancellationCharge", String) { ValidateSet = new[] { "commitment-wind-down" } },
                new ExpectedParameter("Force", Switch),
                new ExpectedParameter("PassThru", Switch)),

            new ExpectedCmdlet("Set", "InstanceCreditSpecification", Medium, Medium,
                "Ec2Capacity.InstanceCreditSpecificationResult",
                new ExpectedParameter("InstanceId", StringArray) { Mandatory = true, Position = 0, ByValue = true, ByPropertyName = true },
                // "mandatory unless it binds from the pipeline object": Mandatory + ValueFromPipelineByPropertyName.
                new ExpectedParameter("CpuCredits", String) { Mandatory = true, ByPropertyName = true, ValidateSet = new[] { "standard", "unlimited" } },
                new ExpectedParameter("ClientToken", String),
                new ExpectedParameter("BatchSize", Int) { Range = (1, 1000) },
                new ExpectedParameter("PassThru", Switch)),
        };

        public static ExpectedCmdlet Find(string name) => Cmdlets.Single(c => c.Name == name);
    }

    internal sealed class ExpectedCmdlet
    {
        public ExpectedCmdlet(string verb, string noun, int maxConfirmImpact, int minConfirmImpact, string outputType, params ExpectedParameter[] own)
        {
            Verb = verb;
            Noun = noun;
            MaxConfirmImpact = maxConfirmImpact;
            MinConfirmImpact = minConfirmImpact;
            OutputType = outputType;
            OwnParameters = own;
        }

        public string Verb { get; }
        public string Noun { get; }
        public string Name => Verb + "-" + Noun;
        /// <summary>Every cmdlet supports ShouldProcess: -WhatIf is EC2 DryRun everywhere (issue 2).</summary>
        public bool SupportsShouldProcess => true;
        public int MinConfirmImpact { get; }
        public int MaxConfirmImpact { get; }
        public string OutputType { get; }
        public IReadOnlyList<ExpectedParameter> OwnParameters { get; }
        public IEnumerable<ExpectedParameter> AllParameters => OwnParameters.Concat(CmdletContract.Common);
        public override string ToString() => Name;
    }

    internal sealed class ExpectedParameter
    {
        public ExpectedParameter(string name, params string[] acceptedTypes)
        {
            Name = name;
            AcceptedTypes = acceptedTypes;
        }

        public string Name { get; }
        public IReadOnlyList<string> AcceptedTypes { get; }
        public bool Mandatory { get; set; }
        /// <summary>Null: named only.</summary>
        public int? Position { get; set; }
        public bool ByValue { get; set; }
        public bool ByPropertyName { get; set; }
        public string[] Aliases { get; set; } = new string[0];
        /// <summary>Null: the parameter must not carry [ValidateSet].</summary>
        public string[] ValidateSet { get; set; }
        /// <summary>
        /// Null: no [ValidateRange] allowed. Otherwise the range the issue gives (null bound: any). The engine validates
        /// ranges too, so [ValidateRange] is only required where the cmdlet spec itself states the range
        /// (<see cref="RangeRequired"/>); when present it must agree with the issue.
        /// </summary>
        public (long? Min, long? Max)? Range { get; set; }
        public bool RangeRequired { get; set; }
        public bool ArgumentCompleter { get; set; }
    }
}
