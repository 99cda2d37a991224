using FluentValidation;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Dosing;

/// <summary>A dose change (12 -> 10 mg), with its reason and the adverse event that caused it. The dose it starts from is the one in force.</summary>
public sealed record ChangeDose(string ChangeId, DateOnly Date, decimal ToDose, string Reason, string? AdverseEventId = null, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<ChangeDose>
    {
        public Validator()
        {
            RuleFor(c => c.ChangeId).NotEmpty().MaximumLength(40);
            RuleFor(c => c.Reason).MaximumLength(500);
        }
    }

    public static Decision Decide(SubjectContext s, ChangeDose c)
    {
        if (s.Casebook.DoseChanges.Any(d => d.ChangeId == c.ChangeId)) return Rejection.Conflict($"Dose change {c.ChangeId} is already entered.");
        if (s.Casebook.DoseBefore(null, c.Date) is not { } from) return Rejection.Invalid("date", "Record the first dose, on or before this date, before changing it.");
        return Decision.Accept(new DoseChanged(c.ChangeId, c.Date, from, c.ToDose, c.Reason, c.AdverseEventId));
    }

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<ChangeDose>("/dose-changes", Decide)
        .Operation("changeDose", "Change the dose", "Dosing");
}
