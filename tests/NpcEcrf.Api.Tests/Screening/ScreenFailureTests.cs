using System.Net;
using System.Text.Json;
using Marten;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Screening;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Tests.Infrastructure;
using NpcEcrf.Api.Tests.Studies;

namespace NpcEcrf.Api.Tests.Screening;

/// <summary>
/// POST /studies/{id}/screen-failures: a subject screened and found not eligible is recorded (a failed criterion or a
/// reason, a date not in the site's future) on a stream of its own, listed for the site's readers, and never enrolled.
/// </summary>
public class ScreenFailureTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static object Body(string subjectNumber, string site = "S1", string date = "2021-03-01", Dictionary<string, bool>? eligibility = null, string? reason = null,
        Guid? commandId = null) =>
        new { subjectNumber, siteId = site, screeningDate = date, eligibility = eligibility ?? new Dictionary<string, bool> { ["I1"] = true, ["I2"] = false }, reason, commandId };

    private async Task<long> EventsOf(string studyId, string subjectNumber)
    {
        await using var session = app.Store.QuerySession();
        return (await session.Events.FetchStreamStateAsync(ScreenFailure.IdFor(studyId, subjectNumber)))?.Version ?? 0;
    }

    [Fact]
    public async Task a_failed_criterion_or_a_reason_records_a_screen_failure_that_the_sites_readers_list()
    {
        var (admin, cra) = await app.NewStudy("SF-LIST");
        await (await admin.PostJson("/studies/SF-LIST/sites", new { siteId = "S2", name = "Site two" })).ShouldBe(HttpStatusCode.OK);

        var created = await cra.PostJson("/studies/SF-LIST/screen-failures", Body("F-01"));
        var failure = await created.ShouldBe(HttpStatusCode.Created);
        Assert.Equal("/studies/SF-LIST/screen-failures?subjectNumber=F-01", created.Headers.Location!.OriginalString);
        Assert.Equal(["I2"], failure.GetProperty("failedCriteria").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("cra.sf-list", failure.GetProperty("recordedBy").GetString());
        Assert.Equal(1, failure.GetProperty("definitionVersion").GetInt32());

        // Every criterion met, but the subject withdrew: the reason says why.
        var withdrawn = await (await cra.PostJson("/studies/SF-LIST/screen-failures", Body("F-02", eligibility: TestStudies.Eligible, reason: "Withdrew consent before enrolment")))
            .ShouldBe(HttpStatusCode.Created);
        Assert.Empty(withdrawn.GetProperty("failedCriteria").EnumerateArray());
        var otherSite = await app.ClientFor("cra.sf-list.s2", ["cra"], "SF-LIST/S2");
        await (await otherSite.PostJson("/studies/SF-LIST/screen-failures", Body("F-03", site: "S2", eligibility: new() { ["E1"] = true }))).ShouldBe(HttpStatusCode.Created);

        static IEnumerable<string?> Numbers(JsonElement list) => list.EnumerateArray().Select(f => f.GetProperty("subjectNumber").GetString());
        Assert.Equal(["F-01", "F-02"], Numbers(await (await cra.GetAsync("/studies/SF-LIST/screen-failures")).ShouldBe(HttpStatusCode.OK)));
        Assert.Equal(["F-03"], Numbers(await (await otherSite.GetAsync("/studies/SF-LIST/screen-failures")).ShouldBe(HttpStatusCode.OK)));
        var auditor = await app.ClientFor("sf.auditor", ["auditor"]);
        Assert.Equal(["F-01", "F-02", "F-03"], Numbers(await (await auditor.GetAsync("/studies/sf-list/screen-failures")).ShouldBe(HttpStatusCode.OK)));
        Assert.Equal(["F-01"], Numbers(await (await auditor.GetAsync("/studies/SF-LIST/screen-failures?subjectNumber=f-01")).ShouldBe(HttpStatusCode.OK)));
        await (await (await app.ClientFor("sf.statistician", ["statistician"])).GetAsync("/studies/SF-LIST/screen-failures")).ShouldBe(HttpStatusCode.Forbidden);
        await (await auditor.GetAsync("/studies/SF-NONE/screen-failures")).ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task a_screen_failure_without_a_failed_criterion_or_a_reason_an_unknown_criterion_or_a_future_date_is_refused_naming_it()
    {
        var (_, cra) = await app.NewStudy("SF-BAD");
        var today = StudyBuilding.Today;
        foreach (var (body, field) in new (object, string)[]
        {
            (Body("B-01", eligibility: TestStudies.Eligible), "reason"),
            (Body("B-01", eligibility: TestStudies.Eligible, reason: "  "), "reason"),
            (Body("B-01", eligibility: new() { ["I9"] = false }), "eligibility.I9"),
            (Body("B-01", date: StudyBuilding.Date(today.AddDays(1))), "screeningDate"),
        })
        {
            var problem = await (await cra.PostJson("/studies/SF-BAD/screen-failures", body)).ShouldBe(HttpStatusCode.BadRequest);
            problem.Errors(field);
            Assert.Equal(0, await EventsOf("SF-BAD", "B-01"));
        }
        await (await cra.PostJson("/studies/SF-BAD/screen-failures", Body("B-01", date: StudyBuilding.Date(today)))).ShouldBe(HttpStatusCode.Created);
        // Another site's CRA may not record one at this site.
        var stranger = await app.ClientFor("cra.sf-bad.elsewhere", ["cra"], "FIXTURE/site-1");
        await (await stranger.PostJson("/studies/SF-BAD/screen-failures", Body("B-02"))).ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task the_future_is_judged_by_the_sites_own_calendar()
    {
        var (admin, _) = await app.NewStudy("SF-ZONE");
        // Kiritimati is UTC+14: its today is the UTC date or the day after.
        await (await admin.PostJson("/studies/SF-ZONE/sites", new { siteId = "KI", name = "Line Islands", timeZone = "Pacific/Kiritimati" })).ShouldBe(HttpStatusCode.OK);
        var cra = await app.ClientFor("cra.sf-zone.ki", ["cra"], "SF-ZONE/KI");
        var there = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Pacific/Kiritimati")).DateTime);
        (await (await cra.PostJson("/studies/SF-ZONE/screen-failures", Body("Z-01", site: "KI", date: StudyBuilding.Date(there.AddDays(1))))).ShouldBe(HttpStatusCode.BadRequest))
            .Errors("screeningDate");
        await (await cra.PostJson("/studies/SF-ZONE/screen-failures", Body("Z-01", site: "KI", date: StudyBuilding.Date(there)))).ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task a_screen_failure_is_never_enrolled_and_an_enrolled_subject_is_no_screen_failure()
    {
        var (_, cra) = await app.NewStudy("SF-ENROL");
        await (await cra.PostJson("/studies/SF-ENROL/screen-failures", Body("E-01"))).ShouldBe(HttpStatusCode.Created);
        var events = await app.EventCount();
        var refused = await (await cra.PostJson("/studies/SF-ENROL/subjects",
            new { subjectNumber = "e-01", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible })).ShouldBe(HttpStatusCode.Conflict);
        Assert.Contains("screen failure", refused.GetProperty("title").GetString());
        Assert.Equal(events, await app.EventCount());

        await cra.Enrolled("SF-ENROL", "E-02");
        Assert.Contains("is enrolled", (await (await cra.PostJson("/studies/SF-ENROL/screen-failures", Body("E-02"))).ShouldBe(HttpStatusCode.Conflict)).GetProperty("title").GetString());
        Assert.Equal(0, await EventsOf("SF-ENROL", "E-02"));
        Assert.Contains("already recorded", (await (await cra.PostJson("/studies/SF-ENROL/screen-failures", Body("E-01", reason: "Again")))
            .ShouldBe(HttpStatusCode.Conflict)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task a_retry_with_the_same_command_id_answers_the_same_and_writes_once()
    {
        var (_, cra) = await app.NewStudy("SF-RETRY");
        var body = Body("R-01", commandId: Guid.NewGuid());
        var first = await (await cra.PostJson("/studies/SF-RETRY/screen-failures", body)).ShouldBe(HttpStatusCode.Created);
        var again = await (await cra.PostJson("/studies/SF-RETRY/screen-failures", body)).ShouldBe(HttpStatusCode.Created);
        Assert.Equal(first.GetRawText(), again.GetRawText());
        Assert.Equal(1, await EventsOf("SF-RETRY", "R-01"));
    }

    [Fact]
    public void the_decision_refuses_a_site_that_is_not_the_studys()
    {
        var study = TestStudies.InMemory("SF-PURE", [new Site("S1", "Site one")]);
        var decision = RecordScreenFailure.Decide(study, study.Latest, new RecordScreenFailure("P-01", "S9", new DateOnly(2021, 3, 1), new() { ["I2"] = false }), new DateOnly(2021, 3, 2));
        Assert.Equal(RejectionKind.Invalid, decision.Rejection!.Kind);
        Assert.Contains("siteId", decision.Rejection.Errors!.Keys);
        Assert.IsType<ScreenFailureRecorded>(Assert.Single(RecordScreenFailure.Decide(study, study.Latest,
            new RecordScreenFailure("P-01", "s1", new DateOnly(2021, 3, 1), new() { ["I2"] = false }), new DateOnly(2021, 3, 2)).Events));
    }
}
