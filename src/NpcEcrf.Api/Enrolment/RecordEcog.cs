using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Enrolment;

public sealed record RecordEcog(DateOnly AssessmentDate, int Score, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public static Infrastructure.Decision Decide(SubjectContext s, RecordEcog c) =>
        CasebookCommands.Once(s.Casebook.Ecog, "ECOG", new EcogRecorded(c.AssessmentDate, c.Score));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordEcog>("/ecog", Decide)
        .Operation("recordEcog", "Record the baseline ECOG performance status", "Enrolment");
}
