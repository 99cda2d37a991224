using System.Net;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Trust;

/// <summary>Sites belong to a study: an assignment names a study's site, and it opens nothing in another study.</summary>
public class SiteAssignmentTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task a_user_with_an_unknown_site_is_refused_naming_it()
    {
        var admin = await app.ClientFor("admin.sites", ["admin"]);
        var problem = await (await admin.PostJson("/users", new { username = "nowhere", printedName = "Dr Nowhere", password = AppFixture.Password, roles = new[] { "cra" }, sites = new[] { "NO-SUCH-SITE" } }))
            .ShouldBe(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("sites[0]", out _), problem.GetRawText());
        await (await admin.PostJson("/users/admin.sites/sites", new { siteId = "NO-SUCH-SITE" })).ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task a_cra_of_site_sa_in_one_study_cannot_enrol_into_site_sa_of_another()
    {
        var admin = await app.ClientFor("admin.sites2", ["admin"]);
        foreach (var study in new[] { "ONC-1", "ONC-2" })
        {
            await (await admin.PostJson("/studies", new { studyId = study, title = study, definition = TestStudies.ReferenceJson })).ShouldBe(HttpStatusCode.Created);
            await (await admin.PostJson($"/studies/{study}/sites", new { siteId = "SA", name = "Site A" })).ShouldBe(HttpStatusCode.OK);
        }
        var ambiguous = await (await admin.PostJson("/users", new { username = "cra.sa", printedName = "Dr SA", password = AppFixture.Password, roles = new[] { "cra" }, sites = new[] { "SA" } }))
            .ShouldBe(HttpStatusCode.BadRequest);
        Assert.Contains("ONC-1/SA", ambiguous.GetRawText());
        var cra = await app.ClientFor("cra.onc1", ["cra"], "ONC-1/SA");
        object Enrolment(string number) => new { subjectNumber = number, siteId = "SA", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible };
        await (await cra.PostJson("/studies/ONC-1/subjects", Enrolment("SA-01"))).ShouldBe(HttpStatusCode.Created);
        await (await cra.PostJson("/studies/ONC-2/subjects", Enrolment("SA-02"))).ShouldBe(HttpStatusCode.Forbidden);
        await (await cra.GetAsync("/studies/ONC-2/sites/SA/subjects")).ShouldBe(HttpStatusCode.Forbidden);
    }
}
