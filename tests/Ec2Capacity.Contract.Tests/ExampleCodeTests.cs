using System.Linq;
using Xunit;

namespace Ec2Capacity.Contract.Tests
{
    /// <summary>The example-code scanner the help tests rely on, on known snippets (so a passing help test means something).</summary>
    public class ExampleCodeTests
    {
        [Fact]
        public void Finds_calls_parameters_and_pipes()
        {
            var code = "PS C:\\> Get-EC2CapacityReservation | Get-CapacityReservationUsage -PageSize 5 -Region:us-east-1 | Update-InterruptibleCapacityAllocation `\n    -TargetInstanceCount 0 -Force # -NotAParam\n" +
                       "$r = Stop-CapacityReservation (Get-Thing -Inner 1) -PassThru -Confirm:$false; Set-InstanceCreditSpecification 'i-0123456789abcdef0' -CpuCredits '-standard'";
            var calls = ExampleCode.Invocations(code).ToList();
            Assert.Equal(new[] { "Get-CapacityReservationUsage", "Update-InterruptibleCapacityAllocation", "Stop-CapacityReservation", "Set-InstanceCreditSpecification" },
                calls.Select(c => c.Cmdlet));
            Assert.All(calls, c => Assert.True(c.IsCommand));
            Assert.Equal(new[] { "PageSize", "Region" }, calls[0].Parameters);
            Assert.True(calls[0].Piped);
            Assert.Equal(new[] { "TargetInstanceCount", "Force" }, calls[1].Parameters);
            Assert.True(calls[1].Piped);
            Assert.Equal(new[] { "PassThru", "Confirm" }, calls[2].Parameters);
            Assert.False(calls[2].Piped);
            Assert.Equal(new[] { "CpuCredits" }, calls[3].Parameters);
        }

        [Fact]
        public void Names_given_to_other_commands_are_not_calls()
        {
            var calls = ExampleCode.Invocations("Get-Help Get-CapacityReservationUsage -Full\nMock Stop-CapacityReservation { }").ToList();
            Assert.Equal(2, calls.Count);
            Assert.All(calls, c => Assert.False(c.IsCommand));
            Assert.Empty(ExampleCode.Check("Get-Help Get-CapacityReservationUsage -Full"));
        }

        [Fact]
        public void Flags_unknown_parameters_prefixes_and_misspelled_cmdlets()
        {
            var problems = ExampleCode.Check(
                "Get-CapacityReservationUsage cr-0123456789abcdef0 -PageSiz 5 -MaxResults 5 -ea Stop -WhatIf\n" +
                "Get-CapacityReservationUsages cr-0123456789abcdef0\n" +
                "Get-EC2CapacityReservation | Stop-CapacityReservation -Forc\n" +
                "get-capacityreservationusage x").ToList();
            Assert.Contains("Get-CapacityReservationUsage -PageSiz: no such parameter or alias", problems);
            Assert.Contains("'Get-CapacityReservationUsages' is not a cmdlet of this module", problems);
            Assert.Contains("Stop-CapacityReservation -Forc: no such parameter or alias", problems);
            Assert.Contains("writes 'get-capacityreservationusage'; write Get-CapacityReservationUsage as declared", problems);
            Assert.Equal(4, problems.Count);
        }

        [Theory]
        [InlineData("False", "")]
        [InlineData("True (ByValue)", "ByValue")]
        [InlineData("True (ByPropertyName, ByValue)", "ByPropertyName,ByValue")]
        [InlineData("true (ByPropertyName)", "ByPropertyName")]
        public void Reads_pipelineInput(string text, string kinds)
        {
            var parsed = HelpTests.ParsePipelineInput(text);
            Assert.NotNull(parsed);
            Assert.Equal(kinds.Split(',').Where(k => k.Length > 0).OrderBy(k => k), parsed.OrderBy(k => k));
        }

        [Theory]
        [InlineData("True")]
        [InlineData("False (ByValue)")]
        [InlineData("True (FromRemainingArguments)")]
        [InlineData("yes")]
        public void Rejects_malformed_pipelineInput(string text) => Assert.Null(HelpTests.ParsePipelineInput(text));
    }
}
