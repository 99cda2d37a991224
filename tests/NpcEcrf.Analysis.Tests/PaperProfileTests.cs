namespace NpcEcrf.Analysis.Tests;

/// <summary>The paper profile on the twin cohort prints exactly the seed paper's numbers.</summary>
public class PaperProfileTests
{
    private static readonly IReadOnlyList<TwinCohort.Row> Twin = TwinCohort.Load();

    private static string F1(double x) => x.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
    private static string F3(double x) => x.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void orr_and_dcr_with_t_intervals()
    {
        var orr = Proportion.Estimate(Twin.Count(r => r.BestResponse is "CR" or "PR"), Twin.Count, ProportionMethod.T);
        var dcr = Proportion.Estimate(Twin.Count(r => r.BestResponse is "CR" or "PR" or "SD"), Twin.Count, ProportionMethod.T);
        Assert.Equal(("13.3", "0.4", "26.2"), (F1(orr.Estimate * 100), F1(orr.Lower * 100), F1(orr.Upper * 100)));
        Assert.Equal(("73.3", "56.5", "90.1"), (F1(dcr.Estimate * 100), F1(dcr.Lower * 100), F1(dcr.Upper * 100)));
    }

    [Theory]
    [InlineData(true, "5.7", "4.7", "6.7")]
    [InlineData(false, "11.5", "7.5", "15.5")]
    public void km_medians_by_the_spss_rule(bool pfs, string median, string lower, string upper)
    {
        var km = KaplanMeier.Fit(Twin.Select(r => pfs ? r.PfsMonths : r.OsMonths).ToList(), Twin.Select(r => pfs ? r.PfsEvent : r.OsDeath).ToList());
        var m = km.Median(MedianMethod.Spss);
        Assert.Equal((median, lower, upper), (F1(m.Value!.Value), F1(m.Lower!.Value), F1(m.Upper!.Value)));
    }

    [Theory]
    [InlineData(true, "4.51", "10.1")]
    [InlineData(false, "9.51", "16.9")]
    public void km_median_confidence_limits_by_the_r_rule(bool pfs, string lower, string upper)
    {
        var km = KaplanMeier.Fit(Twin.Select(r => pfs ? r.PfsMonths : r.OsMonths).ToList(), Twin.Select(r => pfs ? r.PfsEvent : r.OsDeath).ToList());
        var m = km.Median(MedianMethod.R);
        // statistics.md quotes R's print: three significant digits.
        Assert.Equal(lower, m.Lower!.Value.ToString("G3", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(upper, m.Upper!.Value.ToString("G3", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(Ties.Breslow, "7.907", "2.613", "23.923")]
    [InlineData(Ties.Efron, "7.884", "2.609", "23.826")]
    public void cox_liver_metastases_adjusted_for_age(Ties ties, string hr, string lower, string upper)
    {
        var fit = Cox.Fit(Twin.Select(r => r.PfsMonths).ToList(), Twin.Select(r => r.PfsEvent).ToList(),
            Twin.Select(r => new[] { r.LiverMet ? 1.0 : 0.0, r.Age }).ToList(), ["liver_met", "age"], ties);
        var liver = fit.Coefficients[0];
        Assert.True(fit.Converged);
        Assert.Empty(fit.Warnings);
        Assert.Equal((hr, lower, upper), (F3(liver.Hr), F3(liver.HrLower), F3(liver.HrUpper)));
        Assert.True(liver.P < 0.001);
        if (ties == Ties.Breslow) Assert.Equal(2.06775, liver.Coef, 5);
    }
}
