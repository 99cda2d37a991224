namespace NpcEcrf.Api.Clinical;

/// <summary>One ADaM ADTTE-style parameter (PFS or OS) for one subject.</summary>
public sealed record TimeToEventRecord(DateOnly Origin, DateOnly Date, int Days, double Months, bool Event, string Description);

/// <summary>
/// Time-to-event derivations, ADaM ADTTE conventions (../shared/docs/statistics.md): origin = first dose;
/// days = date - origin + 1; months = days / 30.4375; nothing dated after the cut-off exists.
/// </summary>
public static class TimeToEvent
{
    public const double DaysPerMonth = 30.4375;

    public static TimeToEventRecord Of(DateOnly origin, DateOnly date, bool isEvent, string description)
    {
        var days = date.DayNumber - origin.DayNumber + 1;
        return new TimeToEventRecord(origin, date, days, days / DaysPerMonth, isEvent, description);
    }

    /// <summary>
    /// PFS: first RECIST progression (the assessment that showed it) or death, whichever first; else censored
    /// at the last adequate assessment on or before the cut-off; no post-baseline assessment: censored at day 1.
    /// </summary>
    public static TimeToEventRecord Pfs(DateOnly firstDose, IReadOnlyList<VisitResponse> visits, DateOnly? death, DateOnly cutoff)
    {
        var seen = visits.Where(v => v.Date <= cutoff).OrderBy(v => v.Date).ToList();
        var progression = seen.FirstOrDefault(v => v.Overall == Response.PD)?.Date;
        var died = death <= cutoff ? death : null;
        if (progression is { } p && (died is null || p <= died)) return Of(firstDose, p, true, "Disease progression (RECIST 1.1)");
        if (died is { } d) return Of(firstDose, d, true, "Death");
        var lastAdequate = seen.LastOrDefault(v => v.Overall != Response.NE)?.Date;
        return lastAdequate is { } last
            ? Of(firstDose, last, false, "Censored at the last adequate tumour assessment")
            : Of(firstDose, firstDose, false, "Censored at day 1: no post-baseline assessment");
    }

    /// <summary>OS: death from any cause; else censored at the last date known alive on or before the cut-off.</summary>
    public static TimeToEventRecord Os(DateOnly firstDose, DateOnly? death, IEnumerable<DateOnly> knownAlive, DateOnly cutoff)
    {
        if (death is { } d && d <= cutoff) return Of(firstDose, d, true, "Death");
        var last = knownAlive.Where(a => a <= cutoff).DefaultIfEmpty(firstDose).Max();
        return Of(firstDose, last, false, "Censored at the last date known alive");
    }
}
