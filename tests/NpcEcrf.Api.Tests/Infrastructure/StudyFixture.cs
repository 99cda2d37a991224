using System.Net;
using System.Text.Json;

namespace NpcEcrf.Api.Tests.Infrastructure;

/// <summary>An app with one study (12 and 10 mg/day) and two sites, and a helper to drive a casebook.</summary>
public class StudyFixture : AppFixture
{
    public const string StudyId = "ANLO-NPC";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var admin = await ClientFor("study-admin", ["admin"]);
        await (await admin.PostJson("/studies", new { studyId = StudyId, title = "Anlotinib in R/M NPC", definition = TestStudies.ReferenceJson })).ShouldBe(HttpStatusCode.Created);
        foreach (var (id, name) in new[] { ("S1", "Guilin"), ("S2", "Wuzhou") })
            await (await admin.PostJson($"/studies/{StudyId}/sites", new { siteId = id, name })).ShouldBe(HttpStatusCode.OK);
    }

    public static string Subject(string number) => $"/studies/{StudyId}/subjects/{number}";

    /// <summary>The site's CRA (cra.s1, cra.s2) enrols a subject; the client carries the casebook version forward.</summary>
    public async Task<CasebookClient> Enrolled(string subjectNumber, string site = "S1")
    {
        var subject = new CasebookClient(await ClientFor($"cra.{site.ToLowerInvariant()}", ["cra"], $"{StudyId}/{site}"), subjectNumber);
        await subject.Enrol(site);
        return subject;
    }
}

/// <summary>Posts forms to one subject, carrying the casebook version forward like a real client.</summary>
public sealed class CasebookClient(HttpClient http, string subjectNumber, string studyId = StudyFixture.StudyId)
{
    public long Version { get; private set; }
    public JsonElement Casebook { get; private set; }
    public HttpClient Http => http;
    public string Url => $"/studies/{studyId}/subjects/{subjectNumber}";

    public async Task Enrol(string site, string consent = "2021-03-01", string enrolment = "2021-03-03")
    {
        var response = await http.PostJson($"/studies/{studyId}/subjects",
            new { subjectNumber, siteId = site, consentDate = consent, enrolmentDate = enrolment, eligibility = TestStudies.Eligible });
        Track(await response.ShouldBe(HttpStatusCode.Created));
    }

    /// <summary>Enrols with the whole enrolment body (a study's own arm and eligibility criteria).</summary>
    public async Task EnrolWith(object enrolment) => Track(await (await http.PostJson($"/studies/{studyId}/subjects", enrolment)).ShouldBe(HttpStatusCode.Created));

    /// <summary>Reads the casebook, as a client opening it does, to carry its version forward.</summary>
    public async Task Open() => Track(await (await http.GetAsync(Url)).ShouldBe(HttpStatusCode.OK));

    public async Task<JsonElement> Post(string path, object form, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = JsonSerializer.SerializeToElement(form, HttpAssertions.Json);
        var withVersion = JsonSerializer.Deserialize<Dictionary<string, object?>>(body.GetRawText())!;
        withVersion.TryAdd("version", Version);
        var json = await (await http.PostJson(Url + path, withVersion)).ShouldBe(expected);
        if (expected == HttpStatusCode.OK) Track(json);
        return json;
    }

    private void Track(JsonElement casebook)
    {
        Casebook = casebook;
        Version = casebook.GetProperty("version").GetInt64();
    }
}
