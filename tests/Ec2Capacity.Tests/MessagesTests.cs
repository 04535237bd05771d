using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace Ec2Capacity.Tests
{
    /// <summary>The messages of the module's own errors live in Errors/Messages.resx; each one must load, and each format must be well-formed.</summary>
    public class MessagesTests
    {
        [Fact]
        public void Every_message_loads_from_the_resource_file_and_is_a_valid_format()
        {
            var properties = typeof(Messages).GetProperties(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
                .Where(p => p.PropertyType == typeof(string)).ToList();
            Assert.True(properties.Count > 40, $"only {properties.Count} messages");
            foreach (var property in properties)
            {
                var text = (string)property.GetValue(null);
                Assert.False(string.IsNullOrWhiteSpace(text), property.Name);
                int highest = Regex.Matches(text, @"\{(\d+)\}").Select(m => int.Parse(m.Groups[1].Value)).DefaultIfEmpty(-1).Max();
                var arguments = Enumerable.Range(0, highest + 1).Select(i => (object)("a" + i)).ToArray();
                var formatted = string.Format(text, arguments); // throws on a malformed format
                Assert.DoesNotContain("{", formatted.Replace("{0}", string.Empty));
            }
        }
    }
}
