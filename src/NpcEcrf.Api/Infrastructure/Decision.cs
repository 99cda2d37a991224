namespace NpcEcrf.Api.Infrastructure;

public enum RejectionKind { Invalid, Conflict, NotFound, Forbidden }

/// <summary>Why a command was refused, in domain terms; the edges (HTTP, command line) say it their way.</summary>
public sealed record Rejection(RejectionKind Kind, string Message, IReadOnlyDictionary<string, string[]>? Errors = null)
{
    public static Rejection Invalid(string field, string message) => new(RejectionKind.Invalid, message, new Dictionary<string, string[]> { [field] = [message] });
    public static Rejection Invalid(IReadOnlyDictionary<string, string[]> errors, string title) => new(RejectionKind.Invalid, title, errors);
    public static Rejection Conflict(string message) => new(RejectionKind.Conflict, message);
    public static Rejection NotFound(string what) => new(RejectionKind.NotFound, what);
    public static Rejection Forbidden(string why) => new(RejectionKind.Forbidden, why);
}

/// <summary>The outcome of a pure decision: the events to append, or why nothing may be appended.</summary>
public sealed record Decision(IReadOnlyList<object> Events, Rejection? Rejection = null)
{
    public static Decision Accept(params object[] events) => new(events);
    public static Decision Reject(Rejection rejection) => new([], rejection);
    public static implicit operator Decision(Rejection rejection) => Reject(rejection);
}

/// <summary>What became of a command, whatever asked for it.</summary>
public abstract record CommandOutcome
{
    /// <summary>Written (or, for a retried command id, written before): the answer and the stream version it reflects.</summary>
    public sealed record Accepted(object Answer, long Version, string? CreatedAt = null) : CommandOutcome;
    public sealed record Rejected(Rejection Rejection) : CommandOutcome;
    /// <summary>What the user saw changed since: nothing was written.</summary>
    public sealed record Stale(long Expected, long Current) : CommandOutcome;
    /// <summary>A database lock refuses the write.</summary>
    public sealed record Locked(Locks.DatabaseLock Lock) : CommandOutcome;

    public static implicit operator CommandOutcome(Rejection rejection) => new Rejected(rejection);
}
