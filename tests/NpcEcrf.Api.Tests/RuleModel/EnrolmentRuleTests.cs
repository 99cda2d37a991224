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
        new { subjectNumber = "E-01", siteId = "S1", consentDate = "2021-03-05", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible }, HttpStatusCode.BadRequest), "consentDate");

    [Fact]
    public async Task consent_on_the_enrolment_day_is_accepted() => await Enrol(
        new { subjectNumber = "E-02", siteId = "S1", consentDate = "2021-03-03", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible }, HttpStatusCode.Created);

    private static Dictionary<string, bool> EligibleBut(string criterion, bool met) => new(TestStudies.Eligible) { [criterion] = met };

    [Fact]
    public async Task a_subject_missing_an_inclusion_criterion_is_refused_naming_it() => RuleModelFixtures.AssertNames(await Enrol(
        new { subjectNumber = "E-03", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = EligibleBut("I2", false) }, HttpStatusCode.BadRequest), "eligibility.I2");

    [Fact]
    public async Task a_subject_an_exclusion_criterion_applies_to_is_refused_naming_it() => RuleModelFixtures.AssertNames(await Enrol(
        new { subjectNumber = "E-09", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = EligibleBut("E1", true) }, HttpStatusCode.BadRequest), "eligibility.E1");

    [Fact]
    public async Task a_criterion_left_unanswered_is_refused_naming_it()
    {
        var answered = new Dictionary<string, bool>(TestStudies.Eligible);
        answered.Remove("I3");
        RuleModelFixtures.AssertNames(await Enrol(
            new { subjectNumber = "E-10", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = answered }, HttpStatusCode.BadRequest), "eligibility.I3");
    }

    [Fact]
    public async Task a_criterion_the_study_does_not_have_is_refused_naming_it() => RuleModelFixtures.AssertNames(await Enrol(
        new { subjectNumber = "E-11", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = EligibleBut("I9", true) }, HttpStatusCode.BadRequest), "eligibility.I9");

    [Fact]
    public async Task eligibility_left_out_is_refused_not_read_as_eligible() => RuleModelFixtures.AssertNames(await Enrol(
        new { subjectNumber = "E-04", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03" }, HttpStatusCode.BadRequest), "eligibility");

    [Fact]
    public async Task an_arm_the_study_does_not_have_is_refused_naming_it() => RuleModelFixtures.AssertNames(await Enrol(
        new { subjectNumber = "E-12", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible, arm = "PLACEBO" }, HttpStatusCode.BadRequest), "arm");

    [Fact]
    public async Task an_enrolment_date_in_the_future_is_refused() => RuleModelFixtures.AssertNames(await Enrol(
        new { subjectNumber = "E-05", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = DateTime.UtcNow.AddDays(5).ToString("yyyy-MM-dd"), eligibility = TestStudies.Eligible },
        HttpStatusCode.BadRequest), "enrolmentDate");

    [Fact]
    public async Task a_site_that_is_not_the_studys_is_refused_naming_it()
    {
        var admin = await app.ClientFor("admin.enrol", ["admin"]);
        await (await admin.PostJson($"/studies/{StudyFixture.StudyId}/sites", new { siteId = "S9", name = "Elsewhere" })).ShouldBe(HttpStatusCode.OK);
        var cra = await app.ClientFor("cra.s9", ["cra"], "S9");
        var other = await app.ClientFor("admin.other", ["admin"]);
        await (await other.PostJson("/studies", new { studyId = "OTHER-1", title = "Other", definition = TestStudies.ReferenceJson })).ShouldBe(HttpStatusCode.Created);
        var problem = await (await cra.PostJson("/studies/OTHER-1/subjects",
            new { subjectNumber = "E-06", siteId = "S9", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible })).ShouldBe(HttpStatusCode.Forbidden);
        Assert.Contains("OTHER-1", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task a_retried_enrolment_answers_its_first_answer()
    {
        var cra = await app.ClientFor("cra.retry", ["cra"], "S1");
        var body = new { subjectNumber = "E-07", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible, commandId = Guid.NewGuid() };
        var first = await (await cra.PostJson($"/studies/{StudyFixture.StudyId}/subjects", body)).ShouldBe(HttpStatusCode.Created);
        var again = await (await cra.PostJson($"/studies/{StudyFixture.StudyId}/subjects", body)).ShouldBe(HttpStatusCode.Created);
        Assert.Equal(first.GetRawText(), again.GetRawText());
    }

    [Fact]
    public async Task a_command_id_reused_by_another_user_is_a_conflict_that_names_no_site()
    {
        var body = new { subjectNumber = "E-08", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible, commandId = Guid.NewGuid() };
        var cra = await app.ClientFor("cra.owner", ["cra"], "S1");
        await (await cra.PostJson($"/studies/{StudyFixture.StudyId}/subjects", body)).ShouldBe(HttpStatusCode.Created);
        var other = await app.ClientFor("cra.other", ["cra"], "S2");
        var problem = await (await other.PostJson($"/studies/{StudyFixture.StudyId}/subjects", body with { siteId = "S2" })).ShouldBe(HttpStatusCode.Conflict);
        Assert.DoesNotContain("S1", problem.GetRawText());
    }
}
