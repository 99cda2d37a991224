using System.Net;
using NpcEcrf.Api.Tests.TamperEvidence;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.DataQuality;

/// <summary>Each test class has its own schema, so the tampering in TamperEvidence/ cannot leak into the honest store.</summary>
public class HonestStoreTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task an_honest_store_verifies_clean_and_the_endpoint_says_so()
    {
        await Tampering.Subject(app, "X-01");
        var report = await Tampering.Verify(app);
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
        var report = await Tampering.Verify(app);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
    }
}
