using System.Management.Automation;
using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Ec2Capacity.Tests
{
    /// <summary>Every rule of <see cref="InputValidator"/>: the accepted values pass, the rest fail with the parameter and the accepted form named.</summary>
    public class ValidationTests
    {
        private static InputValidationException Rejects(Action check, string parameter, string formFragment)
        {
            var e = Assert.Throws<InputValidationException>(check);
            Assert.Equal(parameter, e.ParamName);
            Assert.StartsWith("-" + parameter + ":", e.Message);
            Assert.Contains(formFragment, e.Message);
            Assert.Contains(formFragment, e.AcceptedForm);
            Assert.False(string.IsNullOrEmpty(e.ErrorId));
            var failure = e.ToFailure("target-1");
            Assert.Equal(ErrorCategory.InvalidArgument, failure.Category);
            Assert.Equal(e.ErrorId, failure.ErrorCode);
            Assert.Equal("target-1", failure.TargetId);
            Assert.Equal(e.Message, failure.Message);
            return e;
        }

        [Theory]
        [InlineData("cr-0123456789abcdef0")]
        [InlineData("cr-00000000000000000")]
        [InlineData("cr-fffffffffffffffff")]
        public void CapacityReservationId_accepts_cr_and_17_lowercase_hex(string id) =>
            Assert.Equal(id, InputValidator.CapacityReservationId(id));

        [Theory]
        [InlineData(null, "NullId")]
        [InlineData("", "EmptyId")]
        [InlineData("   ", "EmptyId")]
        [InlineData("cr-0123456789ABCDEF0", "MalformedId")]
        [InlineData("cr-0123456789abcdef", "MalformedId")]
        [InlineData("cr-0123456789abcdef01", "MalformedId")]
        [InlineData("CR-0123456789abcdef0", "MalformedId")]
        [InlineData("i-0123456789abcdef0", "MalformedId")]
        [InlineData("cr-0123456789abcdefg", "MalformedId")]
        [InlineData(" cr-0123456789abcdef0", "MalformedId")]
        [InlineData("cr-0123456789abcdef0\n", "MalformedId")]
        [InlineData("cr-0123456789abcdef0&Action=CancelCapacityReservation", "MalformedId")]
        [InlineData("cr-0123456789abcd\u0435f0", "MalformedId")] // Cyrillic e
        [InlineData("cr-\uff10123456789abcdef0", "MalformedId")] // full-width zero
        public void CapacityReservationId_rejects_everything_else(string id, string errorId)
        {
            var e = Rejects(() => InputValidator.CapacityReservationId(id), "CapacityReservationId", "'cr-' followed by 17 lowercase hexadecimal characters");
            Assert.Equal(errorId, e.ErrorId);
        }

        [Fact]
        public void The_parameter_name_can_be_overridden()
        {
            var e = Assert.Throws<InputValidationException>(() => InputValidator.CapacityReservationId("x", "SourceCapacityReservationId"));
            Assert.Equal("SourceCapacityReservationId", e.ParamName);
        }

        [Theory]
        [InlineData("i-1a2b3c4d")]
        [InlineData("i-0123456789abcdef0")]
        public void InstanceId_accepts_8_or_17_hex(string id) => Assert.Equal(id, InputValidator.InstanceId(id));

        [Theory]
        [InlineData("i-1a2b3c4")]
        [InlineData("i-1a2b3c4d5")]
        [InlineData("i-0123456789abcdef")]
        [InlineData("i-1A2B3C4D")]
        [InlineData("cr-0123456789abcdef0")]
        [InlineData("")]
        [InlineData(null)]
        public void InstanceId_rejects_other_forms(string id) =>
            Rejects(() => InputValidator.InstanceId(id), "InstanceId", "'i-' followed by 8 or 17 lowercase hexadecimal characters");

        [Fact]
        public void QuoteId_accepts_crcq_and_17_hex_only()
        {
            Assert.Equal("crcq-0123456789abcdef0", InputValidator.QuoteId("crcq-0123456789abcdef0"));
            Rejects(() => InputValidator.QuoteId("crcq-0123"), "QuoteId", "'crcq-'");
            Rejects(() => InputValidator.QuoteId("cr-0123456789abcdef0"), "QuoteId", "'crcq-'");
        }

        [Theory]
        [InlineData("default", "default")]
        [InlineData("retain", "retain")]
        [InlineData("RETAIN", "retain")]
        [InlineData("Default", "default")]
        public void ZeroSizePreference_accepts_default_and_retain_in_any_case(string value, string expected) =>
            Assert.Equal(expected, InputValidator.ZeroSizePreference(value));

        [Theory]
        [InlineData("standard", "standard")]
        [InlineData("Unlimited", "unlimited")]
        public void CpuCredits_accepts_standard_and_unlimited(string value, string expected) => Assert.Equal(expected, InputValidator.CpuCredits(value));

        [Theory]
        [InlineData("a")]
        [InlineData("550e8400-e29b-41d4-a716-446655440000")]
        [InlineData("!~token~!")]
        public void ClientToken_accepts_1_to_64_printable_ascii(string token) => Assert.Equal(token, InputValidator.ClientToken(token));

        [Fact]
        public void ClientToken_accepts_exactly_64_characters() => InputValidator.ClientToken(new string('t', 64));

        [Theory]
        [InlineData("")]
        [InlineData(null)]
        [InlineData("with space")]
        [InlineData("tab\there")]
        [InlineData("line\nbreak")]
        [InlineData("ünïcode")]
        public void ClientToken_rejects_empty_and_non_printable_ascii(string token) =>
            Rejects(() => InputValidator.ClientToken(token), "ClientToken", "1 to 64 printable ASCII characters");

        [Fact]
        public void ClientToken_rejects_65_characters() =>
            Rejects(() => InputValidator.ClientToken(new string('t', 65)), "ClientToken", "1 to 64 printable ASCII characters");

        [Fact]
        public void Tags_accepts_good_tags_in_order()
        {
            var tags = InputValidator.Tags(new System.Collections.Specialized.OrderedDictionary { { "Name", "web" }, { "team", null }, { new string('k', 127), new string('v', 256) } });
            Assert.Equal(new[] { "Name", "team", new string('k', 127) }, tags.Select(t => t.Key));
            Assert.Equal("", tags[1].Value);
            Assert.Empty(InputValidator.Tags(null));
        }

        [Theory]
        [InlineData("aws:createdBy", "reserved prefix")]
        [InlineData("AWS:x", "reserved prefix")]
        [InlineData("", "empty")]
        [InlineData("  ", "empty")]
        public void Tags_rejects_bad_keys(string key, string problem)
        {
            var e = Rejects(() => InputValidator.Tags(new Hashtable { { key, "v" } }), "Tag", "not starting with 'aws:'");
            Assert.Contains(problem, e.Message);
        }

        [Fact]
        public void Tags_rejects_long_keys_long_values_and_too_many()
        {
            Rejects(() => InputValidator.Tags(new Hashtable { { new string('k', 128), "v" } }), "Tag", "keys of 1 to 127 characters");
            Rejects(() => InputValidator.Tags(new Hashtable { { "k", new string('v', 257) } }), "Tag", "values of at most 256 characters");
            var many = new Hashtable();
            for (int i = 0; i < 51; i++) many.Add("k" + i, "v");
            Rejects(() => InputValidator.Tags(many), "Tag", "at most 50 tags");
        }

        [Fact]
        public void Update_needs_a_target_count_or_a_zero_size_preference()
        {
            InputValidator.UpdateHasChange(0, null);
            InputValidator.UpdateHasChange(null, "retain");
            var e = Rejects(() => InputValidator.UpdateHasChange(null, null), "TargetInstanceCount", "-ZeroSizePreference");
            Assert.Equal("NothingToUpdate", e.ErrorId);
        }

        [Fact]
        public void Quote_escapes_control_characters_and_shortens()
        {
            Assert.Equal("'a\\nb\\r\\t'", InputValidator.Quote("a\nb\r\t"));
            Assert.Equal("'it''s'", InputValidator.Quote("it's"));
            Assert.Equal("'\\u0435'", InputValidator.Quote("\u0435"));
            Assert.Equal("(null)", InputValidator.Quote(null));
            var quoted = InputValidator.Quote(new string('x', 500));
            Assert.True(quoted.Length < 80, quoted);
            Assert.Contains("…", quoted);
        }

        [Fact]
        public void A_newline_in_an_id_does_not_reach_the_message_raw()
        {
            var e = Assert.Throws<InputValidationException>(() => InputValidator.CapacityReservationId("cr-1\nAction=CancelCapacityReservation"));
            Assert.DoesNotContain("\n", e.Message);
            Assert.Contains("\\n", e.Message);
        }
    }
}
