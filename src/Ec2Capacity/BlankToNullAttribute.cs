using System.Management.Automation;
using Ec2Capacity.Engine;

namespace Ec2Capacity
{
    /// <summary>
    /// Treats a blank string (an empty Import-Csv cell) as "not given", so PowerShell does not convert '' to 0 for an
    /// optional number. The rule itself is <see cref="CmdletValues.BlankToNull"/>.
    /// </summary>
    internal sealed class BlankToNullAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            return CmdletValues.BlankToNull(value) == null ? null : inputData;
        }
    }
}
