using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Cli;
using NpcEcrf.Api.Demo;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Studies;

/// <summary>
/// ./npc-ecrf study create|amend|list|show|history, run in-process (as CommandLineTests runs the command line) on this
/// class's schema, beside the HTTP API on the same store: the same decisions, one-line errors, never a stack trace.
/// </summary>
[Collection("console")]
public class StudyCommandLineTests(AppFixture app) : IClassFixture<AppFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("npcecrf-study-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string ReferenceFile => StudyDefinitions.PathOf(StudyDefinitions.Reference);

    /// <summary>Runs `study ARGS` as the operator would, on this fixture's database, schema and keys; returns the exit code and what was printed.</summary>
    private async Task<(int Exit, string Out, string Err)> Study(params string[] args)
    {
        var dataDir = Path.Combine(_dir, "data");
        if (!Directory.Exists(dataDir))
        {
            Directory.CreateDirectory(dataDir);
            // The installation's keys: the fixture's seal key (one chain of seals), a token key of its own.
            File.WriteAllText(Path.Combine(dataDir, Installation.SealKeyFile), Convert.ToBase64String(app.Settings.SigningKey));
            File.WriteAllText(Path.Combine(dataDir, Installation.TokenKeyFile), Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
        }
        var variables = new Dictionary<string, string?>
        {
            [Installation.DatabaseVariable] = app.ConnectionString,
            [Installation.OwnerDatabaseVariable] = (await TestDatabase.ConnectionsAsync()).Owner,
            [Installation.SchemaVariable] = app.Schema,
        };
        var saved = variables.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        var (output, error) = (new StringWriter(), new StringWriter());
        var (previousOut, previousError) = (Console.Out, Console.Error);
        try
        {
            foreach (var (name, value) in variables) Environment.SetEnvironmentVariable(name, value);
            Console.SetOut(output);
            Console.SetError(error);
            var exit = await CommandLine.RunAsync(args.Contains("--help") ? ["study", .. args] : ["study", .. args, "--data-dir", dataDir]);
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
            foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
        }
    }

    private async Task<string> Succeeds(params string[] args)
    {
        var (exit, output, error) = await Study(args);
        Assert.True(exit == 0, $"study {string.Join(' ', args)} exited {exit}: {error}");
        return output;
    }

    /// <summary>Fails with the exit code, one line on stderr containing <paramref name="says"/>, and no stack trace.</summary>
    private async Task Fails(int expectedExit, string says, params string[] args)
    {
        var (exit, _, error) = await Study(args);
        Assert.True(exit == expectedExit, $"study {string.Join(' ', args)} exited {exit}: {error}");
        Assert.Contains(says, error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", error);
        Assert.DoesNotContain("Exception", error);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string Write(string name, StudyDefinition definition) => Write(name, JsonSerializer.Serialize(definition, StudyDefinitions.Strict));

    [Fact]
    public async Task a_study_is_created_amended_listed_shown_and_its_history_told_from_the_command_line()
    {
        Assert.Contains("Created study CLI-1 (Study from the shell), definition version 1", await Succeeds("create", "CLI-1", "--title", "Study from the shell", "--file", ReferenceFile));
        await Fails(1, "already exists", "create", "CLI-1", "--title", "Again", "--file", ReferenceFile);
        Assert.Matches(@"CLI-1\s+latest v1\s+in force v1\s+sites -\s+Study from the shell", await Succeeds("list"));

        // What `show` prints is the definition itself, a file `amend` takes back.
        var shown = await Succeeds("show", "CLI-1");
        Assert.Equal(JsonSerializer.Serialize(TestStudies.Reference, StudyDefinitions.Strict),
            JsonSerializer.Serialize(JsonSerializer.Deserialize<StudyDefinition>(shown, StudyDefinitions.Strict), StudyDefinitions.Strict));
        var longer = JsonNode.Parse(shown)!;
        longer["treatment"]!["cycleDays"] = 28;
        var file = Write("longer.json", longer.ToJsonString());
        Assert.Contains("definition version 2 (revision)", await Succeeds("amend", "CLI-1", "--file", file));

        // Once a subject is enrolled (over HTTP, on the same store), a change is an amendment: a reason and a date from today.
        var admin = await app.ClientFor("cli.admin", ["admin"]);
        await (await admin.PostJson("/studies/CLI-1/sites", new { siteId = "S1", name = "Site one" })).ShouldBe(HttpStatusCode.OK);
        await (await app.ClientFor("cra.cli-1", ["cra"], "CLI-1/S1")).Enrolled("CLI-1", "C-01");
        var amended = Write("amended.json", TestStudies.Reference with { Treatment = TestStudies.Reference.Treatment with { CycleDays = 28, DaysOn = 21 } });
        await Fails(1, "reason", "amend", "CLI-1", "--file", amended);
        await Fails(1, "effectiveFrom", "amend", "CLI-1", "--file", amended, "--reason", "Longer dosing", "--effective-from", StudyBuilding.Date(StudyBuilding.Today.AddDays(-1)));
        Assert.Contains("definition version 3 (amendment) in force from " + StudyBuilding.Date(StudyBuilding.Today),
            await Succeeds("amend", "CLI-1", "--file", amended, "--reason", "Longer dosing", "--effective-from", StudyBuilding.Date(StudyBuilding.Today)));

        Assert.Equal(21, JsonNode.Parse(await Succeeds("show", "CLI-1", "--version", "1"))!["treatment"]!["cycleDays"]!.GetValue<int>());
        Assert.Equal(21, JsonNode.Parse(await Succeeds("show", "CLI-1"))!["treatment"]!["daysOn"]!.GetValue<int>());
        await Fails(1, "no definition version 9", "show", "CLI-1", "--version", "9");

        var history = await Succeeds("history", "CLI-1");
        var by = UserCommands.OperatorName();
        Assert.Contains($"created CLI-1 (Study from the shell) by {by}", history);
        Assert.Contains($"definition v1 (initial) in force from {StudyBuilding.Date(StudyBuilding.Today)} by {by}", history);
        Assert.Contains($"definition v2 (revision)", history);
        Assert.Contains($"definition v3 (amendment) in force from {StudyBuilding.Date(StudyBuilding.Today)} by {by}: Longer dosing", history);
        Assert.Contains("site S1 (Site one, UTC) added by cli.admin", history);
        Assert.Matches(@"CLI-1\s+latest v3\s+in force v3\s+sites S1", await Succeeds("list"));
    }

    [Fact]
    public async Task a_bad_file_or_study_is_one_line_naming_it_never_a_stack_trace()
    {
        await Fails(1, "Could not read or write a file", "create", "CLI-BAD", "--title", "Bad", "--file", Path.Combine(_dir, "no-such.json"));
        var notJson = Write("not.json", "this is not json");
        await Fails(1, $"{notJson} is not a study definition", "create", "CLI-BAD", "--title", "Bad", "--file", notJson);
        await Fails(1, "adverseEvents: adverseEvents is required", "create", "CLI-BAD", "--title", "Bad", "--file", Write("empty.json", "{}"));
        await Fails(1, "'bogus' is not a field", "create", "CLI-BAD", "--title", "Bad", "--file", Write("bogus.json", """{ "bogus": 1 }"""));
        var contradictory = Write("contradictory.json", TestStudies.Reference with { Treatment = TestStudies.Reference.Treatment with { DaysOn = 30 } });
        await Fails(1, "definition.treatment.daysOn", "create", "CLI-BAD", "--title", "Bad", "--file", contradictory);
        await Fails(2, "StudyId", "create", "bad id!", "--title", "Bad", "--file", ReferenceFile);
        var reader = await app.ClientFor("cli.reader", ["auditor"]);
        await (await reader.GetAsync("/studies/CLI-BAD")).ShouldBe(HttpStatusCode.NotFound);

        await Fails(1, "No study 'CLI-NONE'", "show", "CLI-NONE");
        await Fails(1, "No study 'CLI-NONE'", "history", "CLI-NONE");
        await Fails(1, "Study 'CLI-NONE' was not found", "amend", "CLI-NONE", "--file", ReferenceFile);
    }

    [Fact]
    public async Task the_study_verb_lists_its_subcommands()
    {
        var help = await Succeeds("--help");
        foreach (var verb in new[] { "create", "amend", "list", "show", "history" }) Assert.Contains(verb, help);
    }
}
