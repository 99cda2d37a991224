using NpcEcrf.Api.Clinical;

namespace NpcEcrf.Api.Subjects;

/// <summary>The clinical rules the edit checks and the casebook use, phrased as casebook findings.</summary>
public static class ClinicalRules
{
    public const decimal LesionGrowthFlagPercent = 80m;

    public static bool IsKnownTerm(string term) => CtcaeCatalogue.Shipped.Find(term) is not null;

    public static string CanonicalTerm(string term) => CtcaeCatalogue.Shipped.Find(term)?.Term ?? term;

    public static string? GradeFinding(string term, int grade) => CtcaeCatalogue.Shipped.Find(term) is not { } t
        ? $"'{term}' is not in the study's CTCAE catalogue."
        : t.Grades.Contains(grade) ? null : $"CTCAE v5 allows grades {string.Join(", ", t.Grades)} for {t.CtcaeTerm}, not {grade}.";

    public static IEnumerable<CheckFinding> BaselineFindings(TumourAssessments.BaselineLesionsRecorded baseline) =>
        Recist.BaselineFindings(baseline.Targets).Select(f => new CheckFinding("recist-baseline", CasebookForms.BaselineLesions, f.Field, f.Message));

    /// <summary>Soft check: a target lesion 80% larger than at the previous visit is worth a data query.</summary>
    public static IEnumerable<CheckFinding> LesionGrowthFindings(Casebook c)
    {
        if (c.Baseline is null) yield break;
        var previous = c.Baseline.Targets.ToDictionary(t => t.LesionId, t => (decimal?)t.DiameterMm);
        foreach (var visit in c.Assessments.OrderBy(a => a.Date))
        {
            foreach (var (lesion, mm) in visit.TargetDiametersMm)
            {
                if (mm is { } now && previous.GetValueOrDefault(lesion) is { } before && before > 0
                    && (now - before) / before * 100m >= LesionGrowthFlagPercent)
                    yield return new CheckFinding("lesion-growth", CasebookForms.TumourAssessment(visit.AssessmentId), $"targetDiametersMm.{lesion}",
                        $"Lesion {lesion} grew from {before} to {now} mm since the previous assessment: please confirm the measurement.");
                if (mm is not null) previous[lesion] = mm;
            }
        }
    }
}
