using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace NpcEcrf.Api.Hosting;

/// <summary>Thrown when the machine cannot run a private cluster; the message is meant for the user.</summary>
public sealed class EmbeddedPostgresException(string message) : Exception(message);

/// <summary>
/// A private PostgreSQL cluster run from the machine's server binaries: loopback only, started on a free port (or joined,
/// when another process of the installation runs it) and stopped cleanly by the last process that uses it (ClusterLocks). Every connection, the Unix socket included, needs a password (scram-sha-256); the
/// passwords are in the data directory's <see cref="PasswordFile"/>, so a local account without that file cannot
/// log in. Three roles: the superuser (administration only), <see cref="OwnerRole"/> (owns the schemas, runs schema
/// changes) and <see cref="ApplicationRole"/> (the application's reads and appends; see docs/security.md).
/// PostgreSQL refuses to run as root, so as root every server command runs as the `postgres` user.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    public const string Superuser = "postgres";
    public const string OwnerRole = "npcecrf_owner";
    public const string ApplicationRole = "npcecrf_app";
    /// <summary>In the data directory, in libpq's pgpass format: PGPASSFILE=... psql -h 127.0.0.1 -p PORT -U postgres.</summary>
    public const string PasswordFile = "database-passwords";
    private const string Database = "postgres";

    private readonly string _binDir;
    private readonly bool _asPostgresUser;
    private readonly IReadOnlyDictionary<string, string> _passwords;
    private readonly string _dataDir;
    /// <summary>This process's shared lock on ClusterLocks.UsersFile while it uses the cluster.</summary>
    private FileStream? _user;

    public string ClusterDir { get; }
    public int Port { get; private set; }
    /// <summary>The superuser's connection: administration and tests that damage the database on purpose.</summary>
    public string ConnectionString(string database = Database) => ConnectionStringFor(Superuser, database);
    public string OwnerConnectionString() => ConnectionStringFor(OwnerRole, Database);
    public string ApplicationConnectionString() => ConnectionStringFor(ApplicationRole, Database);

    private string ConnectionStringFor(string role, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = role,
        Password = _passwords[role],
        Database = database,
        Pooling = true,
        MaxPoolSize = 40,
    }.ConnectionString;

    private EmbeddedPostgres(string binDir, string dataDir, string clusterDir, bool asPostgresUser, IReadOnlyDictionary<string, string> passwords)
    {
        _binDir = binDir;
        _dataDir = dataDir;
        ClusterDir = clusterDir;
        _asPostgresUser = asPostgresUser;
        _passwords = passwords;
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
        var pg = new EmbeddedPostgres(binDir, dataDir, clusterDir, asPostgresUser, ReadOrCreatePasswords(dataDir));
        // One process at a time initialises, starts, joins or leaves the cluster (ClusterLocks): two verbs at once, or a
        // verb beside `serve`, share one server instead of racing to start their own.
        await using (await ClusterLocks.TakeStartLockAsync(dataDir, ct))
        {
            // Not cancelled once the lock is held: initdb and pg_ctl (bounded by their own timeouts) would go on running
            // after a cancelled wait, with the lock released under them for another process to start them again.
            var uncancelled = CancellationToken.None;
            await pg.InitialiseIfNeededAsync(durable, uncancelled);
            await pg.StartServerAsync(uncancelled);
            pg._user = ClusterLocks.Join(dataDir);
            try
            {
                await pg.RequirePasswordsAsync(uncancelled);
                await pg.CreateRolesAsync(uncancelled);
            }
            catch
            {
                await pg.LeaveHoldingStartLockAsync(immediate: false, force: false);
                throw;
            }
        }
        return pg;
    }

    /// <summary>One random password per role, written once (owner-only from creation, like the key files).</summary>
    private static IReadOnlyDictionary<string, string> ReadOrCreatePasswords(string dataDir)
    {
        var text = Installation.ReadOrCreatePrivateFile(Path.Combine(dataDir, PasswordFile), () => string.Concat(
            new[] { Superuser, OwnerRole, ApplicationRole }.Select(role => $"127.0.0.1:*:*:{role}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))}\n")));
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':'))
            .ToDictionary(fields => fields[3], fields => fields[4]);
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
        await InitdbWithSuperuserPasswordAsync(ct);
        await WritePasswordOnlyAuthenticationAsync(ct);
        var settings = new StringBuilder()
            .AppendLine("listen_addresses = '127.0.0.1'")
            .AppendLine("unix_socket_directories = ''")
            .AppendLine("max_connections = 200");
        if (!durable)
            settings.AppendLine("fsync = off").AppendLine("synchronous_commit = off").AppendLine("full_page_writes = off");
        await AppendAsPostgresUserAsync(Path.Combine(ClusterDir, "postgresql.auto.conf"), settings.ToString(), ct);
    }

    private async Task InitdbWithSuperuserPasswordAsync(CancellationToken ct)
    {
        // initdb reads the superuser's password from a file: owner-only from creation, the server's user's, and gone after.
        var passwordFile = ClusterDir.TrimEnd('/') + ".initdb-password";
        File.Delete(passwordFile);
        Installation.ReadOrCreatePrivateFile(passwordFile, () => _passwords[Superuser]);
        try
        {
            if (_asPostgresUser) await RunAsync("chown", ["postgres:postgres", passwordFile], ct);
            await RunServerToolAsync("initdb", ["-D", ClusterDir, "-U", Superuser, "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--locale=C.UTF-8"], ct);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    /// <summary>Every connection needs a password: loopback TCP and the Unix socket alike (the socket is also switched off).</summary>
    private const string PasswordOnlyHba = """
        # Written by NpcEcrf (Hosting/EmbeddedPostgres.cs): every connection needs a password, the Unix socket included.
        local   all   all                  scram-sha-256
        host    all   all   127.0.0.1/32   scram-sha-256
        host    all   all   ::1/128        scram-sha-256

        """;

    private string HbaFile => Path.Combine(ClusterDir, "pg_hba.conf");

    private async Task WritePasswordOnlyAuthenticationAsync(CancellationToken ct)
    {
        await File.WriteAllTextAsync(HbaFile, PasswordOnlyHba, ct);
        if (_asPostgresUser) await RunAsync("chown", ["postgres:postgres", HbaFile], ct);
    }

    /// <summary>
    /// A cluster initialised before passwords trusts every local connection: give the superuser its password, then
    /// require passwords and reload. Under trust the password we send is ignored, so this connects either way.
    /// </summary>
    private async Task RequirePasswordsAsync(CancellationToken ct)
    {
        if (await File.ReadAllTextAsync(HbaFile, ct) == PasswordOnlyHba) return;
        await ExecuteAsSuperuserAsync($"alter role {Superuser} password '{_passwords[Superuser]}'", ct);
        await WritePasswordOnlyAuthenticationAsync(ct);
        await ExecuteAsSuperuserAsync("select pg_reload_conf()", ct);
    }

    /// <summary>
    /// The owner and application roles with their passwords (on every start: idempotent), and the hand-over of
    /// schemas the superuser created before these roles existed, so the owner can change them.
    /// </summary>
    private Task CreateRolesAsync(CancellationToken ct) => ExecuteAsSuperuserAsync($$"""
        do $$
        declare o record;
        begin
          if not exists (select from pg_roles where rolname = '{{OwnerRole}}') then create role {{OwnerRole}}; end if;
          if not exists (select from pg_roles where rolname = '{{ApplicationRole}}') then create role {{ApplicationRole}}; end if;
          alter role {{OwnerRole}} login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password '{{_passwords[OwnerRole]}}';
          alter role {{ApplicationRole}} login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password '{{_passwords[ApplicationRole]}}';
          grant create on database {{Database}} to {{OwnerRole}};
          for o in select n.nspname from pg_namespace n
                   where pg_get_userbyid(n.nspowner) = '{{Superuser}}' and n.nspname <> 'information_schema' and n.nspname not like 'pg\_%'
          loop
            execute format('alter schema %I owner to {{OwnerRole}}', o.nspname);
          end loop;
          for o in select n.nspname, c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
                   where pg_get_userbyid(n.nspowner) = '{{OwnerRole}}' and pg_get_userbyid(c.relowner) = '{{Superuser}}'
                     and c.relkind in ('r', 'p', 'v', 'm', 'f')
          loop
            execute format('alter table %I.%I owner to {{OwnerRole}}', o.nspname, o.relname);
          end loop;
          for o in select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                   where pg_get_userbyid(n.nspowner) = '{{OwnerRole}}' and pg_get_userbyid(c.relowner) = '{{Superuser}}' and c.relkind = 'S'
          loop
            execute format('alter sequence %I.%I owner to {{OwnerRole}}', o.nspname, o.relname);
          end loop;
          for o in select p.oid::regprocedure as signature from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                   where pg_get_userbyid(n.nspowner) = '{{OwnerRole}}' and pg_get_userbyid(p.proowner) = '{{Superuser}}'
          loop
            execute format('alter routine %s owner to {{OwnerRole}}', o.signature);
          end loop;
        end
        $$
        """, ct);

    private async Task ExecuteAsSuperuserAsync(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    private string PidFile => Path.Combine(ClusterDir, "postmaster.pid");

    /// <summary>
    /// Joins the server another process of this installation runs (a `serve`, another verb), else starts one. A pid file
    /// left by a crash names a dead process: pg_ctl start replaces it. Runs under the start lock.
    /// </summary>
    private async Task StartServerAsync(CancellationToken ct)
    {
        // A server still starting, or one just killed whose process is not yet gone, answers within seconds either way.
        var until = DateTime.UtcNow.AddSeconds(10);
        while (File.Exists(PidFile) && await RunServerToolAsync("pg_ctl", ["status", "-D", ClusterDir], ct, throwOnError: false) == 0)
        {
            if (RunningPort(PidFile) is { } running && await AnswersAsync(running, ct))
            {
                Port = running;
                // Started by one of ours that died before recording it: ours to stop when the last user leaves.
                if (ClusterLocks.StartInterrupted(_dataDir) && PostmasterPid() is { } adopted) ClusterLocks.RecordStarted(_dataDir, adopted);
                return;
            }
            if (DateTime.UtcNow > until)
                throw new EmbeddedPostgresException($"'{PidFile}' names a live process (pid {PostmasterPid()}), but no PostgreSQL answers on " +
                    "the port it records. If no PostgreSQL runs for this installation, that process is not one: remove the stale file, then try again.");
            await Task.Delay(200, ct);
        }
        Port = FreeLoopbackPort();
        await StartOnPortAsync(ct);
    }

    /// <summary>pg_ctl start on <see cref="Port"/>, recorded as started by us (ClusterLocks). Runs under the start lock.</summary>
    private async Task StartOnPortAsync(CancellationToken ct)
    {
        var log = Path.Combine(ClusterDir, "server.log");
        ClusterLocks.RecordStarting(_dataDir);
        await RunServerToolAsync("pg_ctl", ["start", "-D", ClusterDir, "-w", "-t", "60", "-l", log, "-o", $"-p {Port}"], ct);
        if (PostmasterPid() is { } pid) ClusterLocks.RecordStarted(_dataDir, pid);
    }

    /// <summary>The postmaster's process id: the first line of postmaster.pid, if the server runs.</summary>
    private int? PostmasterPid()
    {
        try
        {
            return File.Exists(PidFile) && int.TryParse(File.ReadLines(PidFile).FirstOrDefault(), out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Whether something accepts connections on the loopback port (a live postmaster whose pid was not reused).</summary>
    private static async Task<bool> AnswersAsync(int port, CancellationToken ct)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, ct);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The port a live server listens on: the fourth line of postmaster.pid.</summary>
    private static int? RunningPort(string pidFile)
    {
        try
        {
            var lines = File.ReadAllLines(pidFile);
            return lines.Length > 3 && int.TryParse(lines[3].Trim(), out var port) ? port : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Leaves the cluster. The server stops only when no other process of the installation uses it and one of them
    /// started it (ClusterLocks.StartedFile): a verb beside `serve` leaves the server's cluster running, and a `serve`
    /// that outlives the verb which started the cluster inherits the duty to stop it.
    /// </summary>
    public Task StopAsync() => LeaveAsync(immediate: false, force: false);

    /// <summary>Stops the server as a crash would (no checkpoint, connections cut), whoever uses it: for fault tests and drills.</summary>
    public Task CrashAsync() => LeaveAsync(immediate: true, force: true);

    /// <summary>
    /// Stops the server while this process keeps using the cluster, as an operator's restart (fast: sessions ended, a
    /// checkpoint) or a kill (immediate: no checkpoint, recovery on the next start) would: for fault tests and drills.
    /// </summary>
    public async Task HaltAsync(bool immediate)
    {
        await using var startLock = await ClusterLocks.TakeStartLockAsync(_dataDir, CancellationToken.None);
        await RunServerToolAsync("pg_ctl", ["stop", "-D", ClusterDir, "-m", immediate ? "immediate" : "fast", "-w"], CancellationToken.None);
    }

    /// <summary>Starts a halted server again on the same port, so the connection strings already handed out reach it again.</summary>
    public async Task ResumeAsync()
    {
        await using var startLock = await ClusterLocks.TakeStartLockAsync(_dataDir, CancellationToken.None);
        await StartOnPortAsync(CancellationToken.None);
    }

    private async Task LeaveAsync(bool immediate, bool force)
    {
        if (_user is null) return;
        await using var startLock = await ClusterLocks.TakeStartLockAsync(_dataDir, CancellationToken.None);
        await LeaveHoldingStartLockAsync(immediate, force);
    }

    private async Task LeaveHoldingStartLockAsync(bool immediate, bool force)
    {
        if (_user is null) return;
        await _user.DisposeAsync();
        _user = null;
        if (!force && !(ClusterLocks.NoOtherUser(_dataDir) && ClusterLocks.StartedByUs(_dataDir, PostmasterPid()))) return;
        await RunServerToolAsync("pg_ctl", ["stop", "-D", ClusterDir, "-m", immediate ? "immediate" : "fast", "-w"], CancellationToken.None, throwOnError: false);
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
