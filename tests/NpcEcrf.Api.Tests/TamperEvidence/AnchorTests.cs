using System.Net;
using System.Text.Json.Nodes;
using NpcEcrf.Api.TamperEvidence;
using NpcEcrf.Api.Tests.Infrastructure;
using static NpcEcrf.Api.Tests.TamperEvidence.Tampering;

namespace NpcEcrf.Api.Tests.TamperEvidence;

/// <summary>Someone holding the seal key can make every event verify on its own; an anchor kept outside the database still shows it.</summary>
public class ForgedEventTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task an_event_forged_with_the_key_is_found_against_an_anchor_taken_before()
    {
        var id = await Subject(app, "K-01");
        await Later(app);
        var anchor = await StoreVerifier.Head(app.Settings, TimeSpan.Zero, default);
        var last = (await Stream(app, id))[^1];
        // The forger swaps the correction's reason for one of their own and seals it validly with the installation key.
        await Reseal(app, id, last.Version, row => JsonNode.Parse(row.DataJson)!.AsObject().Also(o => o["reason"] = "Transcription error").ToJsonString());

        Assert.DoesNotContain((await Verify(app)).Findings, f => ChangeKind.IsAboutEvents(f.Kind));
        var finding = Assert.Single((await Verify(app, anchor)).Findings, f => f.Kind == ChangeKind.ForgedOrResealed);
        Assert.Equal(anchor.Sequence, finding.Sequence);
    }
}

public class ResealedChainTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task the_rest_of_a_chain_resealed_with_the_key_is_found_against_an_anchor()
    {
        var id = await Subject(app, "K-02");
        await Later(app);
        var anchor = await StoreVerifier.Head(app.Settings, TimeSpan.Zero, default);
        var dose = (await Stream(app, id))[2];
        await Reseal(app, id, dose.Version, row => row.Sequence == dose.Sequence
            ? JsonNode.Parse(row.DataJson)!.AsObject().Also(o => o["dose"] = 10).ToJsonString()
            : row.DataJson);

        Assert.DoesNotContain((await Verify(app)).Findings, f => ChangeKind.IsAboutEvents(f.Kind));
        Assert.Contains((await Verify(app, anchor)).Findings, f => f.Kind == ChangeKind.ForgedOrResealed && f.Sequence == anchor.Sequence);
    }
}

public class SequenceMovedTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task an_event_moved_past_a_locks_high_water_mark_is_named_sequence_moved()
    {
        var id = await Subject(app, "K-03");
        var dm = await app.ClientFor("dm.anchor", ["data-manager"]);
        await (await dm.PostJson("/locks", new { studyId = StudyFixture.StudyId, name = "interim", cutoff = "2021-12-31", reason = "Analysis", kind = "Soft" }))
            .ShouldBe(HttpStatusCode.Created);
        var dose = (await Stream(app, id))[2];
        await Sql(app, "update {s}.mt_events set seq_id = nextval('{s}.mt_events_sequence') where seq_id = @seq", ("seq", dose.Sequence));

        var findings = (await Verify(app)).Findings;
        Assert.Contains(findings, f => f.Kind == ChangeKind.SequenceMoved && f.StreamId == id && f.Version == dose.Version && f.Sequence > dose.Sequence);
        Assert.Contains(findings, f => f.Kind == ChangeKind.ChainDiffers && f.Detail.Contains("lock 'interim'"));
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject o, Action<JsonObject> change)
    {
        change(o);
        return o;
    }
}
