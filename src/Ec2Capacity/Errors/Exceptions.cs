using System.Globalization;
using System.Management.Automation;
using System;

namespace Ec2Capacity
{
    /// <summary>A per-target failure: cmdlets write it as a non-terminating error and go on with the next target.</summary>
    internal class Ec2OperationException : Exception
    {
        public Ec2OperationException(Ec2Failure failure, Exception inner = null)
            : base(failure?.ToString(), inner)
        {
            Failure = failure ?? throw new ArgumentNullException(nameof(failure));
        }

        /// <summary>The classified failure.</summary>
        public Ec2Failure Failure { get; }
    }

    /// <summary>Bad input, caught before any request is sent. The message names the parameter and the accepted form.</summary>
    internal sealed class InputValidationException : ArgumentException
    {
        public InputValidationException(string parameterName, string acceptedForm, string problem, string errorId = ErrorIds.InvalidParameterValue)
            : base(Compose(parameterName, acceptedForm, problem), parameterName)
        {
            AcceptedForm = acceptedForm;
            Problem = problem;
            ErrorId = errorId;
        }

        /// <summary>What the parameter accepts, in words a user can act on.</summary>
        public string AcceptedForm { get; }
        /// <summary>What was wrong with the value.</summary>
        public string Problem { get; }
        /// <summary>A stable identifier for the ErrorRecord.</summary>
        public string ErrorId { get; }

        // ArgumentException appends "(Parameter 'x')" to Message; users read our own sentence instead.
        public override string Message => Compose(ParamName, AcceptedForm, Problem);

        /// <summary>The same failure as an <see cref="Ec2Failure"/> for one target.</summary>
        public Ec2Failure ToFailure(string targetId = null) => new Ec2Failure(ErrorCategory.InvalidArgument, ErrorId, Message, targetId);

        private static string Compose(string parameterName, string acceptedForm, string problem) =>
            string.Format(CultureInfo.InvariantCulture, Messages.BadInput, parameterName, problem, acceptedForm);
    }

    /// <summary>No credentials or no region could be found, or a named profile is missing: terminating in cmdlets.</summary>
    internal sealed class ConnectionResolutionException : Exception
    {
        public ConnectionResolutionException(string message, string errorId, Exception inner = null) : base(message, inner)
        {
            ErrorId = errorId;
        }

        /// <summary>A stable identifier for the ErrorRecord (NoCredentials, NoRegion, ProfileNotFound …).</summary>
        public string ErrorId { get; }
    }
}
