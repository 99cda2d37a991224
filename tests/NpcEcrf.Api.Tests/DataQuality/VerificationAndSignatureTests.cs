using System.Net;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.DataQuality;

public class VerificationAndSignatureTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private async Task<CasebookClient> CompleteSubject(string number)
    {
        var subject = await app.Enrolled(number, "S1");
        await subject.Post("/demographics", new { sex = "M", yearOfBirth = 1960, ageAtEnrolment = 61 });
        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 0 });
        await subject.Post("/forms/disease-status", new { data = new { pattern = "Both", diagnosisDate = "2017-01-01" } });
        await subject.Post("/forms/metastatic-sites", new { data = new { liver = false, lung = true, bone = false, distantLymphNodes = false } });
        await subject.Post("/forms/prior-therapy", new { data = new { priorSystemicLines = 1, platinumRefractory = false, priorRadiotherapy = true } });
        await subject.Post("/baseline-lesions", new { assessmentDate = "2021-02-26", method = "CT", targets = new[] { new { lesionId = "T1", organ = "lung", nodal = false, diameterMm = 22m } } });
        await subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
        return subject;
    }

    [Fact]
    public async Task a_later_change_unverifies_a_verified_value_visibly()
    {
        var subject = await CompleteSubject("V-01");
        var monitor = new CasebookClient(await app.ClientFor("monitor.sdv", ["monitor"], "S1"), "V-01");
        await (await monitor.Http.GetAsync(subject.Url)).ShouldBe(HttpStatusCode.OK);
        await monitor.Post("/verifications", new { form = "demographics", version = subject.Version });
        await monitor.Post("/verifications", new { form = "ecog", field = "score" });

        var cra = new CasebookClient(subject.Http, "V-01");
        var casebook = await cra.Post("/corrections", new { form = "demographics", field = "sex", newValue = "F", reason = "Typo", version = monitor.Version });
        var demographics = Assert.Single(casebook.GetProperty("verifications").EnumerateArray(), v => v.GetProperty("form").GetString() == "demographics");
        Assert.True(demographics.GetProperty("revokedAtVersion").GetInt64() > 0);
        var ecog = Assert.Single(casebook.GetProperty("verifications").EnumerateArray(), v => v.GetProperty("form").GetString() == "ecog");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, ecog.GetProperty("revokedAtVersion").ValueKind);

        var progress = await (await monitor.Http.GetAsync($"/studies/{StudyFixture.StudyId}/sdv-progress")).ShouldBe(HttpStatusCode.OK);
        var row = Assert.Single(progress[0].GetProperty("subjects").EnumerateArray(), s => s.GetProperty("subjectNumber").GetString() == "V-01");
        Assert.Contains("demographics", row.GetProperty("unverified").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task a_form_the_study_defined_is_verified_queried_corrected_and_required_for_signature_like_any_form()
    {
        var subject = await CompleteSubject("V-07");
        var monitor = new CasebookClient(await app.ClientFor("monitor.sdv", ["monitor"], "S1"), "V-07");
        await (await monitor.Http.GetAsync(subject.Url)).ShouldBe(HttpStatusCode.OK);
        await monitor.Post("/verifications", new { form = "metastatic-sites", field = "lung", version = subject.Version });
        var query = await (await monitor.Http.PostJson("/data-queries", new { studyId = StudyFixture.StudyId, subjectNumber = "V-07", form = "prior-therapy", field = "priorSystemicLines", text = "Two lines in the notes?" }))
            .ShouldBe(HttpStatusCode.Created);

        var cra = new CasebookClient(subject.Http, "V-07");
        var corrected = await cra.Post("/corrections", new { form = "metastatic-sites", field = "lung", newValue = false, reason = "Misread scan report", version = monitor.Version });
        Assert.True(Assert.Single(corrected.GetProperty("verifications").EnumerateArray()).GetProperty("revokedAtVersion").GetInt64() > 0);
        var answered = await cra.Post("/corrections", new { form = "prior-therapy", field = "priorSystemicLines", newValue = 2, reason = "Per the notes", dataQueryId = query.GetProperty("id").GetGuid() });
        Assert.Equal(2, answered.GetProperty("forms").GetProperty("prior-therapy").GetProperty("priorSystemicLines").GetInt32());

        // A study form the definition requires for signature is missing: the casebook cannot be signed.
        var incomplete = await app.Enrolled("V-08", "S1");
        var investigator = new CasebookClient(await app.ClientFor("pi.sig", ["investigator"], "S1"), "V-08");
        await (await investigator.Http.GetAsync(incomplete.Url)).ShouldBe(HttpStatusCode.OK);
        var refused = await investigator.Post("/signatures", new { meaning = "I approve", password = AppFixture.Password, version = incomplete.Version }, HttpStatusCode.BadRequest);
        Assert.Contains("prior-therapy", refused.GetRawText());
    }

    [Fact]
    public async Task a_cra_cannot_verify_or_sign()
    {
        var subject = await CompleteSubject("V-02");
        await subject.Post("/verifications", new { form = "demographics" }, HttpStatusCode.Forbidden);
        await subject.Post("/signatures", new { meaning = "I approve", password = AppFixture.Password }, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task a_signature_binds_a_version_and_a_later_change_voids_it()
    {
        var subject = await CompleteSubject("V-03");
        var investigator = new CasebookClient(await app.ClientFor("pi.sig", ["investigator"], "S1"), "V-03");
        await (await investigator.Http.GetAsync(subject.Url)).ShouldBe(HttpStatusCode.OK);
        var signed = await investigator.Post("/signatures", new { meaning = "I reviewed and approve this casebook", password = AppFixture.Password, version = subject.Version });
        var status = signed.GetProperty("signatureStatus");
        Assert.Equal("Signed", status.GetProperty("state").GetString());
        Assert.Equal("Dr pi.sig", status.GetProperty("signature").GetProperty("printedName").GetString());
        Assert.Equal(subject.Version, status.GetProperty("signature").GetProperty("signedVersion").GetInt64());

        var voided = await new CasebookClient(subject.Http, "V-03").Post("/corrections",
            new { form = "ecog", field = "score", newValue = 1, reason = "Re-read the notes", version = investigator.Version });
        Assert.Equal("Voided", voided.GetProperty("signatureStatus").GetProperty("state").GetString());
        Assert.Equal(investigator.Version + 1, voided.GetProperty("signatureStatus").GetProperty("voidedByDataVersion").GetInt64());
    }

    [Fact]
    public async Task signing_with_a_wrong_password_is_refused_and_audited()
    {
        var subject = await CompleteSubject("V-04");
        var investigator = await app.ClientFor("pi.wrong", ["investigator"], "S1");
        var response = await investigator.PostJson(subject.Url + "/signatures", new { meaning = "Approve", password = "not-my-password", version = subject.Version });
        await response.ShouldBe(HttpStatusCode.Unauthorized);
        await using var session = app.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(UserAccount.IdFor("pi.wrong"));
        Assert.Contains(events, e => e.Data is AuthenticationFailed { Purpose: "signature" });
        var casebook = await (await subject.Http.GetAsync(subject.Url)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal("Unsigned", casebook.GetProperty("signatureStatus").GetProperty("state").GetString());
    }

    [Fact]
    public async Task signing_an_incomplete_casebook_says_what_is_missing()
    {
        var subject = await app.Enrolled("V-05", "S1");
        var investigator = new CasebookClient(await app.ClientFor("pi.sig", ["investigator"], "S1"), "V-05");
        await (await investigator.Http.GetAsync(subject.Url)).ShouldBe(HttpStatusCode.OK);
        var problem = await investigator.Post("/signatures", new { meaning = "Approve", password = AppFixture.Password, version = subject.Version }, HttpStatusCode.BadRequest);
        Assert.Contains("baseline-lesions", problem.GetProperty("errors").GetProperty("casebook")[0].GetString());
    }
}
