using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Enrolment;

public sealed record RecordPriorTherapy(int PriorSystemicLines, bool PlatinumRefractory, bool PriorRadiotherapy, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public static Infrastructure.Decision Decide(SubjectContext s, RecordPriorTherapy c) =>
        CasebookCommands.Once(s.Casebook.PriorTherapy, "prior therapy", new PriorTherapyRecorded(c.PriorSystemicLines, c.PlatinumRefractory, c.PriorRadiotherapy));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordPriorTherapy>("/prior-therapy", Decide, "Enrolment");
}
