using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Cli;

/// <summary>How the command line says a command's outcome: one readable line.</summary>
public static class CliOutcomes
{
    /// <summary>
    /// The exit code when a database (a study's server, or the master) does not answer now: what the web host answers 503
    /// with Retry-After. sysexits' EX_UNAVAILABLE, so a script can tell "try again later" from a failure (1) or a wrong command line (2).
    /// </summary>
    public const int Unavailable = 69;

    /// <summary>The web host's 503 message (ProblemExceptionHandler.DatabaseUnavailable) for a command line; null when the failure is not that.</summary>
    public static string? Unreachable(Exception e) =>
        ProblemExceptionHandler.DatabaseUnavailable(e) is { } why ? why.Detail is null ? why.Title : $"{why.Title} {why.Detail}" : null;

    public static string Describe(CommandOutcome outcome) => outcome switch
    {
        CommandOutcome.Accepted => "done.",
        CommandOutcome.Rejected { Rejection: var r } when r.Errors is { Count: > 0 } errors =>
            $"{r.Message} {string.Join("; ", errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")))}",
        CommandOutcome.Rejected { Rejection: var r } => r.Kind == RejectionKind.NotFound ? $"{r.Message} was not found." : r.Message,
        CommandOutcome.Stale s => $"The record changed since version {s.Expected}; it is now at {s.Current}.",
        CommandOutcome.Locked l => $"The database is locked ({l.Lock.Kind.ToString().ToLowerInvariant()} lock '{l.Lock.Name}').",
        _ => outcome.ToString(),
    };
}
