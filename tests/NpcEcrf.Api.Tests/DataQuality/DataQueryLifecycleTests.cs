using System.Net;
using System.Text.Json;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.DataQuality;

public class DataQueryLifecycleTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private async Task<CasebookClient> Subject(string number)
    {
        var subject = await app.Enrolled(number, "S1");
        await subject.Post("/demographics", new { sex = "F", yearOfBirth = 1966, ageAtEnrolment = 55 });
        await subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
        return subject;
    }

    private static async Task<JsonElement> Query(HttpClient client, Guid id) =>
        await (await client.GetAsync($"/data-queries/{id}")).ShouldBe(HttpStatusCode.OK);

    [Fact]
    public async Task a_manual_query_goes_open_answered_closed_and_can_be_reopened()
    {
        var subject = await Subject("Q-01");
        var monitor = await app.ClientFor("monitor.dq", ["monitor"], "S1");
        var raised = await (await monitor.PostJson("/data-queries", new { studyId = StudyFixture.StudyId, subjectNumber = "Q-01", form = "demographics", field = "yearOfBirth", text = "Please check against the ID card." }))
            .ShouldBe(HttpStatusCode.Created);
        var id = raised.GetProperty("id").GetGuid();
        Assert.Equal("Open", raised.GetProperty("state").GetString());
        Assert.True(raised.GetProperty("valueVersion").GetInt64() > 0);

        // Closing a query nobody answered is refused.
        await (await monitor.PostJson($"/data-queries/{id}/close", new { text = "ok" })).ShouldBe(HttpStatusCode.Conflict);
        // A CRA may not close; a monitor may not answer.
        await (await subject.Http.PostJson($"/data-queries/{id}/close", new { text = "ok" })).ShouldBe(HttpStatusCode.Forbidden);
        await (await monitor.PostJson($"/data-queries/{id}/answer", new { text = "fine" })).ShouldBe(HttpStatusCode.Forbidden);

        await (await subject.Http.PostJson($"/data-queries/{id}/answer", new { text = "Checked: 1966 is right." })).ShouldBe(HttpStatusCode.OK);
        var closed = await (await monitor.PostJson($"/data-queries/{id}/close", new { text = "Thanks" })).ShouldBe(HttpStatusCode.OK);
        Assert.Equal("Closed", closed.GetProperty("state").GetString());
        var reopened = await (await monitor.PostJson($"/data-queries/{id}/reopen", new { reason = "Source says 1965" })).ShouldBe(HttpStatusCode.OK);
        Assert.Equal("Open", reopened.GetProperty("state").GetString());

        var report = await (await monitor.GetAsync($"/studies/{StudyFixture.StudyId}/data-queries/report")).ShouldBe(HttpStatusCode.OK);
        var site = Assert.Single(report.EnumerateArray());
        Assert.Equal("S1", site.GetProperty("siteId").GetString());
        Assert.True(site.GetProperty("countsByState").GetProperty("Open").GetInt32() >= 1);
    }

    [Fact]
    public async Task answering_with_a_correction_links_the_correction_to_the_query()
    {
        var subject = await Subject("Q-02");
        var monitor = await app.ClientFor("monitor.dq", ["monitor"], "S1");
        var raised = await (await monitor.PostJson("/data-queries", new { studyId = StudyFixture.StudyId, subjectNumber = "Q-02", form = "first-dose", field = "date", text = "Pharmacy log says 5 March." }))
            .ShouldBe(HttpStatusCode.Created);
        var id = raised.GetProperty("id").GetGuid();
        await subject.Post("/corrections", new { form = "first-dose", field = "date", newValue = "2021-03-05", reason = "Pharmacy log", dataQueryId = id });
        var query = await Query(monitor, id);
        Assert.Equal("Answered", query.GetProperty("state").GetString());
        Assert.Contains("Pharmacy log", query.GetProperty("messages")[1].GetProperty("text").GetString());
    }

    [Fact]
    public async Task an_automatic_query_opens_on_a_soft_check_and_closes_itself_after_a_correction()
    {
        var subject = await Subject("Q-03");
        await subject.Post("/adverse-events", new { adverseEventId = "AE1", term = "Hypertension", grade = 2, onsetDate = "2021-03-10", serious = false, relation = "Possible", action = "DoseReduced" });
        await subject.Post("/dose-changes", new { changeId = "DC1", date = "2021-03-12", toDose = 10, reason = "Hypertension" });

        var monitor = await app.ClientFor("monitor.dq", ["monitor"], "S1");
        var list = await (await monitor.GetAsync($"/studies/{StudyFixture.StudyId}/sites/S1/data-queries?openOnly=true")).ShouldBe(HttpStatusCode.OK);
        var auto = Assert.Single(list.EnumerateArray(), q => q.GetProperty("subjectNumber").GetString() == "Q-03");
        Assert.Equal("EditCheck", auto.GetProperty("origin").GetString());
        Assert.True(auto.GetProperty("ageDays").GetDouble() >= 0);
        var id = auto.GetProperty("id").GetGuid();

        var casebook = await subject.Post("/corrections", new { form = "dose-change/DC1", field = "adverseEventId", newValue = "AE1", reason = "Link the causing event" });
        Assert.Empty(casebook.GetProperty("flags").EnumerateArray());
        var closed = await Query(monitor, id);
        Assert.Equal("Closed", closed.GetProperty("state").GetString());
        Assert.Equal("closed automatically", closed.GetProperty("messages").EnumerateArray().Last().GetProperty("kind").GetString());
    }

    [Fact]
    public async Task a_monitor_of_another_site_sees_no_queries_there()
    {
        var monitor2 = await app.ClientFor("monitor.s2", ["monitor"], "S2");
        await (await monitor2.GetAsync($"/studies/{StudyFixture.StudyId}/sites/S1/data-queries")).ShouldBe(HttpStatusCode.Forbidden);
        await (await monitor2.PostJson("/data-queries", new { studyId = StudyFixture.StudyId, subjectNumber = "Q-01", form = "demographics", field = "sex", text = "?" }))
            .ShouldBe(HttpStatusCode.NotFound);
    }
}
