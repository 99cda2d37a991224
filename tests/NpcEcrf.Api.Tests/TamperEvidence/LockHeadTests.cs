using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.TamperEvidence;
using NpcEcrf.Api.Tests.Infrastructure;
using static NpcEcrf.Api.Tests.TamperEvidence.Tampering;

namespace NpcEcrf.Api.Tests.TamperEvidence;

/// <summary>A lock's chain head goes on from the head an earlier lock sealed, rather than from the first event.</summary>
internal static class LockHeads
{
    /// <summary>Locks (soft) and unlocks at once; the chain head the lock's event recorded.</summary>
    public static async Task<ChainHead> LockAndUnlock(StudyFixture app, string name)
    {
        var dm = await app.ClientFor("dm.heads", ["data-manager"]);
        await (await dm.PostJson("/locks", new { studyId = StudyFixture.StudyId, name, cutoff = "2021-12-31", reason = "Analysis", kind = "Soft" })).ShouldBe(HttpStatusCode.Created);
        await (await dm.PostJson($"/locks/{name}/unlock", new { reason = "Analysis done" })).ShouldBe(HttpStatusCode.OK);
        return Recorded((await Stream(app, DatabaseLock.IdFor(StudyFixture.StudyId, name)))[0]);
    }

    public static ChainHead Recorded(EventRow lockEvent) => ChainHead.Parse(JsonNode.Parse(lockEvent.DataJson)!["chainHead"]!.GetValue<string>())!;

    /// <summary>The head at a sequence number, walked from the first event.</summary>
    public static async Task<ChainHead> FromTheFirstEvent(StudyFixture app, long sequence)
    {
        await using var connection = new NpgsqlConnection((await TestDatabase.ConnectionsAsync()).Superuser);
        await connection.OpenAsync();
        return HeadAt(await EventRows.Read(connection, app.Schema, null, default), sequence);
    }
}

public class LockHeadAfterLockTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task a_lock_after_another_records_the_head_of_the_whole_chain_and_verifies()
    {
        await Subject(app, "H-01");
        var first = await LockHeads.LockAndUnlock(app, "heads-1");
        await Subject(app, "H-02");
        await Later(app);
        var second = await LockHeads.LockAndUnlock(app, "heads-2");

        Assert.True(second.Sequence > first.Sequence);
        Assert.Equal(await LockHeads.FromTheFirstEvent(app, first.Sequence), first);
        Assert.Equal(await LockHeads.FromTheFirstEvent(app, second.Sequence), second);
        Assert.Empty((await Verify(app)).Findings);
    }
}

public class LockHeadAlteredTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task an_earlier_locks_head_altered_in_the_database_is_found_and_so_is_the_next_head_taken_from_it()
    {
        await Subject(app, "H-03");
        var first = await LockHeads.LockAndUnlock(app, "altered-1");
        var forged = new ChainHead(first.Sequence, new string('f', 64));
        await Sql(app, "update {s}.mt_events set data = jsonb_set(data, '{chainHead}', to_jsonb(@head::text)) where stream_id = @id and version = 1",
            ("head", forged.ToString()), ("id", DatabaseLock.IdFor(StudyFixture.StudyId, "altered-1")));
        await Subject(app, "H-04");
        var second = await LockHeads.LockAndUnlock(app, "altered-2");

        // The second lock went on from the altered head, so its own head is not the chain's either: verify says so for both.
        Assert.NotEqual(await LockHeads.FromTheFirstEvent(app, second.Sequence), second);
        var findings = (await Verify(app)).Findings;
        Assert.Contains(findings, f => f.StreamId == DatabaseLock.IdFor(StudyFixture.StudyId, "altered-1") && f.Kind == ChangeKind.PayloadChanged);
        Assert.Contains(findings, f => f.Kind == ChangeKind.ChainDiffers && f.Detail.Contains("lock 'altered-2'"));
    }
}
