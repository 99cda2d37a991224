using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Dosing;

public sealed record DiscontinueTreatment(DateOnly Date, DiscontinuationReason Reason, string? Details = null, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public static Decision Decide(SubjectContext s, DiscontinueTreatment c) =>
        CasebookCommands.Once(s.Casebook.Discontinuation, "discontinuation", new TreatmentDiscontinued(c.Date, c.Reason, c.Details));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<DiscontinueTreatment>("/discontinuation", Decide)
        .Operation("discontinueTreatment", "Discontinue the treatment", "Dosing");
}
