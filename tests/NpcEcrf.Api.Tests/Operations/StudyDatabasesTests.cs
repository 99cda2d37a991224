using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpcEcrf.Api.Cli;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Demo;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Operations;

/// <summary>
/// A database per study (docs/scaling.md) on two private clusters: the master (identity) and study A on the run's shared
/// cluster, study B on a second cluster of its own, which the test stops. Data goes in through HTTP and is found in
/// each study's own database by SQL; locks, their verification and analysis work per study; with study B's server
/// down, study B answers 503 with Retry-After while study A keeps working. The command line's verbs on a study's data
/// (run as processes) work in the study's database, as they do in one database, and exit Unavailable when its server is down.
/// </summary>
public class StudyDatabasesTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"npcecrf-sdb-{Guid.NewGuid():N}"[..34]);
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private EmbeddedPostgres? _second;
    private NpcEcrfSettings _settings = null!;
    private TestDatabase.Connections _first = null!;
    private string StudyA => $"SDB-A-{_suffix}";
    private string StudyB => $"SDB-B-{_suffix}";

    public async Task InitializeAsync()
    {
        _first = await TestDatabase.ConnectionsAsync();
        _second = await EmbeddedPostgres.StartAsync(_dir, durable: false);
        var schema = AppFixture.SchemaFor("sdb" + _suffix);
        await TestDatabase.DropSchemaAsync(_first.Owner ?? _first.Application, schema);
        _settings = new NpcEcrfSettings
        {
            ConnectionString = _first.Application,
            OwnerConnectionString = _first.Owner,
            Schema = schema,
            SigningKey = SHA256.HashData(Encoding.UTF8.GetBytes(schema)).Concat(SHA256.HashData(Encoding.UTF8.GetBytes("k" + schema))).ToArray(),
            // Servers are reached as a role that may create databases, and the study's data as each server's application role (docs/scaling.md).
            StudyDatabases = new StudyDatabases(new Dictionary<string, string> { ["one"] = _first.Superuser, ["two"] = _second.ConnectionString() },
                new Dictionary<string, string> { ["one"] = _first.Application, ["two"] = _second.ApplicationConnectionString() }),
        };
    }

    public async Task DisposeAsync()
    {
        foreach (var study in new[] { StudyA, StudyB })
        {
            try { await TestDatabase.ExecuteAsync(_first.Superuser, $"drop database if exists \"{StudyDatabases.DatabaseName(study)}\" with (force)"); }
            catch (NpgsqlException) { }
        }
        if (_second is not null) await _second.StopAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [DatabaseRoles.RolesFact]
    public async Task each_study_lives_in_its_own_database_on_its_own_server_and_a_server_down_stops_only_its_studies()
    {
        // Placement: idempotent on the same server, refused on another or on a server not configured.
        Assert.False((await Place(StudyA, "one")).AlreadyPlaced);
        Assert.False((await Place(StudyB, "two")).AlreadyPlaced);
        Assert.True((await Place(StudyA, "one")).AlreadyPlaced);
        Assert.Contains("already placed on server 'one'", (await Assert.ThrowsAsync<CommandLineError>(() => Place(StudyA, "two"))).Message);
        Assert.Contains("No server 'three'", (await Assert.ThrowsAsync<CommandLineError>(() => Place("SDB-C", "three"))).Message);
        // A study id is one id in any case: another case of a placed study is not a second database.
        Assert.Contains("same id in another case", (await Assert.ThrowsAsync<CommandLineError>(() => Place(StudyB.ToLowerInvariant(), "one"))).Message);

        var app = TestHosts.Build(_settings);
        await app.StartAsync();
        try
        {
            var admin = await TestHosts.SignedIn(app, "sdb.admin", ["admin"]);
            foreach (var study in new[] { StudyA, StudyB })
            {
                await (await admin.PostJson("/studies", new { studyId = study, title = $"Study {study}", definition = TestStudies.ReferenceJson })).ShouldBe(HttpStatusCode.Created);
                await (await admin.PostJson($"/studies/{study}/sites", new { siteId = "S1", name = "Site one" })).ShouldBe(HttpStatusCode.OK);
            }
            // A study nobody placed is a clear 404, never a 500.
            var unplaced = await (await admin.PostJson("/studies", new { studyId = "SDB-NOWHERE", title = "x", definition = TestStudies.ReferenceJson })).ShouldBe(HttpStatusCode.NotFound);
            Assert.Contains("not placed", unplaced.GetProperty("title").GetString());
            await (await admin.GetAsync("/studies/SDB-NOWHERE")).ShouldBe(HttpStatusCode.NotFound);
            // An import creates a study, so it must name a placed one (else it would land in the master).
            var anonymousImport = await (await admin.PostAsync("/studies/import-odm", new StringContent("<ODM/>", Encoding.UTF8, "application/xml"))).ShouldBe(HttpStatusCode.BadRequest);
            Assert.Contains("studyId", anonymousImport.ToString());

            // A request names one study: the route, the query and the body (in any case of its name) must agree.
            var twoStudies = await (await admin.PostJson($"/studies?studyId={StudyA}", new { StudyId = StudyB, title = "x", definition = TestStudies.ReferenceJson }))
                .ShouldBe(HttpStatusCode.BadRequest);
            Assert.Contains("names two studies", twoStudies.ToString());
            // The body may repeat the property (the endpoint binds the last one): every one must name the same study.
            var repeated = new StringContent($$"""{"studyId":"{{StudyA}}","title":"x","StudyId":"{{StudyB}}","definition":{{TestStudies.ReferenceJson}}}""", Encoding.UTF8, "application/json");
            Assert.Contains("names two studies", (await (await admin.PostAsync("/studies", repeated)).ShouldBe(HttpStatusCode.BadRequest)).ToString());
            await (await admin.GetAsync($"/studies/{StudyA.ToLowerInvariant()}")).ShouldBe(HttpStatusCode.OK);
            // Anonymous requests are not routed, so they cannot learn which studies are placed.
            var anonymous = app.GetTestClient();
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health?studyId=SDB-NOWHERE")).StatusCode);
            // Accounts live in the master: a stray ?studyId= does not send them to a study's database (a logout there revoked nothing).
            var leaving = await TestHosts.SignedIn(app, "sdb.leaving", ["data-manager"]);
            Assert.True((await leaving.PostAsync($"/auth/logout?studyId={StudyA}", null)).IsSuccessStatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await leaving.GetAsync("/studies")).StatusCode);

            var listed = await (await admin.GetAsync("/studies")).ShouldBe(HttpStatusCode.OK);
            Assert.Equal([StudyA, StudyB], listed.EnumerateArray().Select(s => s.GetProperty("studyId").GetString()!).Order(StringComparer.Ordinal));

            foreach (var study in new[] { StudyA, StudyB })
            {
                // Accounts are global, their sites checked against the study's own database.
                var subject = new CasebookClient(await TestHosts.SignedIn(app, $"cra.{study.ToLowerInvariant()}", ["cra"], $"{study}/S1"), "P-01", study);
                await subject.Enrol("S1");
                await subject.Post("/demographics", new { sex = "F", yearOfBirth = 1970, ageAtEnrolment = 51 });
                await subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
                // A data query is found by its id alone, in whichever study database holds it.
                var monitor = await TestHosts.SignedIn(app, $"monitor.{study.ToLowerInvariant()}", ["monitor"], $"{study}/S1");
                var raised = await (await monitor.PostJson("/data-queries", new { studyId = study, subjectNumber = "P-01", form = "demographics", field = "sex", text = "Check" }))
                    .ShouldBe(HttpStatusCode.Created);
                var query = await (await monitor.GetAsync($"/data-queries/{raised.GetProperty("id").GetGuid()}")).ShouldBe(HttpStatusCode.OK);
                Assert.Equal(study, query.GetProperty("studyId").GetString());
            }

            // Each study's rows are in its own database only; the accounts only in the master.
            foreach (var (study, server) in new[] { (StudyA, _first.Superuser), (StudyB, _second!.ConnectionString()) })
            {
                var database = new NpgsqlConnectionStringBuilder(server) { Database = StudyDatabases.DatabaseName(study) }.ConnectionString;
                Assert.Equal(1L, await Scalar(database, $"select count(*) from \"{_settings.Schema}\".mt_doc_casebook where data->>'studyId' = '{study}'"));
                Assert.Equal(1L, await Scalar(database, $"select count(*) from \"{_settings.Schema}\".mt_doc_study"));
                Assert.Equal(0L, await Scalar(database, $"select count(*) from \"{_settings.Schema}\".mt_events where type = 'user_created'"));
            }
            // Nodes reach a study's data as the server's application role, which owns nothing: it cannot switch off the guard on mt_events.
            foreach (var (study, application) in new[] { (StudyA, _first.Application), (StudyB, _second.ApplicationConnectionString()) })
            {
                var stored = new NpgsqlConnectionStringBuilder(await StoredConnection(study));
                Assert.Equal(new NpgsqlConnectionStringBuilder(application).Username, stored.Username);
                stored.Password = _settings.StudyDatabases!.PasswordFor(stored);
                var refused = await Assert.ThrowsAsync<PostgresException>(() =>
                    TestDatabase.ExecuteAsync(stored.ConnectionString, $"alter table \"{_settings.Schema}\".mt_events disable trigger all"));
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
            }
            Assert.Equal(0L, await Scalar(_first.Superuser, $"select count(*) from \"{_settings.Schema}\".mt_events where type like 'subject%' or type = 'study_created'"));
            Assert.True(await Scalar(_first.Superuser, $"select count(*) from \"{_settings.Schema}\".mt_doc_useraccount") >= 3);

            var dm = await TestHosts.SignedIn(app, "sdb.dm", ["data-manager"]);
            var statistician = await TestHosts.SignedIn(app, "sdb.stat", ["statistician"]);
            var auditor = await TestHosts.SignedIn(app, "sdb.auditor", ["auditor"]);
            foreach (var study in new[] { StudyA, StudyB })
            {
                var name = $"final-{study.ToLowerInvariant()}";
                await (await dm.PostJson("/locks", new { studyId = study, name, cutoff = "2021-12-31", reason = "Analysis", kind = "Hard" })).ShouldBe(HttpStatusCode.Created);
                // The lock's check runs after the commit as a Wolverine message, in the lock's study database.
                await Eventually(async () => (await (await dm.GetAsync($"/locks/{name}")).ShouldBe(HttpStatusCode.OK)).GetProperty("replayVerified").ValueKind == JsonValueKind.True);
                var verified = await (await dm.GetAsync($"/locks/{name}/verify")).ShouldBe(HttpStatusCode.OK);
                Assert.True(verified.GetProperty("verified").GetBoolean(), verified.ToString());
                await (await statistician.GetAsync($"/locks/{name}/analysis")).ShouldBe(HttpStatusCode.OK);
                var trail = await (await auditor.GetAsync($"/audit?studyId={study}")).ShouldBe(HttpStatusCode.OK);
                // The study's own trail, from its own database: its subject's entries, and no other study's.
                var entries = trail.GetProperty("entries").EnumerateArray().ToList();
                Assert.Contains(entries, e => e.GetProperty("eventType").GetString() == "subject_enrolled");
                Assert.All(entries, e => Assert.Equal(study, e.GetProperty("studyId").GetString()));
                var seals = await (await auditor.GetAsync($"/audit/verify?studyId={study}")).ShouldBe(HttpStatusCode.OK);
                Assert.True(seals.GetProperty("clean").GetBoolean(), seals.ToString());
            }
            var allLocks = await (await dm.GetAsync("/locks")).ShouldBe(HttpStatusCode.OK);
            Assert.Equal([StudyA, StudyB], allLocks.EnumerateArray().Select(l => l.GetProperty("studyId").GetString()!).Order(StringComparer.Ordinal));
            // A study database's sessions keep the web host's statement timeout (its connection string is the master table's).
            await using (var connection = StudyRouting.DatabaseOf(app.Services.GetRequiredService<IDocumentStore>(), StudyB).CreateConnection())
            {
                await connection.OpenAsync();
                await using var show = new NpgsqlCommand("show statement_timeout", connection);
                Assert.Equal("30s", await show.ExecuteScalarAsync());
            }
            var withoutStudy = await (await auditor.GetAsync("/audit")).ShouldBe(HttpStatusCode.BadRequest);
            Assert.Contains("studyId", withoutStudy.ToString());

            // Study B's server goes down: B answers 503 with Retry-After, A keeps working.
            await _second!.StopAsync();
            var down = await admin.GetAsync($"/studies/{StudyB}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.NotNull(down.Headers.RetryAfter);
            await (await admin.GetAsync($"/studies/{StudyA}")).ShouldBe(HttpStatusCode.OK);
            await (await statistician.GetAsync($"/locks/final-{StudyA.ToLowerInvariant()}/analysis")).ShouldBe(HttpStatusCode.OK);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        // A node that starts while study B's server is down starts, and serves study A. (It takes about 100 s: Wolverine's
        // PostgreSQL transport tries every database 20 times, 5 s apart, before it starts without study B's; docs/scaling.md.)
        var restarted = TestHosts.Build(_settings);
        await restarted.StartAsync();
        try
        {
            var admin = await TestHosts.SignedIn(restarted, "sdb.admin2", ["admin"]);
            await (await admin.GetAsync($"/studies/{StudyA}")).ShouldBe(HttpStatusCode.OK);
            var down = await admin.GetAsync($"/studies/{StudyB}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.NotNull(down.Headers.RetryAfter);
        }
        finally
        {
            await restarted.StopAsync();
            await restarted.DisposeAsync();
        }
    }

    [DatabaseRoles.RolesFact]
    public async Task the_verbs_work_in_a_studys_own_database_as_in_one_database_and_say_when_its_server_is_down()
    {
        var dataDir = Directory.CreateDirectory(Path.Combine(_dir, "cli")).FullName;
        // The installation's keys: those of this class's settings (a verb makes none where events exist).
        File.WriteAllText(Path.Combine(dataDir, Installation.SealKeyFile), Convert.ToBase64String(_settings.SigningKey));
        File.WriteAllText(Path.Combine(dataDir, Installation.TokenKeyFile), Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
        var configuration = new Dictionary<string, string>
        {
            ["Database__StudyDatabases"] = "true", ["Database__Servers__one"] = _first.Superuser, ["Database__Servers__two"] = _second!.ConnectionString(),
            ["Database__ServerApplications__one"] = _first.Application, ["Database__ServerApplications__two"] = _second.ApplicationConnectionString(),
        };
        var study = $"CLI-{_suffix}";
        Task<(int Exit, string Stdout, string Stderr)> Verb(params string[] args) => CliProcess.RunWith(_first, _settings.Schema, dataDir, configuration, args);

        var placed = await Verb("study", "place", study, "--server", "two");
        Assert.True(placed.Exit == 0, placed.Stderr);
        Assert.Contains($"Placed study {study} on server two", placed.Stdout);
        var moved = await Verb("study", "place", study, "--server", "one");
        Assert.Equal(1, moved.Exit);
        Assert.Contains("already placed on server 'two'", moved.Stderr);
        var unplaced = await Verb("study", "create", "CLI-NOWHERE", "--title", "x", "--file", StudyDefinitions.PathOf(StudyDefinitions.Reference));
        Assert.Equal(1, unplaced.Exit);
        Assert.Contains("not placed", unplaced.Stderr);
        Ok(await Verb("study", "create", study, "--title", "Placed by the command line", "--file", StudyDefinitions.PathOf(StudyDefinitions.Reference)));
        Assert.Contains(study, Ok(await Verb("study", "list")).Stdout);
        var database = new NpgsqlConnectionStringBuilder(_second.ConnectionString()) { Database = StudyDatabases.DatabaseName(study) }.ConnectionString;
        Assert.Equal(1L, await Scalar(database, $"select count(*) from \"{_settings.Schema}\".mt_doc_study"));
        Assert.Equal(0L, await Scalar(_first.Superuser, $"select count(*) from \"{_settings.Schema}\".mt_events where type = 'study_created'"));

        // Subjects entered through the web host; the study exported as ODM, and imported into a new study on server two (an
        // import must name its study). A lock of that study and its verification, whose hash is the one the web host shows.
        var odm = Path.Combine(dataDir, "cli.xml");
        var imported = $"ODM-{_suffix}";
        var app = TestHosts.Build(_settings);
        await app.StartAsync();
        string hash;
        try
        {
            await (await (await TestHosts.SignedIn(app, "cli.admin", ["admin"])).PostJson($"/studies/{study}/sites", new { siteId = "S1", name = "Site one" })).ShouldBe(HttpStatusCode.OK);
            var cra = await TestHosts.SignedIn(app, "cli.cra", ["cra"], $"{study}/S1");
            foreach (var (number, sex) in new[] { ("P-01", "F"), ("P-02", "M") })
            {
                var subject = new CasebookClient(cra, number, study);
                await subject.Enrol("S1");
                await subject.Post("/demographics", new { sex, yearOfBirth = 1970, ageAtEnrolment = 51 });
                await subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
            }
            Ok(await Verb("export", "--study", study, "--out", odm));
            Ok(await Verb("study", "place", imported, "--server", "two"));
            var anonymous = await Verb("import", "odm", odm);
            Assert.True(anonymous.Exit == 1 && anonymous.Stderr.Contains("give --study ID"), anonymous.Stderr);
            Ok(await Verb("import", "odm", odm, "--study", imported));
            Ok(await Verb("study", "export", imported, "--out", Path.Combine(dataDir, "definition.xml")));
            Assert.Contains("<MetaDataVersion", File.ReadAllText(Path.Combine(dataDir, "definition.xml")));

            var locked = Ok(await Verb("lock", "create", "--study", imported, "--name", "final", "--cutoff", "2021-12-31", "--reason", "Analysis"));
            hash = locked.Stdout.Trim().Split(": ")[^1];
            Assert.Contains("verified", Ok(await Verb("lock", "verify", "final", "--study", imported)).Stdout);
            var noStudy = await Verb("lock", "verify", "final");
            Assert.True(noStudy.Exit == 1 && noStudy.Stderr.Contains("give --study ID"), noStudy.Stderr);
            var locks = await (await (await TestHosts.SignedIn(app, "cli.dm", ["data-manager"])).GetAsync($"/locks?studyId={imported}")).ShouldBe(HttpStatusCode.OK);
            Assert.Equal(hash, locks.EnumerateArray().Single(l => l.GetProperty("name").GetString() == "final").GetProperty("snapshotHash").GetString());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        // The seal chain: one study's database, or the master's and every placed study's, each reported on its own.
        Assert.Contains($"study {imported}: Clean:", Ok(await Verb("verify", "--study", imported)).Stdout);
        var everything = Ok(await Verb("verify"));
        foreach (var line in new[] { "master database: Clean:", $"study {imported}: Clean:", $"study {study}: Clean:", "3 databases: 3 clean" })
            Assert.Contains(line, everything.Stdout);
        // A study's chain head, kept outside, proves its database later; with a database per study a head is a study's.
        var head = Ok(await Verb("verify", "--head", "--study", imported)).Stdout.Trim();
        Assert.Contains($"and the anchor {head.Split(':')[0]} reproduced", Ok(await Verb("verify", "--study", imported, "--against", head)).Stdout);
        var whose = await Verb("verify", "--head");
        Assert.True(whose.Exit == CommandLine.UsageError && whose.Stderr.Contains("give --study ID with --head"), whose.Stderr);
        // An event changed in the study's database is found, whether the study is named or not.
        var importedDatabase = new NpgsqlConnectionStringBuilder(_second.ConnectionString()) { Database = StudyDatabases.DatabaseName(imported) }.ConnectionString;
        var events = $"\"{_settings.Schema}\".mt_events";
        await TestDatabase.ExecuteAsSuperuserAsync($"update {events} set data = data || '{{\"tampered\": true}}'::jsonb where type = 'study_created'", database: importedDatabase);
        var tampered = await Verb("verify", "--study", imported);
        var found = $@"(?m)^study {imported}: \d+ finding\(s\) in";
        Assert.True(tampered.Exit == 1, tampered.Stdout + tampered.Stderr);
        Assert.Matches(found, tampered.Stdout);
        var tamperedAll = await Verb("verify");
        Assert.True(tamperedAll.Exit == 1, tamperedAll.Stdout + tamperedAll.Stderr);
        Assert.Matches(found, tamperedAll.Stdout);
        foreach (var line in new[] { "master database: Clean:", $"study {study}: Clean:", "3 databases: 2 clean, 1 with findings" })
            Assert.Contains(line, tamperedAll.Stdout);
        await TestDatabase.ExecuteAsSuperuserAsync($"update {events} set data = data - 'tampered' where type = 'study_created'", "test: tampering undone", importedDatabase);

        // The same file imported into one database (a schema of its own): the same lock, SDTM datasets and analysis.
        var single = AppFixture.SchemaFor("sdb1" + _suffix);
        await TestDatabase.ExecuteAsync(_first.Owner ?? _first.Application, $"create schema \"{single}\"");
        try
        {
            Task<(int Exit, string Stdout, string Stderr)> OneDatabase(params string[] args) => CliProcess.Run(_first, single, dataDir, args);
            Ok(await OneDatabase("import", "odm", odm, "--study", imported));
            var oneChain = await OneDatabase("verify", "--study", imported);
            Assert.True(oneChain.Exit == CommandLine.UsageError && oneChain.Stderr.Contains("Leave out --study"), oneChain.Stderr);
            // The same data, so the same lock: its hash does not depend on where the study lives.
            Assert.EndsWith($": {hash}", Ok(await OneDatabase("lock", "create", "--study", imported, "--name", "final", "--cutoff", "2021-12-31", "--reason", "Analysis")).Stdout.Trim());
            var (perStudy, oneDatabase) = (Path.Combine(dataDir, "sdtm-per-study"), Path.Combine(dataDir, "sdtm-one"));
            Ok(await Verb("export", "sdtm", "--lock", "final", "--study", imported, "--format", "csv", "--out", perStudy));
            Ok(await OneDatabase("export", "sdtm", "--lock", "final", "--format", "csv", "--out", oneDatabase));
            var datasets = Directory.GetFiles(perStudy, "*.csv").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.NotEmpty(datasets);
            Assert.Equal(datasets, Directory.GetFiles(oneDatabase, "*.csv").Select(Path.GetFileName).Order(StringComparer.Ordinal));
            foreach (var file in datasets) Assert.Equal(File.ReadAllText(Path.Combine(oneDatabase, file!)), File.ReadAllText(Path.Combine(perStudy, file!)));
            Ok(await Verb("analyse", "--lock", "final", "--study", imported, "--format", "json", "--out", Path.Combine(dataDir, "an-per-study")));
            Ok(await OneDatabase("analyse", "--lock", "final", "--format", "json", "--out", Path.Combine(dataDir, "an-one")));
            // The analysis alike, but for when it was generated.
            string Analysis(string dir) => System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(Path.Combine(dataDir, dir, "analysis.json")), "\"generatedAt\": \"[^\"]+\"", "");
            Assert.Equal(Analysis("an-one"), Analysis("an-per-study"));
        }
        finally
        {
            await TestDatabase.DropSchemaAsync(_first.Owner ?? _first.Application, single);
        }

        Assert.Contains("Unlocked final.", Ok(await Verb("lock", "unlock", "final", "--study", imported, "--reason", "More data")).Stdout);

        // A study not placed is one clear line, exit 1.
        var nowhere = await Verb("export", "--study", "CLI-NOWHERE", "--out", Path.Combine(dataDir, "x.xml"));
        Assert.True(nowhere.Exit == 1 && nowhere.Stderr.Contains("Study 'CLI-NOWHERE' is not placed") && !nowhere.Stderr.Contains("Exception"), nowhere.Stderr);

        // Server two goes down: the study's verbs say so as the web host's 503 does, with the exit code for "unavailable";
        // `verify` still verifies the master.
        await _second.StopAsync();
        var down = $"Study '{imported}': The database is not reachable right now";
        foreach (var verb in new[] { new[] { "verify", "--study", imported }, ["lock", "verify", "final", "--study", imported] })
        {
            var refused = await Verb(verb);
            Assert.True(refused.Exit == CliOutcomes.Unavailable && refused.Stderr.Contains(down), $"{string.Join(' ', verb)}: exit {refused.Exit}: {refused.Stderr}{refused.Stdout}");
        }
        var partly = await Verb("verify");
        Assert.True(partly.Exit == CliOutcomes.Unavailable && partly.Stderr.Contains(down) && partly.Stdout.Contains("master database: Clean:"), partly.Stderr + partly.Stdout);
        Assert.Contains("3 databases: 1 clean, 0 with findings, 2 not reachable", partly.Stdout);
    }

    private static (int Exit, string Stdout, string Stderr) Ok((int Exit, string Stdout, string Stderr) run)
    {
        Assert.True(run.Exit == 0, $"exit {run.Exit}: {run.Stderr}{run.Stdout}");
        return run;
    }

    [DatabaseRoles.RolesFact]
    public async Task health_checks_every_study_database_and_names_those_down_only_to_an_admin()
    {
        await Place(StudyA, "one");
        await Place(StudyB, "two");
        var app = TestHosts.Build(_settings);
        await app.StartAsync();
        try
        {
            var anonymous = app.GetTestClient();
            var admin = await TestHosts.SignedIn(app, "health.admin", ["admin"]);
            var dm = await TestHosts.SignedIn(app, "health.dm", ["data-manager"]);
            var healthy = await anonymous.GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
            Assert.Equal("Healthy", await healthy.Content.ReadAsStringAsync());

            // Study B's server goes down: the node still serves study A, so it stays in rotation (200), Degraded.
            await _second!.StopAsync();
            foreach (var (caller, named) in new[] { (anonymous, false), (dm, false), (admin, true) })
            {
                var degraded = await caller.GetAsync("/health");
                Assert.Equal(HttpStatusCode.OK, degraded.StatusCode);
                var text = await degraded.Content.ReadAsStringAsync();
                Assert.StartsWith("Degraded: 1 of 2 study databases do not answer.", text);
                // Which studies are placed is not for anonymous callers (nor other roles) to learn; an admin is told which.
                if (named) Assert.Contains(StudyB, text);
                else Assert.DoesNotContain(StudyB, text);
                Assert.DoesNotContain(StudyA, text);
            }
            // Study A's database dropped (no outage: its server refuses the connection, 3D000) is that study's alone too:
            // Degraded, never the node's Unhealthy, and the error's text (which names the database) is not shown.
            await TestDatabase.ExecuteAsync(_first.Superuser, $"drop database \"{StudyDatabases.DatabaseName(StudyA)}\" with (force)");
            var dropped = await anonymous.GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
            var droppedText = await dropped.Content.ReadAsStringAsync();
            Assert.Equal("Degraded: 2 of 2 study databases do not answer.", droppedText);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [DatabaseRoles.RolesFact]
    public async Task two_placements_of_one_study_at_once_register_one_and_refuse_the_other_and_placing_again_takes_the_configured_connection()
    {
        async Task<(string Server, Placement? Placed, string? Refusal)> Attempt(string server)
        {
            try { return (server, await Place(StudyA, server), null); }
            catch (CommandLineError e) { return (server, null, e.Message); }
        }
        // Both get past their first checks before either registers: the test holds study A's row in the master's table of
        // tenants, uncommitted, until both placements wait (on that row, or on the placement lock), then rolls it back.
        await Place(StudyB, "two"); // the master's table of tenants exists from here
        await using var holder = new NpgsqlConnection(_first.Owner ?? _first.Application);
        await holder.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await using (var held = new NpgsqlCommand($"insert into \"{_settings.Schema}\".mt_tenant_databases (tenant_id, connection_string) values (@id, 'held')", holder, hold))
        {
            held.Parameters.AddWithValue("id", StudyA);
            await held.ExecuteNonQueryAsync();
        }
        var attempts = Task.WhenAll(Attempt("one"), Attempt("two"));
        await Eventually(async () => await Scalar(_first.Superuser, "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and pid <> pg_backend_pid() " +
            "and (query like '%mt_tenant_databases%' or query like '%npcecrf: study place%')") == 2);
        await hold.RollbackAsync();
        var outcomes = await attempts;
        var won = Assert.Single(outcomes, o => o.Placed is not null);
        var lost = Assert.Single(outcomes, o => o.Refusal is not null);
        Assert.False(won.Placed!.AlreadyPlaced);
        Assert.Contains($"already placed on server '{won.Server}'", lost.Refusal);
        Assert.Contains("does not move a study", lost.Refusal);
        // The master keeps the winner's database; the loser made none on its server, and registered nothing.
        Assert.Equal(won.Server, _settings.StudyDatabases!.ServerOf(await StoredConnection(StudyA)));
        Assert.Equal(0L, await Scalar(_settings.StudyDatabases.Servers[lost.Server], $"select count(*) from pg_database where datname = '{StudyDatabases.DatabaseName(StudyA)}'"));

        // Placing again on its server (its application role reached otherwise, say): re-readied, and the master takes the connection as configured now.
        var applications = new Dictionary<string, string>(_settings.StudyDatabases.Applications!) { [won.Server] = _settings.StudyDatabases.Applications![won.Server] + ";Application Name=npcecrf-replaced" };
        var reconfigured = _settings with { StudyDatabases = _settings.StudyDatabases with { Applications = applications } };
        var again = await StudyPlacement.PlaceAsync(reconfigured, StudyA, won.Server, _ => { }, default);
        Assert.True(again.AlreadyPlaced && again.ConnectionUpdated);
        Assert.Equal(reconfigured.StudyDatabases!.StoredConnectionStringFor(won.Server, StudyA), await StoredConnection(StudyA));
        // The master keeps no password: the node takes it from its configuration when it connects.
        Assert.Null(new NpgsqlConnectionStringBuilder(await StoredConnection(StudyA)).Password);
        Assert.Null(new NpgsqlConnectionStringBuilder(await StoredConnection(StudyB)).Password);
        // Nor for the global tenant (accounts), which is the application's role, not the owner who readied the master.
        var global = new NpgsqlConnectionStringBuilder(await StoredConnection(StudyDatabases.GlobalTenant));
        Assert.Null(global.Password);
        Assert.Equal(new NpgsqlConnectionStringBuilder(_first.Application).Username, global.Username);
        Assert.False((await StudyPlacement.PlaceAsync(reconfigured, StudyA, won.Server, _ => { }, default)).ConnectionUpdated);

        // A server with an application role places without a warning; one without is placed, saying what its role could do.
        var warnings = new List<string>();
        await StudyPlacement.PlaceAsync(_settings, $"SDB-C-{_suffix}", "two", warnings.Add, default);
        Assert.Empty(warnings);
        await StudyPlacement.PlaceAsync(_settings with { StudyDatabases = _settings.StudyDatabases with { Applications = null } }, $"SDB-D-{_suffix}", "two", warnings.Add, default);
        Assert.Contains("has no application role (Database:ServerApplications:two)", Assert.Single(warnings));
    }

    [DatabaseRoles.RolesFact]
    public async Task a_lock_is_found_by_its_id_in_whichever_study_holds_it_and_the_routing_cache_stays_bounded()
    {
        await Place(StudyA, "one");
        await Place(StudyB, "two");
        // A node that remembers two ids' studies, so that three locks overflow it.
        var app = TestHosts.Build(_settings, b => b.Services.AddSingleton(s => new StudyRouting(s.GetRequiredService<IDocumentStore>(), capacity: 2)));
        await app.StartAsync();
        try
        {
            var routing = app.Services.GetRequiredService<StudyRouting>();
            var admin = await TestHosts.SignedIn(app, "route.admin", ["admin"]);
            var dm = await TestHosts.SignedIn(app, "route.dm", ["data-manager"]);
            foreach (var study in new[] { StudyA, StudyB })
                await (await admin.PostJson("/studies", new { studyId = study, title = $"Study {study}", definition = TestStudies.ReferenceJson })).ShouldBe(HttpStatusCode.Created);
            // Three locks in study B, the second placed study: a lookup by id that misses the cache asks both.
            var ids = new List<Guid>();
            foreach (var n in new[] { 1, 2, 3 })
            {
                var name = $"route-{n}";
                var created = await (await dm.PostJson("/locks", new { studyId = StudyB, name, cutoff = "2021-12-31", reason = "Routing", kind = "Soft" })).ShouldBe(HttpStatusCode.Created);
                ids.Add(created.GetProperty("id").GetGuid());
                await (await dm.PostJson($"/locks/{name}/unlock", new { reason = "Routing" })).ShouldBe(HttpStatusCode.OK);
            }
            foreach (var id in ids.Append(ids[0])) // the first again, after it was forgotten
            {
                var found = await (await dm.GetAsync($"/locks/{id}")).ShouldBe(HttpStatusCode.OK);
                Assert.Equal(StudyB, found.GetProperty("studyId").GetString());
                Assert.True(routing.Remembered <= 2, $"{routing.Remembered} ids remembered");
            }
            Assert.Equal(2, routing.Remembered);
            // Ids found nowhere are not remembered: a flood of them does not grow the cache (nor answer anything but 404).
            for (var i = 0; i < 20; i++)
                await (await dm.GetAsync($"/locks/{Guid.NewGuid()}")).ShouldBe(HttpStatusCode.NotFound);
            Assert.Equal(2, routing.Remembered);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private async Task<string> StoredConnection(string studyId)
    {
        await using var connection = new NpgsqlConnection(_first.Superuser);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select connection_string from \"{_settings.Schema}\".mt_tenant_databases where tenant_id = @id", connection);
        command.Parameters.AddWithValue("id", studyId);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !await condition(); await Task.Delay(200))
            Assert.True(DateTime.UtcNow < deadline, "not within 30 s");
    }

    private Task<Placement> Place(string studyId, string server) => StudyPlacement.PlaceAsync(_settings, studyId, server, _ => { }, default);

    private static async Task<long> Scalar(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}

/// <summary>The mode's settings and the study database's name: pure, no database.</summary>
public class StudyDatabaseSettingsTests
{
    private static Microsoft.Extensions.Configuration.IConfiguration Config(params (string Key, string Value)[] values) =>
        new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void the_mode_is_off_unless_configured_and_on_it_needs_servers_and_a_clear_true()
    {
        Assert.Null(StudyDatabases.From(Config()));
        Assert.Null(StudyDatabases.From(Config(("Database:StudyDatabases", "false"))));
        var on = StudyDatabases.From(Config(("Database:StudyDatabases", "true"), ("Database:Servers:east", "Host=east;Username=u;Password=p")))!;
        Assert.Equal("Host=east;Username=u;Password=p;Database=" + StudyDatabases.DatabaseName("S-1"), on.ConnectionStringFor("east", "S-1"));
        Assert.Null(on.ConnectionStringFor("west", "S-1"));
        Assert.Equal("Host=east;Username=u;Database=" + StudyDatabases.DatabaseName("S-1"), on.StoredConnectionStringFor("east", "S-1"));
        Assert.Equal("p", on.PasswordFor(new Npgsql.NpgsqlConnectionStringBuilder(on.StoredConnectionStringFor("east", "S-1"))));
        Assert.Null(on.PasswordFor(new Npgsql.NpgsqlConnectionStringBuilder("Host=east;Username=other")));
        Assert.Null(on.PasswordFor(new Npgsql.NpgsqlConnectionStringBuilder("Host=west;Username=u")));
        // With the server's application role: the study's data is reached as that role, whose password comes from configuration too.
        var split = StudyDatabases.From(Config(("Database:StudyDatabases", "true"), ("Database:Servers:east", "Host=east;Username=u;Password=p"),
            ("Database:ServerApplications:east", "Host=east;Username=app;Password=a")))!;
        Assert.Equal("Host=east;Username=app;Database=" + StudyDatabases.DatabaseName("S-1"), split.StoredConnectionStringFor("east", "S-1"));
        Assert.Equal("a", split.PasswordFor(new Npgsql.NpgsqlConnectionStringBuilder(split.StoredConnectionStringFor("east", "S-1"))));
        Assert.Contains("names no server", Assert.Throws<CommandLineError>(() => StudyDatabases.From(Config(("Database:StudyDatabases", "true"),
            ("Database:Servers:east", "Host=east"), ("Database:ServerApplications:west", "Host=west")))).Message);
        Assert.Contains("give true", Assert.Throws<CommandLineError>(() => StudyDatabases.From(Config(("Database:StudyDatabases", "yes")))).Message);
        Assert.Contains("no server is configured", Assert.Throws<CommandLineError>(() => StudyDatabases.From(Config(("Database:StudyDatabases", "true")))).Message);
        Assert.Contains("Database:Servers:bad", Assert.Throws<CommandLineError>(() =>
            StudyDatabases.From(Config(("Database:StudyDatabases", "true"), ("Database:Servers:bad", "Nonsense=1")))).Message);
    }

    [Fact]
    public void the_routing_cache_forgets_its_oldest_entries_beyond_its_capacity_and_keeps_the_first_answer()
    {
        var cache = new BoundedCache<int, string>(3);
        for (var i = 0; i < 10; i++) cache.Remember(i, $"study {i}");
        Assert.Equal(3, cache.Count);
        Assert.False(cache.TryGet(6, out _));
        Assert.True(cache.TryGet(9, out var last) && last == "study 9");
        Assert.Equal("study 9", cache.Remember(9, "another"));
    }

    [Theory]
    [InlineData("ANLO-NPC", true)]
    [InlineData("a_1-B", true)]
    [InlineData("ABC\n", false)] // .NET's $ matched before a final newline: the validator took it, a database name would not
    [InlineData("", false)]
    [InlineData("A B", false)]
    [InlineData("*global*", false)]
    [InlineData("ÄBC", false)]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false)] // 41
    public void a_study_id_is_what_creating_a_study_accepts_and_what_can_name_a_database(string id, bool valid)
    {
        var accepted = new NpcEcrf.Api.Studies.CreateStudy.Validator()
            .Validate(new NpcEcrf.Api.Studies.CreateStudy(id, "Title", null!), o => o.IncludeProperties(c => c.StudyId)).IsValid;
        Assert.Equal(valid, accepted);
        Assert.Equal(valid, NpcEcrf.Api.Studies.StudyIds.IsValid(id));
    }

    [Fact]
    public void a_study_database_name_is_readable_unique_per_exact_id_and_within_postgresqls_limit()
    {
        var longest = new string('A', 39) + "-";
        Assert.True(Encoding.UTF8.GetByteCount(StudyDatabases.DatabaseName(longest)) <= 63);
        Assert.StartsWith("npcecrf_study_anlo_npc_", StudyDatabases.DatabaseName("ANLO-NPC"));
        Assert.NotEqual(StudyDatabases.DatabaseName("anlo-npc"), StudyDatabases.DatabaseName("ANLO-NPC"));
        Assert.Matches("^[a-z0-9_]+$", StudyDatabases.DatabaseName("Ab_9-z"));
        Assert.Throws<ArgumentException>(() => StudyDatabases.DatabaseName("a\"; drop database x; --"));
        Assert.Throws<ArgumentException>(() => StudyDatabases.DatabaseName(StudyDatabases.GlobalTenant));
    }
}
