using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Xunit.Abstractions;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Operations;

/// <summary>
/// Several API nodes share nothing but PostgreSQL (and the installation's keys): two `serve` processes on one database,
/// data entered through both, then the node running the asynchronous projection is killed (SIGKILL) while a client is
/// still writing through it. The survivor must take the projection over and catch up, nothing a node acknowledged may be
/// lost, and locks, `verify` and the analysis must work for both studies.
/// </summary>
public class ScaleOutTests(ITestOutputHelper output)
{
    private const string Password = "scale-out-password";

    /// <param name="databasePerStudy">One database for everything; or a database per study, the two studies on two
    /// private PostgreSQL clusters (docs/scaling.md), the master on the first.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task a_killed_node_hands_its_projection_to_the_survivor_and_loses_nothing_acknowledged(bool databasePerStudy)
    {
        var db = await TestDatabase.ConnectionsAsync();
        var suffix = Guid.NewGuid().ToString("N")[..6];
        string[] Studies = [$"SCALE-A-{suffix}", $"SCALE-B-{suffix}"];
        var schema = $"scaleout_{suffix}";
        var environment = new Dictionary<string, string>
        {
            [Installation.DatabaseVariable] = db.Application, [Installation.SchemaVariable] = schema,
            // Seconds, not Wolverine's minute, so the test waits briefly for the dead node to be noticed.
            ["Cluster__HealthCheckSeconds"] = "1", ["Cluster__StaleNodeSeconds"] = "3", ["Cluster__CheckAssignmentSeconds"] = "2",
        };
        if (db.Owner is { } owner) environment[Installation.OwnerDatabaseVariable] = owner;
        await using var installation = new CliInstallation();
        await using var secondCluster = databasePerStudy ? await EmbeddedPostgres.StartAsync(Path.Combine(installation.DataDir, "cluster-2"), durable: false) : null;
        if (secondCluster is not null)
        {
            environment["Database__StudyDatabases"] = "true";
            environment["Database__Servers__one"] = db.Superuser;
            environment["Database__Servers__two"] = secondCluster.ConnectionString();
            // The study's data as each server's application role, where the run has one.
            if (db.Owner is not null) environment["Database__ServerApplications__one"] = db.Application;
            environment["Database__ServerApplications__two"] = secondCluster.ApplicationConnectionString();
        }

        // The installation's keys, made here: the test run's database already holds other tests' events, and a node
        // refuses to make keys for a database with events (they could not be the keys those events were sealed with).
        Directory.CreateDirectory(installation.DataDir);
        foreach (var key in new[] { Installation.SealKeyFile, Installation.TokenKeyFile })
            await File.WriteAllTextAsync(Path.Combine(installation.DataDir, key), Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)));
        // Each study placed on its server before any node starts (docs/scaling.md, "Placing a study").
        if (secondCluster is not null)
            foreach (var (study, server) in Studies.Zip(["one", "two"]))
                await installation.VerbWith(environment, 0, ["study", "place", study, "--server", server]);
        var first = await installation.StartNodeAsync(environment, installation.DataDir);
        var firstNodeId = Guid.Empty;
        await WaitFor(async () => (await Nodes(db.Superuser, schema)) is [var only] && (firstNodeId = only) != Guid.Empty, "the first node's registration");
        // The second node: its own data directory, holding copies of the installation's keys (seals and tokens).
        var secondDir = Path.Combine(installation.DataDir, "node-b");
        Directory.CreateDirectory(secondDir);
        foreach (var key in new[] { Installation.SealKeyFile, Installation.TokenKeyFile })
            File.Copy(Path.Combine(installation.DataDir, key), Path.Combine(secondDir, key));
        var second = await installation.StartNodeAsync(environment, secondDir);
        await WaitFor(async () => (await Nodes(db.Superuser, schema)).Count == 2, "the second node's registration");

        await installation.VerbWith(environment, 0, ["users", "add", "--username", "admin", "--role", "admin", "--password", Password]);
        var admin = await LoggedIn(first.Http, "admin");
        foreach (var study in Studies)
        {
            await (await admin.PostJson("/studies", new { studyId = study, title = $"Scale-out {study}", definition = TestStudies.ReferenceJson })).ShouldBe(HttpStatusCode.Created);
            await (await admin.PostJson($"/studies/{study}/sites", new { siteId = "S1", name = "Site one" })).ShouldBe(HttpStatusCode.OK);
        }
        foreach (var (username, role) in new[] { ("cra", "cra"), ("dm", "data-manager"), ("auditor", "auditor") })
            await (await admin.PostJson("/users", new { username, printedName = username, password = Password, roles = new[] { role },
                sites = role == "cra" ? Studies.Select(s => $"{s}/S1").ToArray() : [] })).ShouldBe(HttpStatusCode.Created);

        // Access revoked on one node is refused on the other from its next requests, not when its cache expires.
        await (await admin.PostJson("/users", new { username = "leaver", printedName = "leaver", password = Password, roles = new[] { "auditor" } })).ShouldBe(HttpStatusCode.Created);
        var leaver = await LoggedIn(second.Http, "leaver");
        await (await leaver.GetAsync("/studies")).ShouldBe(HttpStatusCode.OK); // the second node now holds the account in its cache
        await (await admin.PostJson("/users/leaver/revoke-tokens", new { })).ShouldBe(HttpStatusCode.OK);
        var revokedAt = DateTime.UtcNow;
        await WaitFor(async () => (await leaver.GetAsync("/studies")).StatusCode == HttpStatusCode.Unauthorized, "the revocation on the other node",
            TimeSpan.FromSeconds(3));
        output.WriteLine($"The second node refused the revoked token {(DateTime.UtcNow - revokedAt).TotalMilliseconds:0} ms after the first node revoked it.");

        // Data through both nodes, in both studies, at once: each subject enrolled, dosed and corrected once.
        var acknowledged = new ConcurrentDictionary<(string Study, string Subject), Acknowledged>();
        var nodes = new[] { first, second };
        await Task.WhenAll(nodes.SelectMany((node, n) => Studies.Select(async study =>
        {
            var cra = await LoggedIn(node.Http, "cra");
            for (var i = 1; i <= 3; i++) await EnterCasebook(cra, study, $"N{n}-{i:00}", acknowledged);
        })));

        // The node to kill is one running an agent of the asynchronous projection: one agent per database (with a database
        // per study, one per study and one for the master), which Wolverine spreads across the nodes.
        List<(string Agent, Guid Node)> assigned = [];
        await WaitFor(async () => (assigned = await ProjectionAgents(db.Superuser, schema)).Count == (databasePerStudy ? 3 : 1),
            () => $"the projection agents' assignment (assigned: {string.Join(", ", assigned)}; all agents: {string.Join(", ", AllAssignments(db.Superuser, schema).Result)})");
        var holder = assigned[0].Node;
        var agents = assigned.Where(a => a.Node == holder).Select(a => a.Agent).ToList();
        var (victim, survivor) = holder == firstNodeId ? (first, second) : (second, first);

        // A client keeps writing through the victim while it is killed: what it acknowledged must survive.
        var victimCra = await LoggedIn(victim.Http, "cra");
        var killed = new TaskCompletionSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 1; ; i++)
            {
                try { await EnterCasebook(victimCra, Studies[i % 2], $"K-{i:000}", acknowledged); }
                catch (Exception) when (killed.Task.IsCompleted) { return i; }
                if (i == 4) { victim.Process.Kill(entireProcessTree: true); killed.SetResult(); }
            }
        });
        var attempted = await writer.WaitAsync(TimeSpan.FromMinutes(2));
        var killedAt = DateTime.UtcNow;
        Assert.True(attempted >= 4, $"the writer stopped after {attempted} subjects");

        // After the kill, data through the survivor only: the projection can only count it if the survivor runs it now.
        var survivorCra = await LoggedIn(survivor.Http, "cra");
        foreach (var study in Studies) await EnterCasebook(survivorCra, study, "AFTER-01", acknowledged);

        // Nothing acknowledged is lost: every casebook is there, at the version its last answer gave.
        foreach (var ((study, subject), acked) in acknowledged)
        {
            var casebook = await (await survivorCra.GetAsync($"/studies/{study}/subjects/{subject}")).ShouldBe(HttpStatusCode.OK);
            Assert.True(casebook.GetProperty("version").GetInt64() >= acked.Version, $"{study} {subject}: version {casebook.GetProperty("version")} < acknowledged {acked.Version}");
        }

        // The survivor took the projection over and caught up: a correction counted for every subject whose correction
        // was acknowledged, those entered after the kill included.
        HashSet<string> Subjects(string study, bool correctedOnly) =>
            [.. acknowledged.Where(a => a.Key.Study == study && (a.Value.Corrected || !correctedOnly)).Select(a => a.Key.Subject)];
        await WaitFor(async () =>
        {
            foreach (var study in Studies)
            {
                var rows = await (await survivorCra.GetAsync($"/studies/{study}/quality-summary")).ShouldBe(HttpStatusCode.OK);
                var corrected = rows.EnumerateArray().Where(r => r.GetProperty("corrections").GetInt32() == 1).Select(r => r.GetProperty("subjectNumber").GetString()!);
                if (!Subjects(study, correctedOnly: true).IsSubsetOf(corrected)) return false;
            }
            return true;
        }, "the survivor's projection catching up", TimeSpan.FromSeconds(90));
        var now = await ProjectionAgents(db.Superuser, schema);
        Assert.All(agents, agent => Assert.NotEqual(holder, now.Single(a => a.Agent == agent).Node));
        output.WriteLine($"Before the kill the projection agents ran on {assigned.Select(a => a.Node).Distinct().Count()} node(s).");
        output.WriteLine($"Killed the {(victim == first ? "first" : "second")} node ({string.Join(", ", agents)}) while its client was at subject {attempted}; " +
            $"the survivor caught up {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s later; {acknowledged.Count} casebooks acknowledged.");

        // Locks, the seal chain and the analysis, for both studies, through the survivor.
        var dm = await LoggedIn(survivor.Http, "dm");
        var auditor = await LoggedIn(survivor.Http, "auditor");
        foreach (var study in Studies)
        {
            var locked = await (await dm.PostJson("/locks", new { studyId = study, name = "after-failover", cutoff = "2021-12-31", reason = "Scale-out test" })).ShouldBe(HttpStatusCode.Created);
            var lockId = locked.GetProperty("id").GetString();
            var snapshot = await (await auditor.GetAsync($"/locks/{lockId}/snapshot")).ShouldBe(HttpStatusCode.OK);
            var frozen = snapshot.GetProperty("subjects").EnumerateArray().Select(s => s.GetProperty("subjectNumber").GetString()!).ToHashSet();
            Assert.Subset(frozen, Subjects(study, correctedOnly: false));
            var verified = await (await auditor.GetAsync($"/locks/{lockId}/verify")).ShouldBe(HttpStatusCode.OK);
            Assert.True(verified.GetProperty("verified").GetBoolean(), verified.GetRawText());
            await (await auditor.GetAsync($"/locks/{lockId}/analysis")).ShouldBe(HttpStatusCode.OK);
        }
        foreach (var study in Studies)
        {
            // With a database per study each study's store is verified apart; in one database this verifies it all.
            var report = await (await auditor.GetAsync($"/audit/verify?studyId={study}")).ShouldBe(HttpStatusCode.OK);
            Assert.True(report.GetProperty("clean").GetBoolean(), report.GetRawText());
        }
    }

    [Fact]
    public void how_soon_nodes_notice_a_dead_one_is_configured_in_whole_seconds_or_left_to_wolverine()
    {
        static ClusterTimings From(params (string Key, string Value)[] values) => Installation.ClusterTimingsFrom(
            new ConfigurationBuilder().AddInMemoryCollection(values.ToDictionary(v => v.Key, v => (string?)v.Value)).Build());
        Assert.Equal(new ClusterTimings(null, null, null), From());
        Assert.Equal(new ClusterTimings(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(20), null),
            From(("Cluster:HealthCheckSeconds", "2"), ("Cluster:StaleNodeSeconds", "20")));
        Assert.Contains("Cluster:StaleNodeSeconds is '0'", Assert.Throws<Cli.CommandLineError>(() => From(("Cluster:StaleNodeSeconds", "0"))).Message);
        Assert.Throws<Cli.CommandLineError>(() => From(("Cluster:HealthCheckSeconds", "1.5")));
    }

    /// <summary>The last answer a node gave for a casebook: its version, and whether the correction was among what it acknowledged.</summary>
    private sealed record Acknowledged(long Version, bool Corrected);

    /// <summary>Enrols a subject, records its first dose and corrects it, keeping what each answer acknowledged.</summary>
    private static async Task EnterCasebook(HttpClient cra, string study, string subject, ConcurrentDictionary<(string, string), Acknowledged> acknowledged)
    {
        var casebook = new CasebookClient(cra, subject, study);
        await casebook.Enrol("S1");
        acknowledged[(study, subject)] = new(casebook.Version, false);
        await casebook.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
        acknowledged[(study, subject)] = new(casebook.Version, false);
        await casebook.Post("/corrections", new { form = "first-dose", field = "date", newValue = "2021-03-05", reason = "Pharmacy log" });
        acknowledged[(study, subject)] = new(casebook.Version, true);
    }

    private static async Task<HttpClient> LoggedIn(HttpClient node, string username)
    {
        var response = await node.PostAsJsonAsync("/auth/token", new { username, password = Password });
        var token = (await response.ShouldBe(HttpStatusCode.OK)).GetProperty("accessToken").GetString();
        return new HttpClient { BaseAddress = node.BaseAddress, DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
    }

    /// <summary>The API nodes Wolverine has registered in the schema.</summary>
    private static async Task<List<Guid>> Nodes(string superuser, string schema) =>
        await Query(superuser, $"select id from \"{schema}\".wolverine_nodes order by node_number", r => r.GetGuid(0));

    /// <summary>The asynchronous projection's agents and the node each runs on (Wolverine's managed distribution).</summary>
    private static async Task<List<(string Agent, Guid Node)>> ProjectionAgents(string superuser, string schema) =>
        await Query(superuser, $"select id, node_id from \"{schema}\".wolverine_node_assignments where id like 'event-subscriptions://%'", r => (r.GetString(0), r.GetGuid(1)));

    private static async Task<List<T>> Query<T>(string connectionString, string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<T>();
            while (await reader.ReadAsync()) rows.Add(read(reader));
            return rows;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { return []; }
    }

    private static async Task<List<string>> AllAssignments(string superuser, string schema) =>
        await Query(superuser, $"select id || ' @ ' || node_id from \"{schema}\".wolverine_node_assignments", r => r.GetString(0));

    private static Task WaitFor(Func<Task<bool>> probe, string what, TimeSpan? within = null) => WaitFor(probe, () => what, within);

    private static async Task WaitFor(Func<Task<bool>> probe, Func<string> what, TimeSpan? within = null)
    {
        var until = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < until)
        {
            if (await probe()) return;
            await Task.Delay(250);
        }
        throw new TimeoutException($"Waited in vain for {what()}.");
    }
}
