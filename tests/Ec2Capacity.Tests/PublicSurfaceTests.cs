using System;
using System.Linq;
using Xunit;

namespace Ec2Capacity.Tests
{
    /// <summary>
    /// The module's public surface is what PowerShell must see: the cmdlets and their base, the output types, the
    /// and the Windows PowerShell 5.1 initializer (found among
    /// exported types). Completers and parameter attributes work internal. Anything else made public by accident fails here.
    /// </summary>
    public class PublicSurfaceTests
    {
        private static readonly string[] Expected =
        {
            "Ec2Capacity.Commands.GetCapacityReservationUsageCommand",
            "Ec2Capacity.Commands.NewInterruptibleCapacityAllocationCommand",
            "Ec2Capacity.Commands.SetInstanceCreditSpecificationCommand",
            "Ec2Capacity.Commands.StopCapacityReservationCommand",
            "Ec2Capacity.Commands.UpdateInterruptibleCapacityAllocationCommand",
            "Ec2Capacity.Ec2CapacityCmdlet",
            "Ec2Capacity.CapacityReservationCancellation",
            "Ec2Capacity.CapacityReservationUsage",
            "Ec2Capacity.Ec2CapacityOutput",
            "Ec2Capacity.InstanceCreditSpecificationResult",
            "Ec2Capacity.InstanceUsage",
            "Ec2Capacity.InterruptibleAllocationInfo",
            "Ec2Capacity.InterruptibleCapacityAllocation",
            "Ec2Capacity.InterruptionInfo",
            "Ec2Capacity.ModuleInitializer",
        };

        [Fact]
        public void Only_what_PowerShell_must_see_is_public()
        {
            var actual = typeof(CapacityReservationUsage).Assembly.GetExportedTypes().Select(t => t.FullName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(Expected.OrderBy(n => n, StringComparer.Ordinal).ToArray(), actual);
        }
    }
}
