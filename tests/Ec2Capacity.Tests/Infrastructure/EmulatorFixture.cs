using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.Runtime;
using Ec2Capacity.Emulator;
using Xunit;

namespace Ec2Capacity.Tests.Infrastructure
{
    /// <summary>
    /// One in-process emulator per test class: <c>public class MyTests : IClassFixture&lt;EmulatorFixture&gt;</c>.
    /// xunit runs the tests of one class one after another, and classes in parallel, so each class owns its emulator
    /// (its own ephemeral port) and every test starts with <see cref="Reset"/> (which also clears the journal).
    /// Clients are real <see cref="AmazonEC2Client"/>s built by <see cref="Ec2ClientCache.CreateClient"/> with
    /// <see cref="FastSettings"/> (5 attempts, millisecond backoff), never cached across tests.
    /// </summary>
    public sealed class EmulatorFixture : IAsyncLifetime
    {
        /// <summary>Production retry policy (5 attempts, standard mode) with test-sized waits, and no retry quota so results do not depend on earlier tests.</summary>
        internal static Ec2ClientSettings FastSettings => new Ec2ClientSettings
        {
            MaxAttempts = 5,
            Timeout = TimeSpan.FromSeconds(10),
            MaxBackoff = TimeSpan.FromMilliseconds(5),
            UseRetryQuota = false,
        };

        public EmulatorServer Server { get; private set; }

        /// <summary>The endpoint as -EndpointUrl takes it.</summary>
        public string EndpointUrl => Server.BaseUri.AbsoluteUri;

        public async Task InitializeAsync() => Server = await EmulatorServer.StartAsync(DemoSeed.Json);

        public async Task DisposeAsync()
        {
            if (Server != null) await Server.DisposeAsync();
        }

        /// <summary>Replaces the state (null: the demo seed) and clears the journal.</summary>
        public void Reset(string seedJson = null) => Server.Reset(seedJson ?? DemoSeed.Json);

        /// <summary>The journal since the last reset.</summary>
        public IReadOnlyList<JournalEntry> Journal => Server.GetJournal();

        /// <summary>Journal entries of one action.</summary>
        public IReadOnlyList<JournalEntry> Requests(string action) => Server.GetJournal().Where(e => e.Action == action).ToList();

        /// <summary>A connection to this emulator (default: the demo owner key, the seed's region).</summary>
        internal ResolvedConnection Connection(string accessKeyId = DemoSeed.AccessKeyId, string secretAccessKey = DemoSeed.SecretAccessKey,
            string sessionToken = null, string region = null)
        {
            AWSCredentials credentials = sessionToken == null
                ? new BasicAWSCredentials(accessKeyId, secretAccessKey)
                : new SessionAWSCredentials(accessKeyId, secretAccessKey, sessionToken);
            return ResolvedConnection.Create(credentials, region ?? Server.Region, EndpointUrl, "test credentials");
        }

        /// <summary>A fresh real EC2 client for this emulator.</summary>
        internal IAmazonEC2 Client(ResolvedConnection connection = null, Ec2ClientSettings settings = null) =>
            Ec2ClientCache.CreateClient(connection ?? Connection(), settings ?? FastSettings);

        /// <summary>An engine context on a fresh client; its -Verbose lines land in <paramref name="verbose"/> when given.</summary>
        internal Ec2Context Context(ResolvedConnection connection = null, ConcurrentQueue<string> verbose = null, Ec2ClientSettings settings = null)
        {
            connection = connection ?? Connection();
            return new Ec2Context(Client(connection, settings), connection.RegionName, verbose == null ? (Action<string>)null : verbose.Enqueue);
        }
    }
}
