using Npgsql;
using NpcEcrf.Api.Audit;
using NpcEcrf.Api.Cli;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.DataQuality;

/// <summary>
/// `bench audit` on a small trail: the bulk-written events are all indexed, and every filter's page found its entries,
/// timed and explained. No timing is asserted.
/// </summary>
public class BenchAuditTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task the_audit_benchmark_builds_an_indexed_trail_and_pages_every_filter()
    {
        var written = await BenchCommand.BuildTrail(app.Store, 2000, default);
        Assert.True(written >= 2000);
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            var indexed = (long)(await new NpgsqlCommand($"select count(*) from \"{app.Schema}\".{AuditIndex.Events}", connection).ExecuteScalarAsync())!;
            Assert.Equal(written, indexed);
        }
        var lines = new List<string>();
        var rows = await BenchCommand.AuditBench(app.Settings, written, 10, plans: false, lines.Add, default);
        Assert.Equal(12, rows.Count);
        // 20 subjects written in one batch by cra.0: the user cra.3 has no entries, and one subject is at S7 with its one
        // correction; every other filter fills its page.
        Assert.All(rows.Where(r => r.Filter is not ("user" or "site + event type + field")), r => Assert.True(r.Entries == 10, $"{r.Filter}: {r.Entries} entries"));
        Assert.Equal(0, rows.Single(r => r.Filter == "user").Entries);
        Assert.Equal(1, rows.Single(r => r.Filter == "site + event type + field").Entries);
        Assert.All(rows, r => Assert.True(double.IsFinite(r.FirstRatio) && r.FirstRatio > 0 && double.IsFinite(r.MiddleRatio), r.Filter));
        // The plans were read (on a trail this small the planner may rightly scan whole tables: the bound is shown at 1M events).
        Assert.All(rows, r => Assert.True(r.FirstRowsRead > 0 || r.Entries == 0, r.Filter));
        Assert.Contains(lines, l => l.StartsWith("| none | 10 |"));
    }
}
