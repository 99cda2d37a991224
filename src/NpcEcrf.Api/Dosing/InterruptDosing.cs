using FluentValidation;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Dosing;

public sealed record InterruptDosing(string InterruptionId, DateOnly Date, string Reason, string? AdverseEventId, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<InterruptDosing>
    {
        public Validator()
        {
            RuleFor(c => c.InterruptionId).NotEmpty().MaximumLength(40);
            RuleFor(c => c.Reason).NotEmpty().MaximumLength(500);
        }
    }

    public static Decision Decide(SubjectContext s, InterruptDosing c)
    {
        var casebook = s.Casebook;
        if (casebook.FirstDose is null || c.Date < casebook.FirstDose.Date) return Rejection.Invalid("date", "Dosing can only be interrupted after the first dose.");
        if (casebook.Interruptions.Any(i => i.InterruptionId == c.InterruptionId)) return Rejection.Conflict($"Interruption {c.InterruptionId} is already entered.");
        if (casebook.Interruptions.Count > casebook.Resumptions.Count) return Rejection.Conflict("Dosing is already interrupted; record the resumption first.");
        return Decision.Accept(new DosingInterrupted(c.InterruptionId, c.Date, c.Reason, c.AdverseEventId));
    }

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<InterruptDosing>("/interruptions", Decide, tag: "Dosing");
}
