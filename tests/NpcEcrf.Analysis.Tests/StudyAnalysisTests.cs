namespace NpcEcrf.Analysis.Tests;

/// <summary>The analysis tables of a small hand-built cohort agree with the engine's own tested functions.</summary>
public class StudyAnalysisTests
{
    internal static AnalysisSubject S(int i, int age, bool liver, string bor, double pfs, bool progressed, double os, bool died, int cycles, params (string, int)[] aes) =>
        new($"H-{i}", "S1", "A", age, i % 2 == 0 ? "F" : "M", i % 3 == 0 ? 1 : 0,
            new Dictionary<string, object?> { ["sites.liver"] = liver, ["status.pattern"] = i % 3 == 0 ? "R" : i % 3 == 1 ? "M" : "B", ["prior.lines"] = i % 4 == 0 ? null : i % 3 + 1.0 },
            cycles, i % 5 == 0 ? 1 : 0, 0.95, bor, -10, pfs, progressed, os, died, pfs, !progressed, progressed ? "Progression" : null,
            aes.ToDictionary(a => a.Item1, a => a.Item2), Treated: true, Eligible: true, PostBaselineAssessments: 2);

    internal static readonly Covariate[] Covariates =
    [
        Covariate.Categorical("status.pattern", "Disease pattern", [new("R", "Recurrent"), new("M", "Metastatic"), new("B", "Both")]),
        Covariate.Binary("sites.liver", "Liver metastases"),
        Covariate.Continuous("prior.lines", "Prior lines"),
    ];

    private static readonly AnalysisSubject[] Cohort =
    [
        S(1, 50, true, "PD", 1.5, true, 4, true, 2, ("Fatigue", 1)), S(2, 61, false, "SD", 3.0, true, 9, true, 5, ("Fatigue", 3)),
        S(3, 45, true, "SD", 2.5, true, 6, true, 4), S(4, 70, false, "PR", 9.0, true, 15, false, 13, ("Hypertension", 2)),
        S(5, 58, false, "SD", 5.0, false, 5, false, 7), S(6, 66, true, "PD", 1.2, true, 3, true, 2, ("Fatigue", 2), ("Hypertension", 1)),
        S(7, 39, false, "SD", 6.5, true, 12, true, 9), S(8, 52, false, "PR", 11.0, true, 18, false, 16),
        S(9, 47, true, "SD", 4.0, true, 8, true, 6), S(10, 63, false, "SD", 7.0, false, 7, false, 10),
    ];

    private static AnalysisDataset Dataset(IReadOnlyList<string> terms) => new(Cohort, [new("A", "Only arm")], Covariates, terms);

    private static readonly AnalysisPlan Plan = new("hand", ["sites.liver", "age"], Ties.Breslow, "test");

    [Fact]
    public void every_table_matches_the_engine()
    {
        var result = StudyAnalysis.Run(Dataset(["Fatigue", "Hypertension"]), AnalysisProfile.Paper, Plan);
        var orr = Proportion.Estimate(2, 10, ProportionMethod.T);
        Assert.Equal((orr.Estimate * 100, orr.Lower * 100, orr.Upper * 100), (result.Orr.Percent, result.Orr.Ci95[0], result.Orr.Ci95[1]));
        Assert.Equal(80.0, result.Dcr.Percent, 10);

        var pfs = KaplanMeier.Fit(Cohort.Select(c => c.PfsMonths!.Value).ToList(), Cohort.Select(c => c.PfsEvent).ToList()).Median(MedianMethod.Spss);
        Assert.Equal((pfs.Value, pfs.Lower, pfs.Upper), (result.PfsMonths.Median, result.PfsMonths.Ci95[0], result.PfsMonths.Ci95[1]));
        Assert.Equal((10, 8, 2), (result.PfsMonths.N, result.PfsMonths.Events, result.PfsMonths.Censored));
        var os = KaplanMeier.Fit(Cohort.Select(c => c.OsMonths!.Value).ToList(), Cohort.Select(c => c.OsEvent).ToList());
        Assert.Equal(os.SurvivalAt(6), result.OsMonths.Rates[0].Survival);

        var cox = Cox.Fit(Cohort.Select(c => c.PfsMonths!.Value).ToList(), Cohort.Select(c => c.PfsEvent).ToList(),
            Cohort.Select(c => new[] { (bool)c.Covariates["sites.liver"]! ? 1.0 : 0, c.Age!.Value }).ToList(), ["sites.liver", "age"], Ties.Breslow);
        Assert.Equal(cox.Coefficients.Select(c => c.Hr), result.CoxPfsMultivariate!.Coefficients.Select(c => c.Hr));
        Assert.Equal(["sites.liver", "age"], result.CoxPfsMultivariate.Coefficients.Select(c => c.Name));

        var fatigue = result.AdverseEventTable.Single(a => a.Term == "Fatigue");
        Assert.Equal((3, 1, 1, 1, 1), (fatigue.AnyGrade.N, fatigue.Grade1.N, fatigue.Grade2.N, fatigue.Grade3.N, fatigue.Grade3OrMore.N));
        Assert.Equal((2, 8), (result.Exposure.DoseReduced.N, result.Exposure.AtLeastThreeCycles.N));
        Assert.Equal(new Range(55, 39, 70), result.Age);
        Assert.Equal(0, result.BestOverallResponse["NE"]);
    }

    [Fact]
    public void without_a_plan_there_is_no_multivariate_model_only_the_screen()
    {
        var result = StudyAnalysis.Run(Dataset([]), AnalysisProfile.R, null);
        Assert.Null(result.CoxPfsMultivariate);
        Assert.NotEmpty(result.CoxUnivariate);
        Assert.All(result.ScreenCandidates, f => Assert.Contains(result.CoxUnivariate, r => r.Factor == f && r.P < StudyAnalysis.ScreenThreshold));
        var exact = Proportion.Estimate(2, 10, ProportionMethod.ClopperPearson);
        Assert.Equal(exact.Lower * 100, result.Orr.Ci95[0], 10);
    }

    [Fact]
    public void each_covariate_enters_the_screen_by_its_kind_and_a_single_arm_is_no_factor()
    {
        var result = StudyAnalysis.Run(Dataset([]), AnalysisProfile.Paper, null);
        Assert.Equal(
            ["age per year", "sex F vs M", "ecog >=1 vs 0", "status.pattern M vs R", "status.pattern B vs R", "sites.liver yes vs no", "prior.lines per unit"],
            result.CoxUnivariate.Select(r => $"{r.Factor} {r.Comparison}"));
        Assert.Null(result.ByArm);
        Assert.Equal(["age", "sex", "ecog", "status.pattern", "sites.liver", "prior.lines"], Factors.Names([new("A", "Only arm")], Covariates));

        // The categorical factor is one indicator per level against the code list's first, fitted together.
        var pattern = Cox.Fit(Cohort.Select(c => c.PfsMonths!.Value).ToList(), Cohort.Select(c => c.PfsEvent).ToList(),
            Cohort.Select(c => (string)c.Covariates["status.pattern"]! switch { "M" => new[] { 1.0, 0 }, "B" => [0, 1.0], _ => [0, 0.0] }).ToList(), ["M", "B"], Ties.Breslow);
        Assert.Equal(pattern.Coefficients.Select(c => c.Hr), result.CoxUnivariate.Where(r => r.Factor == "status.pattern").Select(r => r.Hr));
        // A continuous covariate is fitted over the subjects who have it (two have none).
        var lines = result.CoxUnivariate.Single(r => r.Factor == "prior.lines");
        Assert.Equal((8, "Prior lines"), (lines.N, lines.Label));
    }

    [Fact]
    public void baseline_items_are_counted_by_level_and_measured_by_median_and_range()
    {
        var result = StudyAnalysis.Run(Dataset([]), AnalysisProfile.Paper, null);
        Assert.Equal(new Dictionary<string, int> { ["R"] = 3, ["M"] = 4, ["B"] = 3 }, result.BaselineItems["status.pattern"]);
        Assert.Equal(new Dictionary<string, int> { ["true"] = 4, ["false"] = 6 }, result.BaselineItems["sites.liver"]);
        Assert.Equal(new BaselineMeasure(8, 2, 1, 3), result.BaselineMeasures["prior.lines"]);
        Assert.Contains(new BaselineRow("Disease pattern", "Metastatic", 4, 40), result.Baseline);
        Assert.Contains(new BaselineRow("Liver metastases", "Yes", 4, 40), result.Baseline);
        Assert.DoesNotContain(result.Baseline, b => b.Characteristic == "Arm");
    }

    [Fact]
    public void a_plan_naming_a_factor_the_study_does_not_have_is_not_fitted_and_says_so()
    {
        var result = StudyAnalysis.Run(Dataset([]), AnalysisProfile.Paper, new AnalysisPlan("p", ["sites.liver", "arm"], Ties.Breslow, "test"));
        Assert.Empty(result.CoxPfsMultivariate!.Coefficients);
        Assert.Contains("arm", Assert.Single(result.CoxPfsMultivariate.Warnings));
    }

    [Fact]
    public void a_level_nobody_has_is_left_out_of_the_model_with_a_warning_and_a_missing_reference_leaves_the_factor_out()
    {
        var noBoth = Cohort.Select(c => (string)c.Covariates["status.pattern"]! == "B" ? c with { Covariates = new Dictionary<string, object?>(c.Covariates) { ["status.pattern"] = "M" } } : c).ToList();
        var plan = new AnalysisPlan("p", ["status.pattern"], Ties.Breslow, "test");
        var model = StudyAnalysis.Run(new AnalysisDataset(noBoth, [new("A", "Only arm")], Covariates, []), AnalysisProfile.Paper, plan).CoxPfsMultivariate!;
        Assert.Equal(["status.pattern (M vs R)"], model.Coefficients.Select(c => c.Name));
        Assert.Contains(model.Warnings, w => w.Contains("B vs R"));

        var noReference = Cohort.Select(c => (string)c.Covariates["status.pattern"]! == "R" ? c with { Covariates = new Dictionary<string, object?>(c.Covariates) { ["status.pattern"] = "B" } } : c).ToList();
        var result = StudyAnalysis.Run(new AnalysisDataset(noReference, [new("A", "Only arm")], Covariates, []), AnalysisProfile.Paper, plan);
        Assert.Empty(result.CoxPfsMultivariate!.Coefficients);
        Assert.Contains(result.CoxPfsMultivariate.Warnings, w => w.Contains("reference"));
        Assert.DoesNotContain(result.CoxUnivariate, r => r.Factor == "status.pattern");
    }
}
