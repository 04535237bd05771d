using System;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace Ec2Capacity.Emulator
{
    /// <summary><c>dotnet run --project tests/Ec2Capacity.Emulator -- --port N [--seed FILE]</c></summary>
    internal static class Program
    {
        internal const string Usage =
            "usage: Ec2Capacity.Emulator [--port N] [--seed FILE]\n" +
            "  --port N     TCP port on 127.0.0.1 (0-65535; 0 or omitted = any free port)\n" +
            "  --seed FILE  seed JSON (see README.md); without it the demo seed is loaded\n" +
            "Prints 'listening on http://127.0.0.1:N' when ready; stops on Ctrl+C or SIGTERM.";

        private static async Task<int> Main(string[] args)
        {
            using var stop = new CancellationTokenSource();
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            return await RunAsync(args, Console.Out, Console.Error, stop.Token).ConfigureAwait(false);
        }

        /// <summary>Exit codes: 0 stopped normally (or --help), 1 could not start (port in use), 2 bad arguments or seed.</summary>
        internal static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken stop)
        {
            int port = 0;
            string seedFile = null;
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                if (a == "--help" || a == "-h" || a == "-?")
                {
                    stdout.WriteLine(Usage);
                    return 0;
                }
                if ((a == "--port" || a == "--seed") && i + 1 >= args.Length)
                {
                    stderr.WriteLine("error: " + a + " needs a value");
                    stderr.WriteLine(Usage);
                    return 2;
                }
                if (a == "--port")
                {
                    if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
                    {
                        stderr.WriteLine("error: --port expects a number from 0 to 65535, got '" + args[i] + "'");
                        stderr.WriteLine(Usage);
                        return 2;
                    }
                }
                else if (a == "--seed")
                {
                    seedFile = args[++i];
                }
                else
                {
                    stderr.WriteLine("error: unknown argument '" + a + "'");
                    stderr.WriteLine(Usage);
                    return 2;
                }
            }

            string seed = null;
            if (seedFile != null)
            {
                try
                {
                    seed = await File.ReadAllTextAsync(seedFile, stop).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
                {
                    stderr.WriteLine("error: cannot read seed file '" + seedFile + "': " + ex.Message);
                    return 2;
                }
            }

            EmulatorServer server;
            try
            {
                server = await EmulatorServer.StartAsync(seed, port).ConfigureAwait(false);
            }
            catch (SeedException ex)
            {
                stderr.WriteLine("error: invalid seed: " + ex.Message);
                return 2;
            }
            catch (Exception ex) when (ex is IOException || ex is System.Net.Sockets.SocketException)
            {
                stderr.WriteLine("error: cannot listen on 127.0.0.1:" + port + ": " + ex.Message);
                return 1;
            }

            await using (server.ConfigureAwait(false))
            {
                stdout.WriteLine("Ec2Capacity.Emulator listening on " + server.BaseUri.GetLeftPart(UriPartial.Authority));
                stdout.WriteLine("region " + server.Region + "; seed: " + (seedFile ?? "demo (README.md, 'Demo seed')") + "; Ctrl+C to stop");
                stdout.Flush();
                try
                {
                    await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C / SIGTERM
                }
            }
            stdout.WriteLine("stopped");
            return 0;
        }
    }
}
