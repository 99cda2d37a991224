using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using NpcEcrf.Api.Tests.Infrastructure;
using NpcEcrf.Api.Tests.RuleModel;
using Xunit.Abstractions;

namespace NpcEcrf.Api.Tests.Trust;

/// <summary>
/// Every operation, for every role, from the subject's own site, another site of the study, and the same site id in
/// another study. The operations come from the endpoint list: a new endpoint without a row here fails the test.
/// Allowed means the request got past authorisation (any answer but 401, 403 and, for site data, 404); refused means
/// 403 or 404 (another site's records are invisible).
/// </summary>
public class AccessMatrixTests(StudyFixture app, ITestOutputHelper output) : IClassFixture<StudyFixture>
{
    private static readonly string[] AllRoles = ["cra", "investigator", "monitor", "data-manager", "auditor", "statistician", "admin"];
    private static readonly string[] Site = ["cra", "investigator"];
    private static readonly string[] Reviewers = ["monitor", "data-manager"];
    private static readonly string[] Readers = ["cra", "investigator", "monitor", "data-manager", "auditor", "admin"];
    private static readonly string[] LockReaders = ["data-manager", "statistician", "auditor", "admin", "monitor"];
    private static readonly string[] StudyWide = ["statistician", "auditor", "admin"];

    /// <summary>
    /// Who may, whether it is site data, and a body for writes that RequestSamples.Bodies has none for. A study-scoped
    /// operation is open to those roles in any site of the study, not in another study (admins anywhere).
    /// </summary>
    private sealed record Rule(string[] Roles, bool SiteData, object? Body = null, bool StudyScoped = false);

    private const string S = RequestSamples.S;

    private static readonly Dictionary<string, Rule> Rules = new()
    {
        ["GET /analyses/as-of"] = new(["auditor"], false),
        ["GET /analyses/in-force"] = new(StudyWide, false),
        ["GET /analysis-plans"] = new(["statistician", "auditor", "data-manager", "admin"], false),
        ["POST /analysis-plans"] = new(["statistician"], false, new { studyId = AppFixture.FixtureStudy, name = "matrix-{n}", pfsCovariates = new[] { "metastatic-sites.liver" }, ties = "Breslow", rationale = "Matrix" }),
        ["GET /audit"] = new(["auditor", "admin", "monitor", "data-manager"], false),
        ["GET /audit/export.csv"] = new(["auditor", "admin", "monitor", "data-manager"], false),
        ["GET /audit/verify"] = new(["auditor", "admin"], false),
        ["POST /data-queries"] = new(Reviewers, true),
        ["GET /data-queries/{id:guid}"] = new(Readers, true),
        ["POST /data-queries/{id:guid}/answer"] = new(Site, true),
        ["POST /data-queries/{id:guid}/cancel"] = new(Reviewers, true),
        ["POST /data-queries/{id:guid}/close"] = new(Reviewers, true),
        ["POST /data-queries/{id:guid}/reopen"] = new(Reviewers, true),
        ["POST /locks"] = new(["data-manager"], false, new { studyId = "MATRIX-2", name = "matrix-{n}", cutoff = "2021-12-31", reason = "Matrix", kind = "Soft" }),
        ["GET /locks/"] = new(LockReaders, false),
        ["GET /locks/{lockRef}"] = new(LockReaders, false),
        ["GET /locks/{lockRef}/analysis"] = new(StudyWide, false),
        ["GET /locks/{lockRef}/snapshot"] = new(LockReaders, false),
        ["GET /locks/{lockRef}/export/{standard}"] = new(StudyWide, false),
        ["GET /locks/{lockRef}/export/odm"] = new(StudyWide, false),
        ["GET /studies/{studyId}/export/{standard}"] = new(["auditor"], false),
        ["POST /locks/{lockRef}/unlock"] = new(["data-manager"], false, new { reason = "Matrix" }),
        ["GET /locks/{lockRef}/verify"] = new(LockReaders, false),
        ["GET /studies"] = new(AllRoles, false),
        ["POST /studies"] = new(["admin", "data-manager"], false, new { studyId = "MX-{n}", title = "Matrix", definition = TestStudies.ReferenceJson }),
        ["GET /studies/{studyId}"] = new(AllRoles, false),
        ["GET /studies/{studyId}/definition"] = new(AllRoles, false),
        // Subjects are enrolled: without a reason the amendment is a 400 (past authorisation) and nothing is written.
        ["PUT /studies/{studyId}/definition"] = new(["admin", "data-manager"], false, new { definition = TestStudies.ReferenceJson }, StudyScoped: true),
        ["GET /studies/{studyId}/history"] = new(["admin", "data-manager", "auditor", "monitor"], false),
        // A list: every reader gets in and sees the screen failures of the sites they may see.
        ["GET /studies/{studyId}/screen-failures"] = new(Readers, false),
        ["POST /studies/{studyId}/screen-failures"] = new(Site, true),
        ["GET /studies/{studyId}/definition.odm.xml"] = new(AllRoles, false),
        ["POST /studies/import-odm"] = new(["admin", "data-manager"], false),
        // A new study from an ODM file (OdmImport/): the matrix sends no file, so a permitted role gets its 400.
        ["POST /studies/import/odm"] = new(["admin", "data-manager"], false),
        ["GET /studies/{studyId}/as-of"] = new(Readers, false),
        ["GET /studies/{studyId}/data-queries/report"] = new(AllRoles, false),
        ["GET /studies/{studyId}/export/odm"] = new(["auditor", "data-manager", "admin"], false),
        ["GET /studies/{studyId}/quality-summary"] = new(AllRoles, false),
        // Without ?siteId= every site the reader may see (none, for a reader of another study): ScheduleRouteTests shows the rest.
        ["GET /studies/{studyId}/schedule"] = new(Readers, false),
        ["GET /studies/{studyId}/sdv-progress"] = new(AllRoles, false),
        ["POST /studies/{studyId}/sites"] = new(["admin"], false, new { siteId = "SX{n}", name = "Matrix site" }),
        ["GET /studies/{studyId}/sites/{siteId}/data-queries"] = new(Readers, true),
        ["GET /studies/{studyId}/sites/{siteId}/subjects"] = new(Readers, true),
        ["POST /studies/{studyId}/subjects"] = new(Site, true),
        ["GET " + S] = new(Readers, true),
        ["GET " + S + "/history"] = new(Readers, true),
        ["POST " + S + "/adverse-events"] = new(Site, true),
        ["POST " + S + "/adverse-events/{adverseEventId}/grade-changes"] = new(Site, true),
        ["POST " + S + "/adverse-events/{adverseEventId}/resolution"] = new(Site, true),
        ["POST " + S + "/baseline-lesions"] = new(Site, true),
        ["POST " + S + "/contacts"] = new(Site, true),
        ["POST " + S + "/corrections"] = new(Site, true),
        ["POST " + S + "/cycles"] = new(Site, true),
        ["POST " + S + "/death"] = new(Site, true),
        ["POST " + S + "/demographics"] = new(Site, true),
        ["POST " + S + "/discontinuation"] = new(Site, true),
        ["POST " + S + "/dose-changes"] = new(Site, true),
        ["POST " + S + "/ecog"] = new(Site, true),
        ["POST " + S + "/first-dose"] = new(Site, true),
        ["POST " + S + "/interruptions"] = new(Site, true),
        ["POST " + S + "/lost-to-follow-up"] = new(Site, true),
        ["POST " + S + "/missed-forms"] = new(Site, true),
        ["GET " + S + "/schedule"] = new(Readers, true),
        ["POST " + S + "/forms/{form}"] = new(Site, true),
        ["POST " + S + "/resumptions"] = new(Site, true),
        ["POST " + S + "/signatures"] = new(["investigator"], true),
        ["POST " + S + "/tumour-assessments"] = new(Site, true),
        ["POST " + S + "/verifications"] = new(["monitor"], true),
        ["POST /users"] = new(["admin"], false, new { username = "mx.new{n}", printedName = "Dr New", password = AppFixture.Password, roles = new[] { "cra" } }),
        ["GET /users/"] = new(["admin", "auditor"], false),
        ["GET /users/{username}"] = new(["admin", "auditor"], false),
        ["GET /users/{username}/history"] = new(["admin", "auditor"], false),
        ["POST /users/{username}/deactivate"] = new(["admin"], false, new { reason = "Matrix" }),
        ["POST /users/{username}/password"] = new(["admin"], false, new { newPassword = "a-new-correct-horse-{n}" }),
        ["POST /users/{username}/revoke-tokens"] = new(["admin"], false, new { }),
        ["POST /users/{username}/roles"] = new(["admin"], false, new { role = "monitor" }),
        ["DELETE /users/{username}/roles/{role}"] = new(["admin"], false),
        ["POST /users/{username}/sites"] = new(["admin"], false, new { siteId = "ANLO-NPC/S2" }),
        ["DELETE /users/{username}/sites/{siteId}"] = new(["admin"], false),
    };

    /// <summary>Anyone may ask for a token; logging out ends the caller's own tokens (tested in AccessOnEveryRequestTests).</summary>
    private static readonly string[] NotInTheMatrix = ["POST /auth/token", "POST /auth/logout"];

    [Fact]
    public async Task every_role_at_every_site_relation_may_do_exactly_what_its_row_says()
    {
        var admin = await app.ClientFor("matrix.admin", ["admin"]);
        await (await admin.PostJson("/studies", new { studyId = "MATRIX-2", title = "Another study", definition = TestStudies.ReferenceJson })).ShouldBe(HttpStatusCode.Created);
        await (await admin.PostJson("/studies/MATRIX-2/sites", new { siteId = "S1", name = "Same id, other study" })).ShouldBe(HttpStatusCode.OK);
        var subject = await app.Treated("MX-01");
        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1 });
        await subject.Post("/adverse-events", new { adverseEventId = "AE1", term = "Hand-foot syndrome", grade = 2, onsetDate = "2021-03-15", serious = false, relation = "Probable", action = "None" });
        await subject.Post("/interruptions", new { interruptionId = "I1", date = "2021-04-01", reason = "Hypertension" });
        var monitor = await app.ClientFor("matrix.monitor", ["monitor"], "ANLO-NPC/S1");
        var queryId = (await (await monitor.PostJson("/data-queries", new { studyId = StudyFixture.StudyId, subjectNumber = "MX-01", form = "first-dose", field = "date", text = "Check" }))
            .ShouldBe(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await app.EnsureUser("matrix.target", ["cra"], ["ANLO-NPC/S1"]);
        var dm = await app.ClientFor("matrix.dm", ["data-manager"], "MATRIX-2/S1");
        await (await dm.PostJson("/locks", new { studyId = "MATRIX-2", name = "matrix-lock", cutoff = "2021-12-31", reason = "Matrix", kind = "Soft" })).ShouldBe(HttpStatusCode.Created);
        await (await dm.PostJson("/locks/matrix-lock/unlock", new { reason = "Matrix" })).ShouldBe(HttpStatusCode.OK);

        var endpoints = app.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .Where(op => !op.StartsWith("GET /docs") && !op.StartsWith("GET /openapi") && op != "GET /health" && !NotInTheMatrix.Contains(op))
            .Distinct().Order().ToList();
        Assert.DoesNotContain(endpoints, op => !Rules.ContainsKey(op));

        var relations = new[] { ("own site", "ANLO-NPC/S1"), ("other site", "ANLO-NPC/S2"), ("other study", "MATRIX-2/S1") };
        var clients = new Dictionary<(string, string), HttpClient>();
        foreach (var role in AllRoles)
            foreach (var (relation, site) in relations)
                clients[(role, relation)] = await app.ClientFor($"mx.{role}.{relation.Replace(' ', '-')}", [role], site);

        var n = 0;
        var wrong = new List<string>();
        foreach (var op in endpoints)
        {
            var (method, route) = (op[..op.IndexOf(' ')], op[(op.IndexOf(' ') + 1)..]);
            var rule = Rules[op];
            foreach (var role in AllRoles)
            foreach (var (relation, _) in relations)
            {
                n++;
                string Fill(string text) => text.Replace("{studyId}", StudyFixture.StudyId).Replace("{subjectNumber}", "MX-01").Replace("{siteId}", "S1")
                    .Replace("{id:guid}", queryId.ToString()).Replace("{adverseEventId}", "AE1").Replace("{lockRef}", "matrix-lock")
                    .Replace("{form}", "prior-therapy").Replace("{standard}", "adam").Replace("{username}", "matrix.target").Replace("{role}", "cra").Replace("{n}", n.ToString());
                var query = method == "GET" ? $"?studyId={StudyFixture.StudyId}&at=2030-01-01T00:00:00Z&on=2030-01-01T00:00:00Z" : "";
                using var request = new HttpRequestMessage(new HttpMethod(method), Fill(route) + query);
                if ((rule.Body ?? (method == "POST" ? RequestSamples.Bodies.GetValueOrDefault(route) : null)) is { } body)
                {
                    var json = System.Text.Json.Nodes.JsonNode.Parse(Fill(JsonSerializer.Serialize(body, HttpAssertions.Json)))!.AsObject();
                    if (route.StartsWith(S)) json["version"] = 1;
                    request.Content = new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json");
                }
                var response = await clients[(role, relation)].SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                // Segregation of duties refuses a person, not a role: the role and site got in.
                var status = text.Contains("Segregation of duties") ? 200 : (int)response.StatusCode;
                var allowed = rule.Roles.Contains(role) && (!rule.SiteData || relation == "own site" || role is "auditor" or "admin")
                    && (!rule.StudyScoped || relation != "other study" || role == "admin");
                var refused = status is 403 or 404 || (status == 401 && !allowed);
                var gotIn = status is not (401 or 403) && !(rule.SiteData && status == 404);
                if (allowed ? !gotIn : !refused)
                    wrong.Add($"{op} as {role} ({relation}): {status} {text[..Math.Min(160, text.Length)]}");
            }
        }
        output.WriteLine($"{n} cells over {endpoints.Count} operations");
        Assert.True(wrong.Count == 0, $"{wrong.Count} cells wrong:\n" + string.Join("\n", wrong.Take(60)));
    }
}
