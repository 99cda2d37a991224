using System.Net;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Studies;

/// <summary>A study that doses in mg/m2 holds each dose to its arm's levels and to the subject's recorded body surface area.</summary>
public class DosePerBodySizeTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string StudyId = "BSA-1";

    /// <summary>The reference protocol, dosed per body surface area, with a baseline form that records it.</summary>
    private static JsonNode Definition()
    {
        var d = TestStudies.ReferenceJson;
        d["treatment"]!["doseUnit"] = "mg/m2";
        d["treatment"]!["doseBasisItem"] = "body.bsaM2";
        d["treatment"]!["arms"]![0]!["doseLevels"] = new JsonArray(75, 60);
        d["forms"]!.AsArray().Add(JsonNode.Parse("""
            {"name": "body", "title": "Body size", "baseline": true, "groups": [{"name": "BODY", "title": "Body size", "items": [
              {"name": "bsaM2", "question": "Body surface area", "dataType": "float", "unit": "m2", "mandatory": true, "hard": {"min": 0.5, "max": 3}}]}]}
            """));
        return d;
    }

    private async Task<CasebookClient> Enrolled(string number)
    {
        var admin = await app.ClientFor("bsa.admin", ["admin"]);
        if ((await admin.GetAsync($"/studies/{StudyId}")).StatusCode == HttpStatusCode.NotFound)
        {
            await (await admin.PostJson("/studies", new { studyId = StudyId, title = "Per body surface", definition = Definition() })).ShouldBe(HttpStatusCode.Created);
            await (await admin.PostJson($"/studies/{StudyId}/sites", new { siteId = "S1", name = "Site" })).ShouldBe(HttpStatusCode.OK);
        }
        var subject = new CasebookClient(await app.ClientFor("bsa.cra", ["cra"], $"{StudyId}/S1"), number, StudyId);
        await subject.Enrol("S1");
        return subject;
    }

    [Fact]
    public async Task a_dose_in_mg_per_m2_needs_the_body_surface_first_and_shows_the_total()
    {
        var subject = await Enrolled("B-01");
        var refused = await subject.Post("/first-dose", new { date = "2021-03-04", dose = 75 }, HttpStatusCode.BadRequest);
        Assert.Contains("body.bsaM2", refused.GetProperty("errors").GetProperty("first-dose.dose")[0].GetString());

        await subject.Post("/forms/body", new { data = new { bsaM2 = 1.8 } });
        var dosed = await subject.Post("/first-dose", new { date = "2021-03-04", dose = 75 });
        Assert.Equal("mg/m2", dosed.GetProperty("doseUnit").GetString());
        Assert.Equal(135m, dosed.GetProperty("currentDoseTotalMg").GetDecimal());

        var corrected = await subject.Post("/corrections", new { form = "body", field = "bsaM2", newValue = 2.0, reason = "Re-measured" });
        Assert.Equal(150m, corrected.GetProperty("currentDoseTotalMg").GetDecimal());
    }

    [Fact]
    public async Task a_dose_off_the_arms_levels_is_refused_on_entry_and_on_correction()
    {
        var subject = await Enrolled("B-02");
        await subject.Post("/forms/body", new { data = new { bsaM2 = 1.7 } });
        var refused = await subject.Post("/first-dose", new { date = "2021-03-04", dose = 70 }, HttpStatusCode.BadRequest);
        Assert.Contains("75, 60 mg/m2", refused.GetProperty("errors").GetProperty("first-dose.dose")[0].GetString());
        await subject.Post("/first-dose", new { date = "2021-03-04", dose = 60 });
        await subject.Post("/corrections", new { form = "first-dose", field = "dose", newValue = 12, reason = "Typo" }, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task the_body_surface_cannot_be_corrected_away_once_doses_depend_on_it()
    {
        var subject = await Enrolled("B-03");
        await subject.Post("/forms/body", new { data = new { bsaM2 = 1.9 } });
        await subject.Post("/first-dose", new { date = "2021-03-04", dose = 75 });
        var refused = await subject.Post("/corrections", new { form = "body", field = "bsaM2", newValue = (decimal?)null, reason = "Unknown" }, HttpStatusCode.BadRequest);
        Assert.True(refused.GetProperty("errors").TryGetProperty("body.bsaM2", out _), refused.GetRawText());
    }
}
