using System.Net;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Analyses;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Analyses;

/// <summary>
/// A study with subjects enrolled but never dosed, analysed from a soft lock over HTTP: the untreated are in the flow
/// table and nowhere else, an event before the first dose is no treatment-emergent event, the report states each
/// table's population and the lock's provenance, and every analysis JSON validates against the published schema.
/// </summary>
public class AnalysisPopulationTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private const string Study = "POP-STUDY";

    private async Task Setup()
    {
        var admin = await app.ClientFor("pop-admin", ["admin"]);
        if ((await admin.GetAsync($"/studies/{Study}")).StatusCode == HttpStatusCode.OK) return;
        await (await admin.PostJson("/studies", new { studyId = Study, title = "Populations", definition = TestStudies.ReferenceJson })).ShouldBe(HttpStatusCode.Created);
        await (await admin.PostJson($"/studies/{Study}/sites", new { siteId = "P1", name = "Site P1" })).ShouldBe(HttpStatusCode.OK);
        var cra = await app.ClientFor("cra.p1", ["cra"], $"{Study}/P1");
        for (var i = 1; i <= 7; i++)
        {
            var subject = new CasebookClient(cra, $"P-{i}", Study);
            await subject.Enrol("P1", "2021-03-01", "2021-03-01");
            if (i > 2) continue; // P-3 to P-7 are never dosed.
            // An event before the first dose that never worsens, and one after it.
            await subject.Post("/adverse-events", new { adverseEventId = "AE1", term = "Fatigue", grade = 2, onsetDate = "2021-03-02", serious = false, relation = "NotRelated", action = "None" });
            await subject.Post("/first-dose", new { date = "2021-03-05", dose = 12 });
            if (i == 1) await subject.Post("/adverse-events", new { adverseEventId = "AE2", term = "Hypertension", grade = 3, onsetDate = "2021-03-20", serious = false, relation = "Possible", action = "None" });
            await subject.Post("/contacts", new { date = "2021-06-01", method = "clinic" });
        }
        var dm = await app.ClientFor("dm.p1", ["data-manager"], $"{Study}/P1");
        await (await dm.PostJson("/locks", new { studyId = Study, name = "pop-interim", cutoff = "2021-06-30", reason = "Interim", kind = "Soft" })).ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task untreated_subjects_are_in_the_flow_table_only_and_the_soft_lock_says_what_was_open()
    {
        await Setup();
        var statistician = await app.ClientFor("stat.pop", ["statistician"]);
        var analysis = AnalysisSchema.Valid(await (await statistician.GetAsync("/locks/pop-interim/analysis")).Content.ReadAsStringAsync());

        Assert.Equal(7, analysis["n"]!.GetValue<int>());
        var flow = analysis["flow"]!.AsArray();
        Assert.Equal([7, 2, 0], flow.Select(f => f!["n"]!.GetValue<int>()));
        Assert.Equal("not treated (no dose received)", flow[1]!["excluded"]![0]!["reason"]!.GetValue<string>());
        Assert.Equal(5, flow[1]!["excluded"]![0]!["n"]!.GetValue<int>());
        Assert.Equal(2, flow[2]!["excluded"]![0]!["n"]!.GetValue<int>()); // no tumour assessment yet
        // Nobody evaluable for response; the survival and safety tables have the two dosed subjects.
        Assert.Equal(0, analysis["bestOverallResponse"]!.AsObject().Sum(r => r.Value!.GetValue<int>()));
        Assert.Equal(2, analysis["osMonths"]!["n"]!.GetValue<int>());
        Assert.Equal(2, analysis["adverseEvents"]!["n"]!.GetValue<int>());
        Assert.Equal(0.0, analysis["exposure"]!["cycles"]!["median"]!.GetValue<double>());

        // Fatigue began before the first dose and never worsened: not treatment-emergent. Hypertension is.
        Assert.Equal(["Hypertension"], AnalysisJson.AdverseEventTerms(analysis));
        Assert.Equal([1, 0, 0, 1, 0, 0], AnalysisJson.AdverseEventCounts(analysis, "Hypertension")!.Select(c => c!.GetValue<int>()));
        Assert.Equal(50.0, analysis["adverseEventTable"]![0]!["anyGrade"]!["percent"]!.GetValue<double>());

        var provenance = analysis["provenance"]!;
        Assert.Equal("soft", provenance["lock"]!["kind"]!.GetValue<string>());
        Assert.Equal(7, provenance["dataStatus"]!["unsignedCasebooks"]!.GetValue<int>());
        Assert.True(provenance["dataStatus"]!["unverifiedForms"]!.GetValue<int>() >= 7);
        Assert.False(provenance["dataStatus"]!["clean"]!.GetValue<bool>());

        var markdown = await (await statistician.GetAsync("/locks/pop-interim/analysis?format=md")).Content.ReadAsStringAsync();
        Assert.Contains("Lock: pop-interim, soft lock", markdown);
        Assert.Contains("Interim analysis of a soft lock", markdown);
        Assert.Contains("7 unsigned and 0 voided", markdown);
        Assert.Contains("| Safety set | enrolled subjects who received at least one dose | 2 | not treated (no dose received): 5 |", markdown);
        Assert.Contains("## Tumour response, RECIST 1.1 (Efficacy-evaluable set, n = 0)", markdown);
        Assert.Contains("## Dose exposure (Safety set, n = 2)", markdown);
        Assert.Contains("## Baseline characteristics (Enrolled set, n = 7)", markdown);
    }

    [Fact]
    public async Task a_plan_defines_the_populations_and_treatment_emergence_and_refuses_survival_on_the_enrolled_set()
    {
        await Setup();
        var statistician = await app.ClientFor("stat.pop", ["statistician"]);
        var bad = await (await statistician.PostJson("/analysis-plans", new
        {
            studyId = Study, name = "enrolled-survival", pfsCovariates = new[] { "age" }, ties = "Breslow", rationale = "x",
            populations = new { survivalSet = "Enrolled" },
        })).ShouldBe(HttpStatusCode.BadRequest);
        Assert.Contains("first dose", bad.GetProperty("errors").GetProperty("populations.survivalSet")[0].GetString());

        await (await statistician.PostJson("/analysis-plans", new
        {
            studyId = Study, name = "no-assessment-needed", pfsCovariates = new[] { "age" }, ties = "Breslow", rationale = "Response on every treated eligible subject",
            populations = new { evaluableRequiresEligibility = true, evaluableRequiresPostBaselineAssessment = false, survivalSet = "Evaluable", treatmentEmergence = "Onset" },
        })).ShouldBe(HttpStatusCode.Created);
        var analysis = AnalysisSchema.Valid(await (await statistician.GetAsync("/locks/pop-interim/analysis?plan=no-assessment-needed&profile=r")).Content.ReadAsStringAsync());
        Assert.Equal([7, 2, 2], analysis["flow"]!.AsArray().Select(f => f!["n"]!.GetValue<int>()));
        Assert.Equal("Evaluable", analysis["populationRules"]!["survivalSet"]!.GetValue<string>());
        Assert.Equal("Onset", analysis["plan"]!["populations"]!["treatmentEmergence"]!.GetValue<string>());
        Assert.Equal(2, analysis["bestOverallResponse"]!["NE"]!.GetValue<int>());
    }

    [Fact]
    public async Task an_as_of_analysis_has_no_lock_and_validates_too()
    {
        await Setup();
        var auditor = await app.ClientFor("aud.pop", ["auditor"]);
        var analysis = AnalysisSchema.Valid(await (await auditor.GetAsync($"/analyses/as-of?studyId={Study}&at=2030-01-01T00:00:00Z&cutoff=2021-06-30")).Content.ReadAsStringAsync());
        Assert.Null(analysis["provenance"]!["lock"]);
        Assert.NotNull(analysis["provenance"]!["asOf"]);
        var markdown = await (await auditor.GetAsync($"/analyses/as-of?studyId={Study}&at=2030-01-01T00:00:00Z&cutoff=2021-06-30&format=md")).Content.ReadAsStringAsync();
        Assert.Contains("(unpersisted snapshot, no lock;", markdown);
        Assert.DoesNotContain("soft lock", markdown);
        var inForce = AnalysisSchema.Valid(await (await auditor.GetAsync($"/analyses/in-force?studyId={Study}&on=2030-01-01T00:00:00Z")).Content.ReadAsStringAsync());
        Assert.Equal("pop-interim", inForce["lock"]!["name"]!.GetValue<string>());
    }
}
