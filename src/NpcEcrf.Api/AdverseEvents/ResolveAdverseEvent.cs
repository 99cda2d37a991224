using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.AdverseEvents;

public sealed record ResolveAdverseEvent(DateOnly ResolutionDate, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public static Decision Decide(SubjectContext s, string adverseEventId, ResolveAdverseEvent c)
    {
        var ae = s.Casebook.AdverseEvents.FirstOrDefault(a => a.Report.AdverseEventId == adverseEventId);
        if (ae is null) return new Rejection(RejectionKind.NotFound, $"Adverse event {adverseEventId}");
        if (ae.ResolutionDate is not null) return Rejection.Conflict("The adverse event is already resolved.");
        return Decision.Accept(new AdverseEventResolved(adverseEventId, c.ResolutionDate));
    }

    public static void Map(IEndpointRouteBuilder app) => app.MapAdverseEventCommand<ResolveAdverseEvent>("/resolution", Decide);
}
