using System.Text.RegularExpressions;
using NpcEcrf.Analysis;
using NpcEcrf.Api.Analyses;
using NpcEcrf.Api.Analyses.Figures;

namespace NpcEcrf.Api.Tests.Analyses;

/// <summary>
/// The report's figures as survminer and forestplot draw them: the geometry as pure functions (time axes, numbers at
/// risk, bands, hazard-ratio and waterfall axes), and what each SVG must show a reader.
/// </summary>
public class FigureTests
{
    private static AnalysisSubject Subject(int i, string bor, double? change, double months, bool progressed, bool liver, bool died = false, bool onTreatment = false) => new(
        $"F-{i:00}", "S1", "A", 50 + i, i % 2 == 0 ? "F" : "M", i % 3 == 0 ? 1 : 0, new Dictionary<string, object?> { ["metastatic-sites.liver"] = liver },
        4, 0, 1.0, bor, change, months, progressed, months + 2, died, months * 0.8, onTreatment, onTreatment ? null : "Progression",
        new Dictionary<string, int>(), Treated: true, Eligible: true, PostBaselineAssessments: 2, FirstResponseMonths: bor == "PR" ? 1.4 : null, ProgressionMonths: progressed ? months : null);

    private static readonly AnalysisSubject[] Subjects =
    [
        Subject(1, "PD", 35, 1.2, true, true, died: true), Subject(2, "PD", 150, 1.5, true, true, died: true), Subject(3, "SD", -12, 3.0, true, true),
        Subject(4, "SD", 5, 4.5, true, false), Subject(5, "SD", -20, 6.1, false, false, onTreatment: true), Subject(6, "PR", -45, 9.0, true, false),
        Subject(7, "PR", -62, 11.2, false, false, onTreatment: true), Subject(8, "SD", -8, 7.4, true, false), Subject(9, "PD", 22, 1.4, true, false, died: true),
        Subject(10, "SD", -3, 5.2, true, true),
    ];

    private static readonly AnalysisPlan LiverPlan = new("liver-age", ["metastatic-sites.liver", "age"], Ties.Breslow, "Test");

    private static AnalysisReport Report(AnalysisPlan? plan, IReadOnlyList<AnalysisSubject>? subjects = null)
    {
        subjects ??= Subjects;
        var dataset = new AnalysisDataset(subjects, [new("A", "Only arm")], [Covariate.Binary("metastatic-sites.liver", "Liver metastases")], []);
        return new AnalysisReport(new AnalysisSource("lock", "final", new string('a', 64), new DateOnly(2024, 6, 1), 1, null), AnalysisProfile.Paper, plan,
            StudyAnalysis.Run(dataset, AnalysisProfile.Paper, plan), subjects, new DateTimeOffset(2024, 6, 2, 10, 0, 0, TimeSpan.Zero), "5.0") { StudyId = "FIG-STUDY" };
    }

    private static string FigureOf(string html, string id) => Regex.Match(html, $"<figure id=\"{id}\">.*?</figure>", RegexOptions.Singleline).Value;

    [Theory]
    [InlineData(16.0, 2, 16)]
    [InlineData(23.97, 3, 24)]
    [InlineData(0.5, 1, 1)]
    [InlineData(100, 24, 120)]
    public void the_time_axis_has_regular_whole_month_ticks_covering_the_longest_time(double longest, double step, double max)
    {
        var axis = FigureGeometry.TimeAxisFor(longest);
        Assert.Equal((step, max), (axis.Step, axis.Max));
        Assert.Equal(0, axis.Ticks[0]);
        Assert.Equal(max, axis.Ticks[^1]);
        Assert.True(axis.Ticks.Count <= 9);
    }

    [Fact]
    public void numbers_at_risk_are_everyone_followed_to_the_time_as_r_counts_them()
    {
        var km = KaplanMeier.Fit([1, 2, 2, 4, 6], [true, false, true, true, false]);
        Assert.Equal([5, 5, 4, 2, 1, 0], new[] { 0.0, 1, 1.5, 3, 6, 7 }.Select(t => FigureGeometry.AtRisk(km.Table, t)));
    }

    [Fact]
    public void the_band_is_the_analysis_band_as_steps_with_a_gap_where_it_is_undefined()
    {
        SurvivalRow[] table =
        [
            new(1, 10, 0, 1, 1, 0, 1, 1),            // S = 1: a band of zero width is no band
            new(2, 9, 2, 0, 0.78, 0.14, 0.55, 1),
            new(3, 7, 1, 0, 0.67, 0.16, 0.42, 1),
            new(5, 6, 6, 0, 0, null, null, null),     // S = 0: undefined
            new(6, 0, 0, 0, 0, null, null, null),
        ];
        var polygon = Assert.Single(FigureGeometry.BandPolygons(table));
        Assert.Equal([(2.0, 1.0), (3, 1), (3, 1), (5, 1), (5, 0.42), (3, 0.42), (3, 0.55), (2, 0.55)], polygon);
        Assert.Equal([(0.0, 0.5), (7.1, 0.5), (7.1, 0)], FigureGeometry.MedianLine(7.1));
        Assert.Null(FigureGeometry.MedianLine(null));
    }

    [Fact]
    public void the_hazard_axis_is_powers_of_two_around_1_holding_every_interval()
    {
        Assert.Equal((0.5, 2.0, "0.5 1 2"), Tuple(FigureGeometry.HazardAxis([0.6, 1.8])));
        // Nine powers of two crowd the axis: every other one is labelled, 1 always.
        Assert.Equal((0.125, 32.0, "0.25 1 4 16"), Tuple(FigureGeometry.HazardAxis([0.2, 23.9])));
        // Beyond 1/64 to 64 the axis stops and the interval gets an arrow.
        var (min, max, _) = FigureGeometry.HazardAxis([0.0001, double.PositiveInfinity, 900]);
        Assert.Equal((1 / 64.0, 64.0), (min, max));
    }

    private static (double, double, string) Tuple((double Min, double Max, IReadOnlyList<double> Ticks) axis) => (axis.Min, axis.Max, string.Join(" ", axis.Ticks));

    [Fact]
    public void the_waterfall_axis_rounds_up_to_20_and_truncates_beyond_100_never_clamping_silently()
    {
        Assert.Equal(40, FigureGeometry.WaterfallAxisFor([-50, 30]).Top);
        Assert.Equal(80, FigureGeometry.WaterfallAxisFor([-50, 61]).Top);
        var capped = FigureGeometry.WaterfallAxisFor([-20, 150]);
        Assert.Equal(100, capped.Top);
        Assert.True(capped.Truncates(150));
        Assert.False(capped.Truncates(100));

        var svg = WaterfallFigure.Draw(Subjects);
        Assert.Single(Regex.Matches(svg, "class=\"bar truncated\""));
        Assert.Contains(">+150%</text>", svg);
        Assert.Contains("Truncated at +100% (value printed)", svg);
        Assert.Equal(2, Regex.Matches(svg, "class=\"reference-line\"").Count);
        Assert.Contains(">Best change in target-lesion sum from baseline (%)</text>", svg);
        foreach (var legend in new[] { "PR (n = 2)", "SD (n = 5)", "PD (n = 3)" }) Assert.Contains($">{legend}</text>", svg);
        // Nothing above the axis: nothing marked.
        Assert.DoesNotContain("truncated", WaterfallFigure.Draw(Subjects.Where(s => s.BestPercentChange < 100).ToList()));
    }

    [Fact]
    public void the_kaplan_meier_figure_has_bands_censor_marks_legend_median_line_axis_labels_and_a_titled_risk_table()
    {
        var report = Report(null);
        var svg = KaplanMeierFigure.Draw([new("All subjects", report.Result.PfsMonths)], ReportFigures.PfsAxis, ConfType.Log);
        Assert.Contains("class=\"band\"", svg);
        Assert.Contains("fill-opacity", svg);
        Assert.Contains("class=\"censor\"", svg);
        Assert.Contains("class=\"median-line\"", svg);
        Assert.Contains("stroke-dasharray=\"5 4\"", svg);
        Assert.Contains(">95% confidence band (log)</text>", svg);
        Assert.Contains(">Censored</text>", svg);
        Assert.Contains(">Number at risk</text>", svg);
        Assert.Contains(">Time (months)</text>", svg);
        Assert.Contains(">Progression-free survival probability</text>", svg);
        // One number at risk per tick, the first everyone.
        var axis = FigureGeometry.TimeAxisFor(report.Result.PfsMonths.Table.Max(r => r.Time));
        var atRisk = Regex.Matches(svg, "class=\"at-risk\"[^>]*>(\\d+)</text>").Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(axis.Ticks.Count, atRisk.Count);
        Assert.Equal(10, atRisk[0]);
        Assert.Equal(axis.Ticks.Select(t => FigureGeometry.AtRisk(report.Result.PfsMonths.Table, t)), atRisk);
        // The band is the one the analysis computed: its lowest point is the table's lowest lower bound.
        var lowest = report.Result.PfsMonths.Table.SkipLast(1).Where(r => r.Lower is not null && r.Upper > r.Lower).Min(r => r.Lower!.Value);
        Assert.Contains(FigureGeometry.BandPolygons(report.Result.PfsMonths.Table).SelectMany(p => p), p => p.Survival == lowest);

        // A long group name is shortened in the risk table, in full in the legend.
        var name = "Standard starting dose (G8 above 14): gemcitabine 1000 mg/m2";
        var twoArms = KaplanMeierFigure.Draw([new(name, report.Result.PfsMonths), new("Reduced", report.Result.OsMonths)], ReportFigures.PfsAxis, ConfType.Log);
        Assert.Contains($">{name} (n = 10", twoArms);
        Assert.Contains($">{KaplanMeierFigure.Shorten(name, 186)}</text>", twoArms);
        Assert.EndsWith("…", KaplanMeierFigure.Shorten(name, 186));
        Assert.Equal("Reduced", KaplanMeierFigure.Shorten("Reduced", 186));
    }

    [Fact]
    public void the_plan_s_factors_have_curves_with_the_log_rank_p_and_each_forest_plot_its_true_caption()
    {
        var withPlan = ReportWriter.Html(Report(LiverPlan));
        var byLiver = FigureOf(withPlan, "km-pfs-by-metastatic-sites-liver");
        Assert.Contains("Kaplan-Meier: progression-free survival by liver metastases", byLiver);
        Assert.Contains(">Liver metastases: No</text>", byLiver);
        Assert.Contains(">Liver metastases: Yes</text>", byLiver);
        var logRank = FactorCurves.Pfs(Subjects, "metastatic-sites.liver", [], Report(null).Result.Covariates, AnalysisProfile.Paper)!.LogRank!;
        Assert.Contains($">Log-rank P {KaplanMeierFigure.PValue(logRank.P)}</text>", byLiver);
        // Age is continuous: no curves by it.
        Assert.DoesNotContain("km-pfs-by-age", withPlan);

        var univariate = FigureOf(withPlan, "forest-univariate");
        Assert.Contains("univariate Cox models of PFS, each factor fitted alone", univariate);
        var multivariate = FigureOf(withPlan, "forest-multivariate");
        Assert.Contains("multivariate Cox model of PFS, plan liver-age (Breslow ties, n = 10", multivariate);
        // The model's rows by the label catalogue's coefficient labels, as the tables print them.
        Assert.Contains(">Liver metastases (yes vs no)</text>", multivariate);
        Assert.Contains(">Age (per year)</text>", multivariate);

        // Without a plan there is no model: the screen is captioned as the screen, and nothing claims to be the model.
        var withoutPlan = ReportWriter.Html(Report(null));
        Assert.Contains("id=\"forest-univariate\"", withoutPlan);
        Assert.DoesNotContain("forest-multivariate", withoutPlan);
        Assert.DoesNotContain("Cox model of PFS<", withoutPlan);
    }

    [Fact]
    public void the_figures_draw_the_analysis_populations_and_name_factors_by_their_labels()
    {
        // An enrolled subject never dosed, with liver metastases and an early progression: outside the safety set (the
        // default survival set), so in no curve, and not on the swimmer plot of time on treatment.
        var untreated = Subject(11, "PD", 40, 0.5, true, true) with { Treated = false };
        var html = ReportWriter.Html(Report(LiverPlan, [.. Subjects, untreated]));
        Assert.Contains("Kaplan-Meier: progression-free survival, safety set (n = 10)", FigureOf(html, "km-pfs"));
        Assert.Contains(">Safety set (n = 10,", FigureOf(html, "km-pfs"));
        var byLiver = FigureOf(html, "km-pfs-by-metastatic-sites-liver");
        Assert.Contains(">Liver metastases: Yes (n = 4,", byLiver);
        Assert.DoesNotContain("F-11", FigureOf(html, "swimmer"));
        var figures = html[html.IndexOf("<h2>Figures</h2>", StringComparison.Ordinal)..];
        // No internal name in any figure: the covariate's dotted name only in the element ids, no camelCase word.
        Assert.DoesNotContain("metastatic-sites.liver", figures);
        Assert.DoesNotMatch(@">[^<]*\b[a-z]+[A-Z][A-Za-z]*\b[^<]*<", figures);
    }

    [Fact]
    public void the_forest_plot_has_columns_n_hr_with_ci_and_p_beside_a_log_axis_with_its_full_label()
    {
        var report = Report(LiverPlan);
        var rows = ForestFigure.Multivariate(report.Result.CoxPfsMultivariate!);
        var svg = ForestFigure.Draw(rows, "progression or death");
        foreach (var (cls, header) in new[] { ("col-n", "n"), ("col-hr", "HR (95% CI)"), ("col-p", "P") })
            Assert.Matches($"class=\"{cls}\"[^>]*>{Regex.Escape(header)}</text>", svg);
        foreach (var row in rows)
        {
            Assert.Contains($">{ForestFigure.Hr(row)}</text>", svg);
            Assert.Contains($">{ForestFigure.P(row.P)}</text>", svg);
            Assert.Contains($">{row.N}</text>", svg);
        }
        Assert.Contains(">Hazard ratio of progression or death (95% CI), log scale</text>", svg);
        Assert.Equal(rows.Count, Regex.Matches(svg, "class=\"hr\"").Count);
        Assert.Contains("class=\"no-effect\"", svg);
        Assert.Equal("1.50 (0.40-5.62)", ForestFigure.Hr(new ForestRow("x", 1, 1.5, 0.4, 5.62, 0.5)));
        // An interval beyond the axis ends in an arrow.
        Assert.Contains("ci-arrow", ForestFigure.Draw([new ForestRow("wide", 5, 2, 0.001, 3, 0.4)], "death"));
    }

    [Fact]
    public void the_swimmer_plot_marks_first_response_progression_death_and_ongoing_treatment_with_a_legend()
    {
        var svg = SwimmerFigure.Draw(Subjects);
        Assert.Equal(Subjects.Length, Regex.Matches(svg, "class=\"lane\"").Count);
        Assert.Equal(Subjects.Count(s => s.FirstResponseMonths is not null), Regex.Matches(svg, "class=\"response\"").Count);
        Assert.Equal(Subjects.Count(s => s.ProgressionMonths is not null), Regex.Matches(svg, "class=\"progression\"").Count);
        Assert.Equal(Subjects.Count(s => s.OsEvent), Regex.Matches(svg, "class=\"death\"").Count);
        Assert.Equal(Subjects.Count(s => s.OnTreatment), Regex.Matches(svg, "class=\"ongoing\"").Count);
        foreach (var legend in new[] { "First response (CR/PR)", "Progression", "Death", "On treatment at the cut-off", "PR", "SD", "PD" })
            Assert.Contains($">{legend}</text>", svg);
        Assert.Contains(">Time since first dose (months)</text>", svg);
    }
}
