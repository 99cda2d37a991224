namespace NpcEcrf.Analysis.Tests;

/// <summary>
/// A two-arm study: Kaplan-Meier by arm, the log-rank test and the arm as a Cox factor, against R 4 / survival 3
/// (run once; the numbers are kept here, the suite does not call R). The R data frame:
/// <code>
/// library(survival)
/// d &lt;- data.frame(arm = rep(c("A","B"), each=10),
///   pfs = c(1.2,2.3,2.3,3.1,4.0,4.8,5.5,6.2,7.0,9.1, 2.3,3.5,4.4,5.9,6.8,8.2,9.0,10.4,12.1,14.0),
///   pfsEv = c(1,1,1,0,1,1,0,1,1,0, 1,1,0,1,1,1,0,1,1,0),
///   os = c(4.1,5.0,6.3,7.7,8.0,9.4,10.2,11.5,13.0,15.2, 6.0,7.7,9.9,11.0,12.5,14.2,15.3,16.8,18.0,20.1),
///   osEv = c(1,1,1,0,1,1,0,1,1,0, 1,1,0,1,1,0,1,1,0,1))
/// i &lt;- 1:20
/// d$pattern &lt;- factor(c("R","M","B")[i %% 3 + 1], levels=c("R","M","B"))
/// d$liver &lt;- as.integer(i %% 4 == 0); d$lines &lt;- i %% 3 + 1
/// </code>
/// </summary>
public class ArmTests
{
    private const double Tolerance = 1e-6;

    private static readonly double[] PfsTimes = [1.2, 2.3, 2.3, 3.1, 4.0, 4.8, 5.5, 6.2, 7.0, 9.1, 2.3, 3.5, 4.4, 5.9, 6.8, 8.2, 9.0, 10.4, 12.1, 14.0];
    private static readonly int[] PfsEvents = [1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0];
    private static readonly double[] OsTimes = [4.1, 5.0, 6.3, 7.7, 8.0, 9.4, 10.2, 11.5, 13.0, 15.2, 6.0, 7.7, 9.9, 11.0, 12.5, 14.2, 15.3, 16.8, 18.0, 20.1];
    private static readonly int[] OsEvents = [1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1];

    private static readonly StudyArm[] TwoArms = [new("A", "Standard"), new("B", "Experimental")];

    private static readonly Covariate[] Covariates =
    [
        Covariate.Categorical("status.pattern", "Disease pattern", [new("R", "Recurrent"), new("M", "Metastatic"), new("B", "Both")]),
        Covariate.Binary("sites.liver", "Liver metastases"),
        Covariate.Continuous("prior.lines", "Prior lines"),
    ];

    private static AnalysisSubject Subject(int k)
    {
        var i = k + 1;
        return new AnalysisSubject($"T-{i:00}", "S1", k < 10 ? "A" : "B", 40 + i, i % 2 == 0 ? "F" : "M", i % 3 == 0 ? 1 : 0,
            new Dictionary<string, object?> { ["status.pattern"] = new[] { "R", "M", "B" }[i % 3], ["sites.liver"] = i % 4 == 0, ["prior.lines"] = i % 3 + 1.0 },
            4, 0, 1, i % 5 == 0 ? "PR" : "SD", -5, PfsTimes[k], PfsEvents[k] == 1, OsTimes[k], OsEvents[k] == 1, PfsTimes[k], false, null,
            new Dictionary<string, int>(), Treated: true, Eligible: true, PostBaselineAssessments: 2);
    }

    private static readonly AnalysisSubject[] Cohort = Enumerable.Range(0, 20).Select(Subject).ToArray();

    private static StudyAnalysisResult Run(AnalysisProfile profile, AnalysisPlan? plan = null) =>
        StudyAnalysis.Run(new AnalysisDataset(Cohort, TwoArms, Covariates, []), profile, plan);

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= Tolerance * Math.Max(1, Math.Abs(expected)), $"{what}: R {expected:R}, we {actual:R}");

    [Fact]
    public void the_log_rank_tests_of_pfs_and_os_agree_with_survdiff()
    {
        var byArm = Run(AnalysisProfile.Paper).ByArm!;
        // survdiff(Surv(pfs, pfsEv) ~ arm, data=d): chisq 2.39495678355, obs 7 7, exp 4.50200501253 9.49799498747, p 0.121727113825
        Close(2.39495678355, byArm.PfsLogRank!.ChiSquare, "PFS chi-square");
        Close(0.121727113825, byArm.PfsLogRank.P, "PFS P");
        Assert.Equal(1, byArm.PfsLogRank.Df);
        Close(4.50200501253, byArm.PfsLogRank.Groups.Single(g => g.Group == "A").Expected, "PFS expected in A");
        Assert.Equal([7.0, 7.0], byArm.PfsLogRank.Groups.Select(g => g.Observed));
        // survdiff(Surv(os, osEv) ~ arm, data=d): chisq 2.84448182059, exp 4.3084513225 9.6915486775, p 0.0916881493043
        Close(2.84448182059, byArm.OsLogRank!.ChiSquare, "OS chi-square");
        Close(0.0916881493043, byArm.OsLogRank.P, "OS P");
        Close(9.6915486775, byArm.OsLogRank.Groups.Single(g => g.Group == "B").Expected, "OS expected in B");
    }

    [Fact]
    public void the_arm_is_a_cox_factor_against_the_first_arm_as_coxph_fits_it()
    {
        // coxph(Surv(pfs, pfsEv) ~ arm, data=d, ties="breslow"): armB HR 0.410298367987 (0.126179580498-1.33416793833), p 0.138671880584
        var paper = Run(AnalysisProfile.Paper);
        var screen = paper.CoxUnivariate.Single(r => r.Factor == "arm");
        Assert.Equal(("B vs A", 20), (screen.Comparison, screen.N));
        Close(0.410298367987, screen.Hr, "HR, Breslow");
        Close(0.126179580498, screen.HrLower, "lower, Breslow");
        Close(1.33416793833, screen.HrUpper, "upper, Breslow");
        Close(0.138671880584, screen.P, "P, Breslow");
        Assert.Equal((screen.Hr, screen.P), (paper.ByArm!.PfsCox.Single().Hr, paper.ByArm.PfsCox.Single().P));
        // coxph(Surv(os, osEv) ~ arm, data=d, ties="breslow"): armB HR 0.356627224886 (0.102464790765-1.24123590729)
        var os = paper.ByArm.OsCox.Single();
        Close(0.356627224886, os.Hr, "OS HR");
        Close(0.102464790765, os.HrLower, "OS lower");
        // coxph(Surv(pfs, pfsEv) ~ arm, data=d, ties="efron"): armB HR 0.405981244805 (0.125008105644-1.318480672), p 0.133633390909
        var efron = Run(AnalysisProfile.R).CoxUnivariate.Single(r => r.Factor == "arm");
        Close(0.405981244805, efron.Hr, "HR, Efron");
        Close(1.318480672, efron.HrUpper, "upper, Efron");
        Close(0.133633390909, efron.P, "P, Efron");
    }

    [Fact]
    public void a_plan_may_adjust_for_the_arm_and_a_categorical_item_as_coxph_does_with_factors()
    {
        // coxph(Surv(pfs, pfsEv) ~ arm + pattern, data=d, ties="breslow"):
        //   armB 0.394802317218 (0.1180655246906-1.32018953110); patternM 0.371653338092 (0.0894789335376-1.54367288762), p 0.173080702335;
        //   patternB 0.734642314782 (0.2125061791183-2.53968770653)
        var model = Run(AnalysisProfile.Paper, new AnalysisPlan("adjusted", ["arm", "status.pattern"], Ties.Breslow, "test")).CoxPfsMultivariate!;
        Assert.Equal(["arm", "status.pattern (M vs R)", "status.pattern (B vs R)"], model.Coefficients.Select(c => c.Name));
        Assert.Empty(model.Warnings);
        var (arm, m, b) = (model.Coefficients[0], model.Coefficients[1], model.Coefficients[2]);
        Close(0.394802317218, arm.Hr, "arm HR");
        Close(0.1180655246906, arm.HrLower, "arm lower");
        Close(0.371653338092, m.Hr, "M HR");
        Close(1.54367288762, m.HrUpper, "M upper");
        Close(0.173080702335, m.P, "M P");
        Close(0.734642314782, b.Hr, "B HR");
        // coxph(Surv(pfs, pfsEv) ~ lines + liver, data=d, ties="breslow"): lines 0.853540814991 (0.413735043165-1.76086588480), liver 0.726562149252
        var numbers = Run(AnalysisProfile.Paper, new AnalysisPlan("numbers", ["prior.lines", "sites.liver"], Ties.Breslow, "test")).CoxPfsMultivariate!;
        Close(0.853540814991, numbers.Coefficients[0].Hr, "lines HR");
        Close(1.76086588480, numbers.Coefficients[0].HrUpper, "lines upper");
        Close(0.726562149252, numbers.Coefficients[1].Hr, "liver HR");
    }

    [Fact]
    public void each_arm_has_its_own_kaplan_meier_and_response_and_the_baseline_counts_the_arms()
    {
        var result = Run(AnalysisProfile.R);
        var (a, b) = (result.ByArm!.Arms[0], result.ByArm.Arms[1]);
        // print(survfit(Surv(pfs, pfsEv) ~ arm, data=d)): arm=A n 10, events 7, median 4.8 (2.3-NA); arm=B 10, 7, 8.2 (5.9-NA)
        Assert.Equal(("A", "Standard", 10, 7, 4.8, 2.3), (a.Arm, a.Name, a.PfsMonths.N, a.PfsMonths.Events, a.PfsMonths.Median, a.PfsMonths.Ci95[0]));
        Assert.Equal((10, 7, 8.2, 5.9), (b.PfsMonths.N, b.PfsMonths.Events, b.PfsMonths.Median, b.PfsMonths.Ci95[0]));
        Assert.Null(b.PfsMonths.Ci95[1]);
        var alone = KaplanMeier.Fit(OsTimes[10..], OsEvents[10..].Select(e => e == 1).ToList()).Median(MedianMethod.R);
        Assert.Equal(alone.Value, b.OsMonths.Median);
        // PR for subjects 5, 10 (arm A) and 15, 20 (arm B).
        Assert.Equal((2, 20.0), (a.BestOverallResponse["PR"], a.Orr.Percent));
        Assert.Contains(new BaselineRow("Arm", "Experimental", 10, 50), result.Baseline);
        Assert.Contains("arm", Factors.Names(TwoArms, Covariates));
    }

    [Fact]
    public void an_arm_without_subjects_or_events_gives_no_log_rank_test_rather_than_an_error()
    {
        var onlyA = Cohort.Where(s => s.Arm == "A").ToList();
        var byArm = StudyAnalysis.Run(new AnalysisDataset(onlyA, TwoArms, Covariates, []), AnalysisProfile.Paper, null).ByArm!;
        Assert.Null(byArm.PfsLogRank);
        Assert.Equal(0, byArm.Arms[1].N);
        Assert.Empty(byArm.PfsCox);

        var noEvents = Cohort.Select(s => s with { PfsEvent = false }).ToList();
        Assert.Null(StudyAnalysis.Run(new AnalysisDataset(noEvents, TwoArms, Covariates, []), AnalysisProfile.Paper, null).ByArm!.PfsLogRank);
    }
}
