using System.Text.Json.Nodes;
using Marten;
using NpcEcrf.Analysis;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Standards.Adam;
using NpcEcrf.Api.Tests.Demo;

namespace NpcEcrf.Api.Tests.Standards;

/// <summary>The reference demo's final lock: KM and Cox refitted from its ADTTE and ADSL rows alone give the lock's own analysis numbers.</summary>
[Collection(ReferenceDemoCollection.Name)]
public class AdamCrossCheckTests(DemoFixture demo)
{
    [Fact]
    public async Task km_medians_and_the_liver_hazard_ratio_from_adam_equal_the_final_locks_analysis()
    {
        CohortSnapshot snapshot;
        await using (var session = demo.Store.QuerySession())
        {
            var final = await ReadLocks.Find(session, "final", default);
            snapshot = CohortSnapshot.FromJson((await session.LoadAsync<LockSnapshot>(final!.Id))!.CanonicalJson)!;
        }
        var datasets = Adam.Build(snapshot, "Anlotinib in nasopharyngeal carcinoma");
        var adsl = datasets.Single(d => d.Name == Adsl.Name);
        var liver = Adsl.Covariates(snapshot.Definition).Single(c => c.Key == "metastatic-sites.liver").Variable.Name;

        // The demo's plan: PFS ~ liver metastases + age, Breslow ties, in the paper profile.
        var fit = AdamCrossCheck.Fit(adsl, datasets.Single(d => d.Name == Adtte.Name), AnalysisProfile.Paper, [liver, "AGE"], Ties.Breslow);

        var analysis = demo.Result.FinalAnalysis;
        void Same(QuantileEstimate median, JsonNode summary)
        {
            Assert.Equal(summary["median"]!.GetValue<double>(), median.Value);
            Assert.Equal(summary["ci95"]![0]!.GetValue<double>(), median.Lower);
            Assert.Equal(summary["ci95"]![1]!.GetValue<double>(), median.Upper);
        }
        Same(fit.PfsMedian, analysis["pfsMonths"]!);
        Same(fit.OsMedian, analysis["osMonths"]!);
        var hr = NpcEcrf.Api.Analyses.AnalysisJson.Coefficient(analysis.AsObject(), "metastatic-sites.liver")!;
        var coefficient = fit.PfsCox.Coefficients.Single(c => c.Name == liver);
        Assert.Equal(hr["hr"]!.GetValue<double>(), coefficient.Hr);
        Assert.Equal(hr["ci95"]![0]!.GetValue<double>(), coefficient.HrLower);
        Assert.Equal(hr["ci95"]![1]!.GetValue<double>(), coefficient.HrUpper);
        Assert.Equal(hr["p"]!.GetValue<double>(), coefficient.P);
        // The published figure, for the reader: 7.907 (2.613-23.923).
        Assert.Equal(7.907, coefficient.Hr, 3);
    }
}
