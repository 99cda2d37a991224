using NpcEcrf.Api.TamperEvidence;
using NpcEcrf.Api.Tests.Infrastructure;
using static NpcEcrf.Api.Tests.TamperEvidence.Tampering;

namespace NpcEcrf.Api.Tests.TamperEvidence;

/// <summary>
/// verify compares a casebook with the stored one as soon as its stream reaches the version mt_streams gives it; an
/// event that comes after that (only a change to the table puts one there) must still be in the rebuilt casebook.
/// </summary>
public class StreamingVerifyTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task an_event_after_the_streams_recorded_end_is_still_folded_into_the_rebuilt_casebook()
    {
        var id = await Subject(app, "V-01");
        await Later(app);
        var events = await Stream(app, id);
        // A copy of the ECOG event appended past the end mt_streams records, mt_streams left as it was.
        await Sql(app, """
            insert into {s}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type, headers, user_name, correlation_id, causation_id, tenant_id)
            select nextval('{s}.mt_events_sequence'), gen_random_uuid(), stream_id, @version, data, type, timestamp, mt_dotnet_type, headers, user_name, correlation_id, causation_id, tenant_id
            from {s}.mt_events where seq_id = @seq
            """, ("version", events[^1].Version + 1), ("seq", events[1].Sequence));

        var findings = (await Verify(app)).Findings.Where(f => f.StreamId == id).ToList();
        Assert.Contains(findings, f => f.Kind == ChangeKind.EventInserted && f.Version == events[^1].Version + 1);
        Assert.Contains(findings, f => f.Kind == ChangeKind.DocumentDiffers && f.Detail.Contains("differs from its events"));
    }

    /// <summary>verify --head streams the chain up to the settled sequence instead of holding every row: the same head.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(3600)]
    public async Task the_streamed_head_is_the_settled_head_over_every_row(int settleSeconds)
    {
        await Subject(app, $"V-1{settleSeconds % 7}");
        var settle = TimeSpan.FromSeconds(settleSeconds);
        var head = await StoreVerifier.Head(app.Settings, settle, default);
        await using var connection = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        var rows = await EventRows.Read(connection, app.Schema, null, default);
        Assert.Equal(HeadAt(rows, GlobalChain.SettledSequence(rows, long.MaxValue, await EventRows.DatabaseNow(connection, default), settle)), head);
    }
}
