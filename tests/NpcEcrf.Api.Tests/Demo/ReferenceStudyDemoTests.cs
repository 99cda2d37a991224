using NpcEcrf.Api.Analyses;
using NpcEcrf.Api.Demo;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NpcEcrf.Api.Tests.Demo;

/// <summary>Runs the whole demo once (in-process HTTP) and checks what it reproduces.</summary>
/// <summary>One run of the reference demo, shared by every test class that reads it (each run takes a while).</summary>
[CollectionDefinition(Name)]
public sealed class ReferenceDemoCollection : ICollectionFixture<DemoFixture>
{
    public const string Name = "reference demo";
}

public sealed class DemoFixture : AppFixture
{
    public DemoResult Result { get; private set; } = null!;
    public List<string> Progress { get; } = [];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using (var session = Store.LightweightSession())
            await CreateUser.Run(session, NpcEcrf.Api.Infrastructure.Actor.Operator("test-setup"), new CreateUser("admin", "Administrator", DemoRunner.Password, ["admin"], []), default);
        var output = Path.Combine(Path.GetTempPath(), "npcecrf-demo-" + Guid.NewGuid().ToString("N")[..8]);
        Result = await new DemoRunner(Anonymous(), Progress.Add).Run("admin", output);
    }
}

[Collection(ReferenceDemoCollection.Name)]
public class ReferenceStudyDemoTests(DemoFixture demo, ITestOutputHelper output)
{
    [Fact]
    public void every_published_number_is_reproduced()
    {
        foreach (var c in demo.Result.Checks) output.WriteLine($"{c.Table} | {c.Item} | {c.Published} | {c.Reproduced}");
        Assert.All(demo.Result.Checks, c => Assert.True(c.Matches, $"{c.Item}: published {c.Published}, reproduced {c.Reproduced}"));
        Assert.Equal(12 + PublishedFacts.AdverseEvents.Length, demo.Result.Checks.Count);
    }

    [Fact]
    public void the_json_carries_the_paper_keys_at_full_precision()
    {
        var a = demo.Result.FinalAnalysis;
        Assert.Equal(30, a["n"]!.GetValue<int>());
        Assert.Equal(4.0 / 30 * 100, a["orr"]!["percent"]!.GetValue<double>(), 10);
        Assert.Equal(7.907, AnalysisJson.Coefficient(a, "metastatic-sites.liver")!["hr"]!.GetValue<double>(), 3);
        Assert.Equal(13, AnalysisJson.BaselineLevel(a, "disease-status.pattern", "Metastatic")!.GetValue<int>());
        Assert.Equal(22, AnalysisJson.BaselineLevel(a, "prior-therapy.platinumRefractory", "true")!.GetValue<int>());
        // One arm: nothing by arm, and the arm is no factor.
        Assert.Null(a["byArm"]);
        Assert.DoesNotContain(a["coxUnivariate"]!.AsArray(), r => r!["factor"]!.GetValue<string>() == "arm");
        Assert.Equal("final", a["lock"]!["name"]!.GetValue<string>());
        Assert.Equal(demo.Result.Final.Hash, a["lock"]!["hash"]!.GetValue<string>());
        Assert.Equal([15, 6, 5, 4, 0, 0], AnalysisJson.AdverseEventCounts(a, "Hand-foot syndrome")!.Select(x => x!.GetValue<int>()));
    }

    [Fact]
    public void both_locks_verify_and_the_interim_hash_survives_the_final_lock()
    {
        Assert.True(demo.Result.Interim.Verified);
        Assert.True(demo.Result.Final.Verified);
        Assert.True(demo.Result.InterimHashUnchanged);
        Assert.NotEqual(demo.Result.Interim.Hash, demo.Result.Final.Hash);
    }

    [Fact]
    public void the_interim_analysis_differs_from_the_final_one()
    {
        Assert.True(demo.Result.InterimAnalysis["n"]!.GetValue<int>() < 30);
        Assert.NotEqual(demo.Result.InterimAnalysis["pfsMonths"]!["events"]!.GetValue<int>(), demo.Result.FinalAnalysis["pfsMonths"]!["events"]!.GetValue<int>());
    }

    [Fact]
    public void the_audit_trail_of_a_corrected_field_shows_both_values_reason_and_user_and_time_travel_shows_the_old_value()
    {
        var audit = demo.Result.Audit;
        // The generator's V2 measurement of NPC-020, entered doubled.
        var right = (decimal)ReferenceStudyCrf.Create().Errors[0].RightValue;
        Assert.Equal((2 * right).ToString(System.Globalization.CultureInfo.InvariantCulture), audit.OldValue);
        Assert.Equal(right.ToString(System.Globalization.CultureInfo.InvariantCulture), audit.NewValue);
        Assert.Contains("Transcription error", audit.Reason);
        Assert.Equal("cra.s2", audit.User);
        var v2 = audit.CasebookBefore.GetProperty("assessments").EnumerateArray().First(a => a.GetProperty("assessmentId").GetString() == "V2");
        Assert.Equal(2 * right, v2.GetProperty("targetDiametersMm").GetProperty("T1").GetDecimal());
    }

    [Fact]
    public async Task the_odm_export_is_valid_odm_1_3_2_with_audit_records_signatures_and_queries()
    {
        var auditor = await demo.ClientFor("odm.auditor", ["auditor"]);
        var xml = await (await auditor.GetAsync($"/studies/{ReferenceStudy.StudyId}/export/odm")).Content.ReadAsStringAsync();
        Studies.OdmFiles.AssertSchemaValid(xml);
        Assert.Contains($"<ReasonForChange>Transcription error: the radiology report says {ReferenceStudyCrf.Create().Errors[0].RightValue} mm.</ReasonForChange>", xml);
        Assert.Contains("<Signature>", xml);
        Assert.Contains("<FlagType CodeListOID=\"CL.NPCECRF.FLAG_TYPE\">QUERY</FlagType>", xml);
        Assert.Equal(30, System.Text.RegularExpressions.Regex.Matches(xml, "SubjectKey=\"NPC-\\d{3}\" TransactionType=\"Insert\"").Count);
        // Item types come from the form definitions.
        Assert.Contains("ItemDef OID=\"I.FIRST_DOSE.DATE\" Name=\"date\" DataType=\"date\"", xml);
        Assert.Contains("ItemDef OID=\"I.FIRST_DOSE.DOSE\" Name=\"dose\" DataType=\"float\"", xml);
        Assert.Contains("ItemDef OID=\"I.METASTATIC_SITES.LIVER\" Name=\"liver\" DataType=\"boolean\"", xml);
        Assert.Contains("FormDef OID=\"F.FIRST_DOSE\" Name=\"First dose\"", xml);
    }

    [Fact]
    public void the_reports_are_written()
    {
        foreach (var path in demo.Result.Reports.Values.Where(p => !Directory.Exists(p))) Assert.True(new FileInfo(path).Length > 500, path);
        // The final lock's SDTM and ADaM folders: datasets and their Define-XML.
        foreach (var folder in demo.Result.Reports.Values.Where(Directory.Exists))
            Assert.True(File.Exists(Path.Combine(folder, "define.xml")) && Directory.GetFiles(folder).Length >= 5, folder);
        Assert.Equal(4, demo.Result.Reports.Values.Count(Directory.Exists));
        var html = File.ReadAllText(demo.Result.Reports["final.html"]);
        foreach (var figure in new[] { "km-pfs", "km-os", "km-pfs-by-metastatic-sites-liver", "forest-univariate", "forest-multivariate", "waterfall", "swimmer" }) Assert.Contains($"id=\"{figure}\"", html);
        Assert.DoesNotContain("by-arm", html);
        Assert.DoesNotContain("By arm", File.ReadAllText(demo.Result.Reports["final.md"]));
        Assert.Contains(demo.Result.Final.Hash, html);
        // The PDF, where this machine has Chromium to print it.
        if (NpcEcrf.Api.Analyses.PdfReport.FindChromium() is not null)
            Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(demo.Result.Reports["final.pdf"])[..4]));
    }

    [Fact]
    public void the_waterfall_shows_varied_lesion_changes_each_consistent_with_the_best_overall_response()
    {
        var changes = demo.Result.FinalAnalysis["subjects"]!.AsArray()
            .Select(s => (Bor: s!["bestOverallResponse"]!.GetValue<string>(), Change: s["bestPercentChange"]!.GetValue<double>())).ToList();
        Assert.True(changes.Select(c => c.Change).Distinct().Count() >= 20, string.Join(", ", changes));
        Assert.All(changes.Where(c => c.Bor == "PR"), c => Assert.InRange(c.Change, -100, -30));
        Assert.All(changes.Where(c => c.Bor == "SD"), c => Assert.InRange(c.Change, -29.9, 19.9));
        // Progression at the first scan: growth of 20% or more, or a new lesion with the targets little changed.
        Assert.Contains(changes, c => c.Bor == "PD" && c.Change >= 20);
        Assert.Contains(changes, c => c.Bor == "PD" && c.Change < 20);
    }
}
