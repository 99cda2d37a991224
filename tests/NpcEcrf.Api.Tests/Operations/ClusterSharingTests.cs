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
}
