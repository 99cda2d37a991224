using System.Net;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.TamperEvidence;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.DataQuality;

/// <summary>Each test class has its own schema, so the tampering below cannot leak into the honest store.</summary>
public class HonestStoreTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task an_honest_store_verifies_clean_and_the_endpoint_says_so()
    {
        await TamperEvidenceTests.Subject(app, "X-01");
        var report = await new StoreVerifier(app.Settings).Verify(null, default);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
        Assert.True(report.Events > 5);
        var auditor = await app.ClientFor("auditor.x", ["auditor"]);
        var json = await (await auditor.GetAsync("/audit/verify")).ShouldBe(HttpStatusCode.OK);
        Assert.True(json.GetProperty("clean").GetBoolean());
    }
}

/// <summary>Streams many requests share keep an unbroken seal chain under concurrency.</summary>
public class ConcurrentSealTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task concurrent_failed_logins_and_audit_reads_are_all_recorded_and_the_chain_holds()
    {
        await app.EnsureUser("busy.user", ["auditor"], []);
        var auditor = await app.ClientFor("busy.auditor", ["auditor"]);
        var logins = Enumerable.Range(0, 12).Select(_ => app.Anonymous().PostJson("/auth/token", new { username = "busy.user", password = "wrong-password!" }));
        var reads = Enumerable.Range(0, 12).Select(_ => auditor.GetAsync("/audit?limit=5"));
        var responses = await Task.WhenAll(logins.Concat(reads));
        var statuses = string.Join(", ", await Task.WhenAll(responses.Select(async r => $"{(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}")));
        // Each failed login is refused: 401, or 429 once the burst has locked the account.
        Assert.True(12 == responses.Count(r => r.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.TooManyRequests), statuses);
        Assert.True(12 == responses.Count(r => r.StatusCode == System.Net.HttpStatusCode.OK), statuses);

        await using var session = app.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(Identity.UserAccount.IdFor("busy.user"));
        Assert.Equal(12, events.Count(e => e.Data is Identity.AuthenticationFailed));
        var report = await new StoreVerifier(app.Settings).Verify(null, default);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
    }
}

public class TamperEvidenceTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private Task<Guid> Subject(string number) => Subject(app, number);

    public static async Task<Guid> Subject(StudyFixture app, string number)
    {
        var subject = await app.Enrolled(number, "S1");
        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1 });
        await subject.Post("/first-dose", new { date = "2021-03-04", doseMg = 12 });
        await subject.Post("/corrections", new { form = "ecog", field = "score", newValue = 2, reason = "Re-read" });
        return Casebook.IdFor(StudyFixture.StudyId, number);
    }

    private StoreVerifier Verifier() => new(app.Settings);

    [Fact]
    public async Task an_altered_payload_is_named_by_stream_and_version()
    {
        var id = await Subject("X-02");
        await TestDatabase.ExecuteAsSuperuserAsync(
            $"update \"{app.Schema}\".mt_events set data = jsonb_set(data, '{{doseMg}}', '10') where stream_id = '{id}' and version = 3");
        var finding = Assert.Single((await Verifier().Verify(null, default)).Findings, f => f.StreamId == id);
        Assert.Equal((id, 3L), (finding.StreamId, finding.Version));
        Assert.Contains("does not match its seal", finding.Problem);
    }

    [Fact]
    public async Task altered_metadata_a_deleted_event_and_an_inserted_event_are_all_found()
    {
        var altered = await Subject("X-03");
        await TestDatabase.ExecuteAsSuperuserAsync(
            $"update \"{app.Schema}\".mt_events set user_name = 'someone-else' where stream_id = '{altered}' and version = 2");
        var deleted = await Subject("X-04");
        await TestDatabase.ExecuteAsSuperuserAsync($"delete from \"{app.Schema}\".mt_events where stream_id = '{deleted}' and version = 2");
        var inserted = await Subject("X-05");
        await TestDatabase.ExecuteAsync(app.ConnectionString, $"""
            insert into "{app.Schema}".mt_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type)
            select nextval('"{app.Schema}".mt_events_sequence'), gen_random_uuid(), stream_id, 99, data, type, timestamp, mt_dotnet_type
            from "{app.Schema}".mt_events where stream_id = '{inserted}' and version = 4
            """);

        var findings = (await Verifier().Verify(null, default)).Findings;
        Assert.Contains(findings, f => f.StreamId == altered && f.Version == 2);
        Assert.Contains(findings, f => f.StreamId == deleted && f.Version == 3 && f.Problem.Contains("missing"));
        Assert.Contains(findings, f => f.StreamId == inserted && f.Version == 99 && f.Problem.Contains("no seal"));
    }
}
