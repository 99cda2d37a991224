using System.CommandLine;
using System.Diagnostics;
using NpcEcrf.Analysis.Cli;
using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Cli;

/// <summary>Something the user can fix, said in one line on stderr (exit 1).</summary>
public sealed class CommandLineError(string message) : Exception(message);

/// <summary>A study's database did not answer (its server is down): the web host's 503, naming the study (exit CliOutcomes.Unavailable).</summary>
public sealed class StudyUnavailableError(string message, Exception inner) : Exception(message, inner);

/// <summary>The one entry point: every verb of ./npc-ecrf.</summary>
public static partial class CommandLine
{
    public const int UsageError = CommandLineRunner.UsageError;

    /// <summary>Runs ./npc-ecrf ARGS: one parser for every verb (stats included), one line per problem on stderr, exit 0, 1, 2, or 69 when a database does not answer (CliOutcomes.Unavailable).</summary>
    public static Task<int> RunAsync(string[] args) =>
        CommandLineRunner.RunAsync(Root(), args, Console.Out, Console.Error, Explain, exitCode: e => CliOutcomes.Unreachable(e) is null ? null : CliOutcomes.Unavailable);

    public static RootCommand Root() => new("NpcEcrf: an event-sourced eCRF backend (see README.md).")
    {
        ServeCommand(), TestCommand(), UserCommands.Users(), UserCommands.Token(), VerifyCommand.Create(), DemoCommand.Create(),
        LockCommands.Lock(), LockCommands.Analyse(), BenchCommand.Create(), ExportCommand.Create(), ImportCommand.Create(), StudyVerb(),
        // The statistics verb is a contract of its own (docs/statistics.md); its command tree lives with the engine.
        StatsCommandLine.Create(),
    };

    /// <summary>The failures a user can fix, in one line each (exit 1); anything else is reported as a bug, still in one line.</summary>
    private static string? Explain(Exception e) => e switch
    {
        EmbeddedPostgresException or CommandLineError or MissingKeyException or StudyUnavailableError => e.Message,
        // The database is down, restarting or refusing connections: as the web host's 503 says it (exit CliOutcomes.Unavailable).
        _ when CliOutcomes.Unreachable(e) is { } unreachable => unreachable,
        // A file a verb reads or writes (an export, a report, a key): say which and why.
        IOException or UnauthorizedAccessException => $"Could not read or write a file: {e.Message}",
        Npgsql.NpgsqlException or TimeoutException => $"The database did not answer: {e.Message}",
        _ => null,
    };

    public static Option<string?> DataDirOption() => new("--data-dir")
    {
        Description = $"The installation's data directory: its keys and private PostgreSQL (default: {Installation.DataDirVariable}, " +
            $"else {Installation.DataDirSetting} in appsettings.json, else {Installation.DefaultDataDir()}).",
    };

    /// <summary>./npc-ecrf study ...: study administration (create, amend, list, show, history).</summary>
    private static Command StudyVerb()
    {
        var study = new Command("study", "Studies: create, amend, list, show, history, place (a database per study); import and export the definition as CDISC ODM 1.3.2.");
        foreach (var subcommand in StudyAdminCommands.Subcommands().Concat(StudyCommands.Subcommands())) study.Subcommands.Add(subcommand);
        return study;
    }

    private static Command ServeCommand()
    {
        // ASPNETCORE_URLS, as any ASP.NET host reads it, is how the Docker image listens beyond its loopback with a bare `serve`.
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen, ';' between several (default: ASPNETCORE_URLS, else http://127.0.0.1:5080).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is { Length: > 0 } configured ? configured : "http://127.0.0.1:5080",
        };
        var dataDir = DataDirOption();
        var command = new Command("serve", "Run the API until Ctrl-C (embedded PostgreSQL unless NPCECRF_DB is set).") { urls, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            var app = AppHost.Build(installation.Settings());
            foreach (var url in parse.GetValue(urls)!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) app.Urls.Add(url);
            Console.WriteLine(installation.Embedded is null
                ? "Database: NPCECRF_DB"
                : $"Database: embedded PostgreSQL on 127.0.0.1:{installation.Embedded.Port} ({installation.Embedded.ClusterDir})");
            await app.RunAsync();
            return 0;
        });
        return command;
    }

    private static Command TestCommand()
    {
        var command = new Command("test", "Run the whole test suite against a private PostgreSQL (or NPCECRF_TEST_DB).");
        command.SetAction(async (_, ct) =>
        {
            var solution = (Environment.GetEnvironmentVariable("NPCECRF_REPO") is { } repo ? Path.Combine(repo, "NpcEcrf.sln") : FindSolution())
                ?? throw new InvalidOperationException("Run ./npc-ecrf test from inside the repository.");
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(solution)!, RedirectStandardOutput = true };
            foreach (var a in new[] { "test", solution, "-c", "Release" }) psi.ArgumentList.Add(a);
            using var process = Process.Start(psi)!;
            var totals = new TestTotals();
            while (await process.StandardOutput.ReadLineAsync(ct) is { } line)
            {
                Console.WriteLine(line);
                totals.Add(line);
            }
            await process.WaitForExitAsync(ct);
            // One plain closing line over all test projects, for people and CI alike.
            Console.WriteLine($"{totals.Passed} passed, {totals.Failed} failed, {totals.Skipped} skipped");
            return process.ExitCode;
        });
        return command;
    }

    private sealed partial class TestTotals
    {
        public int Passed, Failed, Skipped;

        public void Add(string line)
        {
            var m = Summary().Match(line);
            if (!m.Success) return;
            Failed += int.Parse(m.Groups["failed"].Value);
            Passed += int.Parse(m.Groups["passed"].Value);
            Skipped += int.Parse(m.Groups["skipped"].Value);
        }

        [System.Text.RegularExpressions.GeneratedRegex(@"Failed:\s+(?<failed>\d+), Passed:\s+(?<passed>\d+), Skipped:\s+(?<skipped>\d+)")]
        private static partial System.Text.RegularExpressions.Regex Summary();
    }

    private static string? FindSolution()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            var sln = Path.Combine(dir.FullName, "NpcEcrf.sln");
            if (File.Exists(sln)) return sln;
        }
        return null;
    }
}
