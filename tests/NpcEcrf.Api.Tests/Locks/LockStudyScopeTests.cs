using System.Net;
using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Locks;

/// <summary>A lock, its verification and the study as of a time read their own study's streams: another study's writes change nothing in them.</summary>
public class LockStudyScopeTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private const string Other = "OTHER-NPC";

    [Fact]
    public async Task another_studys_events_are_never_read_and_never_change_a_locks_hash()
    {
        // Study A (the fixture's) with a subject, a form and a data query; then its lock.
        var a = await app.Enrolled("SC-01");
        await a.Post("/demographics", new { sex = "F", yearOfBirth = 1970, ageAtEnrolment = 51 });
        var monitor = await app.ClientFor("monitor.scope", ["monitor"], "S1");
        await (await monitor.PostJson("/data-queries", new { studyId = StudyFixture.StudyId, subjectNumber = "SC-01", form = "demographics", field = "sex", text = "Check" })).ShouldBe(HttpStatusCode.Created);
        var dm = await app.ClientFor("dm.scope", ["data-manager"]);
        await (await dm.PostJson("/locks", new { studyId = StudyFixture.StudyId, name = "scope-a", cutoff = "2021-12-31", reason = "Analysis" })).ShouldBe(HttpStatusCode.Created);
        await (await dm.PostJson("/locks/scope-a/unlock", new { reason = "Go on" })).ShouldBe(HttpStatusCode.OK);

        // Study B: the same sites and the same subject number, with data and a query of its own.
        var admin = await app.ClientFor("study-admin", ["admin"]);
        await (await admin.PostJson("/studies", new { studyId = Other, title = "Another study", definition = TestStudies.ReferenceJson })).ShouldBe(HttpStatusCode.Created);
        await (await admin.PostJson($"/studies/{Other}/sites", new { siteId = "S1", name = "Guilin" })).ShouldBe(HttpStatusCode.OK);
        var b = new CasebookClient(await app.ClientFor("cra.other", ["cra"], $"{Other}/S1"), "SC-01", Other);
        await b.Enrol("S1");
        await b.Post("/demographics", new { sex = "M", yearOfBirth = 1950, ageAtEnrolment = 71 });
        var otherMonitor = await app.ClientFor("monitor.other", ["monitor"], $"{Other}/S1");
        await (await otherMonitor.PostJson("/data-queries", new { studyId = Other, subjectNumber = "SC-01", form = "demographics", field = "sex", text = "Check B" })).ShouldBe(HttpStatusCode.Created);

        // The lock of A still verifies, and A replayed now (after B's writes) hashes as it did at the lock, but for the high-water mark.
        var verification = await (await dm.GetAsync("/locks/scope-a/verify")).ShouldBe(HttpStatusCode.OK);
        Assert.True(verification.GetProperty("verified").GetBoolean());
        await using var session = app.Store.QuerySession();
        var locked = (await session.LoadAsync<DatabaseLock>(DatabaseLock.IdFor(StudyFixture.StudyId, "scope-a")))!;
        var now = await CohortReplay.HighWaterMark(session, null, default);
        Assert.True(now > locked.HighWaterMark);
        var replayed = (await CohortReplay.Snapshot(session, StudyFixture.StudyId, locked.Cutoff, now, default))! with { HighWaterMark = locked.HighWaterMark };
        Assert.Equal(locked.SnapshotHash, CohortSnapshot.Hash(replayed.CanonicalJson()));

        // What the replay reads: A's streams only, however B's subjects are numbered.
        var read = new List<Guid>();
        await foreach (var stream in StoredEvents.StudyStreams(session, StudyFixture.StudyId, null, null, default))
        {
            Assert.All(stream, e => Assert.Equal(stream[0].StreamId, e.StreamId));
            read.Add(stream[0].StreamId);
        }
        Assert.Contains(Study.IdFor(StudyFixture.StudyId), read);
        Assert.Contains(Casebook.IdFor(StudyFixture.StudyId, "SC-01"), read);
        Assert.DoesNotContain(Study.IdFor(Other), read);
        Assert.DoesNotContain(Casebook.IdFor(Other, "SC-01"), read);
        Assert.Equal(read.Count, read.Distinct().Count());
        var queries = await session.Query<NpcEcrf.Api.DataQueries.DataQuery>().ToListAsync(default);
        Assert.Contains(queries.Single(q => q.StudyId == StudyFixture.StudyId && q.SubjectNumber == "SC-01").Id, read);
        Assert.DoesNotContain(queries.Single(q => q.StudyId == Other).Id, read);
    }
}
