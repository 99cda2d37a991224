using System.Net;
using System.Text;
using NpcEcrf.Analysis;

namespace NpcEcrf.Api.Analyses.Figures;

/// <summary>
/// The report's figures, each in a figure element under its true caption: Kaplan-Meier curves of PFS and OS, by arm
/// where there are several, and PFS by each factor of the plan that has levels; the forest plots of the univariate
/// screen and of the plan's multivariate model; the waterfall and the swimmer plot.
/// </summary>
public static class ReportFigures
{
    public const string PfsAxis = "Progression-free survival probability", OsAxis = "Overall survival probability";

    public static string Html(AnalysisReport report)
    {
        var r = report.Result;
        var band = report.Profile.ConfType;
        var html = new StringBuilder("<h2>Figures</h2>");
        html.Append(Figure("km-pfs", "Kaplan-Meier: progression-free survival, all subjects", KaplanMeierFigure.Draw([new("All subjects", r.PfsMonths)], PfsAxis, band)));
        html.Append(Figure("km-os", "Kaplan-Meier: overall survival, all subjects", KaplanMeierFigure.Draw([new("All subjects", r.OsMonths)], OsAxis, band)));
        if (r.ByArm is { } byArm)
        {
            html.Append(Figure("km-pfs-by-arm", $"Kaplan-Meier by arm: progression-free survival{LogRankCaption(byArm.PfsLogRank)}",
                KaplanMeierFigure.Draw(byArm.Arms.Select(a => new KaplanMeierCurve(a.Name, a.PfsMonths)).ToList(), PfsAxis, band, byArm.PfsLogRank)));
            html.Append(Figure("km-os-by-arm", $"Kaplan-Meier by arm: overall survival{LogRankCaption(byArm.OsLogRank)}",
                KaplanMeierFigure.Draw(byArm.Arms.Select(a => new KaplanMeierCurve(a.Name, a.OsMonths)).ToList(), OsAxis, band, byArm.OsLogRank)));
        }
        var arms = r.ByArm?.Arms.Select(a => new StudyArm(a.Arm, a.Name)).ToList() ?? [];
        foreach (var factor in (report.Plan?.PfsCovariates ?? []).Where(f => f != Factors.Arm))
            if (FactorCurves.Pfs(report.Subjects, factor, arms, r.Covariates, report.Profile) is { Groups.Count: > 0 } split)
                html.Append(Figure($"km-pfs-by-{Id(factor)}", $"Kaplan-Meier: progression-free survival by {split.Label.ToLowerInvariant()} (a factor of plan {report.Plan!.Name}){LogRankCaption(split.LogRank)}",
                    KaplanMeierFigure.Draw(split.Groups.Select(g => new KaplanMeierCurve($"{split.Label}: {g.Label}", g.Summary)).ToList(), PfsAxis, band, split.LogRank)));

        if (ForestFigure.Univariate(r) is { Count: > 0 } screen)
            html.Append(Figure("forest-univariate", "Forest plot: univariate Cox models of PFS, each factor fitted alone (the screen; not adjusted)",
                ForestFigure.Draw(screen, "progression or death")));
        if (r.CoxPfsMultivariate is { Coefficients.Count: > 0 } model)
            html.Append(Figure("forest-multivariate", $"Forest plot: multivariate Cox model of PFS, plan {model.Plan} ({model.Ties} ties, n = {model.N}; each hazard ratio adjusted for the others)",
                ForestFigure.Draw(ForestFigure.Multivariate(model, r.CoxUnivariate), "progression or death")));
        html.Append(Figure("waterfall", "Waterfall: best % change of the target-lesion sum from baseline, by best overall response (RECIST 1.1)", WaterfallFigure.Draw(report.Subjects)));
        html.Append(Figure("swimmer", "Swimmer plot: time on treatment, with first response, progression and death", SwimmerFigure.Draw(report.Subjects)));
        return html.ToString();
    }

    private static string Id(string factor) => new(factor.Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray());

    private static string LogRankCaption(LogRankResult? test) => test is null ? ""
        : FormattableString.Invariant($" (log-rank chi-square {test.ChiSquare:0.000}, df {test.Df}, P {ForestFigure.P(test.P)})");

    private static string Figure(string id, string caption, string svg) =>
        $"<figure id=\"{id}\"><figcaption>{WebUtility.HtmlEncode(caption)}</figcaption>{svg}</figure>";
}
