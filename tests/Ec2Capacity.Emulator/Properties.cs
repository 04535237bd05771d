using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Ec2Capacity.Emulator.Tests")]
