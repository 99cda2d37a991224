namespace NpcEcrf.Api.Infrastructure;

public enum RejectionKind { Invalid, Conflict, NotFound }

/// <summary>Why a command was refused, in domain terms; endpoints turn it into problem details.</summary>
public sealed record Rejection(RejectionKind Kind, string Message, string? Field = null)
{
    public static Rejection Invalid(string field, string message) => new(RejectionKind.Invalid, message, field);
    public static Rejection Conflict(string message) => new(RejectionKind.Conflict, message);

    public IResult ToProblem() => Kind switch
    {
        RejectionKind.Invalid => Problems.Validation(Field ?? "", Message),
        RejectionKind.NotFound => Problems.NotFound(Message),
        _ => Problems.Conflict(Message),
    };
}

/// <summary>The outcome of a pure decision: the events to append, or why nothing may be appended.</summary>
public sealed record Decision(IReadOnlyList<object> Events, Rejection? Rejection = null)
{
    public static Decision Accept(params object[] events) => new(events);
    public static Decision Reject(Rejection rejection) => new([], rejection);
    public static implicit operator Decision(Rejection rejection) => Reject(rejection);
}
