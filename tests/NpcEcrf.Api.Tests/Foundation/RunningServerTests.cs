using NpcEcrf.Api.Tests.Operations;

namespace NpcEcrf.Api.Tests.Foundation;

/// <summary>
/// Verbs as processes on an installation of their own (the shared helper of Operations/). A server beside verbs, keys,
/// schemas and the cluster's sharing are in Operations/.
/// </summary>
public class RunningServerTests : IAsyncLifetime
{
    private readonly CliInstallation _cli = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _cli.DisposeAsync();

    [Fact]
    public async Task the_account_verbs_list_reset_and_deactivate_through_the_pipeline()
    {
        await _cli.Verb("users", "add", "--username", "carol", "--role", "cra", "--password", "correct-horse-battery");
        await _cli.Verb("users", "password", "--username", "carol", "--password", "a-newer-horse-battery");
        var weak = await _cli.Verb(1, "users", "password", "--username", "carol", "--password", "short");
        Assert.Contains("12 characters", weak.Stderr);
        await _cli.Verb("users", "deactivate", "--username", "carol", "--reason", "Left the site");
        Assert.Contains("already deactivated", (await _cli.Verb(1, "users", "deactivate", "--username", "carol", "--reason", "again")).Stderr);
        var list = (await _cli.Verb("users", "list")).Stdout;
        Assert.Matches(@"carol\s+deactivated\s+cra", list);
    }

    [Fact]
    public async Task a_file_that_cannot_be_written_is_a_one_line_error_not_a_stack_trace()
    {
        await _cli.Verb("users", "add", "--username", "admin", "--role", "admin", "--password", "a-long-password");
        foreach (var args in new[]
        {
            new[] { "analyse", "--as-of", "2030-01-01T00:00:00Z", "--study", "ANY", "--out", "/proc/no-such-dir/report" },
            ["export", "--study", "ANY", "--out", "/no-such-dir/study.xml"],
        })
        {
            var failed = await _cli.Verb(1, args);
            Assert.Contains("Could not read or write a file", failed.Stderr);
            Assert.DoesNotContain("   at ", failed.Stderr);
            Assert.DoesNotContain("Exception", failed.Stderr);
        }
    }
}
