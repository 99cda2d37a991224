namespace NpcEcrf.Analysis.Tests;

/// <summary>The analysis tables of a small hand-built cohort agree with the engine's own tested functions.</summary>
public class StudyAnalysisTests
{
    private static AnalysisSubject S(int i, int age, bool liver, string bor, double pfs, bool progressed, double os, bool died, int cycles, params (string, int)[] aes) =>
        new($"H-{i}", "S1", age, i % 2 == 0 ? "Female" : "Male", i % 3 == 0 ? 1 : 0, i % 3 == 0 ? "recurrent" : i % 3 == 1 ? "metastatic" : "both", liver, i % 4 != 0,
            cycles, i % 5 == 0 ? 1 : 0, 0.95, bor, -10, pfs, progressed, os, died, pfs, !progressed, progressed ? "Progression" : null,
            aes.ToDictionary(a => a.Item1, a => a.Item2));

    private static readonly AnalysisSubject[] Cohort =
    [
        S(1, 50, true, "PD", 1.5, true, 4, true, 2, ("Fatigue", 1)), S(2, 61, false, "SD", 3.0, true, 9, true, 5, ("Fatigue", 3)),
        S(3, 45, true, "SD", 2.5, true, 6, true, 4), S(4, 70, false, "PR", 9.0, true, 15, false, 13, ("Hypertension", 2)),
        S(5, 58, false, "SD", 5.0, false, 5, false, 7), S(6, 66, true, "PD", 1.2, true, 3, true, 2, ("Fatigue", 2), ("Hypertension", 1)),
        S(7, 39, false, "SD", 6.5, true, 12, true, 9), S(8, 52, false, "PR", 11.0, true, 18, false, 16),
        S(9, 47, true, "SD", 4.0, true, 8, true, 6), S(10, 63, false, "SD", 7.0, false, 7, false, 10),
    ];

    private static readonly AnalysisPlan Plan = new("hand", ["liverMetastases", "age"], Ties.Breslow, "test");

    [Fact]
    public void every_table_matches_the_engine()
    {
        var result = StudyAnalysis.Run(Cohort, AnalysisProfile.Paper, Plan, ["Fatigue", "Hypertension"]);
        var orr = Proportion.Estimate(2, 10, ProportionMethod.T);
        Assert.Equal((orr.Estimate * 100, orr.Lower * 100, orr.Upper * 100), (result.Orr.Percent, result.Orr.Ci95[0], result.Orr.Ci95[1]));
        Assert.Equal(80.0, result.Dcr.Percent, 10);

        var pfs = KaplanMeier.Fit(Cohort.Select(c => c.PfsMonths!.Value).ToList(), Cohort.Select(c => c.PfsEvent).ToList()).Median(MedianMethod.Spss);
        Assert.Equal((pfs.Value, pfs.Lower, pfs.Upper), (result.PfsMonths.Median, result.PfsMonths.Ci95[0], result.PfsMonths.Ci95[1]));
        Assert.Equal((10, 8, 2), (result.PfsMonths.N, result.PfsMonths.Events, result.PfsMonths.Censored));
        var os = KaplanMeier.Fit(Cohort.Select(c => c.OsMonths!.Value).ToList(), Cohort.Select(c => c.OsEvent).ToList());
        Assert.Equal(os.SurvivalAt(6), result.OsMonths.Rates[0].Survival);

        var cox = Cox.Fit(Cohort.Select(c => c.PfsMonths!.Value).ToList(), Cohort.Select(c => c.PfsEvent).ToList(),
            Cohort.Select(c => new[] { c.LiverMetastases!.Value ? 1.0 : 0, c.Age!.Value }).ToList(), ["liverMetastases", "age"], Ties.Breslow);
        Assert.Equal(cox.Coefficients.Select(c => c.Hr), result.CoxPfsMultivariate!.Coefficients.Select(c => c.Hr));

        var fatigue = result.AdverseEventTable.Single(a => a.Term == "Fatigue");
        Assert.Equal((3, 1, 1, 1, 1), (fatigue.AnyGrade.N, fatigue.Grade1.N, fatigue.Grade2.N, fatigue.Grade3.N, fatigue.Grade3OrMore.N));
        Assert.Equal((2, 8), (result.Exposure.DoseReduced.N, result.Exposure.AtLeastThreeCycles.N));
        Assert.Equal(new Range(55, 39, 70), result.Age);
        Assert.Equal(0, result.BestOverallResponse["NE"]);
    }

    [Fact]
    public void without_a_plan_there_is_no_multivariate_model_only_the_screen()
    {
        var result = StudyAnalysis.Run(Cohort, AnalysisProfile.R, null, []);
        Assert.Null(result.CoxPfsMultivariate);
        Assert.NotEmpty(result.CoxUnivariate);
        Assert.All(result.ScreenCandidates, f => Assert.Contains(result.CoxUnivariate, r => r.Factor == f && r.P < StudyAnalysis.ScreenThreshold));
        var exact = Proportion.Estimate(2, 10, ProportionMethod.ClopperPearson);
        Assert.Equal(exact.Lower * 100, result.Orr.Ci95[0], 10);
    }
}
