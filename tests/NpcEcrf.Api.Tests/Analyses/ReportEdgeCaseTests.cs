using NpcEcrf.Analysis;
using NpcEcrf.Api.Analyses;

namespace NpcEcrf.Api.Tests.Analyses;

/// <summary>
/// The report prints the edge cases of issue 14 as docs/analysis.md says: an impossible bound with a footnote, a rate
/// past the last follow-up as not estimable, and grade 5 in its own column.
/// </summary>
public class ReportEdgeCaseTests
{
    // Seven subjects, one partial response, followed at most 2.7 months; one fatal (grade 5) event.
    private static AnalysisSubject Subject(int i, string bor, double months, bool progressed, int? grade) => new(
        $"E-{i}", "S1", "A", 50 + i, "F", 0, new Dictionary<string, object?>(), 2, 0, 1.0, bor, null, months, progressed, months, grade == 5, months,
        false, null, grade is { } g ? new Dictionary<string, int> { ["Sepsis"] = g } : [],
        Treated: true, Eligible: true, PostBaselineAssessments: 2);

    private static AnalysisReport Report(AnalysisProfile profile)
    {
        AnalysisSubject[] subjects =
        [
            Subject(1, "PR", 2.7, false, null), Subject(2, "SD", 1.2, true, 5), Subject(3, "SD", 2.1, false, 3), Subject(4, "PD", 0.9, true, null),
            Subject(5, "PD", 1.4, true, 1), Subject(6, "SD", 2.7, false, null), Subject(7, "NE", 0.5, false, null),
        ];
        var dataset = new AnalysisDataset(subjects, [new("A", "Only arm")], [], ["Sepsis"]);
        return new AnalysisReport(new AnalysisSource("as-of", null, "hash", new DateOnly(2024, 6, 1), 1, DateTimeOffset.UnixEpoch), profile, null,
            StudyAnalysis.Run(dataset, profile, null), subjects, DateTimeOffset.UnixEpoch, "5.0");
    }

    [Fact]
    public void the_paper_profiles_impossible_orr_bound_is_printed_as_computed_with_its_footnote()
    {
        var markdown = ReportWriter.Markdown(Report(AnalysisProfile.Paper));
        Assert.Contains("| 14.3 (-20.7 to 49.2†) |", markdown);
        Assert.Contains($"† {Printed.Explanation(Footnote.OutOfRange)}", markdown);
        Assert.DoesNotContain("(-20.7-49.2)", markdown);
        // The R profile's exact interval stays within [0, 100]: no footnote.
        Assert.DoesNotContain("†", ReportWriter.Markdown(Report(AnalysisProfile.R)));
    }

    [Theory]
    [InlineData("paper")]
    [InlineData("r")]
    public void rates_past_2_7_months_of_follow_up_are_not_estimable_never_100(string profile)
    {
        var report = Report(AnalysisProfile.Named(profile)!);
        var survival = ReportWriter.Tables(report).Single(t => t.Title == "Survival in months (Safety set, n = 7)");
        Assert.Equal(["6-month rate % (95% CI)", "12-month rate % (95% CI)"], survival.Header[5..7]);
        Assert.All(survival.Rows, row => Assert.Equal(["not estimable§", "not estimable§"], row[5..7]));
        Assert.Equal([$"§ {Printed.Explanation(Footnote.NotEstimable)}"], survival.Notes);
        var html = ReportWriter.Html(report);
        Assert.Contains($"<p class=\"footnote\">{System.Net.WebUtility.HtmlEncode($"§ {Printed.Explanation(Footnote.NotEstimable)}")}</p>", html);
        Assert.DoesNotContain("100.0-100.0", html);
        // In the JSON: nobody at risk, no estimate, no band.
        var rate = report.ToJson()["pfsMonths"]!["rates"]![0]!.AsObject();
        Assert.Equal(["months", "nRisk", "survival", "lower", "upper"], rate.Select(p => p.Key));
        Assert.Equal((0, null, null, null), (rate["nRisk"]!.GetValue<int>(), rate["survival"], rate["lower"], rate["upper"]));
    }

    [Fact]
    public void grade_5_has_its_own_column_in_the_table_and_the_json()
    {
        var report = Report(AnalysisProfile.Paper);
        var table = ReportWriter.Tables(report).Single(t => t.Title.StartsWith("Treatment-emergent adverse events", StringComparison.Ordinal));
        Assert.Equal(["System organ class / preferred term", "MedDRA code", "Any grade", "Grade 1", "Grade 2", "Grade 3", "Grade 4", "Grade 5", "Grade >= 3"], table.Header);
        // Sepsis is not MedDRA-coded here: it is listed by its verbatim term, under the uncoded heading.
        Assert.Equal(["\u2003Sepsis", "", "3 (42.9%)", "1 (14.3%)", "0 (0.0%)", "1 (14.3%)", "0 (0.0%)", "1 (14.3%)", "2 (28.6%)"], table.Rows[^1]);
        Assert.Equal("Not coded (verbatim terms)", table.Rows[0][0]);
        var json = report.ToJson();
        Assert.Equal(["all", "g1", "g2", "g3", "g4", "g5"], json["adverseEvents"]!["columns"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal([3, 1, 0, 1, 0, 1], AnalysisJson.AdverseEventCounts(json, "Sepsis")!.Select(c => c!.GetValue<int>()));
        Assert.Equal(["term", "anyGrade", "grade1", "grade2", "grade3", "grade4", "grade5", "grade3OrMore", "soc", "preferredTerm", "meddraCode"], json["adverseEventTable"]![0]!.AsObject().Select(p => p.Key));
        Assert.Equal(1, json["adverseEventTable"]![0]!["grade5"]!["n"]!.GetValue<int>());
    }
}
