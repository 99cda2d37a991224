using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Enrolment;

public sealed record RecordDiseaseStatus(DiseasePattern Pattern, DateOnly DiagnosisDate, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public static Infrastructure.Decision Decide(SubjectContext s, RecordDiseaseStatus c) =>
        CasebookCommands.Once(s.Casebook.DiseaseStatus, "disease status", new DiseaseStatusRecorded(c.Pattern, c.DiagnosisDate));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordDiseaseStatus>("/disease-status", Decide, "Enrolment");
}
