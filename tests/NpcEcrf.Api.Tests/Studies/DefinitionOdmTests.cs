using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Studies;

/// <summary>
/// A study's definition as CDISC ODM 1.3.2 over HTTP: the export is valid against the unmodified schema, an export
/// imports back as the same definition, another EDC's MetaDataVersion imports as study forms with every element it
/// could not map listed, and a bad file is a 400 that names the problem and writes nothing.
/// </summary>
public class DefinitionOdmTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static readonly XNamespace Odm = "http://www.cdisc.org/ns/odm/v1.3";

    private Task<HttpClient> Admin() => app.ClientFor("odm.admin", ["admin"]);

    private async Task Create(string studyId, JsonNode definition) =>
        await (await (await Admin()).PostJson("/studies", new { studyId, title = $"Study {studyId}", definition })).ShouldBe(HttpStatusCode.Created);

    private async Task<string> Exported(string studyId, string query = "")
    {
        var response = await (await Admin()).GetAsync($"/studies/{studyId}/definition.odm.xml{query}");
        var xml = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, xml);
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        return xml;
    }

    private async Task<HttpResponseMessage> Import(string xml, string query = "") =>
        await (await Admin()).PostAsync($"/studies/import-odm{query}", new StringContent(xml, Encoding.UTF8, "application/xml"));

    /// <summary>The study's latest definition as the API stores and answers it.</summary>
    private async Task<JsonNode> StoredDefinition(string studyId)
    {
        var study = JsonNode.Parse(await (await Admin()).GetStringAsync($"/studies/{studyId}"))!;
        return study["definitions"]!.AsArray()[^1]!["definition"]!;
    }

    private static XElement Def(XDocument doc, string element, string oid) =>
        doc.Descendants(Odm + element).SingleOrDefault(e => (string?)e.Attribute("OID") == oid) ?? throw new Xunit.Sdk.XunitException($"No {element} {oid}");

    private static IEnumerable<(string Context, string Name)> Aliases(XElement e) =>
        e.Elements(Odm + "Alias").Select(a => ((string)a.Attribute("Context")!, (string)a.Attribute("Name")!));

    [Fact]
    public async Task the_reference_definition_exports_as_valid_odm_and_imports_back_as_the_same_definition()
    {
        await Create("ODM-REF", TestStudies.ReferenceJson);
        var xml = await Exported("ODM-REF");
        OdmFiles.AssertSchemaValid(xml);
        var doc = XDocument.Parse(xml);
        Assert.Equal("Snapshot", (string?)doc.Root!.Attribute("FileType"));
        Assert.Equal("MDV.1", (string?)doc.Descendants(Odm + "MetaDataVersion").Single().Attribute("OID"));
        Assert.Equal("Disease status", (string?)Def(doc, "FormDef", "F.DISEASE_STATUS").Attribute("Name"));
        Assert.Contains(("npc-ecrf:treatment.cycleDays", "21"), Aliases(doc.Descendants(Odm + "Protocol").Single()));
        var handFoot = Def(doc, "CodeList", "CL.AE_TERMS").Elements(Odm + "CodeListItem").Single(i => (string?)i.Attribute("CodedValue") == "Hand-foot syndrome");
        Assert.Contains(("MedDRA", "10054524"), Aliases(handFoot));
        Assert.Contains(("CTCAE", "Palmar-plantar erythrodysesthesia syndrome"), Aliases(handFoot));
        Assert.Equal("CL.SEX", (string?)Def(doc, "ItemDef", "I.DEMOGRAPHICS.SEX").Element(Odm + "CodeListRef")?.Attribute("CodeListOID"));
        Assert.Equal("CL.ARMS", (string?)Def(doc, "ItemDef", "I.ENROLMENT.ARM").Element(Odm + "CodeListRef")?.Attribute("CodeListOID"));
        Assert.Contains(("npc-ecrf:anchor", "enrolment"), Aliases(Def(doc, "StudyEventDef", "SE.SCREENING")));

        var imported = await (await Import(xml, "?studyId=ODM-REF-COPY")).ShouldBe(HttpStatusCode.Created);
        Assert.Empty(imported.GetProperty("unmapped").EnumerateArray());
        Assert.Equal("Study ODM-REF", imported.GetProperty("study").GetProperty("title").GetString());
        Assert.True(JsonNode.DeepEquals(await StoredDefinition("ODM-REF"), await StoredDefinition("ODM-REF-COPY")));
    }

    [Fact]
    public async Task a_repeating_form_with_hard_and_soft_ranges_units_and_a_code_list_exports_valid_and_round_trips()
    {
        await Create("ODM-LABS", OdmFiles.Labs());
        var xml = await Exported("ODM-LABS");
        OdmFiles.AssertSchemaValid(xml);
        var doc = XDocument.Parse(xml);
        var labs = Def(doc, "FormDef", "F.LABS");
        Assert.Equal(("Laboratory values", "Yes"), ((string?)labs.Attribute("Name"), (string?)labs.Attribute("Repeating")));
        Assert.Equal(["IG.LABS.SAMPLE", "IG.LABS.RESULTS"], labs.Elements(Odm + "ItemGroupRef").Select(r => (string?)r.Attribute("ItemGroupOID")));
        var results = Def(doc, "ItemGroupDef", "IG.LABS.RESULTS");
        Assert.Equal(("results", "Yes", "LB"), ((string?)results.Attribute("Name"), (string?)results.Attribute("Repeating"), (string?)results.Attribute("Domain")));
        var hb = Def(doc, "ItemDef", "I.LABS.RESULTS.HB");
        Assert.Equal(("hb", "float"), ((string?)hb.Attribute("Name"), (string?)hb.Attribute("DataType")));
        Assert.Equal(["GE 3 Hard", "LE 25 Hard", "GE 10.5 Soft", "LE 17 Soft"],
            hb.Elements(Odm + "RangeCheck").Select(r => $"{(string?)r.Attribute("Comparator")} {r.Element(Odm + "CheckValue")!.Value} {(string?)r.Attribute("SoftHard")}"));
        Assert.Equal("g/dL", Def(doc, "MeasurementUnit", (string)hb.Element(Odm + "MeasurementUnitRef")!.Attribute("MeasurementUnitOID")!).Attribute("Name")!.Value);
        Assert.Equal("CL.LAB_FLAG", (string?)Def(doc, "ItemDef", "I.LABS.RESULTS.FLAG").Element(Odm + "CodeListRef")!.Attribute("CodeListOID"));
        Assert.Equal(["N", "H", "L"], Def(doc, "CodeList", "CL.LAB_FLAG").Elements(Odm + "CodeListItem").Select(i => (string?)i.Attribute("CodedValue")));
        Assert.Contains(("npc-ecrf:retired", "true"), Aliases(Def(doc, "ItemDef", "I.LABS.RESULTS.OLDTEST")));
        Assert.Contains(("npc-ecrf:notBefore", "first-dose"), Aliases(Def(doc, "ItemDef", "I.LABS.SAMPLEDATE")));
        Assert.Equal("Yes", (string?)Def(doc, "ItemGroupDef", "IG.LABS.SAMPLE").Elements(Odm + "ItemRef").First().Attribute("Mandatory"));
        Assert.Equal("Vital signs", (string?)Def(doc, "FormDef", "F.VITAL_SIGNS").Attribute("Name"));
        Assert.Contains(("npc-ecrf:repeats", "8"), Aliases(Def(doc, "StudyEventDef", "SE.WEEKLY-LABS")));

        var imported = await (await Import(xml, "?studyId=ODM-LABS-COPY&title=Copied")).ShouldBe(HttpStatusCode.Created);
        Assert.Empty(imported.GetProperty("unmapped").EnumerateArray());
        Assert.Equal("Copied", imported.GetProperty("study").GetProperty("title").GetString());
        Assert.True(JsonNode.DeepEquals(await StoredDefinition("ODM-LABS"), await StoredDefinition("ODM-LABS-COPY")));
    }

    [Fact]
    public async Task an_earlier_version_is_exported_when_asked_and_an_unknown_version_or_study_is_404()
    {
        await Create("ODM-VER", TestStudies.ReferenceJson);
        await (await (await Admin()).PutAsJsonAsync("/studies/ODM-VER/definition", new { definition = OdmFiles.Labs() })).ShouldBe(HttpStatusCode.OK);
        var latest = XDocument.Parse(await Exported("ODM-VER"));
        Assert.Equal("MDV.2", (string?)latest.Descendants(Odm + "MetaDataVersion").Single().Attribute("OID"));
        Assert.Single(latest.Descendants(Odm + "FormDef"), f => (string?)f.Attribute("OID") == "F.LABS");
        var first = XDocument.Parse(await Exported("ODM-VER", "?version=1"));
        Assert.Equal("MDV.1", (string?)first.Descendants(Odm + "MetaDataVersion").Single().Attribute("OID"));
        Assert.DoesNotContain(first.Descendants(Odm + "FormDef"), f => (string?)f.Attribute("OID") == "F.LABS");
        await (await (await Admin()).GetAsync("/studies/ODM-VER/definition.odm.xml?version=7")).ShouldBe(HttpStatusCode.NotFound);
        await (await (await Admin()).GetAsync("/studies/NO-SUCH/definition.odm.xml")).ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task another_edcs_metadata_imports_with_a_base_as_study_forms_and_lists_each_element_it_could_not_map()
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(OdmFiles.Foreign(), Encoding.UTF8, "application/xml"), "odm", "vitals.xml" },
            { new StringContent(TestStudies.ReferenceJson.ToJsonString(), Encoding.UTF8, "application/json"), "base", "base.json" },
        };
        var answer = await (await (await Admin()).PostAsync("/studies/import-odm", form)).ShouldBe(HttpStatusCode.Created);
        var study = answer.GetProperty("study");
        Assert.Equal(("VITALS01", "Vital signs and medications in NPC"), (study.GetProperty("studyId").GetString(), study.GetProperty("title").GetString()));

        var definition = OdmFiles.Read(await StoredDefinition("VITALS01"));
        Assert.Equal(["vitals", "conmed", "disease-status", "metastatic-sites", "prior-therapy"], definition.StudyForms.Select(f => f.Name));
        var vitals = definition.StudyForms[0];
        Assert.Equal(("Vital signs", false, "VS"), (vitals.Title, vitals.Repeating, vitals.Domain));
        var vs = Assert.Single(vitals.Groups);
        Assert.Equal(("VS", "Vital signs", false), (vs.Name, vs.Title, vs.Repeating));
        Assert.Equal(["VSDAT", "SYSBP", "DIABP", "WEIGHT", "Position", "BMI"], vs.Items.Select(i => i.Name));
        var sysbp = vs.Items[1];
        Assert.Equal(("Systolic blood pressure", NpcEcrf.Api.Casebooks.ItemType.Integer, true, "mmHg"), (sysbp.Question, sysbp.DataType, sysbp.Mandatory, sysbp.Unit));
        Assert.Equal((50m, 250m, 90m, 180m), (sysbp.Hard!.Min, sysbp.Hard.Max, sysbp.Soft!.Min, sysbp.Soft.Max));
        var weight = vs.Items[3];
        Assert.Equal(("kg", null, 300m), (weight.Unit, weight.Hard!.Min, weight.Hard.Max));
        Assert.Equal("POSITION", vs.Items[4].CodeList);
        var conmed = definition.StudyForms[1];
        var cm = Assert.Single(conmed.Groups);
        Assert.True(cm.Repeating);
        Assert.Equal(["CMTRT", "CMONGO", "CMROUTE"], cm.Items.Select(i => i.Name));
        Assert.Null(cm.Items[2].CodeList);
        var position = definition.CodeList("POSITION")!;
        Assert.Equal(["SITTING", "SUPINE", "STANDING"], position.Codes);
        Assert.Equal("C71148", position.CdiscCodeListCode);
        Assert.Null(definition.CodeList("ROUTE"));
        Assert.Equal(TestStudies.Reference.Treatment.CycleDays, definition.Treatment.CycleDays);
        Assert.Equal(["SCREENING", "DAY1"], definition.ScheduleOrEmpty.Visits.Select(v => v.Name));

        var unmapped = answer.GetProperty("unmapped").EnumerateArray()
            .Select(f => (Element: f.GetProperty("element").GetString()!, Message: f.GetProperty("message").GetString()!)).ToList();
        foreach (var (element, says) in new[]
        {
            ("ItemDef I.TEMP", "DataType double"), ("ItemDef I.CMSTDAT", "DataType partialDate"), ("ItemDef I.WEIGHT", "RangeCheck GT 0"),
            ("ItemDef I.WEIGHT", "SignificantDigits"), ("ItemDef I.CMTRT", "Length"), ("ItemDef I.SYSBP", "Alias SDTM=VSORRES"),
            ("ItemRef I.BMI", "MethodOID"), ("ItemRef I.CMROUTE", "CollectionExceptionConditionOID"), ("CodeList CL.ROUTE", "integer"),
            ("ItemDef I.CMROUTE", "code list"), ("CodeList CL.MEDDRA", "external dictionary"), ("ConditionDef CD.NOT_ONGOING", "no counterpart"),
            ("MethodDef MT.BMI", "no counterpart"), ("ItemDef I.ORPHAN", "in no item group"), ("ItemGroupDef IG.UNUSED", "in no form"),
            ("StudyEventDef SE.BASELINE", "no day or window"), ("StudyEventDef SE.WEEK4", "no day or window"),
        })
            Assert.True(unmapped.Any(f => f.Element == element && f.Message.Contains(says)), $"{element}: '{says}' is not among\n{string.Join("\n", unmapped)}");
        Assert.DoesNotContain(unmapped, f => f.Element.Contains("SYSBP") && f.Message.Contains("RangeCheck"));

        OdmFiles.AssertSchemaValid(await Exported("VITALS01"));
    }

    [Fact]
    public async Task without_a_base_another_edcs_file_is_refused_naming_what_it_lacks_and_nothing_is_written()
    {
        var admin = await Admin();
        var before = await app.EventCount();
        var refused = await (await admin.PostAsync("/studies/import-odm?studyId=NO-BASE", new StringContent(OdmFiles.Foreign(), Encoding.UTF8, "application/xml"))).ShouldBe(HttpStatusCode.BadRequest);
        var message = refused.GetProperty("errors").GetProperty("base")[0].GetString()!;
        foreach (var part in new[] { "treatment", "recist", "adverseEvents", "--base" }) Assert.Contains(part, message);
        Assert.Equal(before, await app.EventCount());
        await (await admin.GetAsync("/studies/NO-BASE")).ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task bad_files_are_400s_that_name_the_problem_and_write_nothing()
    {
        await Create("ODM-BAD-SOURCE", OdmFiles.Labs());
        var good = await Exported("ODM-BAD-SOURCE");
        var backwards = XDocument.Parse(good);
        var hbMin = Def(backwards, "ItemDef", "I.LABS.RESULTS.HB").Elements(Odm + "RangeCheck").First(r => (string?)r.Attribute("SoftHard") == "Hard" && (string?)r.Attribute("Comparator") == "GE");
        hbMin.Element(Odm + "CheckValue")!.Value = "30";
        var badCycle = good.Replace("Context=\"npc-ecrf:treatment.cycleDays\" Name=\"21\"", "Context=\"npc-ecrf:treatment.cycleDays\" Name=\"three weeks\"");
        Assert.NotEqual(good, badCycle);
        const string header = "<ODM xmlns=\"http://www.cdisc.org/ns/odm/v1.3\" FileType=\"Snapshot\" FileOID=\"X\" CreationDateTime=\"2024-01-01T00:00:00Z\">";

        var admin = await Admin();
        var before = await app.EventCount();
        foreach (var (body, field, says) in new[]
        {
            ("this is not xml", "odm", "not well-formed XML"),
            ("", "odm", "no ODM file"),
            ("<html><body>Hello</body></html>", "odm", "not a CDISC ODM 1.3 file: its root element is <html>"),
            ("<ODM xmlns=\"http://www.cdisc.org/ns/odm/v2.0\"/>", "odm", "namespace 'http://www.cdisc.org/ns/odm/v2.0'"),
            (header + "</ODM>", "odm", "no <Study>"),
            (header + "<Study OID=\"S\"><GlobalVariables><StudyName>S</StudyName><StudyDescription>S</StudyDescription><ProtocolName>S</ProtocolName></GlobalVariables></Study></ODM>", "odm", "no <MetaDataVersion>"),
            ("<!DOCTYPE ODM [<!ENTITY secret SYSTEM \"file:///etc/passwd\">]>" + header + "&secret;</ODM>", "odm", "DTD"),
            (badCycle, "odm", "npc-ecrf:treatment.cycleDays is 'three weeks', not a whole number"),
            (good.Replace("<ItemDef OID=\"I.LABS.RESULTS.HB\" Name=\"hb\"", "<ItemDef OID=\"I.LABS.RESULTS.HB\""), "odm", "ItemDef I.LABS.RESULTS.HB has no Name"),
            (backwards.ToString(), "definition.forms[3].groups[1].items[0].hard", "The range ends (25) before it starts (30)."),
        })
        {
            var refused = await (await admin.PostAsync("/studies/import-odm?studyId=ODM-BAD", new StringContent(body, Encoding.UTF8, "application/xml"))).ShouldBe(HttpStatusCode.BadRequest);
            Assert.True(refused.GetProperty("errors").TryGetProperty(field, out var messages), $"{field} is not named: {refused}");
            Assert.Contains(says, messages[0].GetString());
        }

        var unknownPart = new MultipartFormDataContent { { new StringContent(good), "odm" }, { new StringContent("{}"), "extra" } };
        (await (await admin.PostAsync("/studies/import-odm?studyId=ODM-BAD", unknownPart)).ShouldBe(HttpStatusCode.BadRequest)).GetProperty("errors").GetProperty("extra");
        var notADefinition = new MultipartFormDataContent { { new StringContent(OdmFiles.Foreign()), "odm" }, { new StringContent("{\"treatment\": 3}"), "base" } };
        var refusedBase = await (await admin.PostAsync("/studies/import-odm?studyId=ODM-BAD", notADefinition)).ShouldBe(HttpStatusCode.BadRequest);
        Assert.Contains(refusedBase.GetProperty("errors").EnumerateObject(), p => p.Name.StartsWith("base", StringComparison.Ordinal));
        var noOdm = new MultipartFormDataContent { { new StringContent(TestStudies.ReferenceJson.ToJsonString()), "base" } };
        (await (await admin.PostAsync("/studies/import-odm?studyId=ODM-BAD", noOdm)).ShouldBe(HttpStatusCode.BadRequest)).GetProperty("errors").GetProperty("odm");

        Assert.Equal(before, await app.EventCount());
        await (await admin.GetAsync("/studies/ODM-BAD")).ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task a_study_that_exists_is_a_409_and_a_file_whose_study_oid_is_no_valid_id_asks_for_one()
    {
        await Create("ODM-TWICE", TestStudies.ReferenceJson);
        var xml = await Exported("ODM-TWICE");
        var admin = await Admin();
        var before = await app.EventCount();
        await (await admin.PostAsync("/studies/import-odm", new StringContent(xml, Encoding.UTF8, "application/xml"))).ShouldBe(HttpStatusCode.Conflict);
        var renamed = xml.Replace("<Study OID=\"ODM-TWICE\">", "<Study OID=\"S.001 (v2)\">");
        var refused = await (await admin.PostAsync("/studies/import-odm", new StringContent(renamed, Encoding.UTF8, "application/xml"))).ShouldBe(HttpStatusCode.BadRequest);
        Assert.Contains("studyId", refused.GetProperty("title").GetString());
        Assert.True(refused.GetProperty("errors").TryGetProperty("studyId", out _));
        Assert.Equal(before, await app.EventCount());
        await (await Import(renamed, "?studyId=ODM-THRICE")).ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task a_retried_import_answers_again_and_writes_the_study_once()
    {
        var xml = await ExportedReference();
        var admin = await Admin();
        var commandId = Guid.NewGuid();
        var first = await (await admin.PostAsync($"/studies/import-odm?studyId=ODM-RETRY&commandId={commandId}", new StringContent(xml, Encoding.UTF8, "application/xml"))).ShouldBe(HttpStatusCode.Created);
        var events = await app.EventCount();
        var again = await (await admin.PostAsync($"/studies/import-odm?studyId=ODM-RETRY&commandId={commandId}", new StringContent(xml, Encoding.UTF8, "application/xml"))).ShouldBe(HttpStatusCode.Created);
        Assert.Equal(first.GetProperty("study").GetProperty("version").GetInt64(), again.GetProperty("study").GetProperty("version").GetInt64());
        Assert.Equal(events, await app.EventCount());
        await (await admin.PostAsync("/studies/import-odm?studyId=ODM-RETRY", new StringContent(xml, Encoding.UTF8, "application/xml"))).ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task only_admins_and_data_managers_import()
    {
        var xml = await ExportedReference();
        foreach (var role in new[] { "cra", "monitor", "auditor", "statistician", "investigator" })
        {
            var client = await app.ClientFor($"odm.{role}", [role]);
            await (await client.PostAsync("/studies/import-odm?studyId=ODM-ROLE", new StringContent(xml, Encoding.UTF8, "application/xml"))).ShouldBe(HttpStatusCode.Forbidden);
        }
        var dataManager = await app.ClientFor("odm.dm", ["data-manager"]);
        await (await dataManager.PostAsync("/studies/import-odm?studyId=ODM-ROLE", new StringContent(xml, Encoding.UTF8, "application/xml"))).ShouldBe(HttpStatusCode.Created);
    }

    private async Task<string> ExportedReference()
    {
        if ((await (await Admin()).GetAsync("/studies/ODM-ROLE-SOURCE")).StatusCode == HttpStatusCode.NotFound) await Create("ODM-ROLE-SOURCE", TestStudies.ReferenceJson);
        return await Exported("ODM-ROLE-SOURCE");
    }

    [Fact]
    public async Task the_clinical_export_carries_study_form_entries_and_corrections_under_the_definitions_own_metadata()
    {
        const string studyId = "ODM-CLIN";
        await Create(studyId, OdmFiles.Labs());
        await (await (await Admin()).PostJson($"/studies/{studyId}/sites", new { siteId = "S1", name = "Site one" })).ShouldBe(HttpStatusCode.OK);
        var subject = new CasebookClient(await app.ClientFor("odm.clin.cra", ["cra"], $"{studyId}/S1"), "L-01", studyId);
        await subject.Enrol("S1");
        await subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
        await subject.Post("/forms/vital-signs", new { data = new { weight = 70.5, ecogDone = true } });
        await subject.Post("/forms/labs", new
        {
            key = "W1",
            data = new { sampleDate = "2021-03-11", fasting = true, results = new object[] { new { hb = 12.5, anc = 2.1, flag = "N" }, new { hb = 9.8, anc = 1.9, flag = "L" } } },
        });
        await subject.Post("/corrections", new { form = "labs/W1", field = "results[1].hb", newValue = 10.8, reason = "Transcription error: the report says 10.8." });

        var response = await (await Admin()).GetAsync($"/studies/{studyId}/export/odm");
        var xml = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, xml);
        OdmFiles.AssertSchemaValid(xml);
        var doc = XDocument.Parse(xml);

        // One mapping: the clinical export's metadata is the definition export's, element for element.
        var definitionExport = XDocument.Parse(await Exported(studyId));
        Assert.True(XNode.DeepEquals(definitionExport.Descendants(Odm + "MetaDataVersion").Single(), doc.Descendants(Odm + "MetaDataVersion").Single()),
            "the clinical export's MetaDataVersion differs from the definition's");

        // The data transactions (review steps, such as the soft range's edit-check flags, are Context transactions beside them).
        var labs = doc.Descendants(Odm + "FormData").Where(f => (string?)f.Attribute("FormOID") == "F.LABS" && (string?)f.Attribute("TransactionType") != "Context").ToList();
        Assert.Equal(["Insert", "Update"], labs.Select(f => (string?)f.Attribute("TransactionType")));
        Assert.All(labs, f => Assert.Equal("W1", (string?)f.Attribute("FormRepeatKey")));
        string Value(XElement form, string group, string? key, string item) => (string)form.Elements(Odm + "ItemGroupData")
            .Single(g => (string?)g.Attribute("ItemGroupOID") == group && (string?)g.Attribute("ItemGroupRepeatKey") == key)
            .Elements(Odm + "ItemData").Single(i => (string?)i.Attribute("ItemOID") == item).Attribute("Value")!;
        Assert.Equal("2021-03-11", Value(labs[0], "IG.LABS.SAMPLE", null, "I.LABS.SAMPLEDATE"));
        Assert.Equal("true", Value(labs[0], "IG.LABS.SAMPLE", null, "I.LABS.FASTING"));
        Assert.Equal("12.5", Value(labs[0], "IG.LABS.RESULTS", "1", "I.LABS.RESULTS.HB"));
        Assert.Equal("9.8", Value(labs[0], "IG.LABS.RESULTS", "2", "I.LABS.RESULTS.HB"));
        Assert.Equal("L", Value(labs[0], "IG.LABS.RESULTS", "2", "I.LABS.RESULTS.FLAG"));
        // A value nobody entered is left out of an insert (docs/standards.md, "ODM export").
        Assert.DoesNotContain(labs[0].Descendants(Odm + "ItemData"), i => (string?)i.Attribute("ItemOID") == "I.LABS.RESULTS.OLDTEST");
        // The correction carries the one value it changed, with its reason.
        Assert.Equal("10.8", Value(labs[1], "IG.LABS.RESULTS", "2", "I.LABS.RESULTS.HB"));
        Assert.Single(labs[1].Descendants(Odm + "ItemData"));
        Assert.Equal("Transcription error: the report says 10.8.", labs[1].Element(Odm + "AuditRecord")!.Element(Odm + "ReasonForChange")!.Value);
        Assert.Equal("70.5", Value(doc.Descendants(Odm + "FormData").Single(f => (string?)f.Attribute("FormOID") == "F.VITAL_SIGNS"), "IG.VITAL_SIGNS.VS", null, "I.VITAL_SIGNS.WEIGHT"));
        Assert.Equal("12", Value(doc.Descendants(Odm + "FormData").Single(f => (string?)f.Attribute("FormOID") == "F.FIRST_DOSE"), "IG.FIRST_DOSE", null, "I.FIRST_DOSE.DOSE"));
        Assert.Equal(TestStudies.Eligible.Keys.Order(), doc.Descendants(Odm + "ItemGroupData").Where(g => (string?)g.Attribute("ItemGroupOID") == "IG.ENROLMENT.ELIGIBILITY")
            .Select(g => (string?)g.Attribute("ItemGroupRepeatKey")).Order());

        // Every form, group and item the data name is defined in the metadata.
        var defined = doc.Descendants(Odm + "MetaDataVersion").Single().Elements().Select(e => (string?)e.Attribute("OID")).ToHashSet();
        var referenced = doc.Descendants(Odm + "ClinicalData").Single().Descendants()
            .SelectMany(e => new[] { e.Attribute("FormOID"), e.Attribute("ItemGroupOID"), e.Attribute("ItemOID"), e.Attribute("StudyEventOID") }).OfType<XAttribute>().Select(a => a.Value).Distinct().ToList();
        Assert.NotEmpty(referenced);
        Assert.All(referenced, oid => Assert.Contains(oid, defined));
    }
}
