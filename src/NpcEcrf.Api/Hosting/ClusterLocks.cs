namespace NpcEcrf.Api.Hosting;

/// <summary>
/// How the processes of one installation (a `serve`, any number of verbs) share its embedded cluster, with advisory
/// file locks (flock) in the data directory, which the operating system releases when a process ends, crash included:
/// <list type="bullet">
/// <item><c>cluster.lock</c>, held exclusively while a process starts, joins or leaves the cluster, so two processes
/// never start it at once and none stops it while another is joining;</item>
/// <item><c>cluster.users</c>, held shared by every process that uses the cluster: whoever can take it exclusively is
/// the last one using it;</item>
/// <item><c>cluster.started</c>, the process id of the postmaster one of the installation's processes started: the last
/// one out stops that server only, never one started by someone else (an operator's pg_ctl). It says "starting" while
/// a process starts the server: found so by the next holder of the start lock, the starter died before it could record
/// the pid, and the server it left running is adopted as ours.</item>
/// </list>
/// </summary>
internal static class ClusterLocks
{
    public const string StartLockFile = "cluster.lock";
    public const string UsersFile = "cluster.users";
    public const string StartedFile = "cluster.started";

    /// <summary>Waits for the installation's start lock (another process may be running initdb or starting the server).</summary>
    public static async Task<FileStream> TakeStartLockAsync(string dataDir, CancellationToken ct)
    {
        var path = Path.Combine(dataDir, StartLockFile);
        var until = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (TryTake(path, shared: false) is { } taken) return taken;
            if (DateTime.UtcNow > until)
                throw new EmbeddedPostgresException($"Another process of this installation has held '{path}' for two minutes while starting or " +
                    "stopping its PostgreSQL; it may be stuck. Stop it, then try again.");
            await Task.Delay(100, ct);
        }
    }

    /// <summary>Marks this process as a user of the cluster until the returned file is disposed (or the process ends).</summary>
    public static FileStream Join(string dataDir) => TryTake(Path.Combine(dataDir, UsersFile), shared: true)
        ?? throw new EmbeddedPostgresException($"Could not register as a user of the cluster ('{Path.Combine(dataDir, UsersFile)}' is locked).");

    /// <summary>Whether no other process uses the cluster; call under the start lock, after leaving it yourself.</summary>
    public static bool NoOtherUser(string dataDir)
    {
        using var alone = TryTake(Path.Combine(dataDir, UsersFile), shared: false);
        return alone is not null;
    }

    // .NET takes flock(LOCK_EX | LOCK_NB) for FileShare.None and flock(LOCK_SH | LOCK_NB) for a shared read-only open;
    // a conflict is an IOException at once.
    private static FileStream? TryTake(string path, bool shared)
    {
        try
        {
            return shared
                ? new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite)
                : new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        // Only "held by another process" (EWOULDBLOCK, 11 on Linux) means wait; any other I/O error is the error to report.
        catch (IOException e) when (e.HResult == 11)
        {
            return null;
        }
    }

    private const string Starting = "starting";

    /// <summary>Said (under the start lock) just before starting the server, so a start cut short is known for one.</summary>
    public static void RecordStarting(string dataDir) => File.WriteAllText(Path.Combine(dataDir, StartedFile), Starting + "\n");

    /// <summary>Whether a process of the installation died starting the server (read under the start lock).</summary>
    public static bool StartInterrupted(string dataDir) =>
        File.Exists(Path.Combine(dataDir, StartedFile)) && File.ReadAllText(Path.Combine(dataDir, StartedFile)).Trim() == Starting;

    /// <summary>Records that the server with this postmaster pid was started by one of the installation's processes.</summary>
    public static void RecordStarted(string dataDir, int postmasterPid) =>
        File.WriteAllText(Path.Combine(dataDir, StartedFile), $"{postmasterPid}\n");

    public static bool StartedByUs(string dataDir, int? postmasterPid) =>
        postmasterPid is { } pid && File.Exists(Path.Combine(dataDir, StartedFile))
        && int.TryParse(File.ReadAllText(Path.Combine(dataDir, StartedFile)).Trim(), out var recorded) && recorded == pid;
}
