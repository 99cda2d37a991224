using System.Net;
using System.Text;
using System.Xml.Linq;
using NpcEcrf.Api.Tests.Exports;
using NpcEcrf.Api.Tests.Infrastructure;
using NpcEcrf.Api.Tests.Studies;

namespace NpcEcrf.Api.Tests.OdmImport;

/// <summary>
/// Our own transactional export, imported into a fresh study and exported again, gives the same clinical data, audit
/// trail (who, where, when, why of every transaction; every review step and query transition) and signatures: the
/// export's study with a signed casebook. The copy differs only where it must: each audit record of the copy names
/// the file it came from (SourceID), and the file's study OID.
/// </summary>
public class OdmRoundTripTests(OdmRoundTripTests.Fixture app) : IClassFixture<OdmRoundTripTests.Fixture>
{
    private static readonly XNamespace Odm = "http://www.cdisc.org/ns/odm/v1.3";
    private const string CopyId = "ODM-RT";

    public sealed class Fixture : OdmExportTests.Fixture
    {
        /// <summary>The export that was imported as the copy (once per class: both tests read the same copy).</summary>
        public string? Imported { get; set; }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            // X-02 completed (a casebook is signed complete), with a list of lesions among its forms.
            var cra = new CasebookClient(await ClientFor("odmx.cra.s2", ["cra"], $"{OdmExportTests.StudyId}/S2"), "X-02", OdmExportTests.StudyId);
            await cra.Open();
            await cra.Post("/demographics", new { sex = "F", yearOfBirth = 1971, ageAtEnrolment = 50 });
            await cra.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1 });
            await cra.Post("/forms/disease-status", new { data = new { pattern = "Both", diagnosisDate = "2017-01-01" } });
            await cra.Post("/forms/metastatic-sites", new { data = new { liver = true, lung = false, bone = false, distantLymphNodes = true } });
            await cra.Post("/forms/prior-therapy", new { data = new { priorSystemicLines = 2, platinumRefractory = true, priorRadiotherapy = false } });
            await cra.Post("/baseline-lesions", new { assessmentDate = "2021-02-26", method = "CT", targets = new[]
            {
                new { lesionId = "T1", organ = "liver", nodal = false, diameterMm = 31m },
                new { lesionId = "T2", organ = "lymph node", nodal = true, diameterMm = 17.5m },
            } });
            await cra.Post("/first-dose", new { date = "2021-03-04", dose = 10 });
            await cra.Post("/forms/vital-signs", new { data = new { weight = 58.25, ecogDone = false } });
            var investigator = await ClientFor("odmrt.pi.s2", ["investigator"], $"{OdmExportTests.StudyId}/S2");
            var subject = new CasebookClient(investigator, "X-02", OdmExportTests.StudyId);
            var casebook = await (await investigator.GetAsync(subject.Url)).ShouldBe(HttpStatusCode.OK);
            await (await investigator.PostJson(subject.Url + "/signatures", new { meaning = "I approve this casebook", password = Password, version = casebook.GetProperty("version").GetInt64() }))
                .ShouldBe(HttpStatusCode.OK);
        }
    }

    private async Task<string> Export(string studyId, string type = "transactional")
    {
        var admin = await app.ClientFor("odmrt.admin", ["admin"]);
        var response = await admin.GetAsync($"/studies/{studyId}/export/odm?type={type}");
        var xml = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, xml);
        OdmFiles.AssertSchemaValid(xml);
        return xml;
    }

    /// <summary>Exports the study and imports it as the copy, once; answers the file that was imported.</summary>
    private async Task<string> ImportOnce()
    {
        if (app.Imported is { } done) return done;
        var xml = await Export(OdmExportTests.StudyId);
        var admin = await app.ClientFor("odmrt.admin", ["admin"]);
        var summary = await (await admin.PostAsync($"/studies/import/odm?studyId={CopyId}&fileName=odm-exp.xml", new StringContent(xml, Encoding.UTF8, "application/xml")))
            .ShouldBe(HttpStatusCode.Created);
        Assert.Empty(summary.GetProperty("deviations").EnumerateArray());
        return app.Imported = xml;
    }

    /// <summary>The clinical data as a list of transactions, with what a copy must differ in taken out.</summary>
    private static List<string> Transactions(string xml, bool dropSourceIds)
    {
        var clinical = XDocument.Parse(xml).Root!.Element(Odm + "ClinicalData")!;
        if (dropSourceIds) clinical.Descendants(Odm + "SourceID").Remove();
        return clinical.Elements(Odm + "SubjectData").Select(s => s.ToString(SaveOptions.DisableFormatting)).ToList();
    }

    [Fact]
    public async Task our_export_imported_and_exported_again_gives_the_same_clinical_data_audit_trail_and_signatures()
    {
        var original = await ImportOnce();
        var copy = await Export(CopyId);

        var before = Transactions(original, dropSourceIds: false);
        var after = Transactions(copy, dropSourceIds: true);
        Assert.Equal(before.Count, after.Count);
        for (var i = 0; i < before.Count; i++) Assert.Equal(before[i], after[i]);
        // What the comparison covers: data with corrections and reasons, every query transition, SDV, and the signature.
        Assert.Contains(before, t => t.Contains("<ReasonForChange>ID card says 1965.</ReasonForChange>"));
        // The laboratory soft range raises one query by itself; the monitor raises two.
        Assert.Equal(["RAISED", "RAISED", "ANSWERED", "CLOSED", "REOPENED", "RAISED", "CANCELLED"], XDocument.Parse(original).Descendants(Odm + "Flag")
            .Where(f => f.Element(Odm + "FlagType")?.Value == "QUERY").Select(f => f.Element(Odm + "FlagValue")!.Value));
        Assert.Contains(before, t => t.Contains(">SDV</FlagType>"));
        Assert.Contains(before, t => t.Contains("<Signature>"));

        // Every imported transaction names the file it came from: its name, SHA-256 and the line.
        var records = XDocument.Parse(copy).Descendants(Odm + "AuditRecord").ToList();
        Assert.NotEmpty(records);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(original)));
        Assert.All(records, r => Assert.Matches($@"^odm-exp\.xml \(SHA-256 {sha}\), line \d+$", r.Element(Odm + "SourceID")!.Value));

        // The signature's meaning, and the sites with their names, travel too.
        string[] Meanings(string xml) => [.. XDocument.Parse(xml).Descendants(Odm + "SignatureDef").Select(d => d.Element(Odm + "Meaning")!.Value)];
        Assert.Equal(Meanings(original), Meanings(copy));
        string[] Sites(string xml) => [.. XDocument.Parse(xml).Descendants(Odm + "Location").Select(l => $"{l.Attribute("OID")!.Value} {l.Attribute("Name")!.Value}")];
        Assert.Equal(Sites(original), Sites(copy));
    }

    [Fact]
    public async Task the_copys_snapshot_equals_the_originals()
    {
        await ImportOnce();
        Assert.Equal(Transactions(await Export(OdmExportTests.StudyId, "snapshot"), false), Transactions(await Export(CopyId, "snapshot"), false));
    }
}
