namespace NpcEcrf.Analysis;

/// <summary>A change of an adverse event's grade on a date.</summary>
public sealed record GradeStep(DateOnly Date, int Grade);

/// <summary>One adverse event of a term: its onset and grade at onset, and the later grade changes (up to the cut-off).</summary>
public sealed record AdverseEventEpisode(DateOnly Onset, int Grade, IReadOnlyList<GradeStep> Changes);

/// <summary>How a study codes an adverse-event term: the MedDRA preferred term, its code and system organ class, where the definition gives them.</summary>
public sealed record AdverseEventCoding(string Term, string? PreferredTerm, string? MeddraCode, string? Soc);

/// <summary>Which adverse events count in the safety tables: the treatment-emergent ones, by the plan's rule.</summary>
public static class TreatmentEmergentEvents
{
    /// <summary>
    /// The worst treatment-emergent grade of a subject's events of one term, null where none is treatment-emergent (and
    /// always for a subject never dosed). An event with onset on or after the first dose counts at its worst grade. Under
    /// <see cref="TreatmentEmergence.OnsetOrWorsening"/> an event that began before the first dose counts only if a grade
    /// change on or after the first dose raised it above its grade at the first dose, and then at the worst such grade.
    /// </summary>
    public static int? WorstGrade(DateOnly? firstDose, IEnumerable<AdverseEventEpisode> episodes, TreatmentEmergence rule)
    {
        if (firstDose is not { } start) return null;
        int? worst = null;
        foreach (var e in episodes)
        {
            int? grade;
            if (e.Onset >= start) grade = e.Changes.Select(c => c.Grade).Append(e.Grade).Max();
            else if (rule == TreatmentEmergence.Onset) grade = null;
            else
            {
                var atFirstDose = e.Changes.Where(c => c.Date < start).OrderBy(c => c.Date).Select(c => (int?)c.Grade).LastOrDefault() ?? e.Grade;
                grade = e.Changes.Where(c => c.Date >= start && c.Grade > atFirstDose).Select(c => (int?)c.Grade).Max();
            }
            if (grade > (worst ?? 0)) worst = grade;
        }
        return worst;
    }
}
