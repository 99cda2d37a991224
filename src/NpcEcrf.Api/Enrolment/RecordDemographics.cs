using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Enrolment;

public sealed record RecordDemographics(string Sex, int YearOfBirth, int AgeAtEnrolment, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public static Infrastructure.Decision Decide(SubjectContext s, RecordDemographics c) =>
        CasebookCommands.Once(s.Casebook.Demographics, "demographics", new DemographicsRecorded(c.Sex, c.YearOfBirth, c.AgeAtEnrolment));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordDemographics>("/demographics", Decide)
        .Operation("recordDemographics", "Record the subject's demographics", "Enrolment");
}
