using System.Net;
using System.Text.Json;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.CaseReportForms;

/// <summary>Every hard check refuses with 400 naming the field, and nothing is written.</summary>
public class EditCheckTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private async Task<CasebookClient> TreatedSubject(string number)
    {
        var subject = await app.Enrolled(number, "S1");
        await subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
        await subject.Post("/baseline-lesions", new
        {
            assessmentDate = "2021-02-25", method = "CT",
            targets = new[] { new { lesionId = "T1", organ = "lung", nodal = false, diameterMm = 30m } },
        });
        return subject;
    }

    private async Task RefusedAndNothingWritten(CasebookClient subject, string path, object form, string field)
    {
        var before = subject.Version;
        var problem = await subject.Post(path, form, HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.EnumerateObject().Any(p => p.Name.EndsWith(field, StringComparison.OrdinalIgnoreCase)),
            $"expected an error on {field}: {errors}");
        await using var session = app.Store.QuerySession();
        var state = await session.Events.FetchStreamStateAsync(Casebook.IdFor(StudyFixture.StudyId, subject.Casebook.GetProperty("subjectNumber").GetString()!));
        Assert.Equal(before, state!.Version);
    }

    [Fact]
    public async Task a_dose_outside_the_protocol_levels() =>
        await RefusedAndNothingWritten(await TreatedSubject("C-01"), "/cycles",
            new { cycleNumber = 1, startDate = "2021-03-04", dose = 8, tabletsDispensed = 14, tabletsReturned = 0 }, "dose");

    [Fact]
    public async Task a_date_in_the_future() =>
        await RefusedAndNothingWritten(await TreatedSubject("C-02"), "/contacts",
            new { date = DateTime.UtcNow.AddDays(3).ToString("yyyy-MM-dd"), method = "phone" }, "date");

    [Fact]
    public async Task an_assessment_before_enrolment() =>
        await RefusedAndNothingWritten(await TreatedSubject("C-03"), "/tumour-assessments",
            new { assessmentId = "V1", date = "2021-03-01", method = "CT", targetDiametersMm = new Dictionary<string, decimal?> { ["T1"] = 30m }, nonTarget = "NE", newLesions = false }, "date");

    [Fact]
    public async Task a_death_before_the_last_contact()
    {
        var subject = await TreatedSubject("C-04");
        await subject.Post("/contacts", new { date = "2021-08-01", method = "phone" });
        await RefusedAndNothingWritten(subject, "/death", new { date = "2021-07-01", cause = "Progression" }, "date");
    }

    [Fact]
    public async Task a_grade_the_term_does_not_allow() =>
        await RefusedAndNothingWritten(await TreatedSubject("C-05"), "/adverse-events",
            new { adverseEventId = "AE1", term = "Hand-foot syndrome", grade = 4, onsetDate = "2021-03-20", serious = false, relation = "Probable", action = "None" }, "grade");

    [Fact]
    public async Task a_correction_without_a_reason() =>
        await RefusedAndNothingWritten(await TreatedSubject("C-06"), "/corrections",
            new { form = "first-dose", field = "date", newValue = "2021-03-05", reason = "" }, "reason");

    [Fact]
    public async Task a_correction_that_breaks_an_edit_check() =>
        await RefusedAndNothingWritten(await TreatedSubject("C-07"), "/corrections",
            new { form = "first-dose", field = "dose", newValue = 15, reason = "typo" }, "dose");

    [Fact]
    public async Task a_correction_with_a_value_of_the_wrong_type() =>
        await RefusedAndNothingWritten(await TreatedSubject("C-08"), "/corrections",
            new { form = "first-dose", field = "date", newValue = "next tuesday", reason = "typo" }, "date");

    [Fact]
    public async Task a_target_lesion_below_the_measurable_size()
    {
        var subject = await app.Enrolled("C-09", "S1");
        await RefusedAndNothingWritten(subject, "/baseline-lesions", new
        {
            assessmentDate = "2021-02-25", method = "CT",
            targets = new[] { new { lesionId = "T1", organ = "lung", nodal = false, diameterMm = 8m } },
        }, "diameterMm");
    }

    [Fact]
    public async Task a_soft_check_accepts_the_data_and_flags_it()
    {
        var subject = await TreatedSubject("C-10");
        var casebook = await subject.Post("/dose-changes", new { changeId = "DC1", date = "2021-03-20", toDose = 10, reason = "Patient preference" });
        var flag = Assert.Single(casebook.GetProperty("flags").EnumerateArray());
        Assert.Equal("dose-reduction-without-ae", flag.GetProperty("checkId").GetString());
    }

    [Fact]
    public async Task a_lesion_growing_80_percent_between_visits_is_flagged()
    {
        var subject = await TreatedSubject("C-11");
        await subject.Post("/tumour-assessments", new { assessmentId = "V1", date = "2021-04-15", method = "CT", targetDiametersMm = new Dictionary<string, decimal?> { ["T1"] = 20m }, nonTarget = "NE", newLesions = false });
        var casebook = await subject.Post("/tumour-assessments", new { assessmentId = "V2", date = "2021-05-27", method = "CT", targetDiametersMm = new Dictionary<string, decimal?> { ["T1"] = 36m }, nonTarget = "NE", newLesions = false });
        Assert.Contains(casebook.GetProperty("flags").EnumerateArray(), f => f.GetProperty("form").GetString() == "tumour-assessment/V2");
    }
}

/// <summary>Optimistic concurrency, idempotent retries and who may touch which subject.</summary>
public class ConcurrencyAndAccessTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task a_change_to_a_form_that_changed_since_the_version_seen_gets_409_and_writes_nothing()
    {
        var subject = await app.Enrolled("K-01", "S1");
        var seen = subject.Version;
        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1 });
        await subject.Post("/corrections", new { form = "ecog", field = "score", newValue = 2, reason = "Re-assessed" });
        var response = await subject.Http.PostJson(subject.Url + "/corrections", new { form = "ecog", field = "score", newValue = 0, reason = "typo", version = seen + 1 });
        var problem = await response.ShouldBe(HttpStatusCode.Conflict);
        Assert.Equal(subject.Version, problem.GetProperty("currentVersion").GetInt64());
        var casebook = await (await subject.Http.GetAsync(subject.Url)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(2, casebook.GetProperty("ecog").GetProperty("score").GetInt32());
    }

    [Fact]
    public async Task a_change_to_another_form_goes_through_on_an_older_version()
    {
        var subject = await app.Enrolled("K-09", "S1");
        var seen = subject.Version;
        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1 });
        var response = await subject.Http.PostJson(subject.Url + "/first-dose", new { date = "2021-03-04", dose = 12, version = seen });
        await response.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task a_monitors_verification_never_makes_the_sites_next_save_fail()
    {
        var subject = await app.Enrolled("K-10", "S1");
        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1 });
        var monitor = await app.ClientFor("monitor.k10", ["monitor"], "S1");
        await (await monitor.PostJson(subject.Url + "/verifications", new { form = "ecog", version = subject.Version })).ShouldBe(HttpStatusCode.OK);
        var response = await subject.Http.PostJson(subject.Url + "/demographics", new { sex = "M", yearOfBirth = 1966, ageAtEnrolment = 55, version = subject.Version });
        await response.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task reads_carry_the_version_as_an_etag()
    {
        var subject = await app.Enrolled("K-11", "S1");
        var response = await subject.Http.GetAsync(subject.Url);
        Assert.Equal($"\"{subject.Version}\"", response.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task a_missing_version_is_refused()
    {
        var subject = await app.Enrolled("K-02", "S1");
        var response = await subject.Http.PostJson(subject.Url + "/ecog", new { assessmentDate = "2021-03-02", score = 1 });
        var problem = await response.ShouldBe(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("version", out _));
    }

    [Fact]
    public async Task if_match_carries_the_version_too()
    {
        var subject = await app.Enrolled("K-03", "S1");
        var request = new HttpRequestMessage(HttpMethod.Post, subject.Url + "/ecog") { Content = JsonContent(new { assessmentDate = "2021-03-02", score = 1 }) };
        request.Headers.TryAddWithoutValidation("If-Match", $"\"{subject.Version}\"");
        await (await subject.Http.SendAsync(request)).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task retrying_the_same_command_writes_once_and_answers_the_same()
    {
        var subject = await app.Enrolled("K-04", "S1");
        var command = new { date = "2021-03-10", method = "phone", version = subject.Version, commandId = Guid.NewGuid() };
        var first = await (await subject.Http.PostJson(subject.Url + "/contacts", command)).ShouldBe(HttpStatusCode.OK);
        var second = await (await subject.Http.PostJson(subject.Url + "/contacts", command)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(first.GetRawText(), second.GetRawText());
        await using var session = app.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(Casebook.IdFor(StudyFixture.StudyId, "K-04"));
        Assert.Single(events, e => e.EventTypeName == "contact_recorded");
    }

    [Fact]
    public async Task a_cra_of_another_site_cannot_see_or_write_the_subject()
    {
        var owner = await app.ClientFor("cra.site1", ["cra"], "S1");
        var subject = new CasebookClient(owner, "K-05");
        await subject.Enrol("S1");
        var stranger = await app.ClientFor("cra.site2", ["cra"], "S2");
        await (await stranger.GetAsync(subject.Url)).ShouldBe(HttpStatusCode.NotFound);
        await (await stranger.PostJson(subject.Url + "/ecog", new { assessmentDate = "2021-03-02", score = 1, version = subject.Version })).ShouldBe(HttpStatusCode.NotFound);
        await (await stranger.PostJson($"/studies/{StudyFixture.StudyId}/subjects",
            new { subjectNumber = "K-06", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible })).ShouldBe(HttpStatusCode.Forbidden);
        await (await stranger.GetAsync($"/studies/{StudyFixture.StudyId}/sites/S1/subjects")).ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task an_auditor_reads_everything_and_writes_nothing()
    {
        var owner = await app.ClientFor("cra.site1", ["cra"], "S1");
        var subject = new CasebookClient(owner, "K-07");
        await subject.Enrol("S1");
        var auditor = await app.ClientFor("auditor.k", ["auditor"]);
        await (await auditor.GetAsync(subject.Url)).ShouldBe(HttpStatusCode.OK);
        await (await auditor.PostJson(subject.Url + "/ecog", new { assessmentDate = "2021-03-02", score = 1, version = subject.Version })).ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task the_site_list_shows_each_subjects_status()
    {
        var subject = await app.Enrolled("L-01", "S2");
        await subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
        var monitor = await app.ClientFor("monitor.list", ["monitor"], "S2");
        var list = await (await monitor.GetAsync($"/studies/{StudyFixture.StudyId}/sites/S2/subjects")).ShouldBe(HttpStatusCode.OK);
        var row = Assert.Single(list.EnumerateArray(), r => r.GetProperty("subjectNumber").GetString() == "L-01");
        Assert.Equal("OnTreatment", row.GetProperty("status").GetString());
    }

    [Fact]
    public async Task a_duplicate_subject_number_is_a_conflict()
    {
        var subject = await app.Enrolled("K-08");
        var again = await subject.Http.PostJson($"/studies/{StudyFixture.StudyId}/subjects",
            new { subjectNumber = "K-08", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible });
        await again.ShouldBe(HttpStatusCode.Conflict);
    }

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body, HttpAssertions.Json), System.Text.Encoding.UTF8, "application/json");
}
