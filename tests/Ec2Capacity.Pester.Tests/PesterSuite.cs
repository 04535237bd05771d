using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Ec2Capacity.Pester.Tests
{
    /// <summary>One Pester test as xunit sees it: the file (relative to the repository) and Pester's expanded path.</summary>
    internal sealed class PesterOutcome
    {
        public string Result { get; set; }
        public string Message { get; set; }
    }

    /// <summary>
    /// Discovers the Pester tests once, then runs each file once in its own pwsh process (a fresh session per file:
    /// environment variables, loaded assemblies and the emulator it starts stay its own) and hands out the outcomes.
    /// </summary>
    internal static class PesterSuite
    {
        /// <summary>The name a failing file gets when it fails outside any test (syntax error, throwing BeforeAll).</summary>
        public const string WholeFile = "(the whole file)";

        private static readonly TimeSpan DiscoveryTimeout = TimeSpan.FromMinutes(3);
        private static readonly TimeSpan FileTimeout = TimeSpan.FromMinutes(8);
        private static readonly SemaphoreSlim Slots = new SemaphoreSlim(Math.Max(2, Environment.ProcessorCount));
        private static readonly ConcurrentDictionary<string, Lazy<Task<IReadOnlyDictionary<string, PesterOutcome>>>> Runs =
            new ConcurrentDictionary<string, Lazy<Task<IReadOnlyDictionary<string, PesterOutcome>>>>(StringComparer.Ordinal);
        private static IReadOnlyList<string> _files;

        public static IEnumerable<string> TestFiles()
        {
            // examples/ holds a runbook author's tests: they need the installed modules, so TestingKit.Tests.ps1 runs them
            // in a fresh pwsh with only the packaged modules on $env:PSModulePath, as a user would.
            var roots = new[] { Path.Combine(Layout.RepoRoot, "tests", "Pester") };
            return roots.Where(Directory.Exists)
                .SelectMany(root => Directory.EnumerateFiles(root, "*.Tests.ps1", SearchOption.AllDirectories))
                .Select(Relative)
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToList();
        }

        /// <summary>Every test of every file, as (file, name) pairs; a file that cannot be discovered is one failing pair.</summary>
        public static IReadOnlyList<(string File, string Name)> Discover()
        {
            var files = TestFiles().ToList();
            var results = RunAsync(files, discoverOnly: true).GetAwaiter().GetResult();
            var cases = new List<(string, string)>();
            foreach (var file in files)
            {
                // A file with no test, or one that failed discovery, stands as one failing case: never silently nothing.
                var names = results.TryGetValue(file, out var tests) ? tests.Keys.ToList() : new List<string>();
                if (names.Count == 0) names.Add(WholeFile);
                cases.AddRange(names.Select(n => (file, n)));
            }
            _files = files;
            return cases;
        }

        public static async Task<PesterOutcome> OutcomeAsync(string file, string name)
        {
            // The first test to ask starts every file, so that files run side by side while xunit walks the cases in order.
            foreach (var each in _files ?? new[] { file }) Start(each);
            var outcomes = await Start(file).Value;
            if (outcomes.TryGetValue(name, out var outcome)) return outcome;
            if (outcomes.TryGetValue(WholeFile, out var whole)) return whole;
            return new PesterOutcome { Result = "Missing", Message = $"'{name}' was discovered but Pester did not report it when the file ran." };
        }

        private static Lazy<Task<IReadOnlyDictionary<string, PesterOutcome>>> Start(string file) =>
            Runs.GetOrAdd(file, f => new Lazy<Task<IReadOnlyDictionary<string, PesterOutcome>>>(() => RunFileAsync(f)));

        private static async Task<IReadOnlyDictionary<string, PesterOutcome>> RunFileAsync(string file)
        {
            await Slots.WaitAsync();
            try
            {
                var results = await RunAsync(new[] { file }, discoverOnly: false);
                return results.TryGetValue(file, out var outcomes) ? outcomes : new Dictionary<string, PesterOutcome>();
            }
            finally { Slots.Release(); }
        }

        /// <summary>Runs Invoke-PesterRun.ps1 on files relative to the repository; reads its JSON: file → (unique test name → outcome).</summary>
        internal static async Task<Dictionary<string, Dictionary<string, PesterOutcome>>> RunAsync(IReadOnlyList<string> files, bool discoverOnly)
        {
            var timeout = discoverOnly ? DiscoveryTimeout : FileTimeout;
            var resultFile = Path.Combine(Path.GetTempPath(), "ec2capacity-pester-" + Guid.NewGuid().ToString("N") + ".json");
            var arguments = new List<string>
            {
                "-File", Layout.Runner,
                "-PesterModule", Layout.PesterModule,
                "-Path", string.Join(Path.PathSeparator, files.Select(f => Path.Combine(Layout.RepoRoot, f))),
                "-ResultFile", resultFile,
                "-Verbosity", "None",
            };
            if (discoverOnly) arguments.Add("-DiscoverOnly");
            try
            {
                var process = await PowerShellProcess.RunAsync(arguments, timeout);
                var byFile = files.ToDictionary(f => f, _ => new Dictionary<string, PesterOutcome>(StringComparer.Ordinal), StringComparer.Ordinal);
                if (process.TimedOut || !File.Exists(resultFile))
                {
                    var why = process.TimedOut ? $"did not finish within {timeout.TotalMinutes} minutes" : $"exited with code {process.ExitCode} and wrote no results";
                    foreach (var f in files)
                        byFile[f][WholeFile] = new PesterOutcome { Result = "Failed", Message = $"pwsh {why}:\n{process.Output}" };
                    return byFile;
                }

                using var json = JsonDocument.Parse(File.ReadAllText(resultFile));
                foreach (var test in Items(json.RootElement, "Tests"))
                {
                    var f = Relative(test.GetProperty("File").GetString());
                    if (!byFile.TryGetValue(f, out var tests)) continue;
                    var name = UniqueName(tests, test.GetProperty("Name").GetString());
                    tests[name] = new PesterOutcome { Result = test.GetProperty("Result").GetString(), Message = test.GetProperty("Message").GetString() };
                }
                foreach (var container in Items(json.RootElement, "Containers"))
                {
                    var f = Relative(container.GetProperty("File").GetString());
                    var message = container.GetProperty("Message").GetString();
                    if (byFile.TryGetValue(f, out var tests) && container.GetProperty("Result").GetString() == "Failed" && !string.IsNullOrEmpty(message))
                        tests[WholeFile] = new PesterOutcome { Result = "Failed", Message = message };
                }
                return byFile;
            }
            finally
            {
                File.Delete(resultFile);
            }
        }

        private static IEnumerable<JsonElement> Items(JsonElement root, string name) =>
            root.TryGetProperty(name, out var items) && items.ValueKind == JsonValueKind.Array ? items.EnumerateArray() : Enumerable.Empty<JsonElement>();

        /// <summary>Two tests may share a name (a -ForEach without a template): the second becomes "name #2".</summary>
        private static string UniqueName(Dictionary<string, PesterOutcome> taken, string name)
        {
            var unique = name;
            for (var n = 2; taken.ContainsKey(unique); n++) unique = $"{name} #{n}";
            return unique;
        }

        private static string Relative(string path) =>
            Path.GetRelativePath(Layout.RepoRoot, Path.GetFullPath(path)).Replace('\\', '/');
    }
}
