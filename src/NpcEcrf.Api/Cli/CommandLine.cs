using System.CommandLine;
using System.Diagnostics;
using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Cli;

/// <summary>Something the user can fix, said in one line on stderr (exit 1).</summary>
public sealed class CommandLineError(string message) : Exception(message);

/// <summary>The one entry point: every verb of ./npc-ecrf.</summary>
public static partial class CommandLine
{
    public const int UsageError = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        // The stats verb is a contract of its own (docs/statistics.md); its front end lives with the engine.
        if (args is ["stats", .. var rest]) return Analysis.Cli.StatsCommandLine.Run(rest, Console.Out, Console.Error);
        var root = new RootCommand("NpcEcrf: an event-sourced eCRF backend (see README.md).");
        root.Subcommands.Add(ServeCommand());
        root.Subcommands.Add(TestCommand());
        root.Subcommands.Add(UserCommands.Users());
        root.Subcommands.Add(UserCommands.Token());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(LockCommands.Lock());
        root.Subcommands.Add(LockCommands.Analyse());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(StudyVerb());
        root.Subcommands.Add(new Command("stats", "Kaplan-Meier, Cox, log-rank and proportions on any CSV (./npc-ecrf stats --help)."));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine(error.Message);
            Console.Error.WriteLine("Usage: ./npc-ecrf <verb> [options]; ./npc-ecrf --help lists the verbs.");
            return UsageError;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is EmbeddedPostgresException or CommandLineError or MissingKeyException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file a verb reads or writes (an export, a report, a key): say which and why, never a stack trace.
            Console.Error.WriteLine($"Could not read or write a file: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            Console.Error.WriteLine($"The database did not answer: {e.Message}");
            return 1;
        }
    }

    /// <summary>Said before any work: a folder that does not exist for a file to write is the user's to fix (one line, exit 1).</summary>
    public static void RequireFolderOf(string file)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(file)) is { } folder && !Directory.Exists(folder))
            throw new DirectoryNotFoundException($"The folder '{folder}' does not exist.");
    }

    public static Option<string?> DataDirOption() => new("--data-dir")
    {
        Description = $"The installation's data directory: its keys and private PostgreSQL (default: {Installation.DataDirVariable}, " +
            $"else {Installation.DataDirSetting} in appsettings.json, else {Installation.DefaultDataDir()}).",
    };

    /// <summary>./npc-ecrf study ...: study administration (create, amend, list, show, history).</summary>
    private static Command StudyVerb()
    {
        var study = new Command("study", "Studies: create, amend, list, show, history; import and export the definition as CDISC ODM 1.3.2.");
        foreach (var subcommand in StudyAdminCommands.Subcommands().Concat(StudyCommands.Subcommands())) study.Subcommands.Add(subcommand);
        return study;
    }

    private static Command ServeCommand()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var dataDir = DataDirOption();
        var command = new Command("serve", "Run the API until Ctrl-C (embedded PostgreSQL unless NPCECRF_DB is set).") { urls, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            var app = AppHost.Build(installation.Settings());
            app.Urls.Add(parse.GetValue(urls)!);
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
