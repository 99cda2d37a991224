using System.Net;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Trust;

/// <summary>A monitor or data manager of one site sees that site's subjects in whole-study outputs, or is refused.</summary>
public class LeastExposureTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private async Task<(HttpClient SiteOneDataManager, Guid LockId)> LockedWithTwoSites()
    {
        await app.Enrolled("LE-01", "S1");
        await app.Enrolled("LE-02", "S2");
        var dm = await app.ClientFor("dm.le.s1", ["data-manager"], "S1");
        var locked = await (await dm.PostJson("/locks", new { studyId = StudyFixture.StudyId, name = "le-1", cutoff = "2021-12-31", reason = "Check", kind = "Soft" }))
            .ShouldBe(HttpStatusCode.Created);
        return (dm, locked.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task a_site_data_manager_gets_only_their_sites_part_of_a_snapshot_and_no_analysis()
    {
        var (dm, id) = await LockedWithTwoSites();
        var snapshot = await (await dm.GetAsync($"/locks/{id}/snapshot")).ShouldBe(HttpStatusCode.OK);
        Assert.All(snapshot.GetProperty("subjects").EnumerateArray(), s => Assert.Equal("S1", s.GetProperty("siteId").GetString()));
        Assert.Contains(snapshot.GetProperty("subjects").EnumerateArray(), s => s.GetProperty("subjectNumber").GetString() == "LE-01");
        await (await dm.GetAsync($"/locks/{id}/analysis")).ShouldBe(HttpStatusCode.Forbidden);

        var auditor = await app.ClientFor("auditor.le", ["auditor"]);
        var whole = await (await auditor.GetAsync($"/locks/{id}/snapshot")).ShouldBe(HttpStatusCode.OK);
        Assert.Contains(whole.GetProperty("subjects").EnumerateArray(), s => s.GetProperty("subjectNumber").GetString() == "LE-02");
        await (await dm.PostJson($"/locks/{id}/unlock", new { reason = "Test over" })).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task a_site_data_managers_odm_export_holds_only_their_sites_subjects()
    {
        await app.Enrolled("LE-03", "S1");
        await app.Enrolled("LE-04", "S2");
        await app.ClientFor("cra.le.s2only", ["cra"], "S2");
        var dm = await app.ClientFor("dm.le.export", ["data-manager"], "S1");
        var xml = await (await dm.GetAsync($"/studies/{StudyFixture.StudyId}/export/odm")).Content.ReadAsStringAsync();
        Assert.Contains("SubjectKey=\"LE-03\"", xml);
        Assert.DoesNotContain("SubjectKey=\"LE-04\"", xml);
        Assert.DoesNotContain("LocationOID=\"S2\"", xml);
        // Nor the accounts of the sites they do not see: only those the file names or their own sites hold.
        Assert.DoesNotContain("cra.le.s2only", xml);
        Assert.Contains("<LoginName>dm.le.export</LoginName>", xml);
        // An auditor, who sees every site, gets that account with its site.
        var auditor = await app.ClientFor("aud.le.export", ["auditor"]);
        Assert.Contains("<LoginName>cra.le.s2only</LoginName>", await (await auditor.GetAsync($"/studies/{StudyFixture.StudyId}/export/odm")).Content.ReadAsStringAsync());
    }
}
