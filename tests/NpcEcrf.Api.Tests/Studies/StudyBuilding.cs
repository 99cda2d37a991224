using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Demo;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Studies;

/// <summary>Studies of their own for administration tests: created over HTTP with a definition changed as a test needs.</summary>
public static class StudyBuilding
{
    public static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);
    public static string Date(DateOnly d) => d.ToString("yyyy-MM-dd");

    /// <summary>A definition as the data manager's JSON document.</summary>
    public static JsonNode Json(StudyDefinition d) => JsonSerializer.SerializeToNode(d, StudyDefinitions.Strict)!;

    /// <summary>A new study (the reference definition unless another is given) with site S1, its admin and the site's CRA.</summary>
    public static async Task<(HttpClient Admin, HttpClient Cra)> NewStudy(this AppFixture app, string studyId, StudyDefinition? definition = null)
    {
        var admin = await app.ClientFor("studies.admin", ["admin"]);
        await (await admin.PostJson("/studies", new { studyId, title = $"Study {studyId}", definition = Json(definition ?? TestStudies.Reference) })).ShouldBe(HttpStatusCode.Created);
        await (await admin.PostJson($"/studies/{studyId}/sites", new { siteId = "S1", name = "Site one" })).ShouldBe(HttpStatusCode.OK);
        return (admin, await app.ClientFor($"cra.{studyId.ToLowerInvariant()}", ["cra"], $"{studyId}/S1"));
    }

    public static async Task<CasebookClient> Enrolled(this HttpClient cra, string studyId, string subjectNumber)
    {
        var subject = new CasebookClient(cra, subjectNumber, studyId);
        await subject.Enrol("S1");
        return subject;
    }

    public static Task<HttpResponseMessage> PutDefinition(this HttpClient client, string studyId, object body) =>
        client.PutAsJsonAsync($"/studies/{studyId}/definition", body);

    /// <summary>An amendment in force today, with a reason.</summary>
    public static Task<HttpResponseMessage> Amend(this HttpClient client, string studyId, StudyDefinition definition, DateOnly? from = null) =>
        client.PutDefinition(studyId, new { definition = Json(definition), effectiveFrom = Date(from ?? Today), reason = "Protocol amendment 1" });

    /// <summary>The study stream's version: "nothing was written" is this number unchanged.</summary>
    public static async Task<long> StudyStreamVersion(this AppFixture app, string studyId)
    {
        await using var session = app.Store.QuerySession();
        return (await session.Events.FetchStreamStateAsync(Study.IdFor(studyId)))!.Version;
    }

    public static StudyDefinition WithForm(this StudyDefinition d, string form, Func<StudyForm, StudyForm> change) =>
        d with { Forms = d.StudyForms.Select(f => f.Name == form ? change(f) : f).ToList() };

    /// <summary>The form taken out of the definition and of every visit that expects it.</summary>
    public static StudyDefinition WithoutForm(this StudyDefinition d, string form) => d with
    {
        Forms = d.StudyForms.Where(f => f.Name != form).ToList(),
        Schedule = d.ScheduleOrEmpty with { Visits = d.ScheduleOrEmpty.Visits.Select(v => v with { Forms = v.Forms.Where(f => f != form).ToList() }).ToList() },
    };

    /// <summary>Changes one item of a study form (null takes it out).</summary>
    public static StudyDefinition WithItem(this StudyDefinition d, string form, string item, Func<Item, Item?> change) =>
        d.WithForm(form, f => f with
        {
            Groups = f.Groups.Select(g => g with { Items = g.Items.Select(i => i.Name == item ? change(i) : i).OfType<Item>().ToList() }).ToList(),
        });

    public static StudyDefinition WithCodeList(this StudyDefinition d, string id, Func<CodeList, CodeList> change) =>
        d with { CodeLists = (d.CodeLists ?? []).Select(c => c.Id == id ? change(c) : c).ToList() };

    public static CodeList Without(this CodeList list, string code) => list with { Items = list.Items.Where(i => i.Code != code).ToList() };

    public static StudyDefinition WithoutTerm(this StudyDefinition d, string term) =>
        d with { AdverseEvents = d.AdverseEvents with { Terms = d.AdverseEvents.Terms.Where(t => t.Term != term).ToList() } };

    /// <summary>The items of one error of a problem answer, or an assertion failure naming what the answer held.</summary>
    public static string[] Errors(this JsonElement problem, string field)
    {
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"expected an error on {field}: {errors}");
        Assert.DoesNotContain("NpcEcrf.", problem.GetRawText());
        return messages.EnumerateArray().Select(m => m.GetString()!).ToArray();
    }
}
