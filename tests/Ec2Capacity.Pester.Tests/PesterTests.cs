using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace Ec2Capacity.Pester.Tests
{
    /// <summary>Each Pester test in tests/Pester is one case here, run in the pinned pwsh (examples/ through TestingKit.Tests.ps1).</summary>
    public class PesterTests
    {
        public static IEnumerable<object[]> Tests => PesterSuite.Discover().Select(t => new object[] { new PesterCase(t.File, t.Name) });

        [Theory]
        [MemberData(nameof(Tests))]
        public async Task Passes_in_pwsh(PesterCase test)
        {
            var outcome = await PesterSuite.OutcomeAsync(test.File, test.Name);
            Assert.True(outcome.Result == "Passed", $"{test}: {outcome.Result}\n{outcome.Message}");
        }
    }

    /// <summary>Serializable so that xunit lists every Pester test as its own case, named in full.</summary>
    public sealed class PesterCase : IXunitSerializable
    {
        public PesterCase() { }

        public PesterCase(string file, string name)
        {
            File = file;
            Name = name;
        }

        public string File { get; private set; }
        public string Name { get; private set; }

        public void Deserialize(IXunitSerializationInfo info)
        {
            File = info.GetValue<string>(nameof(File));
            Name = info.GetValue<string>(nameof(Name));
        }

        public void Serialize(IXunitSerializationInfo info)
        {
            info.AddValue(nameof(File), File);
            info.AddValue(nameof(Name), Name);
        }

        public override string ToString() => $"{System.IO.Path.GetFileName(File)}: {Name}";
    }
}
