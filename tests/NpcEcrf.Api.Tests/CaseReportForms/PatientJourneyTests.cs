using System.Net;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.CaseReportForms;

/// <summary>One whole patient, entered by a CRA through HTTP: enrolment to death.</summary>
public class PatientJourneyTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task a_whole_journey_builds_the_casebook_and_an_attributable_stream()
    {
        var cra = await app.ClientFor("cra.s1", ["cra"], "S1");
        cra.DefaultRequestHeaders.Add("X-Correlation-Id", "journey-1");
        var subject = new CasebookClient(cra, "J-001");
        await subject.Enrol("S1");
        await subject.Post("/demographics", new { sex = "M", yearOfBirth = 1966, ageAtEnrolment = 55 });
        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1 });
        await subject.Post("/forms/disease-status", new { data = new { pattern = "Metastatic", diagnosisDate = "2018-06-10" } });
        await subject.Post("/forms/metastatic-sites", new { data = new { liver = true, lung = false, bone = true, distantLymphNodes = false } });
        await subject.Post("/forms/prior-therapy", new { data = new { priorSystemicLines = 2, platinumRefractory = true, priorRadiotherapy = true } });
        await subject.Post("/baseline-lesions", new
        {
            assessmentDate = "2021-02-25", method = "CT",
            targets = new[] { new { lesionId = "T1", organ = "liver", nodal = false, diameterMm = 40m }, new { lesionId = "T2", organ = "lymph node", nodal = true, diameterMm = 20m } },
            nonTargets = new[] { new { lesionId = "NT1", organ = "bone", description = "T10 vertebra" } },
        });
        await subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
        await subject.Post("/cycles", new { cycleNumber = 1, startDate = "2021-03-04", dose = 12, tabletsDispensed = 14, tabletsReturned = 0 });
        await subject.Post("/adverse-events", new { adverseEventId = "AE1", term = "Hand-foot syndrome", grade = 2, onsetDate = "2021-03-15", serious = false, relation = "Probable", action = "None" });
        await subject.Post("/adverse-events/AE1/grade-changes", new { date = "2021-03-22", grade = 3 });
        await subject.Post("/dose-changes", new { changeId = "DC1", date = "2021-03-25", toDose = 10, reason = "Grade 3 hand-foot syndrome", adverseEventId = "AE1" });
        await subject.Post("/cycles", new { cycleNumber = 2, startDate = "2021-03-25", dose = 10, tabletsDispensed = 14, tabletsReturned = 1 });
        // 60 -> 40 mm: -33% is a partial response; confirmed 6 weeks later, then progression.
        await subject.Post("/tumour-assessments", new { assessmentId = "V1", date = "2021-04-15", method = "CT", targetDiametersMm = new Dictionary<string, decimal?> { ["T1"] = 25m, ["T2"] = 15m }, nonTarget = "NonCRNonPD", newLesions = false });
        await subject.Post("/cycles", new { cycleNumber = 3, startDate = "2021-04-15", dose = 10, tabletsDispensed = 14, tabletsReturned = 0 });
        await subject.Post("/tumour-assessments", new { assessmentId = "V2", date = "2021-05-27", method = "CT", targetDiametersMm = new Dictionary<string, decimal?> { ["T1"] = 24m, ["T2"] = 14m }, nonTarget = "NonCRNonPD", newLesions = false });
        await subject.Post("/tumour-assessments", new { assessmentId = "V3", date = "2021-07-08", method = "CT", targetDiametersMm = new Dictionary<string, decimal?> { ["T1"] = 35m, ["T2"] = 15m }, nonTarget = "NonCRNonPD", newLesions = true });
        await subject.Post("/discontinuation", new { date = "2021-07-09", reason = "Progression" });
        await subject.Post("/contacts", new { date = "2021-09-01", method = "phone" });
        var casebook = await subject.Post("/death", new { date = "2021-10-12", cause = "Disease progression" });

        Assert.Equal("Dead", casebook.GetProperty("status").GetString());
        Assert.Equal(10, casebook.GetProperty("currentDose").GetInt32());
        Assert.Equal(3, casebook.GetProperty("adverseEvents")[0].GetProperty("worstGrade").GetInt32());
        var responses = casebook.GetProperty("responses");
        Assert.Equal(["PR", "PR", "PD"], responses.EnumerateArray().Select(r => r.GetProperty("overall").GetString()));
        Assert.Equal("PR", casebook.GetProperty("bestOverallResponse").GetProperty("response").GetString());
        Assert.Empty(casebook.GetProperty("flags").EnumerateArray());

        // Reading it back gives the same casebook, at the same version.
        var read = await (await subject.Http.GetAsync(subject.Url)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(subject.Version, read.GetProperty("version").GetInt64());

        var history = await (await subject.Http.GetAsync(subject.Url + "/history")).ShouldBe(HttpStatusCode.OK);
        var entries = history.EnumerateArray().ToList();
        Assert.Equal(subject.Version, entries.Count);
        Assert.All(entries, e => Assert.Equal("cra.s1", e.GetProperty("user").GetString()));
        Assert.All(entries, e => Assert.Equal("journey-1", e.GetProperty("correlationId").GetString()));
        Assert.Equal("subject_enrolled", entries[0].GetProperty("eventType").GetString());
        Assert.Contains(entries, e => e.GetProperty("eventType").GetString() == "dose_changed"
            && e.GetProperty("data").GetProperty("adverseEventId").GetString() == "AE1");
    }

    [Fact]
    public async Task a_correction_keeps_both_values_and_the_reason()
    {
        var subject = await app.Enrolled("J-002", "S1");
        await subject.Post("/demographics", new { sex = "F", yearOfBirth = 1970, ageAtEnrolment = 51 });
        await subject.Post("/corrections", new { form = "demographics", field = "yearOfBirth", newValue = 1971, reason = "Transcription error" }, HttpStatusCode.BadRequest);
        var casebook = await subject.Post("/corrections", new { form = "demographics", field = "sex", newValue = "M", reason = "Source document says male" });

        Assert.Equal("M", casebook.GetProperty("demographics").GetProperty("sex").GetString());
        var correction = casebook.GetProperty("corrections")[0];
        Assert.Equal("\"F\"", correction.GetProperty("oldValue").GetString());
        Assert.Equal("\"M\"", correction.GetProperty("newValue").GetString());
        Assert.Equal("Source document says male", correction.GetProperty("reason").GetString());

        var history = (await (await subject.Http.GetAsync(subject.Url + "/history")).ShouldBe(HttpStatusCode.OK)).EnumerateArray().ToList();
        Assert.Equal("F", history[1].GetProperty("data").GetProperty("sex").GetString());
        Assert.Equal("Source document says male", history[^1].GetProperty("reasonForChange").GetString());
    }
}
