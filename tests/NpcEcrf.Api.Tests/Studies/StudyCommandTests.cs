using System.Net;
using System.Security.Cryptography;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Studies;

/// <summary>
/// `./npc-ecrf study export` and `study import` as processes, on the test database: a definition exported from one
/// schema and imported into a fresh one is the same definition; files that cannot be written or read, and files of
/// another EDC without a base, are one-line errors.
/// </summary>
public class StudyCommandTests(AppFixture app) : IClassFixture<AppFixture>, IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("npcecrf-study-cli-").FullName;
    private readonly string _fresh = AppFixture.SchemaFor("clifresh" + Guid.NewGuid().ToString("N")[..6]);
    private TestDatabase.Connections _db = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.ConnectionsAsync();
        await TestDatabase.ExecuteAsync(_db.Owner ?? _db.Application, $"create schema \"{_fresh}\"");
        // The verbs seal with the key of the installation they run in: the fixture's, so both schemas hold one installation's events.
        File.WriteAllText(Path.Combine(_dir, "seal-key"), Convert.ToBase64String(app.Settings.SigningKey));
        File.WriteAllText(Path.Combine(_dir, "token-key"), Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
    }

    public async Task DisposeAsync()
    {
        await TestDatabase.DropSchemaAsync(_db.Owner ?? _db.Application, _fresh);
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private Task<(int Exit, string Stdout, string Stderr)> Verb(string schema, params string[] args) => CliProcess.Run(_db, schema, _dir, args);

    private static void Succeeded((int Exit, string Stdout, string Stderr) run) => Assert.True(run.Exit == 0, $"exit {run.Exit}: {run.Stderr}{run.Stdout}");

    private static void OneLineFailure((int Exit, string Stdout, string Stderr) run, string says)
    {
        Assert.True(run.Exit == 1, $"exit {run.Exit}: {run.Stderr}{run.Stdout}");
        Assert.Contains(says, run.Stderr);
        Assert.Single(run.Stderr.Trim().Split('\n'));
        Assert.DoesNotContain("Exception", run.Stderr);
    }

    private string FileIn(string name) => Path.Combine(_dir, name);

    [Fact]
    public async Task a_definition_exported_by_the_command_line_imports_into_a_fresh_schema_as_the_same_definition()
    {
        var admin = await app.ClientFor("cli.admin", ["admin"]);
        await (await admin.PostJson("/studies", new { studyId = "ODM-CLI", title = "Labs by command line", definition = OdmFiles.Labs() })).ShouldBe(HttpStatusCode.Created);

        var exported = await Verb(app.Schema, "study", "export", "ODM-CLI", "--out", FileIn("exported.xml"));
        Succeeded(exported);
        Assert.Contains("definition version 1", exported.Stdout);
        var xml = File.ReadAllText(FileIn("exported.xml"));
        OdmFiles.AssertSchemaValid(xml);

        var imported = await Verb(_fresh, "study", "import", FileIn("exported.xml"), "--title", "Copied by command line");
        Succeeded(imported);
        Assert.Contains("Created study ODM-CLI ('Copied by command line'), definition version 1, with 5 study forms.", imported.Stdout);
        Assert.DoesNotContain("Not mapped", imported.Stdout);

        Succeeded(await Verb(_fresh, "study", "export", "ODM-CLI", "--out", FileIn("copy.xml"), "--version", "1"));
        var (copy, refused) = DefinitionOdm.Import(File.ReadAllText(FileIn("copy.xml")), null);
        Assert.Null(refused);
        Assert.Equal(("ODM-CLI", "Copied by command line"), (copy!.StudyId, copy.Title));
        Assert.Equal(OdmFiles.Json(OdmFiles.Read(OdmFiles.Labs())), OdmFiles.Json(copy.Definition));

        OneLineFailure(await Verb(_fresh, "study", "import", FileIn("exported.xml")), "already exists");
    }

    [Fact]
    public async Task another_edcs_file_imports_from_the_command_line_with_a_base_and_lists_what_it_could_not_map()
    {
        File.WriteAllText(FileIn("foreign.xml"), OdmFiles.Foreign());
        File.WriteAllText(FileIn("base.json"), TestStudies.ReferenceJson.ToJsonString());
        File.WriteAllText(FileIn("not-a-definition.json"), "{\"treatment\": 3}");

        OneLineFailure(await Verb(_fresh, "study", "import", FileIn("foreign.xml"), "--study", "VITALS-CLI"), "--base FILE.json");
        OneLineFailure(await Verb(_fresh, "study", "import", FileIn("foreign.xml"), "--study", "VITALS-CLI", "--base", FileIn("not-a-definition.json")),
            "is not a study definition");
        var imported = await Verb(_fresh, "study", "import", FileIn("foreign.xml"), "--study", "VITALS-CLI", "--base", FileIn("base.json"));
        Succeeded(imported);
        Assert.Contains("Created study VITALS-CLI ('Vital signs and medications in NPC')", imported.Stdout);
        Assert.Contains("Not mapped: ItemDef I.TEMP: DataType double", imported.Stdout);
        Assert.Contains("Not mapped: MethodDef MT.BMI", imported.Stdout);
    }

    [Fact]
    public async Task a_missing_folder_a_missing_file_an_unknown_study_or_version_are_one_line_errors()
    {
        OneLineFailure(await Verb(app.Schema, "study", "export", AppFixture.FixtureStudy, "--out", "/no-such-dir/study.xml"), "The folder '/no-such-dir' does not exist.");
        OneLineFailure(await Verb(app.Schema, "study", "export", "NO-SUCH", "--out", FileIn("none.xml")), "No study 'NO-SUCH'.");
        OneLineFailure(await Verb(app.Schema, "study", "export", AppFixture.FixtureStudy, "--out", FileIn("none.xml"), "--version", "9"), "has no definition version 9");
        OneLineFailure(await Verb(app.Schema, "study", "import", FileIn("no-such-file.xml")), "Could not read or write a file");
        File.WriteAllText(FileIn("not-odm.xml"), "<html/>");
        OneLineFailure(await Verb(app.Schema, "study", "import", FileIn("not-odm.xml"), "--study", "HTML"), "not a CDISC ODM 1.3 file");
        Assert.False(File.Exists(FileIn("none.xml")));
    }
}
