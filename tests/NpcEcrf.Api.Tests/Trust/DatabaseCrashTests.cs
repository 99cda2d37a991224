using System.Net;
using System.Security.Cryptography;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TamperEvidence;
using NpcEcrf.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NpcEcrf.Api.Tests.Trust;

/// <summary>
/// PostgreSQL crashes while four CRAs write: every answer is a success, a conflict or 503 with Retry-After (never a
/// 500), no acknowledged write is lost, and after the restart the store verifies clean (Marten's placeholders
/// included). Runs on a private cluster of its own, since it kills it.
/// </summary>
public class DatabaseCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"npcecrf-crash-{Guid.NewGuid():N}"[..36]);
    private EmbeddedPostgres? _cluster;

    // Durable, as in production: with synchronous_commit off an acknowledged commit could be lost by design.
    public async Task InitializeAsync() => _cluster = await EmbeddedPostgres.StartAsync(_dir, durable: true);

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.StopAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private NpcEcrfSettings Settings() => new()
    {
        ConnectionString = _cluster!.ApplicationConnectionString(),
        OwnerConnectionString = _cluster.OwnerConnectionString(),
        Schema = "crash",
        SigningKey = SHA256.HashData("crash-seal"u8).Concat(SHA256.HashData("crash-token"u8)).ToArray(),
    };

    [Fact]
    public async Task a_crash_under_load_answers_503_loses_no_acknowledged_write_and_verifies_clean_after_the_restart()
    {
        var app = TestHosts.Build(Settings());
        await app.StartAsync();
        var store = app.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession())
        {
            session.LastModifiedBy = "test-setup";
            session.Events.StartStream<Study>(Study.IdFor("CRASH"), [.. TestStudies.Created("CRASH", "Crash drill"), new SiteAdded("S1", "Site")]);
            await session.SaveChangesAsync();
        }
        var client = await TestHosts.SignedIn(app, "crash.cra", ["cra"], "CRASH/S1");
        for (var i = 1; i <= 4; i++)
            await (await client.PostJson("/studies/CRASH/subjects", new { subjectNumber = $"C-{i}", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible }))
                .ShouldBe(HttpStatusCode.Created);

        var answers = new System.Collections.Concurrent.ConcurrentBag<(int Status, bool RetryAfter)>();
        var acknowledged = 0;
        var stop = DateTime.UtcNow.AddSeconds(4);
        async Task Writer(int subject)
        {
            for (var day = 0; DateTime.UtcNow < stop && day < 400; day++)
            {
                var response = await client.PostJson($"/studies/CRASH/subjects/C-{subject}/contacts",
                    new { date = new DateOnly(2021, 3, 4).AddDays(day % 300).ToString("yyyy-MM-dd"), method = "phone", version = 1 });
                answers.Add(((int)response.StatusCode, response.Headers.RetryAfter is not null));
                if (response.StatusCode == HttpStatusCode.OK) Interlocked.Increment(ref acknowledged);
            }
        }
        var writers = Enumerable.Range(1, 4).Select(Writer).ToList();
        await Task.Delay(700);
        await _cluster!.CrashAsync();
        await Task.WhenAll(writers);
        await app.StopAsync();
        await app.DisposeAsync();

        output.WriteLine(string.Join(", ", answers.GroupBy(a => a.Status).Select(g => $"{g.Key}: {g.Count()}")));
        Assert.DoesNotContain(answers, a => a.Status >= 500 && a.Status != 503);
        Assert.All(answers.Where(a => a.Status == 503), a => Assert.True(a.RetryAfter));
        Assert.Contains(answers, a => a.Status == 503);

        _cluster = await EmbeddedPostgres.StartAsync(_dir, durable: true);
        var settings = Settings();
        await using var restarted = AppHost.Store(settings);
        await using (var query = restarted.QuerySession())
            Assert.True(await query.Events.QueryRawEventDataOnly<ContactRecorded>().CountAsync() >= acknowledged, "an acknowledged write was lost");
        var report = await new StoreVerifier(settings, restarted).Verify(null, default);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
    }
}
