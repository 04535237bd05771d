using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Ec2Capacity.Emulator;

namespace Ec2Capacity.Testing
{
    /// <summary>Starts an EC2 emulator for the five Ec2Capacity actions inside this PowerShell process, on 127.0.0.1.</summary>
    [Cmdlet(VerbsLifecycle.Start, "Ec2CapacityEmulator")]
    [OutputType(typeof(Ec2CapacityEmulator))]
    public sealed class StartEc2CapacityEmulatorCommand : PSCmdlet
    {
        /// <summary>The state to start with: a path to a seed JSON file, seed JSON text, or a hashtable in the same shape. Without it, the demo state.</summary>
        [Parameter(Position = 0)]
        public object Seed { get; set; }

        /// <summary>The TCP port on 127.0.0.1; 0 (the default) takes a free one.</summary>
        [Parameter]
        [ValidateRange(0, 65535)]
        public int Port { get; set; }

        protected override void EndProcessing()
        {
            var json = SeedText.Read(this, Seed);
            EmulatorServer server;
            try
            {
                server = EmulatorServer.Start(json, Port);
            }
            catch (SeedException e)
            {
                ThrowTerminatingError(SeedText.Invalid(e, Seed));
                return;
            }
            catch (SocketException e)
            {
                ThrowTerminatingError(new ErrorRecord(new IOException($"-Port: 127.0.0.1:{Port} is not free ({e.Message}). Pass -Port 0 for any free port.", e),
                    "PortInUse", ErrorCategory.ResourceUnavailable, Port));
                return;
            }
            WriteObject(Ec2CapacityEmulator.Register(server, Runspace.DefaultRunspace).ToPSObject());
        }
    }

    /// <summary>Replaces an emulator's state with a seed (the demo state without -Seed) and clears its request journal.</summary>
    [Cmdlet(VerbsCommon.Reset, "Ec2CapacityEmulator")]
    public sealed class ResetEc2CapacityEmulatorCommand : EmulatorCommand
    {
        /// <summary>The new state: a seed file path, seed JSON text, or a hashtable. Without it, the demo state.</summary>
        [Parameter(Position = 0)]
        public object Seed { get; set; }

        protected override void ProcessRecord()
        {
            var emulator = Target();
            if (emulator == null) return;
            var json = SeedText.Read(this, Seed);
            try
            {
                emulator.Server.Reset(json);
            }
            catch (SeedException e)
            {
                WriteError(SeedText.Invalid(e, Seed));
            }
        }
    }

    /// <summary>The emulator's state (reservations, allocations, instances), as objects. Never holds a secret.</summary>
    [Cmdlet(VerbsCommon.Get, "Ec2CapacityEmulatorState")]
    [OutputType(typeof(PSObject))]
    public sealed class GetEc2CapacityEmulatorStateCommand : EmulatorCommand
    {
        protected override void ProcessRecord()
        {
            var emulator = Target();
            if (emulator == null) return;
            using (var document = JsonDocument.Parse(emulator.Server.GetStateJson()))
            {
                WriteObject(JsonObjects.From(document.RootElement));
            }
        }
    }

    /// <summary>Every EC2 request the emulator received since its last reset (its journal), oldest first. Never holds a secret.</summary>
    [Cmdlet(VerbsCommon.Get, "Ec2CapacityEmulatorRequest")]
    [OutputType(typeof(PSObject))]
    public sealed class GetEc2CapacityEmulatorRequestCommand : EmulatorCommand
    {
        /// <summary>Only requests of these EC2 actions (GetCapacityReservationUsage …).</summary>
        [Parameter(Position = 0)]
        public string[] Action { get; set; }

        protected override void ProcessRecord()
        {
            var emulator = Target();
            if (emulator == null) return;
            foreach (var entry in emulator.Server.GetJournal())
            {
                if (Action != null && Array.FindIndex(Action, a => string.Equals(a, entry.Action, StringComparison.OrdinalIgnoreCase)) < 0) continue;
                var parameters = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                foreach (var p in entry.Parameters ?? new Dictionary<string, string>()) parameters[p.Key] = p.Value;
                var o = new PSObject();
                o.TypeNames.Insert(0, "Ec2Capacity.Testing.EmulatorRequest");
                o.Properties.Add(new PSNoteProperty("Sequence", entry.Sequence));
                o.Properties.Add(new PSNoteProperty("Action", entry.Action));
                o.Properties.Add(new PSNoteProperty("DryRun", entry.DryRun));
                o.Properties.Add(new PSNoteProperty("HttpStatus", entry.HttpStatus));
                o.Properties.Add(new PSNoteProperty("ErrorCode", entry.ErrorCode));
                o.Properties.Add(new PSNoteProperty("AccessKeyId", entry.AccessKeyId));
                o.Properties.Add(new PSNoteProperty("RequestId", entry.RequestId));
                o.Properties.Add(new PSNoteProperty("Parameters", parameters));
                WriteObject(o);
            }
        }
    }

    /// <summary>Stops an emulator: its port is closed. Emulators also stop when their runspace closes or the module is removed.</summary>
    [Cmdlet(VerbsLifecycle.Stop, "Ec2CapacityEmulator")]
    public sealed class StopEc2CapacityEmulatorCommand : EmulatorCommand
    {
        private protected override bool AcceptsStopped => true;

        protected override void ProcessRecord()
        {
            var emulator = Target();
            emulator?.Stop();
        }
    }

    /// <summary>The -Emulator parameter the other cmdlets share: piped, given, or the last one started in this runspace.</summary>
    public abstract class EmulatorCommand : PSCmdlet
    {
        /// <summary>The emulator (Start-Ec2CapacityEmulator's output). Without it, the last one started in this runspace that still runs.</summary>
        [Parameter(ValueFromPipeline = true)]
        public PSObject Emulator { get; set; }

        /// <summary>True for a cmdlet that may act on a stopped emulator (stopping it again is nothing).</summary>
        private protected virtual bool AcceptsStopped => false;

        private protected Ec2CapacityEmulator Target()
        {
            var given = Emulator?.BaseObject as Ec2CapacityEmulator;
            if (Emulator != null && given == null)
            {
                WriteError(new ErrorRecord(new ArgumentException("-Emulator: expected the object Start-Ec2CapacityEmulator wrote.", "Emulator"),
                    "NotAnEmulator", ErrorCategory.InvalidArgument, Emulator));
                return null;
            }
            var emulator = given ?? Ec2CapacityEmulator.Latest(Runspace.DefaultRunspace);
            if (emulator == null)
            {
                WriteError(new ErrorRecord(new InvalidOperationException("No emulator runs in this session: start one with Start-Ec2CapacityEmulator, or pass -Emulator."),
                    "NoEmulator", ErrorCategory.ObjectNotFound, null));
                return null;
            }
            if (!emulator.IsRunning && !AcceptsStopped)
            {
                WriteError(new ErrorRecord(new InvalidOperationException($"The emulator at {emulator.EndpointUrl} is stopped."),
                    "EmulatorStopped", ErrorCategory.InvalidOperation, emulator));
                return null;
            }
            return emulator;
        }
    }

    /// <summary>A running emulator: where it listens, its region, and a ready connection splat per seeded account.</summary>
    public sealed class Ec2CapacityEmulator
    {
        private static readonly object Gate = new object();
        private static readonly List<Ec2CapacityEmulator> Running = new List<Ec2CapacityEmulator>();

        private Ec2CapacityEmulator(EmulatorServer server, Runspace runspace)
        {
            Server = server;
            Runspace = runspace;
            EndpointUrl = server.BaseUri.ToString();
            Port = server.BaseUri.Port;
        }

        internal EmulatorServer Server { get; }
        internal Runspace Runspace { get; }

        /// <summary>http://127.0.0.1:&lt;port&gt;/, for -EndpointUrl.</summary>
        public string EndpointUrl { get; }
        public int Port { get; }
        /// <summary>The region of the current seed.</summary>
        public string Region => Server.Region;
        public bool IsRunning => Server.IsRunning;

        /// <summary>
        /// One splat per seeded account, by its name (the seed's "name", else Account1, Account2 …):
        /// @{ EndpointUrl; Region; AccessKey; SecretKey [; SessionToken] }. The demo seed's are Owner, ReadOnly and Session.
        /// </summary>
        public OrderedDictionary Accounts
        {
            get
            {
                var accounts = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                int i = 0;
                foreach (var account in Server.Accounts)
                {
                    i++;
                    var splat = new Hashtable(StringComparer.OrdinalIgnoreCase)
                    {
                        ["EndpointUrl"] = EndpointUrl,
                        ["Region"] = Region,
                        ["AccessKey"] = account.AccessKeyId,
                        ["SecretKey"] = account.SecretAccessKey,
                    };
                    if (!string.IsNullOrEmpty(account.SessionToken)) splat["SessionToken"] = account.SessionToken;
                    accounts[string.IsNullOrEmpty(account.Name) ? "Account" + i : account.Name] = splat;
                }
                return accounts;
            }
        }

        public override string ToString() => EndpointUrl;

        /// <summary>The object users get: this, with a property per account name ($emu.Owner).</summary>
        internal PSObject ToPSObject()
        {
            var o = PSObject.AsPSObject(this);
            // Script properties, not copies: after Reset-Ec2CapacityEmulator the splat carries the new seed's region and keys.
            foreach (DictionaryEntry account in Accounts)
            {
                var name = (string)account.Key;
                if (o.Properties[name] == null) o.Properties.Add(new PSScriptProperty(name, ScriptBlock.Create("$this.Accounts['" + name.Replace("'", "''") + "']")));
            }
            return o;
        }

        internal void Stop()
        {
            lock (Gate) Running.Remove(this);
            Server.Dispose();
        }

        internal static Ec2CapacityEmulator Register(EmulatorServer server, Runspace runspace)
        {
            var emulator = new Ec2CapacityEmulator(server, runspace);
            lock (Gate)
            {
                if (runspace != null && !Running.Exists(e => ReferenceEquals(e.Runspace, runspace))) runspace.StateChanged += OnRunspaceStateChanged;
                Running.Add(emulator);
            }
            return emulator;
        }

        internal static Ec2CapacityEmulator Latest(Runspace runspace)
        {
            lock (Gate)
            {
                for (int i = Running.Count - 1; i >= 0; i--)
                {
                    if (ReferenceEquals(Running[i].Runspace, runspace) && Running[i].IsRunning) return Running[i];
                }
            }
            return null;
        }

        /// <summary>Stops every emulator (the module is removed, or the process ends).</summary>
        internal static void StopAll(Func<Ec2CapacityEmulator, bool> which = null)
        {
            List<Ec2CapacityEmulator> stopping;
            lock (Gate) stopping = Running.FindAll(e => which == null || which(e));
            foreach (var emulator in stopping) emulator.Stop();
        }

        // Nothing is left listening after the runspace that started it closes (a Pester run, a job, a closed tab).
        private static void OnRunspaceStateChanged(object sender, RunspaceStateEventArgs e)
        {
            var state = e.RunspaceStateInfo.State;
            if (state == RunspaceState.Closing || state == RunspaceState.Closed || state == RunspaceState.Broken)
            {
                if (sender is Runspace runspace) runspace.StateChanged -= OnRunspaceStateChanged;
                StopAll(x => ReferenceEquals(x.Runspace, sender));
            }
        }
    }

    /// <summary>Stops every emulator when the module is removed (Remove-Module) or the process exits.</summary>
    public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static int _hooked;

        public void OnImport()
        {
            if (System.Threading.Interlocked.Exchange(ref _hooked, 1) == 0) AppDomain.CurrentDomain.ProcessExit += (s, e) => Ec2CapacityEmulator.StopAll();
        }

        public void OnRemove(PSModuleInfo psModuleInfo) => Ec2CapacityEmulator.StopAll();
    }

    /// <summary>-Seed as seed JSON: a file path, JSON text, or a hashtable / object tree in the seed's shape.</summary>
    internal static class SeedText
    {
        public static string Read(PSCmdlet cmdlet, object seed)
        {
            var value = seed is PSObject wrapped && !(wrapped.BaseObject is PSCustomObject) ? wrapped.BaseObject : seed;
            switch (value)
            {
                case null:
                    return null;
                case string text when text.TrimStart().StartsWith("{", StringComparison.Ordinal):
                    return text;
                case string path:
                    return ReadFile(cmdlet, cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path), seed);
                case FileInfo file:
                    return ReadFile(cmdlet, file.FullName, seed);
                default:
                    return ToJson(value);
            }
        }

        private static string ReadFile(PSCmdlet cmdlet, string path, object seed)
        {
            if (!File.Exists(path))
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(new FileNotFoundException(
                    $"-Seed: '{path}' is not a file. Pass a seed file's path, seed JSON text (starting with '{{'), or a hashtable.", path),
                    "SeedNotFound", ErrorCategory.ObjectNotFound, seed));
            }
            return File.ReadAllText(path);
        }

        public static ErrorRecord Invalid(SeedException e, object seed) =>
            new ErrorRecord(new ArgumentException("-Seed: " + e.Message, e), "InvalidSeed", ErrorCategory.InvalidArgument, seed)
            {
                ErrorDetails = new ErrorDetails("-Seed: " + e.Message),
            };

        /// <summary>Hashtables, ordered dictionaries, [pscustomobject]s, arrays and scalars, written as JSON for the one seed parser.</summary>
        public static string ToJson(object value)
        {
            using (var stream = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(stream))
                {
                    Write(writer, value, 0);
                }
                return Encoding.UTF8.GetString(stream.ToArray());
            }
        }

        private static void Write(Utf8JsonWriter w, object value, int depth)
        {
            if (depth > 64) throw new SeedException("$", "the seed is nested more than 64 levels deep");
            if (value is PSObject ps)
            {
                if (ps.BaseObject is PSCustomObject)
                {
                    w.WriteStartObject();
                    foreach (var p in ps.Properties)
                    {
                        w.WritePropertyName(p.Name);
                        Write(w, p.Value, depth + 1);
                    }
                    w.WriteEndObject();
                    return;
                }
                value = ps.BaseObject;
            }
            switch (value)
            {
                case null: w.WriteNullValue(); return;
                case string s: w.WriteStringValue(s); return;
                case bool b: w.WriteBooleanValue(b); return;
                case int i: w.WriteNumberValue(i); return;
                case long l: w.WriteNumberValue(l); return;
                case double d: w.WriteNumberValue(d); return;
                case decimal m: w.WriteNumberValue(m); return;
                case byte or short or uint or ulong or float: w.WriteNumberValue(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)); return;
                case DateTime t: w.WriteStringValue(t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)); return;
                case DateTimeOffset o: w.WriteStringValue(o.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)); return;
                case Enum e: w.WriteStringValue(e.ToString()); return;
                case IDictionary map:
                    w.WriteStartObject();
                    foreach (DictionaryEntry entry in map)
                    {
                        w.WritePropertyName(Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture));
                        Write(w, entry.Value, depth + 1);
                    }
                    w.WriteEndObject();
                    return;
                case IEnumerable list:
                    w.WriteStartArray();
                    foreach (var item in list) Write(w, item, depth + 1);
                    w.WriteEndArray();
                    return;
                default:
                    w.WriteStringValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                    return;
            }
        }
    }

    /// <summary>JSON as PowerShell objects, the way ConvertFrom-Json makes them.</summary>
    internal static class JsonObjects
    {
        public static object From(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    var o = new PSObject();
                    foreach (var p in e.EnumerateObject()) o.Properties.Add(new PSNoteProperty(p.Name, From(p.Value)));
                    return o;
                case JsonValueKind.Array:
                    var items = new List<object>();
                    foreach (var item in e.EnumerateArray()) items.Add(From(item));
                    return items.ToArray();
                case JsonValueKind.String: return e.GetString();
                case JsonValueKind.Number: return e.TryGetInt64(out var l) ? (object)l : e.GetDouble();
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                default: return null;
            }
        }
    }
}
