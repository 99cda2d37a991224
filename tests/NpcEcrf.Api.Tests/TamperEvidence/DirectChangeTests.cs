using NpcEcrf.Api.TamperEvidence;
using NpcEcrf.Api.Tests.Infrastructure;
using static NpcEcrf.Api.Tests.TamperEvidence.Tampering;

namespace NpcEcrf.Api.Tests.TamperEvidence;

/// <summary>
/// Direct changes by someone who can write to the database but holds no key: each is found and named by stream,
/// version, sequence number and kind. Each test tampers with a subject of its own; findings are read for that stream.
/// </summary>
public class DirectChangeTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private async Task<List<VerificationFinding>> FindingsFor(Guid streamId) =>
        (await Verify(app)).Findings.Where(f => f.StreamId == streamId).ToList();

    private static void AssertFound(IEnumerable<VerificationFinding> findings, string kind, long version, long? sequence)
    {
        var list = findings.ToList();
        Assert.True(list.Any(f => f.Kind == kind && f.Version == version && f.Sequence == sequence),
            $"expected {kind} at version {version} sequence {sequence}; found:\n{string.Join("\n", list)}");
    }

    [Fact]
    public async Task a_changed_payload_is_named_payload_changed()
    {
        var id = await Subject(app, "D-01");
        var dose = (await Stream(app, id))[2];
        await Sql(app, "update {s}.mt_events set data = jsonb_set(data, '{dose}', '10') where seq_id = @seq", ("seq", dose.Sequence));
        AssertFound(await FindingsFor(id), ChangeKind.PayloadChanged, dose.Version, dose.Sequence);
    }

    [Fact]
    public async Task a_deleted_last_event_is_named_tail_truncated()
    {
        var id = await Subject(app, "D-02");
        var last = (await Stream(app, id))[^1];
        await Sql(app, "delete from {s}.mt_events where seq_id = @seq", ("seq", last.Sequence));
        Assert.Contains(await FindingsFor(id), f => f.Kind == ChangeKind.TailTruncated && f.Version == last.Version);
    }

    [Fact]
    public async Task a_deleted_middle_event_is_named_event_deleted_with_its_sequence()
    {
        var id = await Subject(app, "D-03");
        var middle = (await Stream(app, id))[1];
        await Sql(app, "delete from {s}.mt_events where seq_id = @seq", ("seq", middle.Sequence));
        AssertFound(await FindingsFor(id), ChangeKind.EventDeleted, middle.Version, middle.Sequence);
    }

    [Fact]
    public async Task an_inserted_copy_of_an_event_is_named_event_inserted()
    {
        var id = await Subject(app, "D-04");
        var events = await Stream(app, id);
        await Sql(app, """
            insert into {s}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type, headers, user_name, correlation_id, causation_id, tenant_id)
            select nextval('{s}.mt_events_sequence'), gen_random_uuid(), stream_id, @version, data, type, timestamp, mt_dotnet_type, headers, user_name, correlation_id, causation_id, tenant_id
            from {s}.mt_events where seq_id = @seq;
            update {s}.mt_streams set version = @version where id = @id
            """, ("version", events[^1].Version + 1), ("seq", events[1].Sequence), ("id", id));
        Assert.Contains(await FindingsFor(id), f => f.Kind == ChangeKind.EventInserted && f.Version == events[^1].Version + 1);
    }

    [Fact]
    public async Task swapped_versions_are_named_reordered()
    {
        var id = await Subject(app, "D-05");
        var events = await Stream(app, id);
        await Sql(app, """
            update {s}.mt_events set version = -1 where seq_id = @a;
            update {s}.mt_events set version = @va where seq_id = @b;
            update {s}.mt_events set version = @vb where seq_id = @a
            """, ("a", events[1].Sequence), ("b", events[2].Sequence), ("va", events[1].Version), ("vb", events[2].Version));
        var findings = await FindingsFor(id);
        AssertFound(findings, ChangeKind.Reordered, events[2].Version, events[1].Sequence);
        AssertFound(findings, ChangeKind.Reordered, events[1].Version, events[2].Sequence);
    }

    [Fact]
    public async Task a_back_dated_timestamp_is_named_timestamp_changed()
    {
        var id = await Subject(app, "D-06");
        var dose = (await Stream(app, id))[2];
        await Sql(app, "update {s}.mt_events set timestamp = timestamp - interval '30 days' where seq_id = @seq", ("seq", dose.Sequence));
        AssertFound(await FindingsFor(id), ChangeKind.TimestampChanged, dose.Version, dose.Sequence);
    }

    [Fact]
    public async Task a_deleted_last_event_with_the_stream_version_lowered_is_named_tail_truncated()
    {
        var id = await Subject(app, "D-07");
        await Later(app);
        var last = (await Stream(app, id))[^1];
        await Sql(app, """
            delete from {s}.mt_events where seq_id = @seq;
            update {s}.mt_streams set version = @version where id = @id
            """, ("seq", last.Sequence), ("version", last.Version - 1), ("id", id));
        AssertFound(await FindingsFor(id), ChangeKind.TailTruncated, last.Version, last.Sequence);
    }

    [Fact]
    public async Task a_whole_deleted_stream_with_its_row_and_document_is_named_stream_deleted()
    {
        var id = await Subject(app, "D-08");
        await Later(app);
        var last = (await Stream(app, id))[^1];
        await Sql(app, """
            delete from {s}.mt_events where stream_id = @id;
            delete from {s}.mt_streams where id = @id;
            delete from {s}.mt_doc_casebook where id = @id
            """, ("id", id));
        AssertFound(await FindingsFor(id), ChangeKind.StreamDeleted, last.Version, last.Sequence);
    }

    [Fact]
    public async Task a_casebook_document_altered_without_its_events_is_named_document_differs()
    {
        var id = await Subject(app, "D-09");
        await Sql(app, """update {s}.mt_doc_casebook set data = jsonb_set(data, '{siteId}', '"S2"') where id = @id""", ("id", id));
        var finding = Assert.Single(await FindingsFor(id));
        Assert.Equal(ChangeKind.DocumentDiffers, finding.Kind);
    }

    [Fact]
    public async Task an_event_marked_archived_is_named_archived()
    {
        var id = await Subject(app, "D-10");
        var ecog = (await Stream(app, id))[1];
        await Sql(app, "update {s}.mt_events set is_archived = true where seq_id = @seq", ("seq", ecog.Sequence));
        AssertFound(await FindingsFor(id), ChangeKind.Archived, ecog.Version, ecog.Sequence);
    }
}
