using NpcEcrf.Api.Cli;

namespace NpcEcrf.Api.Tests.Foundation;

[Collection("console")]
public class CommandLineTests
{
    [Theory]
    [InlineData("bogus")]
    [InlineData("serve", "--no-such-option")]
    [InlineData("users", "add", "--role", "cra")]
    public async Task bad_usage_exits_with_2_and_says_how_to_get_help(params string[] args)
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(CommandLine.UsageError, await CommandLine.RunAsync(args));
        }
        finally
        {
            Console.SetError(previous);
        }
        Assert.Contains("--help", error.ToString());
    }

    [Fact]
    public async Task help_lists_the_verbs()
    {
        var output = new StringWriter();
        var previous = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, await CommandLine.RunAsync(["--help"]));
        }
        finally
        {
            Console.SetOut(previous);
        }
        foreach (var verb in new[] { "serve", "test", "users", "token" }) Assert.Contains(verb, output.ToString());
    }
}
