using System.Net;
using Marten;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using NpcEcrf.Api.Tests.Infrastructure;
using NpcEcrf.Api.Tests.RuleModel;

namespace NpcEcrf.Api.Tests.Trust;

/// <summary>
/// Under a hard lock every write to the study is refused, whatever case, spacing or Unicode form its ids take.
/// The writes come from the endpoint list: a new write endpoint without a body here fails the test.
/// </summary>
public class LockBypassTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private const string Subject = "/studies/{studyId}/subjects/{subjectNumber}";

    /// <summary>A body each write would accept if no lock were in force.</summary>
    private static readonly Dictionary<string, object> Bodies = new()
    {
        ["/studies/{studyId}/subjects"] = new { subjectNumber = "LB-99", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibilityConfirmed = true },
        [Subject + "/demographics"] = new { sex = "Male", yearOfBirth = 1966, ageAtEnrolment = 55 },
        [Subject + "/ecog"] = new { assessmentDate = "2021-03-02", score = 1 },
        [Subject + "/disease-status"] = new { pattern = "Metastatic", diagnosisDate = "2018-06-10" },
        [Subject + "/metastatic-sites"] = new { liver = true, lung = false, bone = false, distantLymphNodes = false },
        [Subject + "/prior-therapy"] = new { priorSystemicLines = 1, platinumRefractory = false, priorRadiotherapy = true },
        [Subject + "/baseline-lesions"] = new { assessmentDate = "2021-02-25", method = "CT", targets = new[] { new { lesionId = "T1", organ = "lung", nodal = false, diameterMm = 30m } } },
        [Subject + "/first-dose"] = new { date = "2021-03-04", doseMg = 12 },
        [Subject + "/cycles"] = new { cycleNumber = 2, startDate = "2021-03-25", doseMg = 12, tabletsDispensed = 14, tabletsReturned = 0 },
        [Subject + "/dose-changes"] = new { changeId = "DC9", date = "2021-04-01", toMg = 10, reason = "Toxicity", adverseEventId = "AE1" },
        [Subject + "/interruptions"] = new { interruptionId = "I9", date = "2021-04-05", reason = "Hypertension" },
        [Subject + "/resumptions"] = new { interruptionId = "I1", date = "2021-04-20", doseMg = 12 },
        [Subject + "/discontinuation"] = new { date = "2021-07-01", reason = "Progression" },
        [Subject + "/tumour-assessments"] = new { assessmentId = "V9", date = "2021-06-01", method = "CT", targetDiametersMm = new Dictionary<string, decimal?> { ["T1"] = 28m }, nonTarget = "NE", newLesions = false },
        [Subject + "/adverse-events"] = new { adverseEventId = "AE9", term = "Fatigue", grade = 1, onsetDate = "2021-03-20", serious = false, relation = "Possible", action = "None" },
        [Subject + "/adverse-events/{adverseEventId}/grade-changes"] = new { date = "2021-03-25", grade = 3 },
        [Subject + "/adverse-events/{adverseEventId}/resolution"] = new { resolutionDate = "2021-05-01" },
        [Subject + "/contacts"] = new { date = "2021-08-01", method = "phone" },
        [Subject + "/death"] = new { date = "2021-09-01", cause = "Progression" },
        [Subject + "/lost-to-follow-up"] = new { lastKnownAliveDate = "2021-08-01", details = "Moved" },
        [Subject + "/corrections"] = new { form = "first-dose", field = "date", newValue = "2021-03-05", reason = "Typo" },
        [Subject + "/verifications"] = new { form = "first-dose" },
        [Subject + "/signatures"] = new { meaning = "I approve", password = AppFixture.Password },
        ["/data-queries"] = new { studyId = "{studyId}", subjectNumber = "{subjectNumber}", form = "first-dose", field = "date", text = "Check" },
        ["/data-queries/{id:guid}/answer"] = new { text = "Right" },
        ["/data-queries/{id:guid}/close"] = new { text = "ok" },
        ["/data-queries/{id:guid}/cancel"] = new { reason = "Raised in error" },
        ["/data-queries/{id:guid}/reopen"] = new { reason = "Again" },
    };

    /// <summary>Study setup and accounts are not study data; a lock is ended by unlocking it.</summary>
    private static bool NotStudyData(string route) =>
        route is "/studies" or "/studies/{studyId}/sites" or "/locks" or "/locks/{lockRef}/unlock" or "/analysis-plans" or "/auth/token" or "/auth/logout"
        || route.StartsWith("/users");

    private static readonly string[] StudyIdForms = ["anlo-npc", " ANLO-NPC ", "Anlo-Npc", "ANLO-NPC\t", "\uFF21NLO-NPC"];

    [Fact]
    public async Task every_write_under_a_hard_lock_is_refused_whatever_form_its_ids_take()
    {
        var subject = await app.Treated("LB-01");
        await subject.Post("/cycles", new { cycleNumber = 1, startDate = "2021-03-04", doseMg = 12, tabletsDispensed = 14, tabletsReturned = 0 });
        await subject.Post("/adverse-events", new { adverseEventId = "AE1", term = "Hand-foot syndrome", grade = 2, onsetDate = "2021-03-15", serious = false, relation = "Probable", action = "None" });
        await subject.Post("/interruptions", new { interruptionId = "I1", date = "2021-04-01", reason = "Hypertension" });
        var monitor = await app.ClientFor("monitor.lb", ["monitor"], "S1");
        var raised = await (await monitor.PostJson("/data-queries", new { studyId = StudyFixture.StudyId, subjectNumber = "LB-01", form = "first-dose", field = "date", text = "Check" })).ShouldBe(HttpStatusCode.Created);
        var queryId = raised.GetProperty("id").GetGuid();

        var writes = app.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Any(m => m is "POST" or "PUT" or "DELETE" or "PATCH") == true)
            .Select(e => e.RoutePattern.RawText!).Where(route => !NotStudyData(route)).Distinct().ToList();
        Assert.DoesNotContain(writes, route => !Bodies.ContainsKey(route));

        var dm = await app.ClientFor("dm.lb", ["data-manager"]);
        await (await dm.PostJson("/locks", new { studyId = StudyFixture.StudyId, name = "bypass-1", cutoff = "2021-12-31", reason = "Final", kind = "Hard" })).ShouldBe(HttpStatusCode.Created);
        // The system's own follow-up of the lock (its verification) is the one write expected while the test counts.
        for (var i = 0; i < 100 && (await (await dm.GetAsync("/locks/bypass-1")).ShouldBe(HttpStatusCode.OK)).GetProperty("replayVerified").ValueKind == System.Text.Json.JsonValueKind.Null; i++)
            await Task.Delay(100);
        var everyone = await app.ClientFor("lb.everyone", ["cra", "investigator", "monitor", "data-manager"], "S1");
        var tried = 0;
        foreach (var route in writes)
        foreach (var studyId in StudyIdForms.Prepend(StudyFixture.StudyId))
        foreach (var subjectNumber in new[] { "LB-01", "lb-01", " LB-01" })
        {
            string Fill(string text, Func<string, string> encode) => text.Replace("{studyId}", encode(studyId)).Replace("{subjectNumber}", encode(subjectNumber))
                .Replace("{adverseEventId}", "AE1").Replace("{id:guid}", queryId.ToString());
            var body = System.Text.Json.JsonSerializer.Serialize(Bodies[route], HttpAssertions.Json);
            var url = Fill(route, Uri.EscapeDataString);
            var json = System.Text.Json.Nodes.JsonNode.Parse(Fill(body, v => System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping.Encode(v)))!.AsObject();
            if (route.StartsWith(Subject)) json["version"] = subject.Version;
            var before = await EventCount();
            var response = await everyone.PostAsync(url, new StringContent(json.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
            tried++;
            Assert.False(response.IsSuccessStatusCode, $"{route} with study '{studyId}', subject '{subjectNumber}' was accepted under the lock");
            // Every spelling names the one study, so every write meets its lock (a subject still invisible is 404).
            Assert.True((int)response.StatusCode is 423 or 404, $"{route} with '{studyId}': {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            if (subjectNumber == "LB-01" && !route.StartsWith("/data-queries/")) Assert.True((int)response.StatusCode == 423, $"{route} with '{studyId}' was not refused by the lock: {(int)response.StatusCode}");
            Assert.True(before == await EventCount(), $"{route} with study '{studyId}', subject '{subjectNumber}' wrote events: {(int)response.StatusCode}");
        }
        Assert.True(tried > 400, $"only {tried}");
        await (await dm.PostJson("/locks/bypass-1/unlock", new { reason = "Test over" })).ShouldBe(HttpStatusCode.OK);
    }

    private async Task<long> EventCount()
    {
        await using var session = app.Store.QuerySession();
        return await session.Events.QueryAllRawEvents().CountAsync();
    }
}
