using System.Net;
using System.Text.Json;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Locks;

/// <summary>One lock in force per study, whatever the timing; snapshots are checked after the commit and before every analysis.</summary>
public class LockIntegrityTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task of_ten_concurrent_locks_one_is_in_force_and_the_others_answer_409()
    {
        var subject = await app.Enrolled("LC-01");
        var dm = await app.ClientFor("dm.concurrent", ["data-manager"]);
        var responses = await Task.WhenAll(Enumerable.Range(1, 10).Select(i =>
            dm.PostJson("/locks", new { studyId = StudyFixture.StudyId, name = $"race-{i}", cutoff = "2021-12-31", reason = "Race", kind = "Hard" })));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(9, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var locks = await (await dm.GetAsync($"/locks?studyId={StudyFixture.StudyId}")).ShouldBe(HttpStatusCode.OK);
        Assert.Single(locks.EnumerateArray(), l => l.GetProperty("unlockedAt").ValueKind == JsonValueKind.Null);

        var winner = locks.EnumerateArray().Single(l => l.GetProperty("unlockedAt").ValueKind == JsonValueKind.Null).GetProperty("name").GetString();
        foreach (var study in new[] { StudyFixture.StudyId.ToLowerInvariant(), $" {StudyFixture.StudyId} " })
        {
            var response = await subject.Http.PostJson($"/studies/{Uri.EscapeDataString(study)}/subjects/LC-01/ecog", new { assessmentDate = "2021-03-02", score = 1, version = subject.Version });
            await response.ShouldBe((HttpStatusCode)423);
        }
        await (await dm.PostJson($"/locks/{winner}/unlock", new { reason = "Test over" })).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task the_system_verifies_a_new_locks_snapshot_after_the_commit()
    {
        await app.Enrolled("LC-02");
        var dm = await app.ClientFor("dm.verify", ["data-manager"]);
        var locked = await (await dm.PostJson("/locks", new { studyId = StudyFixture.StudyId, name = "verified-1", cutoff = "2021-12-31", reason = "Check", kind = "Soft" }))
            .ShouldBe(HttpStatusCode.Created);
        var id = locked.GetProperty("id").GetGuid();
        JsonElement current = default;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            current = await (await dm.GetAsync($"/locks/{id}")).ShouldBe(HttpStatusCode.OK);
            if (current.GetProperty("replayVerified").ValueKind != JsonValueKind.Null) break;
            await Task.Delay(100);
        }
        Assert.True(current.GetProperty("replayVerified").GetBoolean());
        await (await dm.PostJson($"/locks/{id}/unlock", new { reason = "Test over" })).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task an_analysis_refuses_a_snapshot_edited_after_locking()
    {
        await app.Enrolled("LC-03");
        var dm = await app.ClientFor("dm.tamper", ["data-manager"]);
        var locked = await (await dm.PostJson("/locks", new { studyId = StudyFixture.StudyId, name = "edited-1", cutoff = "2021-12-31", reason = "Check", kind = "Soft" }))
            .ShouldBe(HttpStatusCode.Created);
        var id = locked.GetProperty("id").GetGuid();
        var statistician = await app.ClientFor("stat.tamper", ["statistician"]);
        await (await statistician.GetAsync($"/locks/{id}/analysis")).ShouldBe(HttpStatusCode.OK);
        await TestDatabase.ExecuteAsync(app.ConnectionString,
            $"update \"{app.Schema}\".mt_doc_locksnapshot set data = jsonb_set(data, '{{canonicalJson}}', to_jsonb(replace(data->>'canonicalJson', 'LC-03', 'LC-99'))) where id = '{id}'");
        var problem = await (await statistician.GetAsync($"/locks/{id}/analysis")).ShouldBe(HttpStatusCode.Conflict);
        Assert.Contains("no longer matches", problem.GetProperty("title").GetString());
        await (await dm.PostJson($"/locks/{id}/unlock", new { reason = "Test over" })).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task a_command_retried_under_a_lock_answers_its_first_answer_and_writes_nothing()
    {
        var subject = await app.Enrolled("LC-04");
        var command = new { assessmentDate = "2021-03-02", score = 1, version = subject.Version, commandId = Guid.NewGuid() };
        var first = await (await subject.Http.PostJson(subject.Url + "/ecog", command)).ShouldBe(HttpStatusCode.OK);
        var dm = await app.ClientFor("dm.retry", ["data-manager"]);
        await (await dm.PostJson("/locks", new { studyId = StudyFixture.StudyId, name = "retry-1", cutoff = "2021-12-31", reason = "Check", kind = "Hard" })).ShouldBe(HttpStatusCode.Created);
        for (var i = 0; i < 100 && (await (await dm.GetAsync("/locks/retry-1")).ShouldBe(HttpStatusCode.OK)).GetProperty("replayVerified").ValueKind == JsonValueKind.Null; i++)
            await Task.Delay(100);
        var before = await app.EventCount();
        var retried = await (await subject.Http.PostJson(subject.Url + "/ecog", command)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(first.GetRawText(), retried.GetRawText());
        Assert.Equal(before, await app.EventCount());
        // A new command is refused by the lock.
        await (await subject.Http.PostJson(subject.Url + "/contacts", new { date = "2021-04-01", method = "phone", version = subject.Version })).ShouldBe((HttpStatusCode)423);
        await (await dm.PostJson("/locks/retry-1/unlock", new { reason = "Test over" })).ShouldBe(HttpStatusCode.OK);
    }
}
