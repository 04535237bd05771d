using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace Ec2Capacity
{
    /// <summary>
    /// -InstanceId from what users pipe: IDs as text, objects with an InstanceId (Get-EC2Instance's instances,
    /// Get-EC2CreditSpecification), and AWS.Tools' Reservation objects, whose instances sit in .Instances. An object with
    /// neither is refused here, instead of its type name being sent as an ID.
    /// </summary>
    internal sealed class InstanceIdsAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var ids = new List<string>();
            foreach (var item in Items(inputData)) Add(ids, item);
            return ids.ToArray();
        }

        private static IEnumerable<object> Items(object input)
        {
            var value = input is PSObject wrapped ? wrapped.BaseObject : input;
            if (value is IEnumerable list && !(value is string))
            {
                foreach (var item in list) yield return item;
            }
            else
            {
                yield return input;
            }
        }

        private static void Add(List<string> ids, object item)
        {
            var value = item is PSObject wrapped ? wrapped.BaseObject : item;
            if (value == null || value is string)
            {
                ids.Add((string)value);
                return;
            }
            var shape = PSObject.AsPSObject(item);
            if (shape.Properties["InstanceId"]?.Value is object id)
            {
                ids.Add(id.ToString());
                return;
            }
            if (shape.Properties["Instances"]?.Value is IEnumerable instances && !(instances is string))
            {
                foreach (var instance in instances) Add(ids, instance);
                return;
            }
            throw new ArgumentTransformationMetadataException(
                $"-InstanceId: an object of type {value.GetType().FullName} has no InstanceId and no Instances. Expected instance IDs (i-…), "
                + "instances (Get-EC2Instance | Select-Object -ExpandProperty Instances) or Get-EC2Instance's reservations.");
        }
    }
}
