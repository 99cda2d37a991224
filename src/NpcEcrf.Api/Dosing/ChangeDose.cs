using FluentValidation;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Dosing;

/// <summary>A dose change (12 -> 10 mg), with its reason and the adverse event that caused it.</summary>
public sealed record ChangeDose(string ChangeId, DateOnly Date, int ToMg, string Reason, string? AdverseEventId, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<ChangeDose>
    {
        public Validator()
        {
            RuleFor(c => c.ChangeId).NotEmpty().MaximumLength(40);
            RuleFor(c => c.ToMg).GreaterThan(0);
            RuleFor(c => c.Reason).NotEmpty().MaximumLength(500);
        }
    }

    public static Decision Decide(SubjectContext s, ChangeDose c)
    {
        var casebook = s.Casebook;
        if (casebook.FirstDose is null) return Rejection.Invalid("date", "Record the first dose before changing it.");
        if (casebook.DoseChanges.Any(d => d.ChangeId == c.ChangeId)) return Rejection.Conflict($"Dose change {c.ChangeId} is already entered.");
        if (c.Date < casebook.FirstDose.Date) return Rejection.Invalid("date", "A dose change cannot precede the first dose.");
        return Decision.Accept(new DoseChanged(c.ChangeId, c.Date, casebook.CurrentDoseMg!.Value, c.ToMg, c.Reason, c.AdverseEventId));
    }

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<ChangeDose>("/dose-changes", Decide, tag: "Dosing");
}
