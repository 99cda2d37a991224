using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NpcEcrf.Api.Tests.Foundation;

/// <summary>
/// The README's own flow, as processes: `serve`, then `users add`, `token` (captured with $(...)) and `verify` on the
/// same installation. The verbs use the running cluster and never stop it; the server stays healthy throughout.
/// </summary>
public class RunningServerTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"npcecrf-serve-{Guid.NewGuid():N}"[..36]);
    private readonly int _port = FreePort();
    private Process? _server;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            // Ctrl-C, as a user stops it: the server stops the cluster it started.
            Process.Start("kill", ["-INT", _server.Id.ToString()])?.WaitForExit();
            if (!_server.WaitForExit(30_000)) _server.Kill(entireProcessTree: true);
        }
        await Task.Delay(200);
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task verbs_run_beside_a_running_server_use_its_cluster_and_leave_it_healthy()
    {
        Assert.Equal(0, (await Verb("users", "add", "--username", "admin", "--role", "admin", "--password", "a-long-password")).Exit);
        _server = Start("serve", "--urls", $"http://127.0.0.1:{_port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };
        await Healthy(http, TimeSpan.FromSeconds(60));

        var token = await Verb("token", "--username", "admin");
        Assert.Equal(0, token.Exit);
        Assert.DoesNotContain('\n', token.Stdout.Trim());
        await Healthy(http, TimeSpan.FromSeconds(2));
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.Stdout.Trim());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/users")).StatusCode);

        Assert.Equal(0, (await Verb("users", "add", "--username", "second", "--role", "auditor", "--password", "another-long-password")).Exit);
        Assert.Equal(0, (await Verb("verify")).Exit);
        await Healthy(http, TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/users/second")).StatusCode);
    }

    [Fact]
    public async Task the_account_verbs_list_reset_and_deactivate_through_the_pipeline()
    {
        await Verb("users", "add", "--username", "carol", "--role", "cra", "--password", "correct-horse-battery");
        await Verb("users", "password", "--username", "carol", "--password", "a-newer-horse-battery");
        var weak = await Verb(1, "users", "password", "--username", "carol", "--password", "short");
        Assert.Contains("12 characters", weak.Stderr);
        await Verb("users", "deactivate", "--username", "carol", "--reason", "Left the site");
        Assert.Contains("already deactivated", (await Verb(1, "users", "deactivate", "--username", "carol", "--reason", "again")).Stderr);
        var list = (await Verb("users", "list")).Stdout;
        Assert.Matches(@"carol\s+deactivated\s+cra", list);
    }

    [Fact]
    public async Task a_file_that_cannot_be_written_is_a_one_line_error_not_a_stack_trace()
    {
        await Verb("users", "add", "--username", "admin", "--role", "admin", "--password", "a-long-password");
        foreach (var args in new[]
        {
            new[] { "analyse", "--as-of", "2030-01-01T00:00:00Z", "--study", "ANY", "--out", "/proc/no-such-dir/report" },
            ["export", "--study", "ANY", "--out", "/no-such-dir/study.xml"],
        })
        {
            var failed = await Verb(1, args);
            Assert.Contains("Could not read or write a file", failed.Stderr);
            Assert.DoesNotContain("   at ", failed.Stderr);
            Assert.DoesNotContain("Exception", failed.Stderr);
        }
    }

    [Fact]
    public async Task a_mistyped_schema_is_an_error_not_a_new_empty_installation()
    {
        await Verb("users", "add", "--username", "admin", "--role", "admin", "--password", "a-long-password");
        var typo = await VerbWith("npcecfr", 1, "users", "list");
        Assert.Contains("No schema 'npcecfr'", typo.Stderr);
        Assert.Contains("admin", (await VerbWith("npcecrf", 0, "users", "list")).Stdout);
    }

    [Fact]
    public async Task a_missing_key_where_events_exist_is_refused_naming_where_it_is_expected()
    {
        await Verb("users", "add", "--username", "admin", "--role", "admin", "--password", "a-long-password");
        var key = Path.Combine(_dataDir, "seal-key");
        File.Move(key, key + ".backup");
        foreach (var verb in new[] { new[] { "verify" }, ["users", "list"] })
        {
            var refused = await Verb(1, verb);
            Assert.Contains(key, refused.Stderr);
            Assert.False(File.Exists(key), "a new key was created");
        }
        File.Move(key + ".backup", key);
        Assert.Contains("Clean", (await Verb("verify")).Stdout);
    }

    private Process Start(params string[] args)
    {
        var process = Process.Start(ProcessFor(null, args))!;
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The built command line, on this test's data directory, with no database or schema from the environment.</summary>
    private ProcessStartInfo ProcessFor(string? schema, string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "npc-ecrf.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--data-dir");
        psi.ArgumentList.Add(_dataDir);
        psi.Environment.Remove("NPCECRF_DB");
        if (schema is null) psi.Environment.Remove("NPCECRF_SCHEMA");
        else psi.Environment["NPCECRF_SCHEMA"] = schema;
        return psi;
    }

    private Task<(int Exit, string Stdout, string Stderr)> Verb(params string[] args) => Verb(0, args);

    private Task<(int Exit, string Stdout, string Stderr)> Verb(int expectedExit, params string[] args) => VerbWith(null, expectedExit, args);

    private async Task<(int Exit, string Stdout, string Stderr)> VerbWith(string? schema, int expectedExit, params string[] args)
    {
        var psi = ProcessFor(schema, args);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == expectedExit, $"{string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        return (process.ExitCode, await stdout, await stderr);
    }

    private static async Task Healthy(HttpClient http, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        string last = "";
        while (DateTime.UtcNow < until)
        {
            try
            {
                var response = await http.GetAsync("/health");
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException e) { last = e.Message; }
            await Task.Delay(200);
        }
        Assert.Fail($"the server is not healthy: {last}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
