using System.Net;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.RuleModel;

/// <summary>The enrolment form is checked on the casebook it creates, like every later form.</summary>
public class EnrolmentRuleTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private async Task<System.Text.Json.JsonElement> Enrol(object body, HttpStatusCode expected)
    {
        var cra = await app.ClientFor("cra.enrol", ["cra"], "S1");
        return await (await cra.PostJson($"/studies/{StudyFixture.StudyId}/subjects", body)).ShouldBe(expected);
    }

    [Fact]
    public async Task consent_after_enrolment_is_refused() => RuleModelFixtures.AssertNames(await Enrol(
        new { subjectNumber = "E-01", siteId = "S1", consentDate = "2021-03-05", enrolmentDate = "2021-03-03", eligibilityConfirmed = true }, HttpStatusCode.BadRequest), "consentDate");

    [Fact]
    public async Task consent_on_the_enrolment_day_is_accepted() => await Enrol(
        new { subjectNumber = "E-02", siteId = "S1", consentDate = "2021-03-03", enrolmentDate = "2021-03-03", eligibilityConfirmed = true }, HttpStatusCode.Created);

    [Fact]
    public async Task an_ineligible_subject_is_refused() => RuleModelFixtures.AssertNames(await Enrol(
        new { subjectNumber = "E-03", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibilityConfirmed = false }, HttpStatusCode.BadRequest), "eligibilityConfirmed");

    [Fact]
    public async Task eligibility_left_out_is_refused_not_read_as_false() => RuleModelFixtures.AssertNames(await Enrol(
        new { subjectNumber = "E-04", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03" }, HttpStatusCode.BadRequest), "eligibilityConfirmed");

    [Fact]
    public async Task an_enrolment_date_in_the_future_is_refused() => RuleModelFixtures.AssertNames(await Enrol(
        new { subjectNumber = "E-05", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = DateTime.UtcNow.AddDays(5).ToString("yyyy-MM-dd"), eligibilityConfirmed = true },
        HttpStatusCode.BadRequest), "enrolmentDate");

    [Fact]
    public async Task a_site_that_is_not_the_studys_is_refused_naming_it()
    {
        var admin = await app.ClientFor("admin.enrol", ["admin"]);
        await (await admin.PostJson($"/studies/{StudyFixture.StudyId}/sites", new { siteId = "S9", name = "Elsewhere" })).ShouldBe(HttpStatusCode.OK);
        var cra = await app.ClientFor("cra.s9", ["cra"], "S9");
        var other = await app.ClientFor("admin.other", ["admin"]);
        await (await other.PostJson("/studies", new { studyId = "OTHER-1", title = "Other", doseLevelsMg = new[] { 10 } })).ShouldBe(HttpStatusCode.Created);
        var problem = await (await cra.PostJson("/studies/OTHER-1/subjects",
            new { subjectNumber = "E-06", siteId = "S9", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibilityConfirmed = true })).ShouldBe(HttpStatusCode.Forbidden);
        Assert.Contains("OTHER-1", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task a_retried_enrolment_answers_its_first_answer()
    {
        var cra = await app.ClientFor("cra.retry", ["cra"], "S1");
        var body = new { subjectNumber = "E-07", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibilityConfirmed = true, commandId = Guid.NewGuid() };
        var first = await (await cra.PostJson($"/studies/{StudyFixture.StudyId}/subjects", body)).ShouldBe(HttpStatusCode.Created);
        var again = await (await cra.PostJson($"/studies/{StudyFixture.StudyId}/subjects", body)).ShouldBe(HttpStatusCode.Created);
        Assert.Equal(first.GetRawText(), again.GetRawText());
    }

    [Fact]
    public async Task a_command_id_reused_by_another_user_is_a_conflict_that_names_no_site()
    {
        var body = new { subjectNumber = "E-08", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibilityConfirmed = true, commandId = Guid.NewGuid() };
        var cra = await app.ClientFor("cra.owner", ["cra"], "S1");
        await (await cra.PostJson($"/studies/{StudyFixture.StudyId}/subjects", body)).ShouldBe(HttpStatusCode.Created);
        var other = await app.ClientFor("cra.other", ["cra"], "S2");
        var problem = await (await other.PostJson($"/studies/{StudyFixture.StudyId}/subjects", body with { siteId = "S2" })).ShouldBe(HttpStatusCode.Conflict);
        Assert.DoesNotContain("S1", problem.GetRawText());
    }
}
