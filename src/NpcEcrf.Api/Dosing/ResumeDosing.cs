using FluentValidation;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Dosing;

public sealed record ResumeDosing(string InterruptionId, DateOnly Date, int DoseMg, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<ResumeDosing>
    {
        public Validator() => RuleFor(c => c.DoseMg).GreaterThan(0);
    }

    public static Decision Decide(SubjectContext s, ResumeDosing c)
    {
        var interruption = s.Casebook.Interruptions.FirstOrDefault(i => i.InterruptionId == c.InterruptionId);
        if (interruption is null) return Rejection.Invalid("interruptionId", $"No interruption {c.InterruptionId}.");
        if (s.Casebook.Resumptions.Any(r => r.InterruptionId == c.InterruptionId)) return Rejection.Conflict("That interruption has already ended.");
        if (c.Date < interruption.Date) return Rejection.Invalid("date", "Dosing cannot resume before it was interrupted.");
        return Decision.Accept(new DosingResumed(c.InterruptionId, c.Date, c.DoseMg));
    }

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<ResumeDosing>("/resumptions", Decide, tag: "Dosing");
}
