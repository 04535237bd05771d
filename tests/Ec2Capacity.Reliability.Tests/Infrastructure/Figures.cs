using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Xunit.Abstractions;

namespace Ec2Capacity.Reliability.Tests.Infrastructure
{
    /// <summary>
    /// The figures file: <c>TestResults/reliability-figures.txt</c> under the test output directory, one line per figure,
    /// started afresh by the first figure of a test run (one test process).
    /// </summary>
    public static class FiguresFile
    {
        private static readonly object Gate = new object();
        private static bool _started;

        /// <summary>Where the figures go.</summary>
        public static string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "TestResults", "reliability-figures.txt");

        public static void Append(string line)
        {
            lock (Gate)
            {
                if (!_started)
                {
                    Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path));
                    File.WriteAllText(Path, "# Ec2Capacity reliability figures, run started " + DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)
                        + " (dotnet test tests/Ec2Capacity.Reliability.Tests)" + Environment.NewLine);
                    _started = true;
                }
                File.AppendAllText(Path, line + Environment.NewLine);
            }
        }

        /// <summary>The file's text so far (for the secret scan).</summary>
        public static string ReadAll()
        {
            lock (Gate) return File.Exists(Path) ? File.ReadAllText(Path) : string.Empty;
        }
    }

    /// <summary>Prints figures of one section to the test output and appends them to <see cref="FiguresFile"/>.</summary>
    public sealed class Figures
    {
        private readonly ITestOutputHelper _output;
        private readonly string _section;
        private readonly List<string> _lines = new List<string>();

        public Figures(ITestOutputHelper output, string section)
        {
            _output = output;
            _section = section;
            Print("(figures file: " + FiguresFile.Path + ")", toFile: false);
        }

        public IReadOnlyList<string> Lines => _lines;

        /// <summary>One figure: "<section>: <name> = <value>".</summary>
        public void Add(string name, object value)
        {
            var text = value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : Convert.ToString(value, CultureInfo.InvariantCulture);
            Print(_section + ": " + name + " = " + text, toFile: true);
        }

        /// <summary>A line of context (test output only).</summary>
        public void Note(string text) => Print(_section + ": " + text, toFile: false);

        private void Print(string line, bool toFile)
        {
            lock (_lines) _lines.Add(line);
            try { _output?.WriteLine(line); } catch (InvalidOperationException) { /* output closed after the test */ }
            if (toFile) FiguresFile.Append(line);
        }
    }
}
