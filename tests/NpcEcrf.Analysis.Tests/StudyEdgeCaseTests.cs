using static NpcEcrf.Analysis.Tests.StudyAnalysisTests;

namespace NpcEcrf.Analysis.Tests;

/// <summary>The edge cases of issue 14 as the study analysis reports them: landmark rates, all-censored groups, grade 5.</summary>
public class StudyEdgeCaseTests
{
    private static StudyAnalysisResult Run(IReadOnlyList<AnalysisSubject> subjects, AnalysisProfile profile, params string[] terms) =>
        StudyAnalysis.Run(new AnalysisDataset(subjects, [new("A", "Only arm")], Covariates, terms), profile, null);

    // Every PFS event before 2.8 months (the last subject too): the curve reaches 0.
    private static readonly AnalysisSubject[] EarlyProgression =
    [
        S(1, 50, true, "PD", 0.9, true, 4, true, 1), S(2, 61, false, "PD", 1.4, true, 9, false, 2), S(3, 45, true, "PD", 1.9, false, 6, true, 2),
        S(4, 70, false, "PD", 2.3, true, 15, false, 3), S(5, 58, false, "PD", 2.75, true, 5, false, 3),
    ];

    // An as-of analysis 2.7 months after the first dose: nobody followed longer.
    private static readonly AnalysisSubject[] ShortFollowUp =
    [
        S(1, 50, true, "SD", 0.8, true, 2.7, false, 1), S(2, 61, false, "SD", 2.7, false, 2.7, false, 2), S(3, 45, true, "SD", 2.7, false, 2.7, false, 2),
        S(4, 70, false, "NE", 1.5, false, 2.7, false, 1),
    ];

    [Theory]
    [InlineData("paper")]
    [InlineData("r")]
    public void every_event_before_2_8_months_gives_rates_of_0_without_a_band(string profile)
    {
        var pfs = Run(EarlyProgression, AnalysisProfile.Named(profile)!).PfsMonths;
        Assert.Equal([6.0, 12.0], pfs.Rates.Select(r => r.Months));
        foreach (var rate in pfs.Rates)
        {
            Assert.Equal((0, 0.0, (double?)null, (double?)null), (rate.NRisk, rate.Survival, rate.Lower, rate.Upper));
            Assert.Equal("0.0 (no band)‡", Printed.Landmark(rate.ToLandmark()).Text);
        }
    }

    [Theory]
    [InlineData("paper")]
    [InlineData("r")]
    public void an_as_of_analysis_with_2_7_months_of_follow_up_has_no_6_or_12_month_rate(string profile)
    {
        var result = Run(ShortFollowUp, AnalysisProfile.Named(profile)!);
        foreach (var rate in result.PfsMonths.Rates.Concat(result.OsMonths.Rates))
        {
            Assert.Equal((0, (double?)null), (rate.NRisk, rate.Survival));
            Assert.Equal("not estimable§", Printed.Landmark(rate.ToLandmark()).Text);
        }
        // OS is all-censored: the median is not reached, in either profile.
        Assert.Equal((0, (double?)null, (double?)null, (double?)null), (result.OsMonths.Events, result.OsMonths.Median, result.OsMonths.Ci95[0], result.OsMonths.Ci95[1]));
        Assert.StartsWith("not reached", Printed.Median(result.OsMonths.Median, result.OsMonths.Ci95[0], result.OsMonths.Ci95[1]).Text);
    }

    [Fact]
    public void a_landmark_within_follow_up_is_the_kaplan_meier_estimate()
    {
        // Followed to 15 months with events after 6: the 6- and 12-month rates are estimates with bands.
        var os = Run([S(1, 50, true, "SD", 3, true, 4, true, 2), S(2, 61, false, "SD", 5, true, 8, true, 2), S(3, 45, true, "SD", 7, true, 13, true, 2), S(4, 70, false, "SD", 9, false, 15, false, 2)],
            AnalysisProfile.R).OsMonths;
        Assert.Equal((0.75, 3), (os.Rates[0].Survival, os.Rates[0].NRisk));
        Assert.NotNull(os.Rates[0].Lower);
        Assert.Equal(0.5, os.Rates[1].Survival);
    }

    [Fact]
    public void grade_5_has_its_own_column_and_counts_in_any_grade_and_grade_3_or_more()
    {
        var subjects = new[]
        {
            S(1, 50, true, "PD", 1, true, 1, true, 1, ("Sepsis", 5)), S(2, 61, false, "SD", 3, true, 9, false, 2, ("Sepsis", 4)),
            S(3, 45, true, "SD", 4, true, 6, true, 2, ("Sepsis", 2), ("Fatigue", 5)), S(4, 70, false, "SD", 5, false, 10, false, 3),
        };
        var table = Run(subjects, AnalysisProfile.Paper, "Sepsis", "Fatigue").AdverseEventTable;
        var sepsis = table.Single(a => a.Term == "Sepsis");
        Assert.Equal((3, 0, 1, 0, 1, 1, 2), (sepsis.AnyGrade.N, sepsis.Grade1.N, sepsis.Grade2.N, sepsis.Grade3.N, sepsis.Grade4.N, sepsis.Grade5.N, sepsis.Grade3OrMore.N));
        Assert.Equal(25.0, sepsis.Grade5.Percent);
        foreach (var row in table)
        {
            // Every subject with the term is in exactly one grade column, and grade >= 3 is the sum of grades 3 to 5.
            Assert.Equal(row.AnyGrade.N, row.ByGrade().Sum(c => c.N));
            Assert.Equal(row.Grade3OrMore.N, row.Grade3.N + row.Grade4.N + row.Grade5.N);
        }
        Assert.Equal([1, 2, 3, 4, 5], AdverseEventRow.Grades);
    }
}
