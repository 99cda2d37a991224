using System.Net;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.DataQuality;

public class AuditAndTimeTravelTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task the_casebook_between_a_value_and_its_correction_shows_the_old_value_every_time()
    {
        var subject = await app.Enrolled("T-01", "S1");
        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 2 });
        var versionWithOldValue = subject.Version;
        await Task.Delay(50);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        await subject.Post("/corrections", new { form = "ecog", field = "score", newValue = 1, reason = "Transcription error" });

        var auditor = await app.ClientFor("auditor.tt", ["auditor"]);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var then = await (await auditor.GetAsync($"{subject.Url}?asOf={Uri.EscapeDataString(between.ToString("O"))}")).ShouldBe(HttpStatusCode.OK);
            Assert.Equal(2, then.GetProperty("ecog").GetProperty("score").GetInt32());
        }
        var byVersion = await (await auditor.GetAsync($"{subject.Url}?version={versionWithOldValue}")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(2, byVersion.GetProperty("ecog").GetProperty("score").GetInt32());
        var now = await (await auditor.GetAsync(subject.Url)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(1, now.GetProperty("ecog").GetProperty("score").GetInt32());

        // The study's id in any case names the same study, with the same casebooks.
        foreach (var studyId in new[] { StudyFixture.StudyId, StudyFixture.StudyId.ToLowerInvariant() })
        {
            var study = await (await auditor.GetAsync($"/studies/{studyId}/as-of?at={Uri.EscapeDataString(between.ToString("O"))}")).ShouldBe(HttpStatusCode.OK);
            Assert.Equal(2, study.GetProperty("study").GetProperty("sites").GetArrayLength());
            var t01 = Assert.Single(study.GetProperty("casebooks").EnumerateArray(), c => c.GetProperty("subjectNumber").GetString() == "T-01");
            Assert.Equal(2, t01.GetProperty("ecog").GetProperty("score").GetInt32());
        }
    }

    [Fact]
    public async Task the_audit_trail_shows_who_what_old_new_why_and_records_that_it_was_read()
    {
        var subject = await app.Enrolled("A-01", "S2");
        subject.Http.DefaultRequestHeaders.Add("X-Correlation-Id", "audit-corr");
        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 3 });
        await subject.Post("/corrections", new { form = "ecog", field = "score", newValue = 2, reason = "Wrong box ticked" });

        var auditor = await app.ClientFor("auditor.a", ["auditor"]);
        var page = await (await auditor.GetAsync($"/audit?studyId={StudyFixture.StudyId}&subjectNumber=A-01&field=score")).ShouldBe(HttpStatusCode.OK);
        var entries = page.GetProperty("entries").EnumerateArray().ToList();
        var correction = Assert.Single(entries, e => e.GetProperty("eventType").GetString() == "data_point_corrected");
        Assert.Equal("cra.s2", correction.GetProperty("user").GetString());
        Assert.Equal("3", correction.GetProperty("oldValue").GetString());
        Assert.Equal("2", correction.GetProperty("newValue").GetString());
        Assert.Equal("Wrong box ticked", correction.GetProperty("reason").GetString());
        Assert.Equal("audit-corr", correction.GetProperty("correlationId").GetString());
        Assert.Equal("S2", correction.GetProperty("siteId").GetString());

        // Paging walks the trail by sequence without repeats.
        var first = await (await auditor.GetAsync("/audit?limit=2")).ShouldBe(HttpStatusCode.OK);
        var next = first.GetProperty("nextAfter").GetInt64();
        var second = await (await auditor.GetAsync($"/audit?limit=2&after={next}")).ShouldBe(HttpStatusCode.OK);
        Assert.True(second.GetProperty("entries")[0].GetProperty("sequence").GetInt64() > next);

        var csv = await (await auditor.GetAsync($"/audit/export.csv?subjectNumber=A-01")).Content.ReadAsStringAsync();
        Assert.StartsWith("sequence,timestamp_utc,user", csv);
        Assert.Contains("Wrong box ticked", csv);

        var views = await (await auditor.GetAsync("/audit?eventType=audit_trail_viewed&user=auditor.a")).ShouldBe(HttpStatusCode.OK);
        Assert.True(views.GetProperty("entries").GetArrayLength() >= 3);

        var monitor = await app.ClientFor("monitor.other", ["monitor"], "S1");
        var hidden = await (await monitor.GetAsync("/audit?subjectNumber=A-01")).ShouldBe(HttpStatusCode.OK);
        Assert.Empty(hidden.GetProperty("entries").EnumerateArray());
        var cra2 = await app.ClientFor("cra.noaudit", ["cra"], "S2");
        await (await cra2.GetAsync("/audit")).ShouldBe(HttpStatusCode.Forbidden);
    }
}
