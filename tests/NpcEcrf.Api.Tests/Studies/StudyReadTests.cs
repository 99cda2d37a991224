using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Studies;

/// <summary>GET /studies, /studies/{id}/definition and /studies/{id}/history: the studies, any version of a definition, and who changed what.</summary>
public class StudyReadTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static StudyDefinition Reference => TestStudies.Reference;

    [Fact]
    public async Task every_role_lists_the_studies_with_their_sites_and_the_latest_version_and_the_one_in_force()
    {
        var (admin, cra) = await app.NewStudy("RD-LIST");
        await cra.Enrolled("RD-LIST", "R-01");
        await (await admin.Amend("RD-LIST", Reference with { Protocol = "Amended" }, StudyBuilding.Today.AddDays(7))).ShouldBe(HttpStatusCode.OK);

        var statistician = await app.ClientFor("rd.statistician", ["statistician"]);
        var studies = await (await statistician.GetAsync("/studies")).ShouldBe(HttpStatusCode.OK);
        var ids = studies.EnumerateArray().Select(s => s.GetProperty("studyId").GetString()).ToList();
        Assert.Contains(AppFixture.FixtureStudy, ids);
        var study = studies.EnumerateArray().Single(s => s.GetProperty("studyId").GetString() == "RD-LIST");
        Assert.Equal("Study RD-LIST", study.GetProperty("title").GetString());
        Assert.Equal(["S1"], study.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("siteId").GetString()));
        Assert.Equal(2, study.GetProperty("latestVersion").GetInt32());
        Assert.Equal(1, study.GetProperty("versionInForce").GetInt32());
    }

    [Fact]
    public async Task the_definition_is_read_at_any_version_as_the_document_that_was_sent_and_can_be_sent_back()
    {
        var (admin, cra) = await app.NewStudy("RD-DEF");
        var revised = Reference with { Treatment = Reference.Treatment with { CycleDays = 28 } };
        await (await admin.PutDefinition("RD-DEF", new { definition = StudyBuilding.Json(revised) })).ShouldBe(HttpStatusCode.OK);

        var inForce = await (await cra.GetAsync("/studies/RD-DEF/definition")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(2, inForce.GetProperty("version").GetInt32());
        Assert.True(inForce.GetProperty("inForce").GetBoolean());
        var first = await (await cra.GetAsync("/studies/RD-DEF/definition?version=1")).ShouldBe(HttpStatusCode.OK);
        Assert.False(first.GetProperty("inForce").GetBoolean());
        Assert.Equal("studies.admin", first.GetProperty("changedBy").GetString());
        // Version 1 reads as the reference document, as strictly as a posted one, and says only what a data manager writes.
        var read = first.GetProperty("definition");
        Assert.False(read.GetProperty("treatment").TryGetProperty("daysOff", out _));
        Assert.Equal("integer", read.GetProperty("forms")[2].GetProperty("groups")[0].GetProperty("items")[0].GetProperty("dataType").GetString());
        Assert.Equal(JsonSerializer.Serialize(Reference, NpcEcrf.Api.Demo.StudyDefinitions.Strict),
            JsonSerializer.Serialize(read.Deserialize<StudyDefinition>(NpcEcrf.Api.Demo.StudyDefinitions.Strict), NpcEcrf.Api.Demo.StudyDefinitions.Strict));

        await (await cra.GetAsync("/studies/RD-DEF/definition?version=3")).ShouldBe(HttpStatusCode.NotFound);
        await (await cra.GetAsync("/studies/RD-NONE/definition")).ShouldBe(HttpStatusCode.NotFound);

        // What is read is what a data manager sends back.
        await (await admin.PutDefinition("RD-DEF", new { definition = JsonNode.Parse(first.GetProperty("definition").GetRawText()) })).ShouldBe(HttpStatusCode.OK);
        var back = await (await cra.GetAsync("/studies/RD-DEF/definition")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(3, back.GetProperty("version").GetInt32());
        Assert.Equal(21, back.GetProperty("definition").GetProperty("treatment").GetProperty("cycleDays").GetInt32());
    }

    [Fact]
    public async Task the_history_says_each_version_site_and_lock_with_who_when_and_why_to_those_who_oversee_the_study()
    {
        const string id = "RD-HIST";
        var (admin, cra) = await app.NewStudy(id);
        await (await admin.PutDefinition(id, new { definition = StudyBuilding.Json(Reference with { Protocol = "Revised" }) })).ShouldBe(HttpStatusCode.OK);
        await cra.Enrolled(id, "H-01");
        await (await admin.Amend(id, Reference with { Protocol = "Amended" })).ShouldBe(HttpStatusCode.OK);
        await (await admin.PostJson($"/studies/{id}/sites", new { siteId = "S2", name = "Site two", timeZone = "Asia/Shanghai" })).ShouldBe(HttpStatusCode.OK);
        var dm = await app.ClientFor("rd.dm", ["data-manager"]);
        await (await dm.PostJson("/locks", new { studyId = id, name = "rd-interim", cutoff = StudyBuilding.Date(StudyBuilding.Today), reason = "Interim", kind = "Soft" })).ShouldBe(HttpStatusCode.Created);

        foreach (var role in new[] { "admin", "data-manager", "auditor", "monitor" })
        {
            var reader = await app.ClientFor($"rd.history.{role}", [role]);
            var history = await (await reader.GetAsync($"/studies/{id}/history")).ShouldBe(HttpStatusCode.OK);
            Assert.Equal("studies.admin", history.GetProperty("createdBy").GetString());
            var versions = history.GetProperty("definitions").EnumerateArray().ToList();
            Assert.Equal(["initial", "revision", "amendment"], versions.Select(v => v.GetProperty("kind").GetString()));
            Assert.Equal([1, 2, 3], versions.Select(v => v.GetProperty("version").GetInt32()));
            Assert.Equal("Protocol amendment 1", versions[2].GetProperty("reason").GetString());
            Assert.Equal(JsonValueKind.Null, versions[1].GetProperty("reason").ValueKind);
            Assert.All(versions, v => Assert.Equal("studies.admin", v.GetProperty("by").GetString()));
            Assert.True(versions[2].GetProperty("at").GetDateTimeOffset() > versions[1].GetProperty("at").GetDateTimeOffset());
            Assert.Equal(["S1", "S2"], history.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("siteId").GetString()));
            Assert.Equal("Asia/Shanghai", history.GetProperty("sites")[1].GetProperty("timeZone").GetString());
            var locks = history.GetProperty("locks").EnumerateArray().ToList();
            Assert.Equal("rd-interim", Assert.Single(locks).GetProperty("name").GetString());
            Assert.Equal("rd.dm", locks[0].GetProperty("by").GetString());
        }
        foreach (var role in new[] { "cra", "investigator", "statistician" })
            await (await (await app.ClientFor($"rd.history.{role}", [role])).GetAsync($"/studies/{id}/history")).ShouldBe(HttpStatusCode.Forbidden);
        await (await admin.GetAsync("/studies/RD-NONE/history")).ShouldBe(HttpStatusCode.NotFound);
    }
}
