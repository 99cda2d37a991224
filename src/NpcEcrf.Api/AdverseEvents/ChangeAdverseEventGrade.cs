using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.AdverseEvents;

/// <summary>A change of grade over the course of an event is a clinical fact of its own, not a correction.</summary>
public sealed record ChangeAdverseEventGrade(DateOnly Date, int Grade, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public static Decision Decide(SubjectContext s, string adverseEventId, ChangeAdverseEventGrade c) => s.Casebook.AdverseEvent(adverseEventId) switch
    {
        null => Rejection.NotFound($"Adverse event {adverseEventId}"),
        { ResolutionDate: not null } => Rejection.Conflict("The adverse event is resolved; report a new one."),
        _ => Decision.Accept(new AdverseEventGradeChanged(adverseEventId, c.Date, c.Grade)),
    };

    public static void Map(IEndpointRouteBuilder app) => app.MapAdverseEventCommand<ChangeAdverseEventGrade>("/grade-changes", Decide)
        .Operation("changeAdverseEventGrade", "Change an adverse event's grade", "Adverse events");
}
