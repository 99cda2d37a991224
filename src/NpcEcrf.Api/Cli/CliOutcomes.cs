using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Cli;

/// <summary>How the command line says a command's outcome: one readable line.</summary>
public static class CliOutcomes
{
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
