using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.TamperEvidence;
using NpcEcrf.Api.Tests.Infrastructure;
using static NpcEcrf.Api.Tests.TamperEvidence.Tampering;

namespace NpcEcrf.Api.Tests.TamperEvidence;

/// <summary>
/// Verify reads in one snapshot: a table that is not there must read as empty, not fail the snapshot's transaction
/// (a caught "no such table" aborts it, and every read after it failed).
/// </summary>
public class DroppedTableTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task the_casebook_documents_table_dropped_is_reported_as_missing_documents()
    {
        var id = await Subject(app, "T-01");
        Assert.DoesNotContain((await Verify(app)).Findings, f => f.StreamId == id);

        await Sql(app, "drop table {s}.mt_doc_casebook cascade");
        var report = await Verify(app);
        Assert.Contains(report.Findings, f => f.Kind == ChangeKind.DocumentDiffers && f.StreamId == id && f.Detail.Contains("missing"));
        Assert.True(report.Events > 0);
    }
}
