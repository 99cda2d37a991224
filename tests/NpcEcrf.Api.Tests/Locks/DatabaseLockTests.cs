using NpcEcrf.Api.Tests.Analyses;
using System.Net;
using System.Text.Json;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Locks;

public class DatabaseLockTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private async Task<CasebookClient> Subject(string number)
    {
        var subject = await app.Enrolled(number, "S1");
        await subject.Post("/demographics", new { sex = "M", yearOfBirth = 1966, ageAtEnrolment = 55 });
        await subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
        await subject.Post("/contacts", new { date = "2021-06-01", method = "clinic" });
        return subject;
    }

    private async Task<HttpClient> DataManager() => await app.ClientFor("dm.lock", ["data-manager"]);

    private static async Task<JsonElement> Lock(HttpClient dm, string name, string cutoff, string kind = "Hard") =>
        await (await dm.PostJson("/locks", new { studyId = StudyFixture.StudyId, name, cutoff, reason = "Analysis", kind })).ShouldBe(HttpStatusCode.Created);

    private static async Task Unlock(HttpClient dm, string name) =>
        await (await dm.PostJson($"/locks/{name}/unlock", new { reason = "Queries resolved; corrections needed" })).ShouldBe(HttpStatusCode.OK);

    [Fact]
    public async Task under_a_hard_lock_every_kind_of_write_is_refused_with_the_lock_named_and_nothing_written()
    {
        var subject = await Subject("L-01");
        var monitor = await app.ClientFor("monitor.lock", ["monitor"], "S1");
        var raised = await (await monitor.PostJson("/data-queries", new { studyId = StudyFixture.StudyId, subjectNumber = "L-01", form = "demographics", field = "sex", text = "Check" })).ShouldBe(HttpStatusCode.Created);
        var dm = await DataManager();
        await Lock(dm, "hard-1", "2021-12-31");
        await using (var session = app.Store.QuerySession())
        {
            var before = (await session.Events.FetchStreamStateAsync(Casebook.IdFor(StudyFixture.StudyId, "L-01")))!.Version;
            var investigator = await app.ClientFor("pi.lock", ["investigator"], "S1");
            var refused = new[]
            {
                await subject.Http.PostJson(subject.Url + "/ecog", new { assessmentDate = "2021-03-02", score = 1, version = subject.Version }),
                await subject.Http.PostJson(subject.Url + "/corrections", new { form = "demographics", field = "sex", newValue = "F", reason = "x", version = subject.Version }),
                await subject.Http.PostJson($"/studies/{StudyFixture.StudyId}/subjects", new { subjectNumber = "L-99", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible }),
                await monitor.PostJson(subject.Url + "/verifications", new { form = "demographics", version = subject.Version }),
                await investigator.PostJson(subject.Url + "/signatures", new { meaning = "ok", password = AppFixture.Password, version = subject.Version }),
                await subject.Http.PostJson($"/data-queries/{raised.GetProperty("id").GetGuid()}/answer", new { text = "fine" }),
                await monitor.PostJson("/data-queries", new { studyId = StudyFixture.StudyId, subjectNumber = "L-01", form = "demographics", field = "sex", text = "again" }),
            };
            foreach (var response in refused)
            {
                var problem = await response.ShouldBe(HttpStatusCode.Locked);
                Assert.Equal("hard-1", problem.GetProperty("lock").GetString());
            }
            Assert.Equal(before, (await session.Events.FetchStreamStateAsync(Casebook.IdFor(StudyFixture.StudyId, "L-01")))!.Version);
        }
        // Unlock needs a reason; with one it is an audited event.
        await (await dm.PostJson("/locks/hard-1/unlock", new { reason = "" })).ShouldBe(HttpStatusCode.BadRequest);
        await Unlock(dm, "hard-1");
        var unlocked = await (await dm.GetAsync("/locks/hard-1")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal("dm.lock", unlocked.GetProperty("unlockedBy").GetString());
        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1 });
    }

    [Fact]
    public async Task under_a_soft_lock_queries_are_answered_and_closed_but_data_stays_frozen()
    {
        var subject = await Subject("L-02");
        var monitor = await app.ClientFor("monitor.lock", ["monitor"], "S1");
        var id = (await (await monitor.PostJson("/data-queries", new { studyId = StudyFixture.StudyId, subjectNumber = "L-02", form = "demographics", field = "sex", text = "Check" })).ShouldBe(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var dm = await DataManager();
        await Lock(dm, "soft-1", "2021-12-31", "Soft");
        try
        {
            await (await subject.Http.PostJson(subject.Url + "/ecog", new { assessmentDate = "2021-03-02", score = 1, version = subject.Version })).ShouldBe(HttpStatusCode.Locked);
            await (await subject.Http.PostJson($"/data-queries/{id}/answer", new { text = "Source confirms male." })).ShouldBe(HttpStatusCode.OK);
            await (await monitor.PostJson($"/data-queries/{id}/close", new { text = "Thanks" })).ShouldBe(HttpStatusCode.OK);
        }
        finally
        {
            await Unlock(dm, "soft-1");
        }
    }

    [Fact]
    public async Task a_new_lock_after_a_correction_differs_exactly_there_and_the_first_lock_never_changes()
    {
        var subject = await Subject("L-03");
        var dm = await DataManager();
        var first = await Lock(dm, "interim-a", "2021-12-31");
        await Unlock(dm, "interim-a");
        await subject.Post("/corrections", new { form = "demographics", field = "ageAtEnrolment", newValue = 54, reason = "Birthday after enrolment" });
        var second = await Lock(dm, "final-a", "2021-12-31");
        await Unlock(dm, "final-a");

        Assert.NotEqual(first.GetProperty("snapshotHash").GetString(), second.GetProperty("snapshotHash").GetString());
        var auditor = await app.ClientFor("auditor.lock", ["auditor"]);
        var a = await Snapshot(auditor, "interim-a");
        var b = await Snapshot(auditor, "final-a");
        Assert.Equal(55, Row(a, "L-03").GetProperty("age").GetInt32());
        Assert.Equal(54, Row(b, "L-03").GetProperty("age").GetInt32());
        Assert.Equal(first.GetProperty("snapshotHash").GetString(), (await (await dm.GetAsync("/locks/interim-a")).ShouldBe(HttpStatusCode.OK)).GetProperty("snapshotHash").GetString());

        var verified = await (await dm.GetAsync("/locks/interim-a/verify")).ShouldBe(HttpStatusCode.OK);
        Assert.True(verified.GetProperty("verified").GetBoolean());

        // The analyses differ exactly there: every other subject of this class is 55.
        var statistician = await app.ClientFor("stat.lock", ["statistician"]);
        var before = await (await statistician.GetAsync("/locks/interim-a/analysis")).ShouldBe(HttpStatusCode.OK);
        var after = await (await statistician.GetAsync("/locks/final-a/analysis")).ShouldBe(HttpStatusCode.OK);
        AnalysisSchema.AssertValid(before);
        AnalysisSchema.AssertValid(after);
        Assert.Equal(before.GetProperty("n").GetInt32(), after.GetProperty("n").GetInt32());
        Assert.Equal((55.0, 54.0), (before.GetProperty("age").GetProperty("min").GetDouble(), after.GetProperty("age").GetProperty("min").GetDouble()));
        Assert.Equal("interim-a", before.GetProperty("lock").GetProperty("name").GetString());
        // A statistician never sees live data.
        await (await statistician.GetAsync($"/analyses/as-of?studyId={StudyFixture.StudyId}&at=2030-01-01T00:00:00Z")).ShouldBe(HttpStatusCode.Forbidden);
        await (await statistician.GetAsync(StudyFixture.Subject("L-03"))).ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task lock_verify_fails_after_a_direct_change_below_the_high_water_mark()
    {
        await Subject("L-04");
        var dm = await DataManager();
        await Lock(dm, "tamper-a", "2021-12-31");
        await Unlock(dm, "tamper-a");
        var id = Casebook.IdFor(StudyFixture.StudyId, "L-04");
        await TestDatabase.ExecuteAsSuperuserAsync(
            $"update \"{app.Schema}\".mt_events set data = jsonb_set(data, '{{ageAtEnrolment}}', '70') where stream_id = '{id}' and version = 2");
        var verified = await (await dm.GetAsync("/locks/tamper-a/verify")).ShouldBe(HttpStatusCode.OK);
        Assert.False(verified.GetProperty("verified").GetBoolean());
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task a_lock_taken_by_an_earlier_version_verifies_on_the_fields_it_stored_and_only_if_they_replay(bool changeAStoredValue, bool verifies)
    {
        await Subject(changeAStoredValue ? "L-07" : "L-06");
        var dm = await DataManager();
        var name = changeAStoredValue ? "earlier-b" : "earlier-a";
        await Lock(dm, name, "2021-12-31");
        await Unlock(dm, name);
        // What an earlier version stored: the same snapshot without the fields added since, hashed as it was then.
        var id = DatabaseLock.IdFor(StudyFixture.StudyId, name);
        string earlier;
        await using (var session = app.Store.QuerySession())
        {
            var stored = System.Text.Json.Nodes.JsonNode.Parse((await session.LoadAsync<LockSnapshot>(id))!.CanonicalJson)!;
            foreach (var subject in stored["subjects"]!.AsArray())
            {
                subject!.AsObject().Remove("unverifiedForms");
                subject.AsObject().Remove("unmetCriteria");
                foreach (var ae in subject["adverseEvents"]!.AsArray()) ae!.AsObject().Remove("episodes");
                if (changeAStoredValue) subject["age"] = 99;
            }
            earlier = NpcEcrf.Api.TamperEvidence.EventSeal.Canonical(stored.ToJsonString());
        }
        await TestDatabase.ExecuteAsSuperuserAsync(
            $"update \"{app.Schema}\".mt_doc_locksnapshot set data = jsonb_set(data, '{{canonicalJson}}', to_jsonb($s${earlier}$s$::text)) where id = '{id}';" +
            $"update \"{app.Schema}\".mt_doc_databaselock set data = jsonb_set(data, '{{snapshotHash}}', to_jsonb('{CohortSnapshot.Hash(earlier)}'::text)) where id = '{id}'");

        var verified = await (await dm.GetAsync($"/locks/{name}/verify")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(verifies, verified.GetProperty("verified").GetBoolean());
        Assert.Equal(verifies, verified.GetProperty("earlierFormat").GetBoolean());
        Assert.NotEqual(verified.GetProperty("storedHash").GetString(), verified.GetProperty("replayedHash").GetString());
    }

    [Fact]
    public async Task data_entered_after_the_lock_but_dated_before_the_cutoff_is_not_in_that_lock()
    {
        var subject = await Subject("L-05");
        var dm = await DataManager();
        await Lock(dm, "late-a", "2021-12-31");
        await Unlock(dm, "late-a");
        await subject.Post("/death", new { date = "2021-09-01", cause = "Progression" });
        await using var session = app.Store.QuerySession();
        var locked = CohortSnapshot.FromJson((await session.LoadAsync<LockSnapshot>(DatabaseLock.IdFor(StudyFixture.StudyId, "late-a")))!.CanonicalJson)!;
        Assert.False(locked.Subjects.Single(s => s.SubjectNumber == "L-05").Os!.Event);
        var hwm = await CohortReplay.HighWaterMark(session, null, default);
        var asOfNow = (await CohortReplay.Snapshot(session, StudyFixture.StudyId, new DateOnly(2021, 12, 31), hwm, default))!;
        Assert.True(asOfNow.Subjects.Single(s => s.SubjectNumber == "L-05").Os!.Event);
    }

    [Fact]
    public async Task the_snapshot_built_casebook_by_casebook_and_the_one_a_lock_writes_are_the_one_built_from_the_whole_replayed_cohort()
    {
        // Subjects entered out of number order, one with three open queries; at the second cut-off no one is enrolled yet.
        foreach (var number in new[] { "L-19", "L-17", "L-18" }) await Subject(number);
        var monitor = await app.ClientFor("monitor.stream", ["monitor"], "S1");
        for (var i = 0; i < 3; i++)
            await (await monitor.PostJson("/data-queries", new { studyId = StudyFixture.StudyId, subjectNumber = "L-17", form = "demographics", field = "sex", text = $"Check {i}" }))
                .ShouldBe(HttpStatusCode.Created);
        await using var session = app.Store.QuerySession();
        var hwm = await CohortReplay.HighWaterMark(session, null, default);
        foreach (var cutoff in new[] { new DateOnly(2021, 12, 31), new DateOnly(2020, 1, 1) })
        {
            var cohort = (await CohortReplay.Cohort(session, StudyFixture.StudyId, hwm, default))!;
            var built = CohortSnapshot.Build(cohort.Study, cohort.Casebooks, cohort.Queries, cutoff, hwm);
            Assert.Equal(built.CanonicalJson(), (await CohortReplay.Snapshot(session, StudyFixture.StudyId, cutoff, hwm, default))!.CanonicalJson());
            // As a lock makes it: each subject's canonical JSON through a temporary file, the whole written in subject order.
            var frozen = new System.Buffers.ArrayBufferWriter<byte>();
            var header = (await CohortReplay.Freeze(session, StudyFixture.StudyId, cutoff, hwm, frozen, default))!;
            Assert.Equal(built.CanonicalJson(), System.Text.Encoding.UTF8.GetString(frozen.WrittenSpan));
            Assert.Equal(cohort.Casebooks.Where(c => !c.Enrolled).Select(c => c.SubjectNumber).Order(StringComparer.Ordinal), header.WithoutEnrolment);
        }
        var now = (await CohortReplay.Snapshot(session, StudyFixture.StudyId, new DateOnly(2021, 12, 31), hwm, default))!;
        Assert.Equal(3, now.Subjects.Single(s => s.SubjectNumber == "L-17").OpenQueries);
        Assert.Equal(now.Subjects.Select(s => s.SubjectNumber).Order(StringComparer.Ordinal), now.Subjects.Select(s => s.SubjectNumber));
    }

    [Fact]
    public async Task only_data_managers_lock()
    {
        var cra = await app.ClientFor("cra.lock", ["cra"], "S1");
        await (await cra.PostJson("/locks", new { studyId = StudyFixture.StudyId, name = "nope", cutoff = "2021-12-31", reason = "x" })).ShouldBe(HttpStatusCode.Forbidden);
    }

    private static async Task<JsonElement> Snapshot(HttpClient client, string name) => await (await client.GetAsync($"/locks/{name}/snapshot")).ShouldBe(HttpStatusCode.OK);

    private static JsonElement Row(JsonElement snapshot, string subject) =>
        snapshot.GetProperty("subjects").EnumerateArray().Single(s => s.GetProperty("subjectNumber").GetString() == subject);
}
