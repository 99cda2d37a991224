using NpcEcrf.Api.Tests.Analyses;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using NpcEcrf.Api.Demo;
using NpcEcrf.Api.Tests.Infrastructure;
using NpcEcrf.Api.Tests.Studies;

namespace NpcEcrf.Api.Tests.Demo;

/// <summary>
/// The reference demo's whole history (30 subjects, corrections, queries, verifications, signatures) exported as ODM,
/// imported as a new study, exported again: the same transactions. Locked at the final cut-off, the copy gives the
/// same analysis as the original's final lock.
/// </summary>
[Collection(ReferenceDemoCollection.Name)]
public class DemoOdmRoundTripTests(DemoFixture demo)
{
    private static readonly XNamespace Odm = "http://www.cdisc.org/ns/odm/v1.3";
    private const string CopyId = "ANLO-NPC-COPY";

    private static List<string> Transactions(string xml)
    {
        var clinical = XDocument.Parse(xml).Root!.Element(Odm + "ClinicalData")!;
        clinical.Descendants(Odm + "SourceID").Remove();
        return clinical.Elements(Odm + "SubjectData").Select(s => s.ToString(SaveOptions.DisableFormatting)).ToList();
    }

    [Fact]
    public async Task the_demos_export_imports_with_its_whole_history_and_the_copy_analyses_as_the_original()
    {
        var admin = await demo.ClientFor("odmrt.demo.admin", ["admin"]);
        var original = await (await admin.GetAsync($"/studies/{ReferenceStudy.StudyId}/export/odm")).Content.ReadAsStringAsync();
        OdmFiles.AssertSchemaValid(original);
        var summary = await (await admin.PostAsync($"/studies/import/odm?studyId={CopyId}&fileName=anlo-npc.xml", new StringContent(original, Encoding.UTF8, "application/xml")))
            .ShouldBe(HttpStatusCode.Created);
        Assert.Empty(summary.GetProperty("deviations").EnumerateArray());

        var copy = await (await admin.GetAsync($"/studies/{CopyId}/export/odm")).Content.ReadAsStringAsync();
        OdmFiles.AssertSchemaValid(copy);
        var before = Transactions(original);
        var after = Transactions(copy);
        Assert.True(before.Count > 500, $"{before.Count} transactions");
        Assert.Equal(before.Count, after.Count);
        for (var i = 0; i < before.Count; i++) Assert.Equal(before[i], after[i]);

        // The copy locks at the final cut-off and analyses as the original's final lock did.
        var dm = await demo.ClientFor("odmrt.demo.dm", ["data-manager"]);
        var locked = await dm.PostJson("/locks", new { studyId = CopyId, name = "copy-final", cutoff = demo.Result.Final.Cutoff, reason = "Analysis of the migrated copy", kind = "Hard" });
        await locked.ShouldBe(HttpStatusCode.Created);
        var stat = await demo.ClientFor("odmrt.demo.stat", ["statistician"]);
        var copied = await (await stat.GetAsync($"{locked.Headers.Location}/analysis?profile=paper")).ShouldBe(HttpStatusCode.OK);
        var originalAnalysis = await (await stat.GetAsync("/locks/final/analysis?profile=paper")).ShouldBe(HttpStatusCode.OK);
        AnalysisSchema.AssertValid(copied);
        foreach (var key in new[] { "n", "age", "orr", "dcr", "bestOverallResponse", "pfsMonths", "osMonths", "adverseEvents", "baselineItems", "coxUnivariate" })
            Assert.True(JsonElement.DeepEquals(originalAnalysis.GetProperty(key), copied.GetProperty(key)), $"{key}: {originalAnalysis.GetProperty(key)} vs {copied.GetProperty(key)}");
    }
}
