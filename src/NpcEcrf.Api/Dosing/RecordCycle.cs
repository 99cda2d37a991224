using FluentValidation;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Dosing;

/// <summary>A completed 21-day cycle (tablets on days 1-14) with drug accountability.</summary>
public sealed record RecordCycle(int CycleNumber, DateOnly StartDate, int DoseMg, int TabletsDispensed, int TabletsReturned, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public const int CycleDays = 21;

    public sealed class Validator : AbstractValidator<RecordCycle>
    {
        public Validator()
        {
            RuleFor(c => c.CycleNumber).InclusiveBetween(1, 200);
            RuleFor(c => c.DoseMg).GreaterThan(0);
            RuleFor(c => c.TabletsDispensed).InclusiveBetween(0, 100);
            RuleFor(c => c.TabletsReturned).InclusiveBetween(0, 100).LessThanOrEqualTo(c => c.TabletsDispensed)
                .WithMessage("More tablets returned than dispensed.");
        }
    }

    public static Decision Decide(SubjectContext s, RecordCycle c)
    {
        var cycles = s.Casebook.Cycles;
        if (c.CycleNumber != cycles.Count + 1)
            return Rejection.Invalid("cycleNumber", $"The next cycle is number {cycles.Count + 1}.");
        if (cycles.Count > 0 && c.StartDate < cycles[^1].StartDate.AddDays(CycleDays))
            return Rejection.Invalid("startDate", $"Cycle {c.CycleNumber} cannot start before day {CycleDays + 1} of cycle {cycles.Count} ({cycles[^1].StartDate.AddDays(CycleDays):yyyy-MM-dd}).");
        return Decision.Accept(new CycleRecorded(c.CycleNumber, c.StartDate, c.DoseMg, c.TabletsDispensed, c.TabletsReturned));
    }

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordCycle>("/cycles", Decide, tag: "Dosing");
}
