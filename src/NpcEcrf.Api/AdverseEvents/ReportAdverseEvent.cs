using FluentValidation;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.AdverseEvents;

/// <summary>An adverse event coded with one of the study's terms; the grade is checked against the grades its CTCAE term allows.</summary>
public sealed record ReportAdverseEvent(string AdverseEventId, string Term, int Grade, DateOnly OnsetDate, bool Serious, Relation Relation, ActionTaken Action,
    long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<ReportAdverseEvent>
    {
        public Validator()
        {
            RuleFor(c => c.AdverseEventId).NotEmpty().MaximumLength(20);
            RuleFor(c => c.Term).NotEmpty().MaximumLength(200);
        }
    }

    /// <summary>The term may be sent as the study's term, its CTCAE term or its MedDRA code; the study's term is stored.</summary>
    public static Decision Decide(SubjectContext s, ReportAdverseEvent c) =>
        s.Casebook.AdverseEvent(c.AdverseEventId) is not null
            ? Rejection.Conflict($"Adverse event {c.AdverseEventId} is already entered.")
            : Decision.Accept(new AdverseEventReported(c.AdverseEventId, s.Definition.Term(c.Term)?.Term ?? c.Term, c.Grade, c.OnsetDate, c.Serious, c.Relation, c.Action));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<ReportAdverseEvent>("/adverse-events", Decide)
        .Operation("reportAdverseEvent", "Report an adverse event", "Adverse events");
}
