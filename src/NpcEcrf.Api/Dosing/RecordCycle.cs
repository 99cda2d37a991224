using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Dosing;

/// <summary>A completed cycle with drug accountability; its dates and doses are the cycle form's checks.</summary>
public sealed record RecordCycle(int CycleNumber, DateOnly StartDate, decimal Dose, int? TabletsDispensed = null, int? TabletsReturned = null, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public static Decision Decide(SubjectContext s, RecordCycle c)
    {
        var next = s.Casebook.Cycles.Count + 1;
        return c.CycleNumber == next
            ? Decision.Accept(new CycleRecorded(c.CycleNumber, c.StartDate, c.Dose, c.TabletsDispensed, c.TabletsReturned))
            : Rejection.Invalid("cycleNumber", $"The next cycle is number {next}.");
    }

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordCycle>("/cycles", Decide)
        .Operation("recordCycle", "Record a treatment cycle", "Dosing");
}
