using System.Globalization;
using static NpcEcrf.Analysis.Tests.RReferenceTests;

namespace NpcEcrf.Analysis.Tests;

/// <summary>
/// The edge cases of issue 14 against R (tests/reference/r/edge-cases.R wrote the files): landmark rates past the last
/// follow-up, all-censored data, a curve that reaches 0, and intervals outside [0, 100]; and the rules of printing them.
/// </summary>
public class EdgeCaseTests
{
    public static TheoryData<string> Edges => new(["edge_early_events", "edge_short_follow_up", "edge_all_censored", "edge_reaches_zero"]);
    private static readonly (string Name, ConfType Type)[] Bands = [("plain", ConfType.Plain), ("log", ConfType.Log), ("log-log", ConfType.LogLog)];

    private static (List<double> Time, List<bool> Event) Data(string name)
    {
        var rows = Csv(Path.Combine(Dir, "data", name + ".csv"));
        return (rows.Select(r => r["time"]!.Value).ToList(), rows.Select(r => r["status"] == 1).ToList());
    }

    private static KaplanMeier Fit(string name, ConfType type)
    {
        var (time, died) = Data(name);
        return KaplanMeier.Fit(time, died, type);
    }

    [Theory]
    [MemberData(nameof(Edges))]
    public void the_kaplan_meier_table_is_rs_including_undefined_bands(string name)
    {
        foreach (var (conf, type) in Bands)
        {
            var expected = Csv(Path.Combine(Dir, "expected", $"{name}_km_{conf}.csv"));
            var table = Fit(name, type).Table;
            Assert.Equal(expected.Count, table.Count);
            for (var i = 0; i < table.Count; i++)
            {
                var at = $"{name} {conf} row {i}";
                Close(expected[i]["surv"], table[i].Survival, at + " surv");
                Close(expected[i]["std_err"], table[i].StdErr, at + " std.err");
                // R's NA (or NaN) is our null, both ways.
                Close(expected[i]["lower"], table[i].Lower, at + " lower");
                Close(expected[i]["upper"], table[i].Upper, at + " upper");
                Assert.Equal(expected[i]["lower"] is null, table[i].Lower is null);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Edges))]
    public void the_median_is_rs_and_not_reached_is_null(string name)
    {
        foreach (var row in Raw(Path.Combine(Dir, "expected", $"{name}_quantiles.csv")))
        {
            double? V(string s) => s == "NA" ? null : double.Parse(s, CultureInfo.InvariantCulture);
            var type = Bands.Single(b => b.Name == row[0]).Type;
            var q = Fit(name, type).Median(MedianMethod.R);
            Assert.Equal((V(row[2]), V(row[3]), V(row[4])), (q.Value, q.Lower, q.Upper));
        }
    }

    /// <summary>
    /// Within the follow-up and where 0 &lt; S &lt; 1, R's summary(survfit, times, extend = TRUE) exactly. Our two conventions:
    /// where R reports nobody at risk and S &gt; 0 (it carries the last value forward), not estimable; where S is 0 or 1, no band.
    /// </summary>
    [Theory]
    [MemberData(nameof(Edges))]
    public void landmark_rates_follow_r_with_the_documented_conventions(string name)
    {
        foreach (var row in Raw(Path.Combine(Dir, "expected", $"{name}_landmarks.csv")))
        {
            double? V(string s) => s is "NA" or "NaN" ? null : double.Parse(s, CultureInfo.InvariantCulture);
            var (time, nRisk, surv, se, lower, upper) = (V(row[1])!.Value, (int)V(row[2])!.Value, V(row[3])!.Value, V(row[4]), V(row[5]), V(row[6]));
            var e = Fit(name, Bands.Single(b => b.Name == row[0]).Type).Landmark(time);
            var at = $"{name} {row[0]} t={time}";
            Assert.Equal(nRisk, e.NRisk);
            if (nRisk == 0 && surv > 0)
            {
                Assert.False(e.Estimable, at);
                Assert.Equal((null, null, null), (e.Survival, e.Lower, e.Upper));
                continue;
            }
            Close(surv, e.Survival, at + " surv");
            Close(se, e.StdErr, at + " std.err");
            if (surv is 0 or 1)
                Assert.True(e.BandUndefined, at);
            else
            {
                Close(lower, e.Lower, at + " lower");
                Close(upper, e.Upper, at + " upper");
            }
        }
    }

    [Fact]
    public void every_event_before_2_8_months_gives_0_with_no_band_at_6_and_12_months()
    {
        var km = Fit("edge_early_events", ConfType.Log);
        foreach (var t in new[] { 6.0, 12.0 })
        {
            var e = km.Landmark(t);
            Assert.Equal((0.0, (double?)null, (double?)null), (e.Survival, e.Lower, e.Upper));
            var printed = Printed.Landmark(e);
            Assert.Equal("0.0 (no band)‡", printed.Text);
            Assert.DoesNotContain("100.0", printed.Text);
        }
    }

    [Theory]
    [InlineData("edge_short_follow_up")]
    [InlineData("edge_all_censored")]
    public void two_point_seven_months_of_follow_up_cannot_give_a_6_or_12_month_rate(string name)
    {
        var km = Fit(name, ConfType.Log);
        foreach (var t in new[] { 6.0, 12.0 })
        {
            var printed = Printed.Landmark(km.Landmark(t));
            Assert.Equal(("not estimable§", Footnote.NotEstimable), (printed.Text, printed.Note));
        }
        // At the last follow-up itself the rate is still estimable.
        Assert.True(km.Landmark(2.7).Estimable);
    }

    [Fact]
    public void an_all_censored_group_has_no_median_and_a_rate_of_1_without_a_band()
    {
        foreach (var (_, type) in Bands)
        {
            var km = Fit("edge_all_censored", type);
            Assert.Equal(new QuantileEstimate(null, null, null), km.Median(MedianMethod.R));
            Assert.Equal(new QuantileEstimate(null, null, null), km.Median(MedianMethod.Spss));
            var e = km.Landmark(1);
            Assert.Equal((1.0, true), (e.Survival, e.BandUndefined));
            Assert.Equal("100.0 (no band)‡", Printed.Landmark(e).Text);
        }
        Assert.Equal("not reached (NA-NA)", Printed.Median(null, null, null).Text);
    }

    [Fact]
    public void a_rate_strictly_between_0_and_1_within_follow_up_is_printed_with_its_band_and_no_footnote()
    {
        var e = Fit("edge_reaches_zero", ConfType.Log).Landmark(6);
        var printed = Printed.Landmark(e);
        Assert.Equal(("63.5 (37.7-100.0)", (Footnote?)null), (printed.Text, printed.Note));
    }

    public static TheoryData<int, int, string> ProportionCases()
    {
        var data = new TheoryData<int, int, string>();
        foreach (var row in Raw(Path.Combine(Dir, "expected", "edge_proportions.csv")))
            data.Add(int.Parse(row[0], CultureInfo.InvariantCulture), int.Parse(row[1], CultureInfo.InvariantCulture), row[2]);
        return data;
    }

    private static ProportionMethod Method(string name) => name switch
    {
        "t" => ProportionMethod.T, "wald" => ProportionMethod.Wald, "wilson" => ProportionMethod.Wilson, _ => ProportionMethod.ClopperPearson,
    };

    [Theory]
    [MemberData(nameof(ProportionCases))]
    public void proportions_are_rs_with_bounds_as_computed_and_a_footnote_exactly_when_outside_0_100(int k, int n, string method)
    {
        var expected = Raw(Path.Combine(Dir, "expected", "edge_proportions.csv")).Single(r => r[0] == k.ToString(CultureInfo.InvariantCulture) && r[1] == n.ToString(CultureInfo.InvariantCulture) && r[2] == method);
        var (lower, upper) = (double.Parse(expected[4], CultureInfo.InvariantCulture), double.Parse(expected[5], CultureInfo.InvariantCulture));
        var e = Proportion.Estimate(k, n, Method(method));
        Close(lower, e.Lower, $"{k}/{n} {method} lower");
        Close(upper, e.Upper, $"{k}/{n} {method} upper");
        var printed = Printed.Percent(e.Estimate * 100, e.Lower * 100, e.Upper * 100);
        Assert.Equal(lower < 0 || upper > 1, printed.Note == Footnote.OutOfRange);
        Assert.Equal(printed.Note is not null, printed.Text.Contains(Printed.Mark(Footnote.OutOfRange), StringComparison.Ordinal));
    }

    [Fact]
    public void the_paper_profiles_orr_of_1_in_7_is_printed_as_computed_with_a_footnote()
    {
        var e = Proportion.Estimate(1, 7, ProportionMethod.T);
        var printed = Printed.Percent(e.Estimate * 100, e.Lower * 100, e.Upper * 100);
        Assert.Equal(("14.3 (-20.7 to 49.2†)", (Footnote?)Footnote.OutOfRange), (printed.Text, printed.Note));
        var notes = new Footnotes();
        notes.Use(printed);
        notes.Use(Printed.Percent(13.3, 0.4, 26.2));
        Assert.Equal([$"† {Printed.Explanation(Footnote.OutOfRange)}"], notes.Lines);
        // The R profile's exact interval stays within [0, 100]: nothing to footnote.
        var exact = Proportion.Estimate(1, 7, ProportionMethod.ClopperPearson);
        Assert.Null(Printed.Percent(exact.Estimate * 100, exact.Lower * 100, exact.Upper * 100).Note);
    }

    [Fact]
    public void a_negative_bound_of_a_median_is_footnoted_too()
    {
        Assert.Equal(("1.0 (-0.5 to 2.5†)", (Footnote?)Footnote.OutOfRange), (Printed.Median(1, -0.5, 2.5).Text, Printed.Median(1, -0.5, 2.5).Note));
        Assert.Null(Printed.Median(5.7, 4.7, 6.7).Note);
    }
}
