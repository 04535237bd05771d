using System.Management.Automation;
using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace Ec2Capacity.Tests
{
    /// <summary>
    /// The rules behind the cmdlets' parameters that PowerShell does not own: pipeline value rules, error advice,
    /// region completion and the AssemblyResolve rule for Windows PowerShell 5.1.
    /// </summary>
    public class CmdletSupportTests
    {
        // ------------------------------------------------------------------ CmdletValues

        [Theory]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData("\t")]
        [InlineData(null)]
        public void A_blank_count_is_not_given_never_zero(string value) =>
            Assert.Null(CmdletValues.WholeNumber(value, "TargetInstanceCount", "a whole number"));

        [Fact]
        public void Whole_numbers_as_text_or_numbers_are_taken()
        {
            Assert.Equal(3, CmdletValues.WholeNumber(" 3 ", "TargetInstanceCount", "a whole number"));
            Assert.Equal(0, CmdletValues.WholeNumber(0, "TargetInstanceCount", "a whole number"));
            Assert.Equal(2, CmdletValues.WholeNumber(2.0, "TargetInstanceCount", "a whole number"));
            Assert.Equal(7, CmdletValues.WholeNumber(7L, "TargetInstanceCount", "a whole number"));
        }

        [Theory]
        [InlineData("two", "'two' is not a whole number.")]
        [InlineData("1.5", "'1.5' is not a whole number.")]
        [InlineData("0x10", "'0x10' is not a whole number.")]
        public void Anything_else_is_refused_naming_the_value_never_rounded(string value, string problem)
        {
            var e = Assert.Throws<InputValidationException>(() => CmdletValues.WholeNumber(value, "TargetInstanceCount", "a whole number from 0 to 1000"));
            Assert.Equal("-TargetInstanceCount: " + problem + " Expected a whole number from 0 to 1000.", e.Message);
            Assert.Contains("1.5 is not a whole number.", Assert.Throws<InputValidationException>(() => CmdletValues.WholeNumber(1.5, "X", "y")).Message);
        }

        [Fact]
        public void A_count_that_must_be_given_refuses_a_blank()
        {
            var e = Assert.Throws<InputValidationException>(() => CmdletValues.WholeNumber("", "InstanceCount", "a whole number from 1 to 1000", blankIsNotGiven: false));
            Assert.Equal("-InstanceCount: The value is blank. Expected a whole number from 1 to 1000.", e.Message);
        }

        [Fact]
        public void Distinct_collapses_duplicates_in_order_and_keeps_bad_entries()
        {
            var ids = CmdletValues.Distinct(new[] { "cr-b", "cr-a", "cr-b", null, "bad", null, "cr-a" });
            Assert.Equal(new[] { "cr-b", "cr-a", null, "bad" }, ids);
            Assert.Empty(CmdletValues.Distinct(null));
            // Ordinal: EC2 IDs are lowercase, and an uppercase one is a different (malformed) value to report.
            Assert.Equal(2, CmdletValues.Distinct(new[] { "cr-0123456789abcdef0", "CR-0123456789ABCDEF0" }).Count);
        }

        // ------------------------------------------------------------------ ErrorAdvice

        [Fact]
        public void Recommended_action_exists_for_the_common_failures()
        {
            foreach (ErrorCategory category in new[]
                     {
                         ErrorCategory.PermissionDenied, ErrorCategory.AuthenticationError, ErrorCategory.ObjectNotFound,
                         ErrorCategory.InvalidArgument, ErrorCategory.LimitsExceeded,
                         ErrorCategory.ResourceUnavailable, ErrorCategory.ConnectionError, ErrorCategory.OperationTimeout,
                     })
            {
                var advice = ErrorAdvice.RecommendedAction(new Ec2Failure(category, "SomeCode", "message"));
                Assert.False(string.IsNullOrWhiteSpace(advice), category.ToString());
            }
            Assert.Null(ErrorAdvice.RecommendedAction(null));
            Assert.Null(ErrorAdvice.RecommendedAction(new Ec2Failure(ErrorCategory.OperationStopped, "OperationStopped", "stopped")));
            // A state refusal we do not know: no advice rather than a wrong "try again".
            Assert.Null(ErrorAdvice.RecommendedAction(new Ec2Failure(ErrorCategory.InvalidOperation, "SomeCode", "message")));
            Assert.Null(ErrorAdvice.RecommendedAction(new Ec2Failure(ErrorCategory.InvalidOperation, "IncorrectState", "something new")));
        }

        [Fact]
        public void Every_connection_failure_has_its_own_advice_and_an_unknown_one_none()
        {
            var ids = typeof(ConnectionErrorIds).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()).ToList();
            Assert.NotEmpty(ids);
            foreach (var id in ids) Assert.False(string.IsNullOrWhiteSpace(ErrorAdvice.ForConnectionFailure(id)), id);
            Assert.Equal(ids.Count, ids.Select(ErrorAdvice.ForConnectionFailure).Distinct().Count());
            Assert.Null(ErrorAdvice.ForConnectionFailure("SomethingNew"));
            Assert.Contains("-SecretKey", ErrorAdvice.ForConnectionFailure(ConnectionErrorIds.IncompleteKeys));
        }

        [Fact]
        public void Recommended_action_is_specific_for_known_codes_and_never_quotes_the_message()
        {
            var notFound = ErrorAdvice.RecommendedAction(new Ec2Failure(ErrorCategory.ObjectNotFound, "InvalidCapacityReservationId.NotFound", "secret-looking text"));
            Assert.Contains("-Region", notFound);
            Assert.DoesNotContain("secret-looking", notFound);
            var mismatch = ErrorAdvice.RecommendedAction(new Ec2Failure(ErrorCategory.InvalidArgument, "IdempotentParameterMismatch", "m"));
            Assert.Contains("-ClientToken", mismatch);
            var denied = ErrorAdvice.RecommendedAction(new Ec2Failure(ErrorCategory.PermissionDenied, "UnauthorizedOperation", "m"));
            Assert.Contains("-WhatIf", denied);
        }

        [Fact]
        public void Connection_error_ids_map_to_categories_the_cmdlets_can_parse()
        {
            Assert.Equal(ErrorCategory.AuthenticationError, ConnectionErrorIds.CategoryOf(ConnectionErrorIds.NoCredentials));
            Assert.Equal(ErrorCategory.ObjectNotFound, ConnectionErrorIds.CategoryOf(ConnectionErrorIds.ProfileNotFound));
            Assert.Equal(ErrorCategory.InvalidArgument, ConnectionErrorIds.CategoryOf(ConnectionErrorIds.NoRegion));
        }

        // ------------------------------------------------------------------ ErrorCategory ↔ ErrorCategory names

        [Fact]
        public void Every_failure_category_is_an_ErrorCategory_name()
        {
            // The cmdlets parse ErrorCategory by the ErrorCategory's name; these are PowerShell's ErrorCategory members.
            var errorCategoryNames = new HashSet<string>
            {
                "NotSpecified", "OpenError", "CloseError", "DeviceError", "DeadlockDetected", "InvalidArgument", "InvalidData",
                "InvalidOperation", "InvalidResult", "InvalidType", "MetadataError", "NotImplemented", "NotInstalled",
                "ObjectNotFound", "OperationStopped", "OperationTimeout", "SyntaxError", "ParserError", "PermissionDenied",
                "ResourceBusy", "ResourceExists", "ResourceUnavailable", "ReadError", "WriteError", "FromStdErr",
                "SecurityError", "ProtocolError", "ConnectionError", "AuthenticationError", "LimitsExceeded", "QuotaExceeded",
                "NotEnabled",
            };
            foreach (var name in Enum.GetNames(typeof(ErrorCategory)))
                Assert.Contains(name, errorCategoryNames);
        }

        // ------------------------------------------------------------------ texts

        [Fact]
        public void Usage_texts_name_the_action_the_target_and_the_verdict()
        {
            const string id = "cr-0123456789abcdef0";
            Assert.Contains(id, WhatIfText.GetUsageAction(id));
            var allowed = WhatIfText.Verdict(id, DryRunVerdict.Allowed("req-1"));
            Assert.StartsWith(id + ": ", allowed);
            Assert.Contains("allowed", allowed);
            var denied = WhatIfText.Verdict(id, DryRunVerdict.From(new Ec2Failure(ErrorCategory.PermissionDenied, "UnauthorizedOperation", "no", id, "req-2", 403)));
            Assert.Contains("denied", denied);
            Assert.False(string.IsNullOrEmpty(ConfirmationText.DefaultCaption));
        }

        [Fact]
        public void Progress_texts_name_the_reservation_and_the_batch()
        {
            Assert.Contains("cr-0123456789abcdef0", ProgressText.WaitActivity("cr-0123456789abcdef0"));
            Assert.Contains("1 instance", ProgressText.CreditBatchSending(3, 1));
            Assert.DoesNotContain("1 instances", ProgressText.CreditBatchSending(3, 1));
            Assert.Contains("100 instances", ProgressText.CreditBatchSending(1, 100));
            Assert.False(string.IsNullOrEmpty(ProgressText.CreditActivity));
        }

        // ------------------------------------------------------------------ RegionCompletion

        [Fact]
        public void Region_completion_matches_the_start_case_insensitively_and_ignores_quotes()
        {
            var regions = new[]
            {
                new RegionSuggestion("us-east-1", "US East (N. Virginia)"),
                new RegionSuggestion("us-west-2", "US West (Oregon)"),
                new RegionSuggestion("eu-west-1", "Europe (Ireland)"),
            };
            Assert.Equal(new[] { "us-east-1", "us-west-2" }, RegionCompleter.Complete("us", regions).Select(r => r.SystemName));
            Assert.Equal(new[] { "eu-west-1" }, RegionCompleter.Complete("'EU", regions).Select(r => r.SystemName));
            Assert.Equal(new[] { "us-west-2" }, RegionCompleter.Complete("\"us-w*", regions).Select(r => r.SystemName));
            Assert.Equal(3, RegionCompleter.Complete(null, regions).Count);
            Assert.Empty(RegionCompleter.Complete("ap-", regions));
        }

        [Fact]
        public void Region_completion_knows_the_SDK_regions()
        {
            var all = RegionCompleter.All();
            Assert.Contains(all, r => r.SystemName == "us-east-1");
            Assert.Contains(all, r => r.SystemName == "eu-west-1");
            Assert.All(all, r => Assert.False(string.IsNullOrEmpty(r.DisplayName)));
            Assert.Equal(all.Select(r => r.SystemName).OrderBy(n => n, StringComparer.Ordinal), all.Select(r => r.SystemName));
            Assert.Equal(all.Count, all.Select(r => r.SystemName).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        }

        // ------------------------------------------------------------------ ShippedAssemblies

        private static readonly string Bin = Path.Combine(Path.GetTempPath(), "module-bin");

        private static ShippedAssemblies Shipped() => new ShippedAssemblies(Bin, new[]
        {
            "System.Text.Json.dll", "System.Memory.dll", "AWSSDK.Core.dll", "Ec2Capacity.dll", "Other.pdb",
            "System.Management.Automation.dll", "Some.resources.dll",
        });

        [Theory]
        [InlineData("System.Text.Json, Version=8.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51", "System.Text.Json.dll")]
        [InlineData("System.Text.Json, Version=6.0.0.1, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51", "System.Text.Json.dll")] // any version
        [InlineData("system.memory, Version=4.0.1.2", "System.Memory.dll")]
        [InlineData("AWSSDK.Core", "AWSSDK.Core.dll")]
        public void Any_version_of_a_shipped_assembly_is_answered_with_the_shipped_file(string request, string file)
        {
            Assert.Equal(Path.Combine(Bin, file), Shipped().Find(request, Path.Combine(Bin, "Ec2Capacity.dll")));
        }

        [Theory]
        [InlineData(null)] // the runtime could not tell who asked
        [InlineData("/opt/microsoft/powershell/Modules/AWS.Tools.Common/AWS.Tools.Common.dll")] // another module
        [InlineData("Ec2Capacity.dll")] // our name, but not our file
        public void Nobody_else_is_answered_not_even_for_a_shipped_name(string requester)
        {
            var path = requester != null && !Path.IsPathRooted(requester) ? Path.Combine(Path.GetTempPath(), "elsewhere", requester) : requester;
            Assert.Null(Shipped().Find("AWSSDK.Core, Version=4.0.0.0", path));
            Assert.Null(Shipped().Find("System.Text.Json, Version=8.0.0.0", path));
        }

        [Theory]
        [InlineData("Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed")] // not shipped
        [InlineData("System.Management.Automation, Version=3.0.0.0")] // PowerShell's own, never ours
        [InlineData("System.Text.Json.resources, Version=8.0.0.0, Culture=de-DE")] // satellite
        [InlineData("System.Text.Json, Version=8.0.0.0, Culture=de-DE, PublicKeyToken=cc7b13ffcd2ddd51")] // culture-specific
        [InlineData("Other")] // .pdb only
        [InlineData("")]
        [InlineData(null)]
        [InlineData("not, a=valid, name, ,,")]
        public void Everything_else_is_left_to_the_runtime(string request)
        {
            Assert.Null(Shipped().Find(request, Path.Combine(Bin, "AWSSDK.Core.dll")));
        }

        [Fact]
        public void The_folder_listing_counts_only_dlls()
        {
            var dir = Directory.CreateTempSubdirectory("ec2capacity-bin-");
            try
            {
                File.WriteAllText(Path.Combine(dir.FullName, "A.dll"), "");
                File.WriteAllText(Path.Combine(dir.FullName, "B.pdb"), "");
                var shipped = ShippedAssemblies.FromFolder(dir.FullName);
                Assert.Equal(new[] { "A" }, shipped.Names.ToArray());
                Assert.Equal(Path.Combine(dir.FullName, "A.dll"), shipped.Find("A, Version=1.2.3.4", Path.Combine(dir.FullName, "A.dll")));
                Assert.Empty(ShippedAssemblies.FromFolder(Path.Combine(dir.FullName, "missing")).Names);
            }
            finally
            {
                dir.Delete(true);
            }
        }
    }
}
