using NpcEcrf.Api.Studies;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.RuleModel;

/// <summary>Queries, verification and the pipeline's casebook, as reviewers and sites use them.</summary>
public class ReviewRuleTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private async Task<(CasebookClient Subject, HttpClient Monitor, Guid Query)> QueriedAge(string number)
    {
        var subject = await app.Enrolled(number, "S1");
        await subject.Post("/demographics", new { sex = "F", yearOfBirth = 1966, ageAtEnrolment = 55 });
        var monitor = await app.ClientFor("monitor.review", ["monitor"], "S1");
        var raised = await (await monitor.PostJson("/data-queries", new { studyId = StudyFixture.StudyId, subjectNumber = number, form = "demographics", field = "yearOfBirth", text = "Check the ID card." }))
            .ShouldBe(HttpStatusCode.Created);
        return (subject, monitor, raised.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task a_query_answered_in_words_can_be_linked_to_the_correction_made_later()
    {
        var (subject, _, query) = await QueriedAge("V-01");
        await (await subject.Http.PostJson($"/data-queries/{query}/answer", new { text = "Will correct after the freeze." })).ShouldBe(HttpStatusCode.OK);
        await subject.Post("/corrections", new { form = "demographics", field = "ageAtEnrolment", newValue = 54, reason = "ID card", dataQueryId = query });
        var state = await (await subject.Http.GetAsync($"/data-queries/{query}")).ShouldBe(HttpStatusCode.OK);
        Assert.Contains(state.GetProperty("messages").EnumerateArray(), m => m.GetProperty("text").GetString()?.StartsWith("Corrected demographics.ageAtEnrolment") == true);
    }

    [Fact]
    public async Task a_monitor_can_re_query_an_answered_query()
    {
        var (subject, monitor, query) = await QueriedAge("V-02");
        await (await subject.Http.PostJson($"/data-queries/{query}/answer", new { text = "It is right." })).ShouldBe(HttpStatusCode.OK);
        var reopened = await (await monitor.PostJson($"/data-queries/{query}/reopen", new { reason = "The ID card says otherwise." })).ShouldBe(HttpStatusCode.OK);
        Assert.Equal("Open", reopened.GetProperty("state").GetString());
    }

    [Fact]
    public async Task an_open_query_cannot_be_re_queried()
    {
        var (_, monitor, query) = await QueriedAge("V-03");
        await (await monitor.PostJson($"/data-queries/{query}/reopen", new { reason = "again" })).ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task automatic_queries_are_raised_and_closed_by_the_system()
    {
        var subject = await app.Treated("V-04");
        var flagged = await subject.Post("/dose-changes", new { changeId = "DC1", date = "2021-03-20", toDose = 10, reason = "Patient preference" });
        Assert.Single(flagged.GetProperty("flags").EnumerateArray());
        var monitor = await app.ClientFor("monitor.auto", ["monitor"], "S1");
        var queries = await (await monitor.GetAsync($"/studies/{StudyFixture.StudyId}/sites/S1/data-queries")).ShouldBe(HttpStatusCode.OK);
        var auto = queries.EnumerateArray().Single(q => q.GetProperty("subjectNumber").GetString() == "V-04");
        var id = auto.GetProperty("id").GetGuid();
        var raised = await (await monitor.GetAsync($"/data-queries/{id}")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal("system", raised.GetProperty("raisedBy").GetString());

        await subject.Post("/adverse-events", new { adverseEventId = "AE1", term = "Fatigue", grade = 2, onsetDate = "2021-03-15", serious = false, relation = "Possible", action = "DoseReduced" });
        await subject.Correct("dose-change/DC1", "adverseEventId", "AE1");
        var closed = await (await monitor.GetAsync($"/data-queries/{id}")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal("Closed", closed.GetProperty("state").GetString());
        Assert.All(closed.GetProperty("messages").EnumerateArray().Skip(1), m => Assert.Equal("system", m.GetProperty("user").GetString()));
    }

    [Fact]
    public async Task the_pipelines_casebook_equals_the_one_marten_stores_and_replays()
    {
        var subject = await app.WithAdverseEventThatWorsened("V-05");
        await subject.Post("/dose-changes", new { changeId = "DC1", date = "2021-03-25", toDose = 10, reason = "Toxicity", adverseEventId = "AE1" });
        var answered = await subject.Correct("adverse-event/AE1", "onsetDate", "2021-03-14");
        await using var session = app.Store.QuerySession();
        var id = Casebook.IdFor(StudyFixture.StudyId, "V-05");
        var stored = await session.LoadAsync<Casebook>(id);
        var replayed = CasebookEvolution.Build(await session.Events.FetchStreamAsync(id));
        var study = (await session.LoadAsync<Study>(Study.IdFor(StudyFixture.StudyId)))!;
        var now = DateTimeOffset.UtcNow;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(answered.GetRawText()), CasebookView.Of(stored!, study, now)), "the answer differs from the stored casebook");
        Assert.True(JsonNode.DeepEquals(CasebookView.Of(stored!, study, now), CasebookView.Of(replayed!, study, now)), "a replay differs from the stored casebook");
    }

    [Fact]
    public async Task a_site_keeps_its_own_time_zone_and_an_unknown_one_is_refused()
    {
        var admin = await app.ClientFor("study-admin", ["admin"]);
        var study = await (await admin.PostJson($"/studies/{StudyFixture.StudyId}/sites", new { siteId = "S-TZ", name = "Kiritimati", timeZone = "Pacific/Kiritimati" })).ShouldBe(HttpStatusCode.OK);
        Assert.Contains(study.GetProperty("sites").EnumerateArray(), s => s.GetProperty("timeZone").GetString() == "Pacific/Kiritimati");
        var problem = await (await admin.PostJson($"/studies/{StudyFixture.StudyId}/sites", new { siteId = "S-XX", name = "Nowhere", timeZone = "Mars/Olympus" })).ShouldBe(HttpStatusCode.BadRequest);
        RuleModelFixtures.AssertNames(problem, "timeZone");
    }
}
