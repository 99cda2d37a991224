using System.Net;
using System.Text.Json;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.RuleModel;

/// <summary>Subjects in named states, and the assertion every refusal shares: 400 naming the field, nothing written.</summary>
public static class RuleModelFixtures
{
    public static async Task<CasebookClient> Treated(this StudyFixture app, string number)
    {
        var subject = await app.Enrolled(number, "S1");
        await subject.Post("/baseline-lesions", new
        {
            assessmentDate = "2021-02-25", method = "CT",
            targets = new[] { new { lesionId = "T1", organ = "lung", nodal = false, diameterMm = 30m } },
        });
        await subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
        return subject;
    }

    public static async Task<CasebookClient> TreatedWithTwoCycles(this StudyFixture app, string number)
    {
        var subject = await app.Treated(number);
        await subject.Post("/cycles", new { cycleNumber = 1, startDate = "2021-03-04", dose = 12, tabletsDispensed = 14, tabletsReturned = 0 });
        await subject.Post("/cycles", new { cycleNumber = 2, startDate = "2021-03-25", dose = 12, tabletsDispensed = 14, tabletsReturned = 0 });
        return subject;
    }

    public static async Task<CasebookClient> WithAdverseEventThatWorsened(this StudyFixture app, string number)
    {
        var subject = await app.Treated(number);
        await subject.Post("/adverse-events", new { adverseEventId = "AE1", term = "Hand-foot syndrome", grade = 2, onsetDate = "2021-03-15", serious = false, relation = "Probable", action = "DoseReduced" });
        await subject.Post("/adverse-events/AE1/grade-changes", new { date = "2021-03-22", grade = 3 });
        return subject;
    }

    public static Task<JsonElement> Correct(this CasebookClient subject, string form, string field, object? newValue, HttpStatusCode expected = HttpStatusCode.OK) =>
        subject.Post("/corrections", new { form, field, newValue, reason = "Checked against the source" }, expected);

    /// <summary>Refused with 400, an error on a field whose name ends with <paramref name="field"/>, and the stream unchanged.</summary>
    public static async Task<JsonElement> RefusedNaming(this StudyFixture app, CasebookClient subject, string path, object body, string field)
    {
        var before = subject.Version;
        var problem = await subject.Post(path, body, HttpStatusCode.BadRequest);
        AssertNames(problem, field);
        await using var session = app.Store.QuerySession();
        var state = await session.Events.FetchStreamStateAsync(Casebook.IdFor(StudyFixture.StudyId, subject.Casebook.GetProperty("subjectNumber").GetString()!));
        Assert.Equal(before, state!.Version);
        return problem;
    }

    public static Task<JsonElement> CorrectionRefusedNaming(this StudyFixture app, CasebookClient subject, string form, string field, object? newValue) =>
        app.RefusedNaming(subject, "/corrections", new { form, field, newValue, reason = "Checked against the source" }, field);

    public static void AssertNames(JsonElement problem, string field)
    {
        var errors = problem.GetProperty("errors");
        Assert.True(errors.EnumerateObject().Any(p => p.Name.EndsWith(field, StringComparison.OrdinalIgnoreCase)), $"expected an error on {field}: {errors}");
        Assert.DoesNotContain("NpcEcrf.", problem.GetRawText());
        Assert.DoesNotContain("System.", problem.GetRawText());
    }
}
