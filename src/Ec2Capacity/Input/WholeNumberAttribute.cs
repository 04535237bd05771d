using System.Management.Automation;

namespace Ec2Capacity
{
    /// <summary>
    /// Counts from a command line or an Import-Csv cell: blank means not given, a whole number (as text too) within
    /// <see cref="Minimum"/>..<see cref="Maximum"/> is taken, anything else is an error for that record naming the value
    /// and the accepted form (the rule: <see cref="CmdletValues.WholeNumber"/>). It is the count's range on the cmdlet:
    /// [ValidateRange] would refuse a blank cell as null.
    /// </summary>
    internal sealed class WholeNumberAttribute : ArgumentTransformationAttribute
    {
        private readonly string _parameterName;
        private readonly string _acceptedForm;

        public WholeNumberAttribute(string parameterName, string acceptedForm)
        {
            _parameterName = parameterName;
            _acceptedForm = acceptedForm;
        }

        public int Minimum { get; set; } = int.MinValue;

        public int Maximum { get; set; } = int.MaxValue;

        /// <summary>False for a count that must be given: a blank value is then an error, not "not given".</summary>
        public bool BlankIsNotGiven { get; set; } = true;

        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            try
            {
                return CmdletValues.WholeNumber(value, _parameterName, _acceptedForm, BlankIsNotGiven, Minimum, Maximum);
            }
            catch (InputValidationException e)
            {
                throw new ArgumentTransformationMetadataException(e.Message, e);
            }
        }
    }
}
