using System.Net;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Trust;

/// <summary>One account with the CRA, monitor and investigator roles: it may enter data, but not review its own entries.</summary>
public class SegregationOfDutiesTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private async Task<CasebookClient> EnteredByEveryRole(string number, string studyId = StudyFixture.StudyId)
    {
        var client = await app.ClientFor($"all.roles.{number.ToLowerInvariant()}", ["cra", "monitor", "investigator"], $"{studyId}/S1");
        var subject = new CasebookClient(client, number, studyId);
        await subject.Enrol("S1");
        await subject.Post("/demographics", new { sex = "F", yearOfBirth = 1966, ageAtEnrolment = 55 });
        return subject;
    }

    private static void NamesTheRule(System.Text.Json.JsonElement problem) =>
        Assert.Contains("Segregation of duties", problem.GetProperty("detail").GetString());

    [Fact]
    public async Task who_entered_a_value_cannot_verify_it()
    {
        var subject = await EnteredByEveryRole("SD-01");
        var response = await subject.Http.PostJson(subject.Url + "/verifications", new { form = "demographics", version = subject.Version });
        NamesTheRule(await response.ShouldBe(HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task another_monitor_verifies_it()
    {
        var subject = await EnteredByEveryRole("SD-02");
        var monitor = await app.ClientFor("monitor.sd", ["monitor"], $"{StudyFixture.StudyId}/S1");
        await (await monitor.PostJson(subject.Url + "/verifications", new { form = "demographics", version = subject.Version })).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task who_entered_a_value_cannot_close_a_query_on_it()
    {
        var subject = await EnteredByEveryRole("SD-03");
        var raised = await (await subject.Http.PostJson("/data-queries", new { studyId = StudyFixture.StudyId, subjectNumber = "SD-03", form = "demographics", field = "sex", text = "Check" }))
            .ShouldBe(HttpStatusCode.Created);
        var id = raised.GetProperty("id").GetGuid();
        await (await subject.Http.PostJson($"/data-queries/{id}/answer", new { text = "Right." })).ShouldBe(HttpStatusCode.OK);
        NamesTheRule(await (await subject.Http.PostJson($"/data-queries/{id}/close", new { text = "ok" })).ShouldBe(HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task who_entered_data_cannot_sign_the_casebook()
    {
        var subject = await EnteredByEveryRole("SD-04");
        var response = await subject.Http.PostJson(subject.Url + "/signatures", new { meaning = "I approve", password = AppFixture.Password, version = subject.Version });
        NamesTheRule(await response.ShouldBe(HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task a_study_that_turns_the_rule_off_lets_one_person_enter_and_verify()
    {
        var admin = await app.ClientFor("study-admin", ["admin"]);
        await (await admin.PostJson("/studies", new { studyId = "SOLO-1", title = "Single-site pilot", definition = TestStudies.ReferenceJson, segregationOfDuties = false })).ShouldBe(HttpStatusCode.Created);
        await (await admin.PostJson("/studies/SOLO-1/sites", new { siteId = "S1", name = "Pilot" })).ShouldBe(HttpStatusCode.OK);
        var subject = await EnteredByEveryRole("SD-05", "SOLO-1");
        await (await subject.Http.PostJson(subject.Url + "/verifications", new { form = "demographics", version = subject.Version })).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task who_corrected_a_value_cannot_verify_it_either()
    {
        var subject = await app.Enrolled("SD-06");
        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1 });
        var corrector = await app.ClientFor("cra.monitor.sd6", ["cra", "monitor"], $"{StudyFixture.StudyId}/S1");
        var corrected = await (await corrector.PostJson(subject.Url + "/corrections",
            new { form = "ecog", field = "score", newValue = 2, reason = "Source says 2", version = subject.Version })).ShouldBe(HttpStatusCode.OK);
        var response = await corrector.PostJson(subject.Url + "/verifications", new { form = "ecog", version = corrected.GetProperty("version").GetInt64() });
        NamesTheRule(await response.ShouldBe(HttpStatusCode.Forbidden));
    }
}
