using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Standards.Sdtm;

/// <summary>
/// EX: one record per period at one dose. A cycle's days on (start to start + days on - 1) are one period, split where a
/// dose change, an interruption or a resumption dated in them starts a new one; a first dose with no cycle recorded is a one-day period.
/// </summary>
internal static class Ex
{
    private static readonly Variable[] Variables =
    [
        Sdtm.StudyId, Sdtm.Domain, Sdtm.UsubjId, Sdtm.Seq("EX"),
        new("EXTRT", "Name of Treatment", VariableType.Text, Origin: "Assigned", Derivation: "The name of the subject's arm in the study definition", Key: true),
        new("EXDOSE", "Dose", VariableType.Float, Origin: "Collected"),
        new("EXDOSU", "Dose Units", VariableType.Text, Origin: "Assigned", CodeList: "UNIT", Derivation: "The study definition's dose unit (mg, mg/m2, mg/kg)"),
        new("EXROUTE", "Route of Administration", VariableType.Text, Origin: "Assigned", CodeList: "ROUTE", Derivation: "The study definition's route, upper case"),
        new("EXADJ", "Reason for Dose Adjustment", VariableType.Text, Origin: "Collected"),
        new("VISITNUM", "Visit Number", VariableType.Float, Origin: "Derived", Derivation: "The cycle number (1 for a first dose with no cycle)"),
        new("VISIT", "Visit Name", VariableType.Text, Origin: "Derived", Derivation: "\"CYCLE n\""),
        Sdtm.Epoch,
        new("EXSTDTC", "Start Date/Time of Treatment", VariableType.Text, Origin: "Collected", Key: true),
        new("EXENDTC", "End Date/Time of Treatment", VariableType.Text, Origin: "Derived",
            Derivation: "The day before the next change in the cycle, else cycle start + days on - 1 (the first dose's date with no cycle)"),
    ];

    private sealed record Change(DateOnly Date, decimal? Dose, bool On, string? Reason);

    public static Dataset Build(IReadOnlyList<SdtmSubject> subjects, StudyDefinition definition) =>
        Sdtm.Make("EX", "Exposure", "INTERVENTIONS", Variables, subjects.SelectMany(s => Periods(s, definition)));

    private static IEnumerable<Dictionary<string, object?>> Periods(SdtmSubject s, StudyDefinition definition)
    {
        var c = s.Casebook;
        if (c.FirstDose is not { } first || first.Date > s.Cutoff) yield break;
        var treatment = definition.Arm(c.Enrolment.Arm)?.Name ?? c.Enrolment.Arm;
        Dictionary<string, object?> Period(int cycle, DateOnly start, DateOnly end, decimal dose, string? reason)
        {
            var row = s.Row("EX");
            row["EXTRT"] = treatment;
            row["EXDOSE"] = dose;
            row["EXDOSU"] = definition.Treatment.DoseUnit;
            row["EXROUTE"] = definition.Treatment.Route.ToUpperInvariant();
            row["EXADJ"] = reason;
            row["VISITNUM"] = cycle;
            row["VISIT"] = $"CYCLE {cycle}";
            row["EPOCH"] = s.Epoch(start);
            row["EXSTDTC"] = Sdtm.Dtc(start);
            row["EXENDTC"] = Sdtm.Dtc(end);
            return row;
        }
        var cycles = c.Cycles.Where(x => x.StartDate <= s.Cutoff).OrderBy(x => x.CycleNumber).ToList();
        if (cycles.Count == 0)
        {
            yield return Period(1, first.Date, first.Date, first.Dose, null);
            yield break;
        }
        var changes = c.DoseChanges.Select(d => new Change(d.Date, d.ToDose, true, d.Reason))
            .Concat(c.Interruptions.Select(i => new Change(i.Date, null, false, i.Reason)))
            .Concat(c.Resumptions.Select(r => new Change(r.Date, r.Dose, true, null)))
            .Where(x => x.Date <= s.Cutoff).OrderBy(x => x.Date).ToList();
        foreach (var cycle in cycles)
        {
            var end = cycle.StartDate.AddDays(definition.Treatment.DaysOn - 1);
            var (from, dose, on, reason) = (cycle.StartDate, cycle.Dose, true, (string?)null);
            foreach (var change in changes.Where(x => x.Date > cycle.StartDate && x.Date <= end))
            {
                if (on) yield return Period(cycle.CycleNumber, from, change.Date.AddDays(-1), dose, reason);
                (from, dose, on, reason) = (change.Date, change.Dose ?? dose, change.On, change.Reason);
            }
            if (on) yield return Period(cycle.CycleNumber, from, end, dose, reason);
        }
    }
}
