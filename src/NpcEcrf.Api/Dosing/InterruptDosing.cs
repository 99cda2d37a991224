using FluentValidation;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Dosing;

public sealed record InterruptDosing(string InterruptionId, DateOnly Date, string Reason, string? AdverseEventId = null, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<InterruptDosing>
    {
        public Validator()
        {
            RuleFor(c => c.InterruptionId).NotEmpty().MaximumLength(40);
            RuleFor(c => c.Reason).MaximumLength(500);
        }
    }

    public static Decision Decide(SubjectContext s, InterruptDosing c) => s.Casebook.Interruptions.Any(i => i.InterruptionId == c.InterruptionId)
        ? Rejection.Conflict($"Interruption {c.InterruptionId} is already entered.")
        : Decision.Accept(new DosingInterrupted(c.InterruptionId, c.Date, c.Reason, c.AdverseEventId));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<InterruptDosing>("/interruptions", Decide)
        .Operation("interruptDosing", "Interrupt dosing", "Dosing");
}
