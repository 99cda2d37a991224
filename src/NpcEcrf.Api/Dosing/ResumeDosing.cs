using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Dosing;

public sealed record ResumeDosing(string InterruptionId, DateOnly Date, decimal Dose, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public static Decision Decide(SubjectContext s, ResumeDosing c)
    {
        if (s.Casebook.Interruptions.All(i => i.InterruptionId != c.InterruptionId)) return Rejection.Invalid("interruptionId", $"No interruption {c.InterruptionId}.");
        if (s.Casebook.ResumptionOf(c.InterruptionId) is not null) return Rejection.Conflict("That interruption has already ended.");
        return Decision.Accept(new DosingResumed(c.InterruptionId, c.Date, c.Dose));
    }

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<ResumeDosing>("/resumptions", Decide)
        .Operation("resumeDosing", "Resume dosing after an interruption", "Dosing");
}
