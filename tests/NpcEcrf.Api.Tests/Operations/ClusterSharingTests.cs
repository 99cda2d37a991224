using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Tests.Operations;

/// <summary>An installation with no server running: made once by a verb, which stops the cluster it started.</summary>
public sealed class IdleInstallation : IAsyncLifetime
{
    public CliInstallation Cli { get; } = new();

    public async Task InitializeAsync()
    {
        await Cli.Verb("users", "add", "--username", "admin", "--role", "admin", "--password", "a-long-password");
        Assert.Null(Cli.Postmaster());
    }

    public async Task DisposeAsync() => await Cli.DisposeAsync();
}

public class ClusterSharingTests(IdleInstallation installation) : IClassFixture<IdleInstallation>
{
    private CliInstallation Cli => installation.Cli;

    [Fact]
    public async Task verbs_run_at_once_share_one_cluster_and_the_last_one_out_stops_it()
    {
        var runs = await Task.WhenAll(
            Cli.Verb("token", "--username", "admin"),
            Cli.Verb("users", "list"),
            Cli.Verb("users", "add", "--username", "at-once", "--role", "auditor", "--password", "another-long-password"));
        Assert.All(runs, run => Assert.Equal(0, run.Exit));
        Assert.Null(Cli.Postmaster()); // no cluster left running: the verbs started it, and the last one stopped it
    }

    [Fact]
    public async Task a_stale_pid_file_left_by_a_crash_does_not_stop_a_verb()
    {
        // What a power cut leaves: postmaster.pid naming a process that no longer exists.
        using var gone = System.Diagnostics.Process.Start("true")!;
        await gone.WaitForExitAsync();
        var pidFile = Path.Combine(Cli.DataDir, "pgdata", "postmaster.pid");
        await File.WriteAllTextAsync(pidFile, $"{gone.Id}\n{Path.Combine(Cli.DataDir, "pgdata")}\n1795544735\n54321\n\n127.0.0.1\n  1234567         7\nready   \n");
        Assert.Contains("admin", (await Cli.Verb("users", "list")).Stdout);
        Assert.Null(Cli.Postmaster());
    }

    [Fact]
    public async Task a_server_left_by_a_verb_that_died_starting_it_is_adopted_and_stopped_by_the_last_one_out()
    {
        // What a verb killed between pg_ctl start and recording the server leaves: a running server and "starting".
        await PgCtl("start", "-w", "-l", Path.Combine(Cli.DataDir, "pgdata", "server.log"), "-o", $"-p {FreePort()}");
        await File.WriteAllTextAsync(Path.Combine(Cli.DataDir, "cluster.started"), "starting\n");
        Assert.NotNull(Cli.Postmaster());
        Assert.Contains("admin", (await Cli.Verb("users", "list")).Stdout);
        Assert.Null(Cli.Postmaster());
    }

    [Fact]
    public async Task a_server_an_operator_started_is_used_and_left_running()
    {
        await PgCtl("start", "-w", "-l", Path.Combine(Cli.DataDir, "pgdata", "server.log"), "-o", $"-p {FreePort()}");
        File.Delete(Path.Combine(Cli.DataDir, "cluster.started"));
        try
        {
            Assert.Contains("admin", (await Cli.Verb("users", "list")).Stdout);
            Assert.NotNull(Cli.Postmaster());
        }
        finally
        {
            await PgCtl("stop", "-m", "fast", "-w");
        }
        Assert.Null(Cli.Postmaster());
    }

    /// <summary>pg_ctl on the installation's cluster as an operator runs it (as the postgres user when we are root).</summary>
    private async Task PgCtl(params string[] args)
    {
        var pgCtl = Path.Combine(EmbeddedPostgres.FindServerBinaries()!, "pg_ctl");
        var root = Environment.UserName == "root";
        var psi = new System.Diagnostics.ProcessStartInfo(root ? "runuser" : pgCtl) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (root) foreach (var a in new[] { "-u", "postgres", "--", pgCtl }) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(args[0]);
        psi.ArgumentList.Add("-D");
        psi.ArgumentList.Add(Path.Combine(Cli.DataDir, "pgdata"));
        foreach (var a in args.Skip(1)) psi.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"pg_ctl {string.Join(' ', args)}: {await stderr}");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
