using NpcEcrf.Api.Tests.Analyses;
using NpcEcrf.Api.Analyses;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NpcEcrf.Api.Demo;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NpcEcrf.Api.Tests.Demo;

/// <summary>
/// Runs the second study (Demo/Studies/gem-pdac.json) end to end through the API, as ./npc-ecrf demo --study gem-pdac
/// does, and builds two more studies from the same definition file to try its rules both ways.
/// </summary>
public sealed class SecondStudyFixture : AppFixture
{
    public GemPdacResult Result { get; private set; } = null!;
    public List<string> Progress { get; } = [];
    public TimeSpan Elapsed { get; private set; }
    /// <summary>A study with the same definition, for entries the demo does not make (and refusals).</summary>
    public const string Rules = "GEM-RULES";
    /// <summary>A study with the same definition that is amended while the test runs.</summary>
    public const string Amended = "GEM-AMEND";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using (var session = Store.LightweightSession())
            await CreateUser.Run(session, NpcEcrf.Api.Infrastructure.Actor.Operator("test-setup"), new CreateUser("admin", "Administrator", DemoSession.Password, ["admin"], []), default);
        var clock = Stopwatch.StartNew();
        Result = await new GemPdacDemo(Anonymous(), line => Progress.Add($"{clock.Elapsed.TotalSeconds,5:0.0} s  {line}")).Run("admin", Path.Combine(Path.GetTempPath(), "npcecrf-gem-pdac-" + Guid.NewGuid().ToString("N")[..8]));
        Elapsed = clock.Elapsed;

        var admin = await ClientFor("rules.admin", ["admin"]);
        foreach (var (study, site) in new[] { (Rules, "R1"), (Amended, "A1") })
        {
            await (await admin.PostJson("/studies", new { studyId = study, title = "Second study's rules", definition = Definition })).ShouldBe(HttpStatusCode.Created);
            await (await admin.PostJson($"/studies/{study}/sites", new { siteId = site, name = "Rules site" })).ShouldBe(HttpStatusCode.OK);
        }
    }

    /// <summary>The definition as the data manager's file has it.</summary>
    public static JsonElement Definition => JsonDocument.Parse(File.ReadAllText(StudyDefinitions.PathOf(GemPdacStudy.Name))).RootElement;

    /// <summary>A CRA of the study's one site enrols a subject in an arm (screening on 2024-03-01, first dose due 2024-03-04).</summary>
    public async Task<CasebookClient> Enrolled(string study, string subjectNumber, string arm)
    {
        var site = study == Rules ? "R1" : "A1";
        var subject = new CasebookClient(await ClientFor($"cra.{site.ToLowerInvariant()}", ["cra"], $"{study}/{site}"), subjectNumber, study);
        await subject.EnrolWith(new { subjectNumber, siteId = site, consentDate = "2024-02-23", enrolmentDate = "2024-03-01", arm, eligibility = GemPdacStudy.Eligible });
        return subject;
    }
}

public class SecondStudyDemoTests(SecondStudyFixture demo, ITestOutputHelper output) : IClassFixture<SecondStudyFixture>
{
    private GemPdacResult R => demo.Result;

    private static object Labs(string key, string date, decimal anc = 4.1m, decimal haemoglobin = 12.3m, decimal platelets = 240m, decimal? bilirubin = null) =>
        new { key, data = bilirubin is null ? (object)new { date, anc, haemoglobin, platelets } : new { date, anc, haemoglobin, platelets, bilirubin } };

    private static readonly object Body = new { data = new { heightCm = 170, weightKg = 68, bsaM2 = 1.79 } };

    private static IEnumerable<string> Fields(JsonElement problem) => problem.GetProperty("errors").EnumerateObject().Select(e => e.Name);

    [Fact]
    public async Task every_subject_is_enrolled_in_its_arm_and_the_analysis_of_each_lock_counts_them()
    {
        foreach (var line in demo.Progress) output.WriteLine(line);
        output.WriteLine($"Demo run: {demo.Elapsed.TotalSeconds:0.0} s");
        Assert.True(R.Succeeded);
        var auditor = await demo.ClientFor("gp.auditor", ["auditor"]);
        var snapshot = await (await auditor.GetAsync($"/locks/{GemPdacDemo.FinalLock}/snapshot")).ShouldBe(HttpStatusCode.OK);
        var arms = snapshot.GetProperty("subjects").EnumerateArray().ToDictionary(s => s.GetProperty("subjectNumber").GetString()!, s => s.GetProperty("arm").GetString());
        Assert.Equal(R.Plan.Subjects.ToDictionary(s => s.SubjectNumber, s => (string?)s.Patient.Arm), arms);
        Assert.Equal(new Dictionary<string, int> { ["RED"] = 15, ["STD"] = 21 }, R.Final.SubjectsPerArm);

        var final = await (await auditor.GetAsync($"/locks/{GemPdacDemo.FinalLock}/analysis")).ShouldBe(HttpStatusCode.OK);
        AnalysisSchema.AssertValid(final);
        Assert.Equal(36, final.GetProperty("n").GetInt32());
        var interim = await (await auditor.GetAsync($"/locks/{GemPdacDemo.InterimLock}/analysis")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(R.Plan.Subjects.Count(s => s.EnrolmentDate <= GemPdacStudy.InterimCutoff), interim.GetProperty("n").GetInt32());
        AnalysisSchema.AssertValid(interim);
        Assert.Equal(22, R.Interim.Subjects);
    }

    [Fact]
    public async Task doses_in_mg_per_m2_are_held_to_the_arms_levels_and_need_the_body_surface_area()
    {
        // In the demo: every start at the arm's level, and reductions one level down.
        var auditor = await demo.ClientFor("gp.auditor", ["auditor"]);
        var snapshot = await (await auditor.GetAsync($"/locks/{GemPdacDemo.FinalLock}/snapshot")).ShouldBe(HttpStatusCode.OK);
        foreach (var s in snapshot.GetProperty("subjects").EnumerateArray())
        {
            var (start, final) = (s.GetProperty("startingDose").GetDecimal(), s.GetProperty("finalDose").GetDecimal());
            Assert.Equal(s.GetProperty("arm").GetString() == "STD" ? 1000m : 800m, start);
            Assert.Contains(final, s.GetProperty("arm").GetString() == "STD" ? new[] { 1000m, 800m } : [800m, 600m]);
        }

        var standard = await demo.Enrolled(SecondStudyFixture.Rules, "R-001", "STD");
        var noBasis = await standard.Post("/first-dose", new { date = "2024-03-04", dose = 1000 }, HttpStatusCode.BadRequest);
        Assert.Contains("body-measurements.bsaM2", noBasis.GetProperty("errors").GetProperty("first-dose.dose")[0].GetString());
        await standard.Post("/forms/body-measurements", Body);
        var offLevel = await standard.Post("/first-dose", new { date = "2024-03-04", dose = 900 }, HttpStatusCode.BadRequest);
        Assert.Contains("not a dose level of arm STD", offLevel.GetProperty("errors").GetProperty("first-dose.dose")[0].GetString());
        await standard.Post("/first-dose", new { date = "2024-03-04", dose = 1000 });

        var reduced = await demo.Enrolled(SecondStudyFixture.Rules, "R-002", "RED");
        await reduced.Post("/forms/body-measurements", Body);
        Assert.Contains("first-dose.dose", Fields(await reduced.Post("/first-dose", new { date = "2024-03-04", dose = 1000 }, HttpStatusCode.BadRequest)));
        await reduced.Post("/first-dose", new { date = "2024-03-04", dose = 800 });
        Assert.Equal(800m, reduced.Casebook.GetProperty("currentDose").GetDecimal());

        var cra = await demo.ClientFor("cra.r1", ["cra"], $"{SecondStudyFixture.Rules}/R1");
        var noArm = await (await cra.PostJson($"/studies/{SecondStudyFixture.Rules}/subjects",
            new { subjectNumber = "R-099", siteId = "R1", consentDate = "2024-02-23", enrolmentDate = "2024-03-01", eligibility = GemPdacStudy.Eligible })).ShouldBe(HttpStatusCode.BadRequest);
        Assert.Equal(["arm"], Fields(noArm));
    }

    [Fact]
    public async Task cycles_are_held_to_the_protocols_28_days()
    {
        var subject = await demo.Enrolled(SecondStudyFixture.Rules, "R-003", "STD");
        await subject.Post("/forms/body-measurements", Body);
        await subject.Post("/first-dose", new { date = "2024-03-04", dose = 1000 });
        await subject.Post("/cycles", new { cycleNumber = 1, startDate = "2024-03-04", dose = 1000 });
        var day22 = await subject.Post("/cycles", new { cycleNumber = 2, startDate = "2024-03-25", dose = 1000 }, HttpStatusCode.BadRequest);
        Assert.Contains("cannot start before day 29", day22.GetProperty("errors").GetProperty("cycle/2.startDate")[0].GetString());
        await subject.Post("/cycles", new { cycleNumber = 2, startDate = "2024-04-01", dose = 1000 });
        // No drug accountability in this study: no tablet counts asked for.
        Assert.Equal(2, subject.Casebook.GetProperty("cycles").GetArrayLength());
    }

    [Fact]
    public async Task the_study_reports_adverse_events_with_its_own_ctcae_terms_and_their_grades()
    {
        var subject = await demo.Enrolled(SecondStudyFixture.Rules, "R-004", "RED");
        var n = 0;
        object Ae(string term, int grade) => new { adverseEventId = $"AE{++n}", term, grade, onsetDate = "2024-03-18", serious = false, relation = "Probable", action = "None" };
        await subject.Post("/adverse-events", Ae("Neutrophil count decreased", 3));
        await subject.Post("/adverse-events", Ae("Febrile neutropenia", 3));
        await subject.Post("/adverse-events", Ae("Anemia", 2));
        await subject.Post("/adverse-events", Ae("10029366", 1));
        Assert.Equal(["Neutrophil count decreased", "Febrile neutropenia", "Anemia", "Neutrophil count decreased"],
            subject.Casebook.GetProperty("adverseEvents").EnumerateArray().Select(a => a.GetProperty("report").GetProperty("term").GetString()));

        var referenceTerm = await subject.Post("/adverse-events", Ae("Hand-foot syndrome", 1), HttpStatusCode.BadRequest);
        Assert.Contains("adverse-event/AE5.report.term", Fields(referenceTerm));
        var grade2 = await subject.Post("/adverse-events", Ae("Febrile neutropenia", 2), HttpStatusCode.BadRequest);
        Assert.Contains("allows grades 3, 4, 5", grade2.GetProperty("errors").GetProperty("adverse-event/AE6.report.grade")[0].GetString());
        // Thrombocytopenia is a term only from the amendment on.
        Assert.Contains("adverse-event/AE7.report.term", Fields(await subject.Post("/adverse-events", Ae(GemPdacStudy.PlateletCountDecreased, 1), HttpStatusCode.BadRequest)));

        var final = AnalysisJson.AdverseEventTerms(R.FinalAnalysis);
        foreach (var term in new[] { "Neutrophil count decreased", "Febrile neutropenia", "Anemia", GemPdacStudy.PlateletCountDecreased })
            Assert.Contains(term, final);
        var febrile = AnalysisJson.AdverseEventCounts(R.FinalAnalysis, "Febrile neutropenia")!;
        Assert.Equal(0, febrile[1]!.GetValue<int>() + febrile[2]!.GetValue<int>());
    }

    [Fact]
    public async Task laboratory_values_outside_the_soft_range_raise_queries_and_outside_the_hard_range_are_refused()
    {
        var subject = await demo.Enrolled(SecondStudyFixture.Rules, "R-005", "STD");
        await subject.Post("/forms/labs", Labs("W1", "2024-03-04"));
        Assert.Empty(subject.Casebook.GetProperty("flags").EnumerateArray());
        await subject.Post("/forms/labs", Labs("W2", "2024-03-11", anc: 0.6m));
        var flag = Assert.Single(subject.Casebook.GetProperty("flags").EnumerateArray());
        Assert.Equal(("soft-range", "labs/W2", "anc"), (flag.GetProperty("checkId").GetString(), flag.GetProperty("form").GetString(), flag.GetProperty("field").GetString()));
        var queries = await (await subject.Http.GetAsync($"/studies/{SecondStudyFixture.Rules}/sites/R1/data-queries")).ShouldBe(HttpStatusCode.OK);
        Assert.Contains(queries.EnumerateArray(), q => q.GetProperty("subjectNumber").GetString() == "R-005" && q.GetProperty("field").GetString() == "anc"
            && q.GetProperty("origin").GetString() == "EditCheck" && q.GetProperty("state").GetString() == "Open");

        var hard = await subject.Post("/forms/labs", Labs("W3", "2024-03-18", platelets: 2500m), HttpStatusCode.BadRequest);
        Assert.Equal(["labs/W3.platelets"], Fields(hard));
        Assert.Contains("labs/W3.date", Fields(await subject.Post("/forms/labs", new { key = "W3", data = new { anc = 4.1, haemoglobin = 12.3, platelets = 240 } }, HttpStatusCode.BadRequest)));

        // In the demo: every automatic query was raised by a soft range and is closed, by an answer or by a correction.
        Assert.True(R.Queries.Raised >= 20, $"{R.Queries}");
        Assert.Equal(R.Queries.Raised, R.Queries.AnsweredAndClosed + R.Queries.ClosedByCorrection);
        Assert.Equal(R.Plan.Errors.Count, R.Queries.ClosedByCorrection);
    }

    [Fact]
    public async Task the_amendment_is_version_2_and_data_entered_before_it_stays_valid_under_version_1()
    {
        // The demo study: amended once; the platelets of 75-99 were queried under version 1 only.
        var auditor = await demo.ClientFor("gp.auditor", ["auditor"]);
        var study = await (await auditor.GetAsync($"/studies/{GemPdacStudy.StudyId}")).ShouldBe(HttpStatusCode.OK);
        var v2 = study.GetProperty("definitions")[1];
        Assert.Equal((2, true, GemPdacStudy.AmendmentReason, R.AmendmentEffectiveFrom.ToString("yyyy-MM-dd")),
            (v2.GetProperty("version").GetInt32(), v2.GetProperty("amendment").GetBoolean(), v2.GetProperty("reason").GetString(), v2.GetProperty("effectiveFrom").GetString()));
        var platelets = (await (await auditor.GetAsync($"/studies/{GemPdacStudy.StudyId}/sites/LON/data-queries")).ShouldBe(HttpStatusCode.OK)).EnumerateArray()
            .Where(q => q.GetProperty("field").GetString() == "platelets").Select(q => $"{q.GetProperty("subjectNumber").GetString()} {q.GetProperty("form").GetString()}").ToList();
        Assert.Contains("GP-010 labs/W7", platelets);
        Assert.Contains("GP-019 labs/W3", platelets);
        Assert.DoesNotContain("GP-025 labs/W7", platelets);
        var before = await (await auditor.GetAsync($"/studies/{GemPdacStudy.StudyId}/subjects/GP-005")).ShouldBe(HttpStatusCode.OK);
        var w6 = before.GetProperty("forms").GetProperty("labs").EnumerateArray().Single(l => l.GetProperty("key").GetString() == "W6").GetProperty("data");
        Assert.False(w6.TryGetProperty("bilirubin", out _));
        Assert.Equal(R.Plan.Errors.Single(e => e.SubjectNumber == "GP-005").RightValue, w6.GetProperty("platelets").GetDecimal());
        var correction = Assert.Single(before.GetProperty("corrections").EnumerateArray());
        Assert.Equal(("labs/W6", "platelets"), (correction.GetProperty("form").GetString(), correction.GetProperty("field").GetString()));
        var entered = (await (await auditor.GetAsync($"/studies/{GemPdacStudy.StudyId}/subjects/GP-025")).ShouldBe(HttpStatusCode.OK)).GetProperty("forms").GetProperty("labs");
        Assert.All(entered.EnumerateArray(), l => Assert.True(l.GetProperty("data").GetProperty("bilirubin").GetDecimal() > 0));

        // Both ways, on a study amended here.
        var subject = await demo.Enrolled(SecondStudyFixture.Amended, "A-001", "STD");
        await subject.Post("/forms/labs", Labs("W1", "2024-03-04"));
        await subject.Post("/forms/labs", Labs("W2", "2024-03-11", platelets: 90m));
        Assert.Single(subject.Casebook.GetProperty("flags").EnumerateArray());
        Assert.Contains("data.bilirubin", Fields(await subject.Post("/forms/labs", Labs("W3", "2024-03-18", bilirubin: 10m), HttpStatusCode.BadRequest)));

        var dm = await demo.ClientFor("amend.dm", ["data-manager"], $"{SecondStudyFixture.Amended}/A1");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var amended = GemPdacStudy.Amendment1(StudyDefinitions.Load(GemPdacStudy.Name));
        Assert.Equal(["reason"], Fields(await (await dm.PutAsJsonAsync($"/studies/{SecondStudyFixture.Amended}/definition", new { definition = amended, effectiveFrom = today }, NpcEcrf.Api.Casebooks.CasebookJson.Options)).ShouldBe(HttpStatusCode.BadRequest)));
        Assert.Equal(["effectiveFrom"], Fields(await (await dm.PutAsJsonAsync($"/studies/{SecondStudyFixture.Amended}/definition",
            new { definition = amended, effectiveFrom = today.AddDays(-1), reason = "Back-dated" }, NpcEcrf.Api.Casebooks.CasebookJson.Options)).ShouldBe(HttpStatusCode.BadRequest)));
        var versioned = await (await dm.PutAsJsonAsync($"/studies/{SecondStudyFixture.Amended}/definition",
            new { definition = amended, effectiveFrom = today, reason = GemPdacStudy.AmendmentReason }, NpcEcrf.Api.Casebooks.CasebookJson.Options)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(2, versioned.GetProperty("definitions").GetArrayLength());

        Assert.Contains("labs/W3.bilirubin", Fields(await subject.Post("/forms/labs", Labs("W3", "2024-03-18"), HttpStatusCode.BadRequest)));
        await subject.Post("/forms/labs", Labs("W3", "2024-03-18", platelets: 90m, bilirubin: 10m));
        // Platelets of 90 are within version 2's soft range: no query on week 3.
        Assert.DoesNotContain("labs/W3", subject.Casebook.GetProperty("flags").EnumerateArray().Select(f => f.GetProperty("form").GetString()));
        // ... while week 2, entered under version 1, keeps the query version 1's soft range raised.
        Assert.Equal(["labs/W2"], subject.Casebook.GetProperty("flags").EnumerateArray().Select(f => f.GetProperty("form").GetString()));
        // A version-1 entry is still held to version 1: corrected after the amendment, it needs no bilirubin.
        await subject.Post("/corrections", new { form = "labs/W1", field = "haemoglobin", newValue = 12.8, reason = "Transcription error" });
        await subject.Post("/adverse-events", new { adverseEventId = "AE1", term = GemPdacStudy.PlateletCountDecreased, grade = 1, onsetDate = "2024-03-18", serious = false, relation = "Probable", action = "None" });
    }

    [Fact]
    public async Task a_single_partial_response_is_the_best_response_because_the_protocol_requires_no_confirmation()
    {
        var auditor = await demo.ClientFor("gp.auditor", ["auditor"]);
        var casebook = await (await auditor.GetAsync($"/studies/{GemPdacStudy.StudyId}/subjects/GP-008")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(["PR", "PD"], casebook.GetProperty("responses").EnumerateArray().Select(v => v.GetProperty("overall").GetString()));
        Assert.Equal("PR", casebook.GetProperty("bestOverallResponse").GetProperty("response").GetString());
        var subject = R.FinalAnalysis["subjects"]!.AsArray().Single(s => s!["subjectNumber"]!.GetValue<string>() == "GP-008");
        Assert.Equal("PR", subject!["bestOverallResponse"]!.GetValue<string>());
        Assert.Equal(6, R.FinalAnalysis["bestOverallResponse"]!["PR"]!.GetValue<int>());
    }

    [Fact]
    public async Task each_lock_records_the_definition_version_it_used()
    {
        Assert.Equal((1, 2), (R.Interim.DefinitionVersion, R.Final.DefinitionVersion));
        var dm = await demo.ClientFor("gp.dm", ["data-manager"], $"{GemPdacStudy.StudyId}/LON");
        var final = await (await dm.GetAsync($"/locks/{GemPdacDemo.FinalLock}")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(2, final.GetProperty("definitionVersion").GetInt32());
        Assert.True(R.Interim.Outcome.Verified && R.Final.Outcome.Verified);
    }
}
