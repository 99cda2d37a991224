using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Tests.Operations;

/// <summary>
/// An installation driven as an operator drives it: the built command line run as processes (`serve` and the verbs)
/// on a temporary data directory, with no database, schema or data directory taken from the test run's environment.
/// </summary>
public sealed class CliInstallation : IAsyncDisposable
{
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), $"npcecrf-ops-{Guid.NewGuid():N}"[..34]);
    private readonly List<Process> _servers = [];

    public sealed record Run(int Exit, string Stdout, string Stderr);

    public Task<Run> Verb(params string[] args) => Verb(0, args);

    public Task<Run> Verb(int expectedExit, params string[] args) => VerbWith(new Dictionary<string, string>(), expectedExit, args);

    /// <summary>
    /// A verb with extra environment variables (NPCECRF_SCHEMA, NPCECRF_DB, ...) and optionally another --data-dir;
    /// with <see cref="InEnvironment"/>, the data directory is given by NPCECRF_DATA_DIR (for verbs without --data-dir).
    /// </summary>
    public async Task<Run> VerbWith(IReadOnlyDictionary<string, string> environment, int expectedExit, string[] args, string? dataDir = null)
    {
        using var process = Process.Start(ProcessFor(args, environment, dataDir ?? DataDir))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        var run = new Run(process.ExitCode, await stdout, await stderr);
        Assert.True(run.Exit == expectedExit, $"{string.Join(' ', args)} exited {run.Exit}, not {expectedExit}: {run.Stderr}{run.Stdout}");
        return run;
    }

    /// <summary>Starts `serve` on a free loopback port and waits until /health answers Healthy.</summary>
    public async Task<HttpClient> ServeAsync() => (await StartNodeAsync(new Dictionary<string, string>(), DataDir)).Http;

    /// <summary>A `serve` process (an API node) with its own environment and data directory; its process, to kill it.</summary>
    public sealed record Node(HttpClient Http, Process Process);

    public async Task<Node> StartNodeAsync(IReadOnlyDictionary<string, string> environment, string dataDir)
    {
        var port = FreePort();
        var server = Process.Start(ProcessFor(["serve", "--urls", $"http://127.0.0.1:{port}"], environment, dataDir))!;
        // The last lines it printed, to say why it never became healthy.
        var printed = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Keep(object _, DataReceivedEventArgs line)
        {
            if (line.Data is null) return;
            printed.Enqueue(line.Data);
            while (printed.Count > 40) printed.TryDequeue(out var _);
        }
        server.OutputDataReceived += Keep;
        server.ErrorDataReceived += Keep;
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        _servers.Add(server);
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Healthy(http, TimeSpan.FromSeconds(180), () => $"{(server.HasExited ? $"serve exited {server.ExitCode}" : "serve still running")}; it printed:\n{string.Join('\n', printed)}");
        return new Node(http, server);
    }

    public bool ServerRunning => _servers.Count > 0 && _servers.All(s => !s.HasExited);

    public const string InEnvironment = "(NPCECRF_DATA_DIR)";

    private ProcessStartInfo ProcessFor(string[] args, IReadOnlyDictionary<string, string> environment, string dataDir)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "npc-ecrf.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var variable in new[] { Installation.DatabaseVariable, Installation.OwnerDatabaseVariable, Installation.SchemaVariable, Installation.DataDirVariable })
            psi.Environment.Remove(variable);
        if (dataDir == InEnvironment) psi.Environment[Installation.DataDirVariable] = DataDir;
        else
        {
            psi.ArgumentList.Add("--data-dir");
            psi.ArgumentList.Add(dataDir);
        }
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        return psi;
    }

    /// <summary>The running cluster's postmaster: pid and port from postmaster.pid, or null when none runs.</summary>
    public (int Pid, int Port)? Postmaster()
    {
        var pidFile = Path.Combine(DataDir, "pgdata", "postmaster.pid");
        if (!File.Exists(pidFile)) return null;
        var lines = File.ReadAllLines(pidFile);
        return (int.Parse(lines[0]), int.Parse(lines[3]));
    }

    /// <summary>A connection to the running cluster as one of its roles, with the password the data directory keeps.</summary>
    public string ConnectionString(string role)
    {
        var password = File.ReadAllLines(Path.Combine(DataDir, EmbeddedPostgres.PasswordFile)).Select(l => l.Split(':')).Single(f => f[3] == role)[4];
        return new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Postmaster()!.Value.Port, Username = role, Password = password, Database = "postgres", Pooling = false,
        }.ConnectionString;
    }

    public static async Task Healthy(HttpClient http, TimeSpan within, Func<string>? why = null)
    {
        var until = DateTime.UtcNow + within;
        var last = "";
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
        Assert.Fail($"the server is not healthy: {last}{(why is null ? "" : $"\n{why()}")}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers.Where(s => !s.HasExited))
        {
            // Ctrl-C, as a user stops it: the server stops the cluster (the last one using it).
            Process.Start("kill", ["-INT", server.Id.ToString()])?.WaitForExit();
            if (!await Task.Run(() => server.WaitForExit(30_000))) server.Kill(entireProcessTree: true);
        }
        await Task.Delay(200);
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
