using System;
using System.Reflection;
using System.Threading.Tasks;
using Amazon.Runtime;

namespace Ec2Capacity
{
    /// <summary>
    /// Turns what a user or AWS.Tools hands over (-Credential, <c>$StoredAWSCredentials</c>) into our
    /// <see cref="AWSCredentials"/>: a bare AWSCredentials; AWS.Tools' <c>AWSPSCredentials</c> whose credentials sit
    /// in the non-public instance property <c>Credentials</c> (with <c>Name</c> and <c>Source</c> beside it); either one
    /// wrapped in a PSObject (any object with a <c>BaseObject</c> property); and credentials from another load of
    /// AWSSDK.Core (not assignable to ours), read through their own <c>GetCredentials()</c>.
    /// </summary>
    internal static class CredentialObjects
    {
        private const BindingFlags InstanceMembers = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

        /// <summary>Extracts credentials, or returns null when the value is not credentials of any known shape.</summary>
        /// <param name="value">-Credential or $StoredAWSCredentials as given.</param>
        /// <param name="detail">What the object said about itself (AWS.Tools' Name and Source), for -Verbose; never a secret.</param>
        public static AWSCredentials Extract(object value, out string detail)
        {
            detail = null;
            for (int depth = 0; depth < 4 && value != null; depth++)
            {
                if (value is AWSCredentials ours) return ours;

                var type = value.GetType();
                var baseObject = type.GetProperty("BaseObject", BindingFlags.Instance | BindingFlags.Public);
                if (baseObject != null && baseObject.GetIndexParameters().Length == 0)
                {
                    var inner = SafeGet(baseObject, value);
                    if (inner != null && !ReferenceEquals(inner, value)) { value = inner; continue; }
                }

                // AWSCredentials from another AWSSDK.Core load: same type name, not our type.
                if (DerivesFromNamed(type, "Amazon.Runtime.AWSCredentials") && ForeignCredentials.IsForeignCredentials(type)) return new ForeignCredentials(value);

                var credentials = FindProperty(type, "Credentials");
                if (credentials != null)
                {
                    detail = DescribeSession(type, value);
                    value = SafeGet(credentials, value);
                    continue;
                }

                if (ForeignCredentials.IsForeignCredentials(type)) return new ForeignCredentials(value);
                return null;
            }
            return null;
        }

        private static string DescribeSession(Type type, object session)
        {
            var name = FindProperty(type, "Name") is PropertyInfo n ? SafeGet(n, session) as string : null;
            var source = FindProperty(type, "Source") is PropertyInfo s ? SafeGet(s, session)?.ToString() : null;
            if (string.IsNullOrEmpty(name) && string.IsNullOrEmpty(source)) return null;
            var parts = new System.Collections.Generic.List<string>();
            if (!string.IsNullOrEmpty(name)) parts.Add("name '" + name + "'");
            if (!string.IsNullOrEmpty(source)) parts.Add("source " + source);
            return string.Join(", ", parts);
        }

        private static bool DerivesFromNamed(Type type, string fullName)
        {
            for (var t = type; t != null; t = t.BaseType) if (t.FullName == fullName) return true;
            return false;
        }

        internal static PropertyInfo FindProperty(Type type, string name)
        {
            for (var t = type; t != null; t = t.BaseType)
            {
                var property = t.GetProperty(name, InstanceMembers | BindingFlags.DeclaredOnly);
                if (property != null && property.GetIndexParameters().Length == 0 && property.GetGetMethod(true) != null) return property;
            }
            return null;
        }

        internal static object SafeGet(PropertyInfo property, object target)
        {
            try { return property.GetValue(target, null); }
            catch (TargetInvocationException) { return null; }
            catch (MemberAccessException) { return null; }
        }
    }

    /// <summary>
    /// Credentials of a type from another AWSSDK.Core load (for example an older file that AWS.Tools loaded into
    /// another load context). Each use calls the object's own <c>GetCredentials()</c> and copies AccessKey, SecretKey
    /// and Token into our <see cref="ImmutableCredentials"/>, so refreshing credentials keep refreshing.
    /// </summary>
    internal sealed class ForeignCredentials : AWSCredentials
    {
        private readonly object _foreign;
        private readonly MethodInfo _getCredentials;

        public ForeignCredentials(object foreign)
        {
            _foreign = foreign ?? throw new ArgumentNullException(nameof(foreign));
            _getCredentials = FindGetCredentials(foreign.GetType()) ?? throw new ArgumentException("The object has no GetCredentials() method.", nameof(foreign));
        }

        /// <summary>The foreign object itself: its identity keys the client cache when its keys can change.</summary>
        public object Foreign => _foreign;

        /// <summary>The foreign type's name, e.g. Amazon.Runtime.BasicAWSCredentials.</summary>
        public string ForeignTypeName => _foreign.GetType().FullName;

        /// <summary>True when the foreign credentials are fixed keys (Basic or Session credentials), which can be read without a network call.</summary>
        public bool IsStatic
        {
            get
            {
                var name = _foreign.GetType().Name;
                return name == "BasicAWSCredentials" || name == "SessionAWSCredentials";
            }
        }

        public static bool IsForeignCredentials(Type type) => FindGetCredentials(type) != null;

        public override ImmutableCredentials GetCredentials()
        {
            object immutable;
            try { immutable = _getCredentials.Invoke(_foreign, null); }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
            if (immutable == null) return null;
            var type = immutable.GetType();
            string Read(string name) => CredentialObjects.FindProperty(type, name) is PropertyInfo p ? CredentialObjects.SafeGet(p, immutable) as string : null;
            var token = Read("Token");
            return new ImmutableCredentials(Read("AccessKey"), Read("SecretKey"), string.IsNullOrEmpty(token) ? null : token);
        }

        public override Task<ImmutableCredentials> GetCredentialsAsync() => Task.FromResult(GetCredentials());

        private static MethodInfo FindGetCredentials(Type type)
        {
            var method = type.GetMethod("GetCredentials", BindingFlags.Instance | BindingFlags.Public, null, Type.EmptyTypes, null);
            if (method == null || method.ReturnType == typeof(void)) return null;
            var returned = method.ReturnType;
            return returned.GetProperty("AccessKey") != null && returned.GetProperty("SecretKey") != null ? method : null;
        }
    }
}
