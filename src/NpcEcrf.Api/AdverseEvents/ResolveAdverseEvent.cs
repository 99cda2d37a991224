using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.AdverseEvents;

public sealed record ResolveAdverseEvent(DateOnly ResolutionDate, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public static Decision Decide(SubjectContext s, string adverseEventId, ResolveAdverseEvent c) => s.Casebook.AdverseEvent(adverseEventId) switch
    {
        null => Rejection.NotFound($"Adverse event {adverseEventId}"),
        { ResolutionDate: not null } => Rejection.Conflict("The adverse event is already resolved; correct its resolution date instead."),
        _ => Decision.Accept(new AdverseEventResolved(adverseEventId, c.ResolutionDate)),
    };

    public static void Map(IEndpointRouteBuilder app) => app.MapAdverseEventCommand<ResolveAdverseEvent>("/resolution", Decide)
        .Operation("resolveAdverseEvent", "Record an adverse event's resolution", "Adverse events");
}
