using System.CommandLine;
using NpcEcrf.Analysis.Cli;

namespace NpcEcrf.Analysis.Tests;

public class CommandLineRunnerTests
{
    private static (int Code, string Out, string Err) Run(Func<Exception?> failure, Func<Exception, string?> explain, params string[] args)
    {
        var verb = new Command("verb", "A verb.");
        verb.SetAction(_ => failure() is { } e ? throw e : 0);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = CommandLineRunner.RunAsync(new RootCommand { verb }, args, stdout, stderr, explain).GetAwaiter().GetResult();
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void a_failure_the_caller_explains_is_its_line_and_exit_1()
    {
        var (code, output, error) = Run(() => new IOException("disk full"), e => e is IOException ? $"Could not write: {e.Message}" : null, "verb");
        Assert.Equal((1, "", "Could not write: disk full\n"), (code, output, error.Replace("\r", "")));
    }

    [Fact]
    public void any_other_failure_is_still_one_line_and_exit_1_never_a_stack_trace()
    {
        var (code, output, error) = Run(() => new InvalidOperationException("the impossible happened"), _ => null, "verb");
        Assert.Equal(CommandLineRunner.Failed, code);
        Assert.Equal("", output);
        Assert.StartsWith("Unexpected failure (InvalidOperationException): the impossible happened", error);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void success_is_0_and_a_wrong_command_line_is_2_with_the_help_named()
    {
        Assert.Equal(0, Run(() => null, _ => null, "verb").Code);
        var (code, _, error) = Run(() => null, _ => null, "verb", "--nope");
        Assert.Equal((CommandLineRunner.UsageError, "Unknown option '--nope'. See ./npc-ecrf verb --help.\n"), (code, error));
        Assert.Equal("Unknown command 'brev' (verb). See ./npc-ecrf --help.\n", Run(() => null, _ => null, "brev").Err);
    }
}
