using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Dosing;

/// <summary>The first dose: the time origin of PFS and OS.</summary>
public sealed record GiveFirstDose(DateOnly Date, decimal Dose, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public static Infrastructure.Decision Decide(SubjectContext s, GiveFirstDose c) =>
        CasebookCommands.Once(s.Casebook.FirstDose, "first dose", new FirstDoseGiven(c.Date, c.Dose));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<GiveFirstDose>("/first-dose", Decide)
        .Operation("giveFirstDose", "Record the first dose", "Dosing");
}
