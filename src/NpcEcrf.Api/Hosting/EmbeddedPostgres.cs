using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace NpcEcrf.Api.Hosting;

/// <summary>Thrown when the machine cannot run a private cluster; the message is meant for the user.</summary>
public sealed class EmbeddedPostgresException(string message) : Exception(message);

/// <summary>
/// A private PostgreSQL cluster run from the machine's server binaries: loopback only, trust auth
/// (nothing else can reach it), started on a free port and stopped cleanly on dispose.
/// PostgreSQL refuses to run as root, so as root every server command runs as the `postgres` user.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private readonly string _binDir;
    private readonly bool _asPostgresUser;
    private bool _started;

    public string ClusterDir { get; }
    public int Port { get; private set; }
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=40";

    private EmbeddedPostgres(string binDir, string clusterDir, bool asPostgresUser)
    {
        _binDir = binDir;
        ClusterDir = clusterDir;
        _asPostgresUser = asPostgresUser;
    }

    /// <summary>Starts (creating on first use) the cluster that belongs to <paramref name="dataDir"/>.</summary>
    public static async Task<EmbeddedPostgres> StartAsync(string dataDir, bool durable = true, CancellationToken ct = default)
    {
        var binDir = FindServerBinaries() ?? throw new EmbeddedPostgresException(
            "No PostgreSQL server binaries (initdb, pg_ctl) were found on PATH or in /usr/lib/postgresql/*/bin. " +
            "Install them (Debian/Ubuntu: sudo apt-get install postgresql) or point NPCECRF_DB at an existing " +
            "database, e.g. NPCECRF_DB='Host=localhost;Username=npc;Password=...;Database=npcecrf'.");
        Directory.CreateDirectory(dataDir);
        var asPostgresUser = Environment.UserName == "root" || IsRoot();
        var clusterDir = asPostgresUser && !PostgresUserCanReach(dataDir) ? ClusterDirForRoot(dataDir) : Path.Combine(dataDir, "pgdata");
        var pg = new EmbeddedPostgres(binDir, clusterDir, asPostgresUser);
        await pg.InitialiseIfNeededAsync(durable, ct);
        await pg.StartServerAsync(ct);
        return pg;
    }

    public static string? FindServerBinaries()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(VersionOf).Select(d => Path.Combine(d, "bin"))
                : []);
        foreach (var dir in candidates)
        {
            var initdb = Path.Combine(dir, "initdb");
            if (File.Exists(initdb) && File.Exists(Path.Combine(dir, "pg_ctl")))
                return Path.GetDirectoryName(ResolveLink(initdb))!;
        }
        return null;
    }

    private static int VersionOf(string dir) => int.TryParse(Path.GetFileName(dir), out var v) ? v : 0;

    private static string ResolveLink(string path) =>
        new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;

    private static bool IsRoot() => OperatingSystem.IsLinux() && File.Exists("/proc/self/status")
        && File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:"))?.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == "0";

    private static bool PostgresUserCanReach(string dir)
    {
        for (var d = new DirectoryInfo(Path.GetFullPath(dir)).Parent; d is not null; d = d.Parent)
            if (!d.UnixFileMode.HasFlag(UnixFileMode.OtherExecute)) return false;
        return true;
    }

    // The postgres user cannot enter root's home, so root's clusters live in a postgres-owned folder
    // named after the data directory they belong to; the data directory records where.
    private static string ClusterDirForRoot(string dataDir)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDir))))[..16].ToLowerInvariant();
        var dir = Path.Combine("/var/lib/npc-ecrf/clusters", key);
        File.WriteAllText(Path.Combine(dataDir, "cluster-location.txt"),
            $"Running as root: PostgreSQL's files for this data directory are in {dir}\n");
        return dir;
    }

    private async Task InitialiseIfNeededAsync(bool durable, CancellationToken ct)
    {
        if (File.Exists(Path.Combine(ClusterDir, "PG_VERSION"))) return;
        Directory.CreateDirectory(ClusterDir);
        if (_asPostgresUser)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", ClusterDir], ct);
            await RunAsync("chmod", ["700", ClusterDir], ct);
        }
        await RunServerToolAsync("initdb", ["-D", ClusterDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], ct);
        var settings = new StringBuilder()
            .AppendLine("listen_addresses = '127.0.0.1'")
            .AppendLine("unix_socket_directories = ''")
            .AppendLine("max_connections = 200");
        if (!durable)
            settings.AppendLine("fsync = off").AppendLine("synchronous_commit = off").AppendLine("full_page_writes = off");
        await AppendAsPostgresUserAsync(Path.Combine(ClusterDir, "postgresql.auto.conf"), settings.ToString(), ct);
    }

    private async Task StartServerAsync(CancellationToken ct)
    {
        var pidFile = Path.Combine(ClusterDir, "postmaster.pid");
        if (File.Exists(pidFile))
        {
            // A stale pid file (crash) makes pg_ctl refuse; "status" tells a live server from a dead one.
            var alive = await RunServerToolAsync("pg_ctl", ["status", "-D", ClusterDir], ct, throwOnError: false) == 0;
            if (alive) await RunServerToolAsync("pg_ctl", ["stop", "-D", ClusterDir, "-m", "fast", "-w"], ct, throwOnError: false);
        }
        Port = FreeLoopbackPort();
        var log = Path.Combine(ClusterDir, "server.log");
        await RunServerToolAsync("pg_ctl", ["start", "-D", ClusterDir, "-w", "-t", "60", "-l", log, "-o", $"-p {Port}"], ct);
        _started = true;
    }

    public async Task StopAsync()
    {
        if (!_started) return;
        _started = false;
        await RunServerToolAsync("pg_ctl", ["stop", "-D", ClusterDir, "-m", "fast", "-w"], CancellationToken.None, throwOnError: false);
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task AppendAsPostgresUserAsync(string file, string text, CancellationToken ct)
    {
        await File.AppendAllTextAsync(file, text, ct);
        if (_asPostgresUser) await RunAsync("chown", ["postgres:postgres", file], ct);
    }

    private Task<int> RunServerToolAsync(string tool, string[] args, CancellationToken ct, bool throwOnError = true)
    {
        var exe = Path.Combine(_binDir, tool);
        return _asPostgresUser
            ? RunAsync("runuser", ["-u", "postgres", "--", exe, .. args], ct, throwOnError)
            : RunAsync(exe, args, ct, throwOnError);
    }

    private static async Task<int> RunAsync(string file, string[] args, CancellationToken ct, bool throwOnError = true)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new EmbeddedPostgresException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (throwOnError && process.ExitCode != 0)
            throw new EmbeddedPostgresException(
                $"{Path.GetFileName(file)} {string.Join(' ', args)} failed ({process.ExitCode}): {(await stderr).Trim()} {(await stdout).Trim()}");
        return process.ExitCode;
    }
}
