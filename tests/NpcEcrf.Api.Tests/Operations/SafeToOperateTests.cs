using NpcEcrf.Api.Tests.Analyses;
using System.Net;
using System.Net.Http.Headers;
using Npgsql;
using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Tests.Operations;

/// <summary>
/// One installation for every test here, as the README sets it up: an admin and a study made by verbs, then `serve`
/// running throughout. The tests run verbs beside it, as an operator's scripts do.
/// </summary>
public sealed class ServedInstallation : IAsyncLifetime
{
    public CliInstallation Cli { get; } = new();
    public HttpClient Http { get; private set; } = null!;
    /// <summary>The cluster `serve` runs on: it must still be this one (same postmaster, same port) after any verb.</summary>
    public (int Pid, int Port) Cluster { get; private set; }

    public async Task InitializeAsync()
    {
        await Cli.Verb("users", "add", "--username", "admin", "--role", "admin", "--password", "a-long-password");
        await Cli.Verb("study", "create", "ANLO-NPC", "--title", "Anlotinib in R/M NPC", "--file", Path.Combine(AppContext.BaseDirectory, "Demo", "Studies", "anlo-npc.json"));
        Assert.Null(Cli.Postmaster()); // each verb stopped the cluster it started
        Http = await Cli.ServeAsync();
        Cluster = Cli.Postmaster() ?? throw new InvalidOperationException("serve runs no cluster");
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        await Cli.DisposeAsync();
    }
}

public class SafeToOperateTests(ServedInstallation installation) : IClassFixture<ServedInstallation>
{
    private CliInstallation Cli => installation.Cli;

    [Fact]
    public async Task verbs_beside_a_running_server_use_its_cluster_and_never_stop_or_restart_it()
    {
        var results = new Dictionary<string, string>();
        foreach (var verb in new[]
        {
            new[] { "token", "--username", "admin" },
            ["users", "add", "--username", "beside-serve", "--role", "auditor", "--password", "another-long-password"],
            ["verify"],
        })
        {
            var run = await Cli.Verb(verb);
            Assert.Equal("", run.Stderr); // no framework warning, on either stream
            results[verb[0]] = run.Stdout;
            await CliInstallation.Healthy(installation.Http, TimeSpan.FromSeconds(2));
            Assert.Equal(installation.Cluster, Cli.Postmaster());
            Assert.True(Cli.ServerRunning, $"serve ended after {verb[0]}");
        }
        Assert.Equal("Created beside-serve (auditor).\n", results["users"]);
        Assert.Matches(@"^Clean: \d+ events in \d+ streams verified; chain head \d+:[0-9a-f]{64}\.\n$", results["verify"]);
        // The server reads what the verb wrote, through the same cluster; the token is stdout as it is.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/users/beside-serve") { Headers = { Authorization = new("Bearer", results["token"].TrimEnd('\n')) } };
        Assert.Equal(HttpStatusCode.OK, (await installation.Http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task the_docker_images_health_check_command_passes_on_a_running_server_and_fails_without_one()
    {
        Assert.Equal(0, await DockerSetupTests.RunHealthCheck(installation.Http.BaseAddress!.Port));
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var nothing = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        Assert.NotEqual(0, await DockerSetupTests.RunHealthCheck(nothing));
    }

    [Fact]
    public async Task a_token_captured_from_stdout_is_a_bearer_token_as_it_is()
    {
        var token = await Cli.Verb("token", "--username", "admin");
        // TOKEN=$(./npc-ecrf token ...) keeps stdout without its final newline: that string, and nothing else, is the token.
        Assert.Matches(@"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$", token.Stdout.TrimEnd('\n'));
        Assert.Equal("", token.Stderr);
        using var http = new HttpClient { BaseAddress = installation.Http.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Stdout.TrimEnd('\n'));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/users")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/studies")).StatusCode);
    }

    [Fact]
    public async Task stdout_carries_only_the_result_and_the_framework_says_nothing()
    {
        var output = Path.Combine(Cli.DataDir, "out");
        Directory.CreateDirectory(output);
        var runs = new Dictionary<string, CliInstallation.Run>
        {
            ["lock list"] = await Cli.Verb("lock", "list"),
            ["verify --head"] = await Cli.Verb("verify", "--head"),
            ["export"] = await Cli.Verb("export", "--study", "ANLO-NPC", "--out", Path.Combine(output, "study.xml")),
            ["analyse"] = await Cli.Verb("analyse", "--as-of", "2030-01-01T00:00:00Z", "--study", "ANLO-NPC", "--out", Path.Combine(output, "analysis")),
        };
        Assert.Equal("", runs["lock list"].Stdout);
        Assert.Matches(@"^\d+:[0-9a-f]{64}\n$", runs["verify --head"].Stdout);
        Assert.Equal($"Written: {Path.Combine(output, "study.xml")}\n", runs["export"].Stdout);
        Assert.StartsWith("# Analysis", runs["analyse"].Stdout);
        AnalysisSchema.Valid(File.ReadAllText(Path.Combine(output, "analysis", "analysis.json")));
        foreach (var (verb, run) in runs)
        {
            Assert.DoesNotMatch(@"(?im)^(info|warn|fail|dbug|crit):|async daemon|Marten|Wolverine", run.Stdout);
            Assert.True(run.Stderr == "", $"{verb} said on stderr: {run.Stderr}");
        }
    }

    [Fact]
    public async Task analyse_format_pdf_writes_the_pdf_alone_or_says_in_one_line_what_to_install()
    {
        var output = Path.Combine(Cli.DataDir, "pdf");
        var run = await Cli.Verb("analyse", "--as-of", "2030-01-01T00:00:00Z", "--study", "ANLO-NPC", "--out", output, "--format", "pdf");
        Assert.False(File.Exists(Path.Combine(output, "analysis.json")), "only the formats asked for are written");
        if (NpcEcrf.Api.Analyses.PdfReport.FindChromium() is null)
        {
            Assert.Equal(1, run.Exit);
            Assert.Contains("apt-get install chromium", run.Stderr);
            return;
        }
        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(Path.Combine(output, "analysis.pdf"))[..4]));
        Assert.EndsWith($"Written: {Path.GetFullPath(output)}/analysis.{{pdf}}\n", run.Stdout);
    }

    [Fact]
    public async Task a_missing_key_where_events_exist_is_refused_by_every_verb_naming_where_it_is_expected()
    {
        foreach (var keyFile in new[] { Installation.SealKeyFile, Installation.TokenKeyFile })
        {
            var key = Path.Combine(Cli.DataDir, keyFile);
            File.Move(key, key + ".away");
            try
            {
                foreach (var verb in keyFile == Installation.SealKeyFile ? new[] { new[] { "verify", "--head" }, ["study", "list"] } : [["token", "--username", "admin"]])
                {
                    var refused = await Cli.Verb(1, verb);
                    Assert.Contains($"The key '{key}' is missing", refused.Stderr);
                    Assert.Equal("", refused.Stdout);
                    Assert.False(File.Exists(key), $"{string.Join(' ', verb)} created a new {keyFile}");
                }
            }
            finally
            {
                File.Move(key + ".away", key, overwrite: true);
            }
        }
        await CliInstallation.Healthy(installation.Http, TimeSpan.FromSeconds(2));
        Assert.StartsWith("Clean:", (await Cli.Verb("verify")).Stdout);
    }

    [Fact]
    public async Task another_data_directory_on_the_same_database_is_refused_for_its_missing_key_not_reported_as_tampering()
    {
        // NPCECRF_DB names the installation's database, --data-dir a directory without its keys (a Docker exec without
        // NPCECRF_DATA_DIR, say): every event would fail its seal, so the verb says where the key should be instead.
        var elsewhere = Path.Combine(Path.GetTempPath(), $"npcecrf-elsewhere-{Guid.NewGuid():N}"[..40]);
        try
        {
            var database = new Dictionary<string, string> { [Installation.DatabaseVariable] = Cli.ConnectionString(EmbeddedPostgres.ApplicationRole) };
            foreach (var verb in new[] { new[] { "verify" }, ["token", "--username", "admin"] })
            {
                var refused = await Cli.VerbWith(database, 1, verb, elsewhere);
                Assert.Contains($"The key '{Path.Combine(elsewhere, Installation.SealKeyFile)}' is missing", refused.Stderr);
                Assert.DoesNotContain("finding", refused.Stdout + refused.Stderr);
                Assert.Empty(Directory.GetFiles(elsewhere));
            }
        }
        finally
        {
            try { Directory.Delete(elsewhere, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task a_mistyped_schema_is_refused_by_every_verb_and_never_created()
    {
        var typo = new Dictionary<string, string> { [Installation.SchemaVariable] = "npcecfr" };
        foreach (var verb in new[]
        {
            new[] { "users", "add", "--username", "typo", "--role", "auditor", "--password", "mistyped-long-secret" },
            ["verify", "--head"], ["lock", "list"], ["export", "--study", "ANLO-NPC", "--out", Path.Combine(Cli.DataDir, "typo.xml")],
        })
        {
            var refused = await Cli.VerbWith(typo, 1, verb);
            Assert.Contains("No schema 'npcecfr'", refused.Stderr);
        }
        await using var connection = new NpgsqlConnection(Cli.ConnectionString(EmbeddedPostgres.Superuser));
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("select count(*) from pg_namespace where nspname = 'npcecfr'", connection);
        Assert.Equal(0L, await exists.ExecuteScalarAsync());
        // The right name still works.
        Assert.Contains("admin", (await Cli.VerbWith(new Dictionary<string, string> { [Installation.SchemaVariable] = "npcecrf" }, 0, ["users", "list"])).Stdout);
    }
}
