namespace Ec2Capacity
{
    /// <summary>
    /// What every object the cmdlets write shares, so that a cmdlet can tell its own output from a plan row when it is
    /// piped in: the counts and options such an object carries describe the past and never bind as a change.
    /// </summary>
    public abstract class Ec2CapacityOutput
    {
    }
}
