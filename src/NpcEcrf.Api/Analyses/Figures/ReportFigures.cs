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
        // Each figure on the set its table uses (Populations): survival on the plan's survival set, the waterfall on the
        // evaluable set, the swimmer plot on the safety set.
        var sets = Populations.Of(report.Subjects, r.Rules);
        var survivalSet = sets.Of(r.Rules.SurvivalSet);
        var setName = Labels.Population(r.Rules.SurvivalSet);
        var html = new StringBuilder("<h2>Figures</h2>");
        html.Append(Figure("km-pfs", $"Kaplan-Meier: progression-free survival, {Lower(setName)} (n = {survivalSet.Count})", KaplanMeierFigure.Draw([new(setName, r.PfsMonths)], PfsAxis, band)));
        html.Append(Figure("km-os", $"Kaplan-Meier: overall survival, {Lower(setName)} (n = {survivalSet.Count})", KaplanMeierFigure.Draw([new(setName, r.OsMonths)], OsAxis, band)));
        if (r.ByArm is { } byArm)
        {
            html.Append(Figure("km-pfs-by-arm", $"Kaplan-Meier by arm: progression-free survival, {Lower(setName)}{LogRankCaption(byArm.PfsLogRank)}",
                KaplanMeierFigure.Draw(byArm.Arms.Select(a => new KaplanMeierCurve(a.Name, a.PfsMonths)).ToList(), PfsAxis, band, byArm.PfsLogRank)));
            html.Append(Figure("km-os-by-arm", $"Kaplan-Meier by arm: overall survival, {Lower(setName)}{LogRankCaption(byArm.OsLogRank)}",
                KaplanMeierFigure.Draw(byArm.Arms.Select(a => new KaplanMeierCurve(a.Name, a.OsMonths)).ToList(), OsAxis, band, byArm.OsLogRank)));
        }
        var arms = r.ByArm?.Arms.Select(a => new StudyArm(a.Arm, a.Name)).ToList() ?? [];
        foreach (var factor in (report.Plan?.PfsCovariates ?? []).Where(f => f != Factors.Arm))
            if (FactorCurves.Pfs(survivalSet, factor, arms, r.Covariates, report.Profile) is { Groups.Count: > 0 } split)
                html.Append(Figure($"km-pfs-by-{Id(factor)}", $"Kaplan-Meier: progression-free survival by {Lower(split.Label)}, {Lower(setName)} (a factor of plan {report.Plan!.Name}){LogRankCaption(split.LogRank)}",
                    KaplanMeierFigure.Draw(split.Groups.Select(g => new KaplanMeierCurve($"{split.Label}: {g.Label}", g.Summary)).ToList(), PfsAxis, band, split.LogRank)));

        if (ForestFigure.Univariate(r) is { Count: > 0 } screen)
            html.Append(Figure("forest-univariate", "Forest plot: univariate Cox models of PFS, each factor fitted alone (the screen; not adjusted)",
                ForestFigure.Draw(screen, "progression or death")));
        if (r.CoxPfsMultivariate is { Coefficients.Count: > 0 } model)
            html.Append(Figure("forest-multivariate", $"Forest plot: multivariate Cox model of PFS, plan {model.Plan} ({model.Ties} ties, n = {model.N}; each hazard ratio adjusted for the others)",
                ForestFigure.Draw(ForestFigure.Multivariate(model), "progression or death")));
        html.Append(Figure("waterfall", $"Waterfall: best % change of the target-lesion sum from baseline, by best overall response (RECIST 1.1), {Lower(Labels.Population(Population.Evaluable))}", WaterfallFigure.Draw(sets.Evaluable)));
        html.Append(Figure("swimmer", $"Swimmer plot: time on treatment, with first response, progression and death, {Lower(Labels.Population(Population.Treated))}", SwimmerFigure.Draw(sets.Treated)));
        return html.ToString();
    }

    /// <summary>A label inside a sentence: "Safety set" as "safety set", an initialism ("ECOG ...") as it is.</summary>
    private static string Lower(string label) => label.Length > 1 && char.IsUpper(label[0]) && char.IsLower(label[1]) ? char.ToLowerInvariant(label[0]) + label[1..] : label;

    private static string Id(string factor) => new(factor.Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray());

    private static string LogRankCaption(LogRankResult? test) => test is null ? ""
        : FormattableString.Invariant($" (log-rank chi-square {test.ChiSquare:0.000}, df {test.Df}, P {ForestFigure.P(test.P)})");

    private static string Figure(string id, string caption, string svg) =>
        $"<figure id=\"{id}\"><figcaption>{WebUtility.HtmlEncode(caption)}</figcaption>{svg}</figure>";
}
