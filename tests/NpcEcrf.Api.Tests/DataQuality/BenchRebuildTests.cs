using NpcEcrf.Api.Cli;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.DataQuality;

/// <summary>
/// `bench rebuild` on a small trail, in a schema of its own (the fixture's host runs a daemon on its schema): the
/// catch-up builds one quality summary a subject, every rebuild leaves the same documents after they were deleted,
/// and the report counts the events really read. No timing is asserted.
/// </summary>
public class BenchRebuildTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task the_rebuild_benchmark_rebuilds_the_quality_summaries_the_catch_up_built()
    {
        var settings = app.Settings with { Schema = app.Schema + "_rebuild" };
        await SchemaPreparation.PrepareAsync(settings, _ => { }, default);
        try
        {
            long written;
            await using (var store = AppHost.Store(settings)) written = await BenchCommand.BuildTrail(store, 2000, default);
            var lines = new List<string>();
            var report = await BenchCommand.RebuildBench(settings, runs: 2, lines.Add, default);

            var subjects = (int)Math.Ceiling(2000 / 105.0);
            Assert.Equal(written, report.Events);
            Assert.Equal(subjects, report.Documents);
            // Of the trail's types the projection applies an enrolment and a correction a subject.
            Assert.Equal(2 * subjects, report.ProjectedEvents);
            Assert.Equal(2, report.Runs.Count);
            Assert.All(report.Runs, r => Assert.Equal(subjects, r.Documents));
            Assert.True(report.RebuildRate > 0 && double.IsFinite(report.Ratio) && double.IsFinite(report.ProjectedRatio));
            // The round trips are counted process-wide: beside other test classes the top statements may be theirs, so only the count is checked.
            Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^One more rebuild made [1-9][\d,]* round trips:$"));
        }
        finally
        {
            await TestDatabase.DropSchemaAsync(settings.SchemaChangeConnectionString, settings.Schema);
        }
    }
}
