using System.CommandLine;
using System.CommandLine.Parsing;

namespace NpcEcrf.Analysis.Cli;

/// <summary>
/// Parses and runs a command tree the way every verb of ./npc-ecrf is run, and turns what goes wrong into one readable
/// line each on stderr, never a stack trace: exit 2 for a wrong command line (an unknown verb or option, a missing or
/// malformed value), exit 1 when the work itself failed (an exception <c>explain</c> words, or any other one), or the
/// code <c>exitCode</c> gives a failure of its own kind (the database not answering).
/// </summary>
public static class CommandLineRunner
{
    public const int Failed = 1;
    public const int UsageError = 2;

    public static async Task<int> RunAsync(RootCommand root, string[] args, TextWriter stdout, TextWriter stderr, Func<Exception, string?> explain,
        CancellationToken ct = default, Func<Exception, int?>? exitCode = null)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in Problems(parsed)) stderr.WriteLine($"{Sentence(problem)} See ./npc-ecrf {Path(parsed.CommandResult)}--help.");
            return UsageError;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = stdout, Error = stderr }, ct);
        }
        catch (Exception e)
        {
            var inner = e is AggregateException { InnerExceptions: [var only] } ? only : e;
            stderr.WriteLine(explain(inner) ?? Explain(inner)
                ?? $"Unexpected failure ({inner.GetType().Name}): {inner.Message} This is a bug; please report it with the command line.");
            return exitCode?.Invoke(inner) ?? Failed;
        }
    }

    /// <summary>The exceptions of this project a user can fix.</summary>
    private static string? Explain(Exception e) => e switch
    {
        StatsInputException => $"stats: {e.Message}",
        OperationCanceledException => "Cancelled.",
        _ => null,
    };

    /// <summary>
    /// What is wrong, in words: an unmatched word is an unknown command or option (said once, not once per token), a
    /// group verb without its subcommand says which exist; other errors (a required option, a value the shared parsers
    /// refused) as the parser words them.
    /// </summary>
    private static IEnumerable<string> Problems(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        var subcommands = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
        if (parsed.UnmatchedTokens is [var first, ..])
        {
            yield return first.StartsWith('-') ? $"Unknown option '{first}'"
                : subcommands.Count > 0 ? $"Unknown command '{first}' ({CliValues.Listed(subcommands)})"
                : $"Unexpected argument '{first}'";
            foreach (var error in parsed.Errors.Where(e => !parsed.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'"))))
                if (!(subcommands.Count > 0 && command.Action is null)) yield return error.Message;
            yield break;
        }
        if (subcommands.Count > 0 && command.Action is null)
        {
            yield return $"Say which: {CliValues.Listed(subcommands)}";
            yield break;
        }
        foreach (var error in parsed.Errors) yield return error.Message;
    }

    private static string Sentence(string message) => message.TrimEnd().EndsWith('.') ? message.TrimEnd() : message.TrimEnd() + ".";

    /// <summary>"stats km " for ./npc-ecrf stats km (empty at the root).</summary>
    private static string Path(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult { Parent: not null } c; r = c.Parent) names.Insert(0, c.Command.Name);
        return names.Count == 0 ? "" : string.Join(' ', names) + " ";
    }
}
