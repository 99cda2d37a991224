using FluentValidation;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Clinical;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.AdverseEvents;

/// <summary>A CTCAE v5 adverse event; the grade is checked against the grades its term allows.</summary>
public sealed record ReportAdverseEvent(string AdverseEventId, string Term, int Grade, DateOnly OnsetDate, bool Serious, Relation Relation, ActionTaken Action,
    long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<ReportAdverseEvent>
    {
        public Validator()
        {
            RuleFor(c => c.AdverseEventId).NotEmpty().MaximumLength(20);
            RuleFor(c => c.Term).NotEmpty().Must(t => CtcaeCatalogue.Shipped.Find(t) is not null).WithMessage(c => $"'{c.Term}' is not in the study's CTCAE catalogue.");
        }
    }

    public static Decision Decide(SubjectContext s, ReportAdverseEvent c) =>
        s.Casebook.AdverseEvent(c.AdverseEventId) is not null
            ? Rejection.Conflict($"Adverse event {c.AdverseEventId} is already entered.")
            : Decision.Accept(new AdverseEventReported(c.AdverseEventId, CtcaeCatalogue.Shipped.Find(c.Term)?.Term ?? c.Term, c.Grade, c.OnsetDate, c.Serious, c.Relation, c.Action));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<ReportAdverseEvent>("/adverse-events", Decide, "Adverse events");
}
