using System.CommandLine;
using NpcEcrf.Api.Cli;

namespace NpcEcrf.Api.Tests.Operations;

/// <summary>
/// The command line as scripts use it: exit 2 and one line for a wrong command line, exit 1 and one line when a file
/// cannot be written, for every verb that writes one; never a stack trace, never half a file, and no work (no cluster
/// started) before the command line and the places to write are known to be right.
/// </summary>
public sealed class CommandLineContractTests : IAsyncLifetime
{
    private readonly CliInstallation _cli = new();
    private string _folder = null!;

    public Task InitializeAsync()
    {
        _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"npcecrf-out-{Guid.NewGuid():N}"[..34])).FullName;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _cli.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Every verb that writes a file: its path, the option naming the place, and its arguments with that place as FILE or DIR (OK: a good place).</summary>
    public static readonly (string Verb, string Option, string[] Args)[] WritingVerbs =
    [
        ("export", "--out", ["export", "--study", "ANLO-NPC", "--out", "FILE"]),
        ("export", "--out", ["export", "--lock", "final", "--type", "snapshot", "--out", "FILE"]),
        ("export sdtm", "--out", ["export", "sdtm", "--lock", "final", "--format", "xpt", "--out", "DIR"]),
        ("export adam", "--out", ["export", "adam", "--as-of", "2030-01-01T00:00:00Z", "--study", "ANLO-NPC", "--out", "DIR"]),
        ("analyse", "--out", ["analyse", "--lock", "final", "--out", "DIR"]),
        ("analyse", "--json", ["analyse", "--as-of", "2030-01-01T00:00:00Z", "--study", "ANLO-NPC", "--out", "OK", "--json", "FILE"]),
        ("demo", "--out", ["demo", "--out", "DIR"]),
        ("demo", "--json", ["demo", "--out", "OK", "--json", "FILE"]),
        ("study export", "--out", ["study", "export", "ANLO-NPC", "--out", "FILE"]),
    ];

    [Fact]
    public void every_verb_with_a_file_or_folder_to_write_is_in_the_list_above()
    {
        // A new verb (or option) that writes files fails here until its I/O error is tested below.
        var writers = new SortedSet<string>();
        void Walk(Command command, string path)
        {
            foreach (var option in command.Options.Where(o => o.Name is "--out" or "--json" && o.ValueType == typeof(string)))
                writers.Add($"{path} {option.Name}");
            foreach (var sub in command.Subcommands) Walk(sub, $"{path} {sub.Name}".Trim());
        }
        Walk(CommandLine.Root(), "");
        Assert.Equal(writers, new SortedSet<string>(WritingVerbs.Select(v => $"{v.Verb} {v.Option}")));
    }

    public static TheoryData<int> Verbs() => [.. Enumerable.Range(0, WritingVerbs.Length)];

    [Theory]
    [MemberData(nameof(Verbs))]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task a_place_that_cannot_be_written_is_exit_1_and_one_line_before_any_work(int verb)
    {
        var missing = Path.Combine(_folder, "missing", "dir");
        var readOnly = ReadOnlyFolder();
        foreach (var (place, says) in new[] { (missing, $"The folder '{missing}' does not exist."), (readOnly, $"The folder '{readOnly}' does not take new files (") })
        {
            var target = Path.Combine(place, "x");
            var args = WritingVerbs[verb].Args.Select(a => a switch { "FILE" or "DIR" => target, "OK" => Path.Combine(_folder, "ok"), _ => a }).ToArray();
            var run = await _cli.Verb(1, args);
            Assert.Equal("", run.Stdout);
            Assert.StartsWith($"Could not read or write a file: {says}", run.Stderr);
            Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
            Assert.False(File.Exists(target) || Directory.Exists(target), $"{string.Join(' ', args)} wrote {target}");
            Assert.False(Directory.Exists(Path.Combine(_folder, "ok")), "the other place was written or created");
            // Said before any work: no cluster was started for a verb that could not have written its result.
            Assert.False(Directory.Exists(Path.Combine(_cli.DataDir, "pgdata")), "a cluster was started");
        }
    }

    [Theory]
    [InlineData("2021-02-30 is not a date (YYYY-MM-DD)", "lock", "create", "--study", "S", "--name", "n", "--cutoff", "2021-02-30", "--reason", "r")]
    [InlineData("--cutoff: 31/12/2021 is not a date (YYYY-MM-DD)", "export", "sdtm", "--as-of", "2030-01-01", "--study", "S", "--cutoff", "31/12/2021", "--out", "x")]
    [InlineData("--as-of: yesterday is not a date and time (YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ)", "analyse", "--as-of", "yesterday", "--study", "S", "--out", "x")]
    [InlineData("--in-force: 2024-02-30T00:00:00Z is not a date and time", "analyse", "--in-force", "2024-02-30T00:00:00Z", "--out", "x")]
    [InlineData("--effective-from: 2024-5-1 is not a date (YYYY-MM-DD)", "study", "amend", "S", "--file", "d.json", "--effective-from", "2024-5-1")]
    [InlineData("--version: two is not a whole number", "study", "show", "S", "--version", "two")]
    [InlineData("--version must be at least 1, not 0", "study", "export", "S", "--out", "x.xml", "--version", "0")]
    [InlineData("--subjects: 1e4 is not a whole number", "bench", "asof", "--subjects", "1e4")]
    [InlineData("--runs must be at least 1, not 0", "bench", "import", "--runs", "0")]
    [InlineData("--subjects: 3000,1000 is not a rising list of whole numbers", "bench", "locks", "--subjects", "3000,1000")]
    [InlineData("--max-mb: big is not a whole number", "import", "odm", "f.xml", "--max-mb", "big")]
    [InlineData("--format must be json, xpt or csv, not 'sas'", "export", "adam", "--lock", "final", "--format", "sas", "--out", "x")]
    [InlineData("--profile must be paper or r, not 'spss'", "analyse", "--lock", "final", "--profile", "spss", "--out", "x")]
    [InlineData("Choose exactly one of --lock, --in-force, --as-of.", "analyse", "--out", "x")]
    [InlineData("--as-of needs --study.", "analyse", "--as-of", "2030-01-01", "--out", "x")]
    [InlineData("Unknown option '--outt'", "export", "--study", "S", "--out", "x", "--outt", "y")]
    [InlineData("Unknown command 'exprot'", "exprot")]
    [InlineData("Say which: list, create, verify or unlock.", "lock")]
    [InlineData("--conf-type must be log, log-log or plain, not 'wide'", "stats", "km", "--csv", "x.csv", "--time", "t", "--event", "e", "--conf-type", "wide")]
    public async Task a_wrong_command_line_is_exit_2_and_one_line_naming_the_option_and_the_help(string says, params string[] args)
    {
        // The installation by NPCECRF_DATA_DIR: `lock` and `stats` take no --data-dir, and one wrong thing is tested at a time.
        var run = await _cli.VerbWith(new Dictionary<string, string>(), 2, args, CliInstallation.InEnvironment);
        Assert.Equal("", run.Stdout);
        Assert.Contains(says, run.Stderr);
        var path = string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')).Where(a => a is not ("S" or "f.xml") && a != "exprot"));
        Assert.EndsWith($"See ./npc-ecrf {(path.Length > 0 ? path + " " : "")}--help.\n", run.Stderr);
        Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("System.", run.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_cli.DataDir, "pgdata")), "a cluster was started");
    }

    [Fact]
    public void good_values_are_read_as_such_after_a_space_or_an_equals_sign()
    {
        foreach (var separated in new Func<string, string, string[]>[] { (o, v) => [o, v], (o, v) => [$"{o}={v}"] })
        {
            ParseResult Parsed(string[] args, string option, string value)
            {
                var parsed = CommandLine.Root().Parse([.. args, .. separated(option, value)]);
                Assert.Empty(parsed.Errors);
                return parsed;
            }
            Assert.Equal(new DateOnly(2021, 2, 28), Parsed(["lock", "create", "--study", "S", "--name", "n", "--reason", "r"], "--cutoff", "2021-02-28").GetValue<DateOnly>("--cutoff"));
            Assert.Equal(new DateTimeOffset(2030, 1, 1, 12, 30, 0, TimeSpan.Zero), Parsed(["analyse", "--study", "S", "--out", "x"], "--as-of", "2030-01-01T12:30:00Z").GetValue<DateTimeOffset?>("--as-of"));
            Assert.Equal(new DateTimeOffset(2030, 1, 1, 12, 30, 0, TimeSpan.FromHours(8)), Parsed(["analyse", "--out", "x"], "--in-force", "2030-01-01T12:30:00+08:00").GetValue<DateTimeOffset?>("--in-force"));
            Assert.Equal(new DateOnly(2024, 5, 1), Parsed(["study", "amend", "S", "--file", "d.json"], "--effective-from", "2024-05-01").GetValue<DateOnly?>("--effective-from"));
            Assert.Equal(10_000, Parsed(["bench", "asof"], "--subjects", "10000").GetValue<int>("--subjects"));
            Assert.Equal([1_000, 3_000], Parsed(["bench", "locks"], "--subjects", "1000,3000").GetValue<int[]>("--subjects")!);
            Assert.Equal(NpcEcrf.Api.Standards.DatasetFormat.Xpt, Parsed(["export", "sdtm", "--lock", "final", "--out", "x"], "--format", "xpt").GetValue<NpcEcrf.Api.Standards.DatasetFormat>("--format"));
            Assert.Equal(NpcEcrf.Api.Standards.DatasetFormat.Json, Parsed(["export", "sdtm", "--lock", "final"], "--out", "x").GetValue<NpcEcrf.Api.Standards.DatasetFormat>("--format"));
            Assert.Equal("paper", Parsed(["analyse", "--lock", "final"], "--out", "x").GetValue<string>("--profile"));
        }
    }

    [Fact]
    public async Task files_are_written_all_or_none_and_leave_no_temporary_file()
    {
        var folder = Path.Combine(_folder, "reports");
        var failing = () => OutputFiles.WriteAllAsync(folder, [("a.json", [1, 2]), ("no-such-dir/b.json", [3])], CancellationToken.None);
        await Assert.ThrowsAsync<DirectoryNotFoundException>(failing);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
        await OutputFiles.WriteAllAsync(folder, [("a.json", [1, 2]), ("b.json", [3])], CancellationToken.None);
        Assert.Equal(["a.json", "b.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        Assert.Equal([1, 2], File.ReadAllBytes(Path.Combine(folder, "a.json")));
    }

    /// <summary>
    /// A folder that takes no new file: a read-only one, or where the tests run as root (whom permissions do not stop)
    /// /sys, which refuses new files to everyone.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private string ReadOnlyFolder()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder, "read-only")).FullName;
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        try
        {
            using (File.Create(Path.Combine(folder, "probe"))) { }
            File.Delete(Path.Combine(folder, "probe"));
            return "/sys";
        }
        catch (UnauthorizedAccessException)
        {
            return folder;
        }
    }
}
