using System.Security.Cryptography;
using System.Text.Json;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.OdmImport;

/// <summary>`./npc-ecrf import odm FILE.xml` as a process on the test database: the summary as JSON, a hostile file as one line, and `verify` clean afterwards.</summary>
public class OdmImportCommandTests(AppFixture app) : IClassFixture<AppFixture>, IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("npcecrf-odm-import-cli-").FullName;
    private TestDatabase.Connections _db = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.ConnectionsAsync();
        // The verbs seal with the key of the installation they run in: the fixture's, so the schema holds one installation's events.
        File.WriteAllText(Path.Combine(_dir, "seal-key"), Convert.ToBase64String(app.Settings.SigningKey));
        File.WriteAllText(Path.Combine(_dir, "token-key"), Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    private Task<(int Exit, string Stdout, string Stderr)> Verb(params string[] args) => CliProcess.Run(_db, app.Schema, _dir, args);

    private string FileIn(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task the_verb_imports_a_file_prints_its_summary_refuses_a_hostile_file_in_one_line_and_verify_stays_clean()
    {
        var file = FileIn("cardio.xml", ForeignFiles.Snapshot());
        var baseFile = FileIn("base.json", TestStudies.ReferenceJson.ToJsonString());
        var run = await Verb("import", "odm", file, "--study", "CARDIO-CLI", "--base", baseFile);
        Assert.True(run.Exit == 0, $"exit {run.Exit}: {run.Stderr}{run.Stdout}");
        var summary = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal(("CARDIO-CLI", 2, "cardio.xml"), (summary.GetProperty("studyId").GetString(), summary.GetProperty("subjects").GetInt32(), summary.GetProperty("fileName").GetString()));

        var hostile = FileIn("hostile.xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE ODM [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n<ODM>&xxe;</ODM>");
        var refused = await Verb("import", "odm", hostile, "--study", "HOSTILE-CLI");
        Assert.True(refused.Exit == 1, $"exit {refused.Exit}: {refused.Stderr}{refused.Stdout}");
        Assert.Single(refused.Stderr.Trim().Split('\n'));
        Assert.Contains("Line 2: the file declares a DTD", refused.Stderr);
        Assert.DoesNotContain("Exception", refused.Stderr);

        var again = await Verb("import", "odm", file, "--study", "CARDIO-CLI", "--base", baseFile);
        Assert.Equal(1, again.Exit);
        Assert.Contains("already exists", again.Stderr);

        var verify = await Verb("verify");
        Assert.True(verify.Exit == 0, $"verify: exit {verify.Exit}: {verify.Stderr}{verify.Stdout}");
    }
}
