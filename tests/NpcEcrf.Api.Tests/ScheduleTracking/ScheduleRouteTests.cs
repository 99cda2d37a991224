using System.Net;
using System.Text.Json;
using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Tests.Infrastructure;
using NpcEcrf.Api.Tests.RuleModel;

namespace NpcEcrf.Api.Tests.ScheduleTracking;

/// <summary>
/// Recording missed forms and reading schedules over HTTP, on the reference study: SCREENING (days -27..1 of enrolment:
/// demographics, ECOG, the NPC baseline forms, baseline lesions), DAY1 (the first dose) and tumour assessments every 42 days.
/// </summary>
public class ScheduleRouteTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private const string Study = StudyFixture.StudyId;

    private static JsonElement Expected(JsonElement schedule, string visit, string form, int occurrence = 1) =>
        schedule.GetProperty("expected").EnumerateArray().Single(e =>
            e.GetProperty("visit").GetString() == visit && e.GetProperty("form").GetString() == form && e.GetProperty("occurrence").GetInt32() == occurrence);

    private static string Status(JsonElement expected) => expected.GetProperty("status").GetString()!;

    private async Task<long> StreamVersion(string subjectNumber)
    {
        await using var session = app.Store.QuerySession();
        return (await session.Events.FetchStreamStateAsync(Casebook.IdFor(Study, subjectNumber)))!.Version;
    }

    [Fact]
    public async Task a_cra_records_a_missed_form_with_its_reason_and_an_entry_afterwards_makes_it_done()
    {
        var subject = await app.Treated("SC-01");
        var before = await (await subject.Http.GetAsync(subject.Url + "/schedule")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal("overdue", Status(Expected(before, "SCREENING", "ecog")));
        Assert.Equal(("done", "first-dose"), (Status(Expected(before, "DAY1", "first-dose")), Expected(before, "DAY1", "first-dose").GetProperty("instance").GetString()));
        Assert.Equal("done", Status(Expected(before, "SCREENING", "baseline-lesions")));
        Assert.Equal("2021-04-15", Expected(before, "tumour-assessments", "tumour-assessment").GetProperty("targetDate").GetString());

        var casebook = await subject.Post("/missed-forms", new { visit = "screening", form = "ECOG", reason = "Not assessed at screening" });
        var missed = Assert.Single(casebook.GetProperty("missedForms").EnumerateArray());
        Assert.Equal(("SCREENING", "ecog", "Not assessed at screening", "cra.s1"),
            (missed.GetProperty("visit").GetString(), missed.GetProperty("form").GetString(), missed.GetProperty("reason").GetString(), missed.GetProperty("user").GetString()));
        var after = await (await subject.Http.GetAsync(subject.Url + "/schedule")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(("missed", "Not assessed at screening"), (Status(Expected(after, "SCREENING", "ecog")), Expected(after, "SCREENING", "ecog").GetProperty("missedReason").GetString()));
        Assert.Equal(before.GetProperty("counts").GetProperty("missed").GetInt32() + 1, after.GetProperty("counts").GetProperty("missed").GetInt32());

        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1 });
        var entered = await (await subject.Http.GetAsync(subject.Url + "/schedule")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal("done", Status(Expected(entered, "SCREENING", "ecog")));
    }

    [Fact]
    public async Task a_tumour_assessment_of_the_interval_is_recorded_missed_by_its_occurrence()
    {
        var subject = await app.Treated("SC-02");
        await subject.Post("/missed-forms", new { visit = "tumour-assessments", occurrence = 2, form = "tumour-assessment", reason = "Scanner down" });
        var schedule = await (await subject.Http.GetAsync(subject.Url + "/schedule")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal("missed", Status(Expected(schedule, "tumour-assessments", "tumour-assessment", 2)));
        Assert.Equal("overdue", Status(Expected(schedule, "tumour-assessments", "tumour-assessment", 1)));
    }

    [Fact]
    public async Task what_the_schedule_does_not_expect_or_a_blank_reason_is_refused_naming_the_field_and_writes_nothing()
    {
        var subject = await app.Treated("SC-03");
        await app.RefusedNaming(subject, "/missed-forms", new { visit = "WEEK-99", form = "ecog", reason = "Absent" }, "visit");
        await app.RefusedNaming(subject, "/missed-forms", new { visit = "SCREENING", form = "cycle", reason = "Absent" }, "form");
        await app.RefusedNaming(subject, "/missed-forms", new { visit = "SCREENING", occurrence = 2, form = "ecog", reason = "Absent" }, "occurrence");
        await app.RefusedNaming(subject, "/missed-forms", new { visit = "SCREENING", occurrence = 0, form = "ecog", reason = "Absent" }, "occurrence");
        var done = await app.RefusedNaming(subject, "/missed-forms", new { visit = "SCREENING", form = "baseline-lesions", reason = "Absent" }, "form");
        Assert.Contains("entered", done.GetProperty("errors").GetProperty("form")[0].GetString());
        await app.RefusedNaming(subject, "/missed-forms", new { visit = "SCREENING", form = "ecog", reason = "   " }, "reason");
        await app.RefusedNaming(subject, "/missed-forms", new { visit = "SCREENING", form = "ecog" }, "reason");
        await app.RefusedNaming(subject, "/missed-forms", new { visit = "tumour-assessments", occurrence = 500, form = "tumour-assessment", reason = "Absent" }, "occurrence");
        // The same request with a visit and form the schedule has is taken.
        await subject.Post("/missed-forms", new { visit = "SCREENING", form = "ecog", reason = "Absent" });
    }

    [Fact]
    public async Task a_retry_with_the_same_command_id_writes_once_and_answers_the_same()
    {
        var subject = await app.Treated("SC-04");
        var body = new { visit = "SCREENING", form = "metastatic-sites", reason = "Not collected", commandId = Guid.NewGuid(), version = subject.Version };
        var before = await app.EventCount();
        var first = await (await subject.Http.PostJson(subject.Url + "/missed-forms", body)).ShouldBe(HttpStatusCode.OK);
        var again = await (await subject.Http.PostJson(subject.Url + "/missed-forms", body)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(before + 1, await app.EventCount());
        Assert.Equal(first.GetProperty("version").GetInt64(), again.GetProperty("version").GetInt64());
        Assert.Single(again.GetProperty("missedForms").EnumerateArray());
    }

    [Fact]
    public async Task a_monitor_may_not_record_a_missed_form_and_another_sites_cra_does_not_see_the_subject()
    {
        var subject = await app.Treated("SC-05");
        var monitor = await app.ClientFor("monitor.sc.s1", ["monitor"], $"{Study}/S1");
        await (await monitor.PostJson(subject.Url + "/missed-forms", new { visit = "SCREENING", form = "ecog", reason = "Absent", version = subject.Version })).ShouldBe(HttpStatusCode.Forbidden);
        var otherSite = await app.ClientFor("cra.s2", ["cra"], $"{Study}/S2");
        await (await otherSite.PostJson(subject.Url + "/missed-forms", new { visit = "SCREENING", form = "ecog", reason = "Absent", version = subject.Version })).ShouldBe(HttpStatusCode.NotFound);
        await (await otherSite.GetAsync(subject.Url + "/schedule")).ShouldBe(HttpStatusCode.NotFound);
        await (await monitor.GetAsync(subject.Url + "/schedule")).ShouldBe(HttpStatusCode.OK);
        var investigator = await app.ClientFor("investigator.sc.s1", ["investigator"], $"{Study}/S1");
        await (await investigator.PostJson(subject.Url + "/missed-forms", new { visit = "SCREENING", form = "ecog", reason = "Absent", version = subject.Version })).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task a_hard_lock_refuses_recording_a_missed_form()
    {
        var subject = await app.Treated("SC-06");
        var dm = await app.ClientFor("dm.sc", ["data-manager"]);
        await (await dm.PostJson("/locks", new { studyId = Study, name = "sc-hard", cutoff = "2021-12-31", reason = "Final", kind = "Hard" })).ShouldBe(HttpStatusCode.Created);
        try
        {
            var version = await StreamVersion("SC-06");
            await subject.Post("/missed-forms", new { visit = "SCREENING", form = "ecog", reason = "Absent" }, HttpStatusCode.Locked);
            Assert.Equal(version, await StreamVersion("SC-06"));
        }
        finally
        {
            await (await dm.PostJson("/locks/sc-hard/unlock", new { reason = "Test over" })).ShouldBe(HttpStatusCode.OK);
        }
        await subject.Post("/missed-forms", new { visit = "SCREENING", form = "ecog", reason = "Absent" });
    }

    [Fact]
    public async Task the_site_report_shows_a_reader_the_sites_they_may_see_and_no_other()
    {
        var one = await app.Treated("SC-S1");
        await one.Post("/missed-forms", new { visit = "SCREENING", form = "ecog", reason = "Absent" });
        await app.Enrolled("SC-S2", "S2");

        var sites = await (await one.Http.GetAsync($"/studies/{Study}/schedule")).ShouldBe(HttpStatusCode.OK);
        var s1 = Assert.Single(sites.EnumerateArray());
        Assert.Equal("S1", s1.GetProperty("siteId").GetString());
        var numbers = s1.GetProperty("subjects").EnumerateArray().Select(s => s.GetProperty("subjectNumber").GetString()).ToList();
        Assert.Contains("SC-S1", numbers);
        Assert.DoesNotContain("SC-S2", numbers);

        var line = s1.GetProperty("subjects").EnumerateArray().Single(s => s.GetProperty("subjectNumber").GetString() == "SC-S1");
        Assert.Equal(1, line.GetProperty("counts").GetProperty("missed").GetInt32());
        Assert.Equal(line.GetProperty("counts").GetProperty("overdue").GetInt32(), line.GetProperty("overdue").GetArrayLength());
        Assert.All(line.GetProperty("overdue").EnumerateArray(), e => Assert.Equal("overdue", Status(e)));
        Assert.Contains(line.GetProperty("overdue").EnumerateArray(), e => e.GetProperty("form").GetString() == "disease-status");
        foreach (var status in new[] { "done", "due", "overdue", "missed", "upcoming", "notScheduled" })
            Assert.Equal(s1.GetProperty("subjects").EnumerateArray().Sum(s => s.GetProperty("counts").GetProperty(status).GetInt32()), s1.GetProperty("totals").GetProperty(status).GetInt32());

        await (await one.Http.GetAsync($"/studies/{Study}/schedule?siteId=S2")).ShouldBe(HttpStatusCode.Forbidden);
        await (await one.Http.GetAsync($"/studies/{Study}/schedule?siteId=S9")).ShouldBe(HttpStatusCode.NotFound);
        Assert.Equal("S1", Assert.Single((await (await one.Http.GetAsync($"/studies/{Study}/schedule?siteId=s1")).ShouldBe(HttpStatusCode.OK)).EnumerateArray()).GetProperty("siteId").GetString());

        var monitor = await app.ClientFor("monitor.sc.s2", ["monitor"], $"{Study}/S2");
        var s2 = Assert.Single((await (await monitor.GetAsync($"/studies/{Study}/schedule")).ShouldBe(HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal(["SC-S2"], s2.GetProperty("subjects").EnumerateArray().Select(s => s.GetProperty("subjectNumber").GetString()).Where(n => n!.StartsWith("SC-")));
        // Not dosed yet: the first tumour assessment is not scheduled.
        var notDosed = s2.GetProperty("subjects").EnumerateArray().Single(s => s.GetProperty("subjectNumber").GetString() == "SC-S2");
        Assert.Equal(1, notDosed.GetProperty("counts").GetProperty("notScheduled").GetInt32());

        var auditor = await app.ClientFor("auditor.sc", ["auditor"]);
        Assert.Equal(["S1", "S2"], (await (await auditor.GetAsync($"/studies/{Study}/schedule")).ShouldBe(HttpStatusCode.OK)).EnumerateArray().Select(s => s.GetProperty("siteId").GetString()));
        var statistician = await app.ClientFor("statistician.sc", ["statistician"]);
        await (await statistician.GetAsync($"/studies/{Study}/schedule")).ShouldBe(HttpStatusCode.Forbidden);
    }
}
