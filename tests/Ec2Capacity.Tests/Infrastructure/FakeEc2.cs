using System;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.EC2.Model;

namespace Ec2Capacity.Tests.Infrastructure
{
    /// <summary>
    /// An <see cref="IAmazonEC2"/> that answers only the calls a test wires up, for answers no real endpoint gives
    /// (a NextToken loop, an ignored DryRun). Every other member throws NotSupportedException. Prefer the emulator.
    /// </summary>
    public sealed class FakeEc2
    {
        private int _calls;

        private FakeEc2() { }

        public IAmazonEC2 Client { get; private set; }

        /// <summary>How many wired calls were made.</summary>
        public int Calls => Volatile.Read(ref _calls);

        /// <summary>A client whose GetCapacityReservationUsageAsync answers with <paramref name="answer"/>.</summary>
        public static FakeEc2 Usage(Func<GetCapacityReservationUsageRequest, GetCapacityReservationUsageResponse> answer)
        {
            var fake = new FakeEc2();
            var client = DispatchProxy.Create<IAmazonEC2, Proxy>();
            ((Proxy)(object)client).Handle = (method, args) =>
            {
                if (method.Name != nameof(IAmazonEC2.GetCapacityReservationUsageAsync)) throw new NotSupportedException(method.Name);
                Interlocked.Increment(ref fake._calls);
                ((CancellationToken)args[1]).ThrowIfCancellationRequested();
                return Task.FromResult(answer((GetCapacityReservationUsageRequest)args[0]));
            };
            fake.Client = client;
            return fake;
        }

        /// <summary>The proxy behind <see cref="Client"/>; public because DispatchProxy needs it.</summary>
        public class Proxy : DispatchProxy
        {
            internal Func<MethodInfo, object[], object> Handle;

            protected override object Invoke(MethodInfo targetMethod, object[] args) => Handle(targetMethod, args);
        }
    }
}
