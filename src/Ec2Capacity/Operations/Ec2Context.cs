using System;
using Amazon.EC2;

namespace Ec2Capacity
{
    /// <summary>What every service needs: a (cached) EC2 client, the region it talks to, and where to say what it does.</summary>
    internal sealed class Ec2Context
    {
        public Ec2Context(IAmazonEC2 client, string region, Action<string> verbose = null, System.Threading.SemaphoreSlim pollSlots = null)
        {
            PollSlots = pollSlots;
            Client = client ?? throw new ArgumentNullException(nameof(client));
            Region = region;
            Verbose = verbose ?? NoVerbose;
        }

        private static readonly Action<string> NoVerbose = _ => { };

        /// <summary>The EC2 client; shared, never disposed by a service.</summary>
        public IAmazonEC2 Client { get; }
        /// <summary>The region's system name (us-east-1 …), stamped on every output object.</summary>
        public string Region { get; }
        /// <summary>The one way a service says what it does (-Verbose). Never given a secret. A no-op when none was given.</summary>
        public Action<string> Verbose { get; }
        /// <summary>Bounds how many -Wait polls of one command are in flight at once (its -ThrottleLimit); null: no bound.</summary>
        public System.Threading.SemaphoreSlim PollSlots { get; }
    }
}
