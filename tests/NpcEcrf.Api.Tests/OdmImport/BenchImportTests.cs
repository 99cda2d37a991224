using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Cli;
using NpcEcrf.Api.Tests.Infrastructure;
using static NpcEcrf.Api.Tests.TamperEvidence.Tampering;

namespace NpcEcrf.Api.Tests.OdmImport;

/// <summary>
/// `bench import` on a tiny study: both rates come from rows that were really written (the import's and the COPY's
/// of the same rows), and what the import wrote is sealed and projected: verify is clean. No timing is asserted.
/// </summary>
public class BenchImportTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task the_import_benchmark_reports_both_rates_and_leaves_a_store_that_verifies_clean()
    {
        var lines = new List<string>();
        var report = await BenchCommand.ImportBench(app.Store, app.Settings, subjects: 3, runs: 2, lines.Add, default);

        Assert.Equal(2, report.Runs.Count);
        // The study's 2 events and 2 sites, and per subject the 20 events the import makes of its 19-event history
        // (SubjectImported, one per form transaction, the correction as a transaction of its own).
        Assert.Equal(4 + 3 * 20, report.Events);
        Assert.All(report.Runs, r =>
        {
            Assert.Equal(report.Events, r.Events);
            Assert.True(r.ImportRate > 0 && double.IsFinite(r.ImportRate));
            Assert.True(r.CopyRate > 0 && double.IsFinite(r.CopyRate));
            // The events are a part of the rows the baseline copies.
            Assert.True(r.EventsCopySeconds > 0 && r.EventsCopySeconds <= r.CopySeconds);
        });
        Assert.True(report.MedianRatio > 0 && report.MedianParsePlanSeconds > 0);
        Assert.Contains(lines, l => l.Contains("(mt_streams, mt_events, casebooks, audit index)") && l.Contains("foreign key"));

        // Each run's copy has its casebooks (the inline projection ran), with the corrected value (3 lines, not 2).
        await using var session = app.Store.QuerySession();
        var copies = await session.Query<Casebook>().Where(c => c.StudyId.EndsWith("-R2")).ToListAsync();
        Assert.Equal(3, copies.Count);
        Assert.All(copies, c => Assert.Contains("\"priorSystemicLines\":3",
            System.Text.Json.JsonSerializer.Serialize(c.Entry(FormRef.Parse("prior-therapy"))!.Value, CasebookJson.Options)));

        await Later(app);
        var verified = await Verify(app);
        Assert.True(verified.Clean, string.Join("\n", verified.Findings));
    }
}
