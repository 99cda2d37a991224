using FluentValidation;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Dosing;

public sealed record DiscontinueTreatment(DateOnly Date, DiscontinuationReason Reason, string? Details, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<DiscontinueTreatment>
    {
        public Validator()
        {
            RuleFor(c => c.Reason).IsInEnum();
            RuleFor(c => c.Details).NotEmpty().When(c => c.Reason == DiscontinuationReason.Other).WithMessage("Say why when the reason is 'Other'.");
        }
    }

    public static Decision Decide(SubjectContext s, DiscontinueTreatment c)
    {
        if (s.Casebook.FirstDose is not { } first) return Rejection.Invalid("date", "Treatment that never started cannot be discontinued.");
        if (c.Date < first.Date) return Rejection.Invalid("date", "Discontinuation cannot precede the first dose.");
        return SubjectRoutes.Once(s.Casebook.Discontinuation, "discontinuation", new TreatmentDiscontinued(c.Date, c.Reason, c.Details));
    }

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<DiscontinueTreatment>("/discontinuation", Decide, tag: "Dosing");
}
