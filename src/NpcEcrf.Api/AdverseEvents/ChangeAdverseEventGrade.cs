using FluentValidation;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.AdverseEvents;

/// <summary>A change of grade over the course of an event is a clinical fact of its own, not a correction.</summary>
public sealed record ChangeAdverseEventGrade(DateOnly Date, int Grade, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<ChangeAdverseEventGrade>
    {
        public Validator() => RuleFor(c => c.Grade).InclusiveBetween(1, 5);
    }

    public static Decision Decide(SubjectContext s, string adverseEventId, ChangeAdverseEventGrade c)
    {
        var ae = s.Casebook.AdverseEvents.FirstOrDefault(a => a.Report.AdverseEventId == adverseEventId);
        if (ae is null) return new Rejection(RejectionKind.NotFound, $"Adverse event {adverseEventId}");
        if (ae.ResolutionDate is not null) return Rejection.Conflict("The adverse event is resolved; report a new one.");
        if (c.Grade == ae.CurrentGrade) return Rejection.Invalid("grade", $"The event is already grade {c.Grade}.");
        if (c.Date < ae.Report.OnsetDate) return Rejection.Invalid("date", "A grade change cannot precede onset.");
        return Decision.Accept(new AdverseEventGradeChanged(adverseEventId, c.Date, c.Grade));
    }

    public static void Map(IEndpointRouteBuilder app) => app.MapAdverseEventCommand<ChangeAdverseEventGrade>("/grade-changes", Decide);
}
