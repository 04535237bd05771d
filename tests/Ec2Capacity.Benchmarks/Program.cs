using System;
using System.IO;

namespace Ec2Capacity.Benchmarks
{
    /// <summary>
    /// Entry point.
    ///   --quick                      every comparison once, Stopwatch-timed, ratio lines last (under two minutes)
    ///   --smoke                      the same with the fewest samples (for the smoke test)
    ///   --cold-start-engine URL ID   child mode: load the engine, answer one usage request, exit
    ///   --cold-start-raw URL ID      child mode: the same with the raw SDK
    ///   anything else                BenchmarkDotNet (e.g. --filter '*'), then ratio lines from its summary
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            // Child modes first, and through methods of their own, so that neither BenchmarkDotNet nor the
            // emulator is loaded into a cold-start process.
            if (args.Length == 3 && (args[0] == ColdStart.EngineArg || args[0] == ColdStart.RawArg))
            {
                return ColdStartChild.Run(args[0], args[1], args[2]);
            }

            // Benchmark processes (ours, BenchmarkDotNet's) spawn the cold-start children from this dll.
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ColdStart.DllEnvironmentVariable)))
            {
                Environment.SetEnvironmentVariable(ColdStart.DllEnvironmentVariable,
                    Path.Combine(AppContext.BaseDirectory, typeof(Program).Assembly.GetName().Name + ".dll"));
            }

            if (args.Length == 1 && (args[0] == "--quick" || args[0] == "--smoke"))
            {
                return RunQuick(args[0] == "--smoke" ? QuickRunner.Plan.Smoke : QuickRunner.Plan.Quick);
            }
            return FullRunner.Run(args);
        }

        private static int RunQuick(QuickRunner.Plan plan)
        {
            var ratios = QuickRunner.Run(plan, line => Console.WriteLine(line));
            Console.WriteLine();
            Console.WriteLine($"# Ec2Capacity benchmark figures ({plan.Name} run; engine / reference)");
            foreach (string note in ratios.Notes) Console.WriteLine("# " + note);
            Console.Write(ratios.ToLines());
            Console.Out.Flush();
            return 0;
        }
    }
}
