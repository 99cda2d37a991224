using NpcEcrf.Api.Analyses;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Analyses;

/// <summary>Plans are per study, their covariates are the study's factors, and a study of two arms is analysed by arm.</summary>
public class AnalysisPlanTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private const string TwoArms = "TWO-ARM";

    private static object Plan(string studyId, string name, params string[] covariates) =>
        new { studyId, name, pfsCovariates = covariates, ties = "Breslow", rationale = "Test" };

    private async Task<int> PlanCount(HttpClient client, string studyId) =>
        (await (await client.GetAsync($"/analysis-plans?studyId={studyId}")).ShouldBe(HttpStatusCode.OK)).GetArrayLength();

    /// <summary>The reference definition with a second arm.</summary>
    private async Task CreateTwoArmStudy()
    {
        var admin = await app.ClientFor("study-admin", ["admin"]);
        if ((await admin.GetAsync($"/studies/{TwoArms}")).StatusCode == HttpStatusCode.OK) return;
        var definition = TestStudies.ReferenceJson.AsObject();
        definition["treatment"]!["arms"] = new JsonArray(
            new JsonObject { ["code"] = "A", ["name"] = "Standard", ["doseLevels"] = new JsonArray(12, 10) },
            new JsonObject { ["code"] = "B", ["name"] = "Experimental", ["doseLevels"] = new JsonArray(12, 10) });
        await (await admin.PostJson("/studies", new { studyId = TwoArms, title = "Two arms", definition })).ShouldBe(HttpStatusCode.Created);
        await (await admin.PostJson($"/studies/{TwoArms}/sites", new { siteId = "T1", name = "Site T1" })).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task a_plans_covariates_are_factors_of_its_study_and_a_400_lists_them()
    {
        var statistician = await app.ClientFor("stat.plans", ["statistician"]);
        var saved = await (await statistician.PostJson("/analysis-plans", Plan(StudyFixture.StudyId, "liver-age", "metastatic-sites.liver", "disease-status.pattern", "age")))
            .ShouldBe(HttpStatusCode.Created);
        Assert.Equal(StudyFixture.StudyId, saved.GetProperty("studyId").GetString());

        var before = await PlanCount(statistician, StudyFixture.StudyId);
        // The old fixed name, a single-arm study's arm, and a date item are none of this study's factors.
        foreach (var wrong in new[] { "liverMetastases", "arm", "disease-status.diagnosisDate" })
        {
            var problem = await (await statistician.PostJson("/analysis-plans", Plan(StudyFixture.StudyId, $"wrong-{wrong.Replace('.', '-')}", wrong, "age")))
                .ShouldBe(HttpStatusCode.BadRequest);
            var message = problem.GetProperty("errors").GetProperty("pfsCovariates")[0].GetString()!;
            Assert.Contains($"'{wrong}'", message);
            foreach (var allowed in new[] { "age", "sex", "ecog", "metastatic-sites.liver", "disease-status.pattern", "prior-therapy.priorSystemicLines" })
                Assert.Contains(allowed, message);
        }
        Assert.Equal(before, await PlanCount(statistician, StudyFixture.StudyId));
        await (await statistician.PostJson("/analysis-plans", Plan("NO-SUCH-STUDY", "p", "age"))).ShouldBe(HttpStatusCode.NotFound);
        await (await statistician.PostJson("/analysis-plans", new { name = "no-study", pfsCovariates = new[] { "age" }, ties = "Breslow", rationale = "x" }))
            .ShouldBe(HttpStatusCode.BadRequest);
        // Only statisticians save plans.
        var dm = await app.ClientFor("dm.plans", ["data-manager"]);
        await (await dm.PostJson("/analysis-plans", Plan(StudyFixture.StudyId, "by-dm", "age"))).ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task plan_names_are_unique_within_a_study_and_free_across_studies()
    {
        await CreateTwoArmStudy();
        var statistician = await app.ClientFor("stat.plans", ["statistician"]);
        await (await statistician.PostJson("/analysis-plans", Plan(StudyFixture.StudyId, "primary", "age"))).ShouldBe(HttpStatusCode.Created);
        await (await statistician.PostJson("/analysis-plans", Plan(StudyFixture.StudyId, "primary", "sex"))).ShouldBe(HttpStatusCode.Conflict);
        await (await statistician.PostJson("/analysis-plans", Plan(TwoArms, "primary", "arm"))).ShouldBe(HttpStatusCode.Created);
        var ofTwoArms = await (await statistician.GetAsync($"/analysis-plans?studyId={TwoArms}")).ShouldBe(HttpStatusCode.OK);
        var primary = ofTwoArms.EnumerateArray().Single(p => p.GetProperty("plan").GetProperty("name").GetString() == "primary");
        Assert.Equal(["arm"], primary.GetProperty("plan").GetProperty("pfsCovariates").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task a_study_of_two_arms_is_analysed_by_arm_with_the_arm_a_factor_and_a_plan_of_another_study_is_refused()
    {
        await CreateTwoArmStudy();
        var cra = await app.ClientFor("cra.t1", ["cra"], $"{TwoArms}/T1");
        // Five subjects an arm; arm A mostly dies early, arm B mostly late.
        foreach (var (number, arm, death) in new[]
                 {
                     ("A-1", "A", "2021-05-01"), ("A-2", "A", "2021-06-01"), ("A-3", "A", "2021-06-15"), ("A-4", "A", "2021-07-01"), ("A-5", "A", null),
                     ("B-1", "B", "2021-05-20"), ("B-2", "B", null), ("B-3", "B", "2021-11-01"), ("B-4", "B", null), ("B-5", "B", "2021-10-01"),
                 })
        {
            await (await cra.PostJson($"/studies/{TwoArms}/subjects", new { subjectNumber = number, siteId = "T1", arm, consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible }))
                .ShouldBe(HttpStatusCode.Created);
            var subject = new CasebookClient(cra, number, TwoArms);
            var casebook = await (await cra.GetAsync(subject.Url)).ShouldBe(HttpStatusCode.OK);
            var version = casebook.GetProperty("version").GetInt64();
            version = (await (await cra.PostJson(subject.Url + "/first-dose", new { date = "2021-03-04", dose = 12, version })).ShouldBe(HttpStatusCode.OK)).GetProperty("version").GetInt64();
            var last = death is null
                ? await cra.PostJson(subject.Url + "/contacts", new { date = "2021-12-01", method = "clinic", version })
                : await cra.PostJson(subject.Url + "/death", new { date = death, cause = "Progression", version });
            await last.ShouldBe(HttpStatusCode.OK);
        }
        var dm = await app.ClientFor("dm.arms", ["data-manager"], $"{TwoArms}/T1");
        await (await dm.PostJson("/locks", new { studyId = TwoArms, name = "arms-final", cutoff = "2021-12-31", reason = "Analysis", kind = "Hard" })).ShouldBe(HttpStatusCode.Created);
        var statistician = await app.ClientFor("stat.plans", ["statistician"]);
        await (await statistician.PostJson("/analysis-plans", Plan(TwoArms, "by-arm", "arm"))).ShouldBe(HttpStatusCode.Created);

        var analysis = AnalysisSchema.Valid(await (await statistician.GetAsync("/locks/arms-final/analysis?plan=by-arm")).Content.ReadAsStringAsync());
        var byArm = analysis["byArm"]!;
        Assert.Equal(["A", "B"], byArm["arms"]!.AsArray().Select(a => a!["arm"]!.GetValue<string>()));
        Assert.Equal([4, 3], byArm["arms"]!.AsArray().Select(a => a!["osMonths"]!["events"]!.GetValue<int>()));
        Assert.True(byArm["osLogRank"]!["chiSquare"]!.GetValue<double>() > 1, "arm A dies sooner: the log-rank test sees it");
        Assert.Equal("B vs A", byArm["osCox"]![0]!["comparison"]!.GetValue<string>());
        Assert.True(AnalysisJson.Coefficient(analysis.AsObject(), "arm")!["hr"]!.GetValue<double>() < 1);
        Assert.Empty(analysis["coxPfsMultivariate"]!["warnings"]!.AsArray());
        Assert.Contains(analysis["coxUnivariate"]!.AsArray(), r => r!["factor"]!.GetValue<string>() == "arm");
        // Every coded or boolean baseline item of the definition is described, entered or not.
        Assert.Equal(0, AnalysisJson.BaselineLevel(analysis.AsObject(), "metastatic-sites.liver", "true")!.GetValue<int>());
        Assert.Equal(0, AnalysisJson.BaselineLevel(analysis.AsObject(), "disease-status.pattern", "Metastatic")!.GetValue<int>());

        var markdown = await (await statistician.GetAsync("/locks/arms-final/analysis?plan=by-arm&format=md")).Content.ReadAsStringAsync();
        Assert.Contains("## By arm: log-rank tests", markdown);
        Assert.Contains("| Experimental (B) | 5 |", markdown);
        var html = await (await statistician.GetAsync("/locks/arms-final/analysis?format=html")).Content.ReadAsStringAsync();
        Assert.Contains("id=\"km-os-by-arm\"", html);
        Assert.Contains("class=\"log-rank\"", html);

        // A format the reports do not come in is refused, not answered as JSON.
        var unknown = await (await statistician.GetAsync("/locks/arms-final/analysis?format=docx")).ShouldBe(HttpStatusCode.BadRequest);
        Assert.True(unknown.GetProperty("errors").TryGetProperty("format", out _));

        // The PDF of the same report, asked for by format= or by the Accept header.
        using var byAccept = new HttpRequestMessage(HttpMethod.Get, "/locks/arms-final/analysis?plan=by-arm");
        byAccept.Headers.Accept.ParseAdd("application/pdf");
        foreach (var response in new[] { await statistician.GetAsync("/locks/arms-final/analysis?plan=by-arm&format=pdf"), await statistician.SendAsync(byAccept) })
        {
            if (NpcEcrf.Api.Analyses.PdfReport.FindChromium() is null)
            {
                var missing = await response.ShouldBe(HttpStatusCode.NotImplemented);
                Assert.Contains("apt-get install chromium", missing.GetProperty("detail").GetString());
                continue;
            }
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString((await response.Content.ReadAsByteArrayAsync())[..4]));
        }

        // The reference study's plan is not this study's: refused, naming it.
        await (await statistician.PostJson("/analysis-plans", Plan(StudyFixture.StudyId, "reference-only", "age"))).ShouldBe(HttpStatusCode.Created);
        var refused = await (await statistician.GetAsync("/locks/arms-final/analysis?plan=reference-only")).ShouldBe(HttpStatusCode.BadRequest);
        var why = refused.GetProperty("errors").GetProperty("plan")[0].GetString()!;
        Assert.Contains("'reference-only'", why);
        Assert.Contains(StudyFixture.StudyId, why);
        await (await statistician.GetAsync("/locks/arms-final/analysis?plan=no-such-plan")).ShouldBe(HttpStatusCode.BadRequest);
    }
}
