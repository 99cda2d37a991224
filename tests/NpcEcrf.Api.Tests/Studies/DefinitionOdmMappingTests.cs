using System.Text.Json.Nodes;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Studies;

/// <summary>The mapping itself, without a database: every shape of definition comes back equal, and the rules that keep an export valid ODM.</summary>
public class DefinitionOdmMappingTests
{
    /// <summary>Two arms in mg/m2 with the item that holds body surface area, no soft-check thresholds, no eligibility and no visits
    /// (only the tumour assessment interval), no protocol text, and an item coded with the CDISC SEX list the product ships.</summary>
    private static JsonNode Chemo()
    {
        var d = OdmFiles.Labs();
        d["treatment"] = JsonNode.Parse("""
            {"arms": [{"code": "A", "name": "Docetaxel", "doseLevels": [75, 60.5]}, {"code": "B", "name": "Docetaxel + cisplatin", "doseLevels": [75]}],
             "doseUnit": "mg/m2", "route": "intravenous", "cycleDays": 28, "daysOn": 1, "doseBasisItem": "vital-signs.bsa"}
            """);
        d["forms"]![4]!["groups"]![0]!["items"]!.AsArray().Add(JsonNode.Parse("""{"name": "bsa", "question": "Body surface area", "dataType": "float", "unit": "m2", "mandatory": true}"""));
        d["forms"]![4]!["groups"]![0]!["items"]!.AsArray().Add(JsonNode.Parse("""{"name": "donorSex", "question": "Sex of the donor", "dataType": "text", "codeList": "SEX"}"""));
        d["codeLists"]!.AsArray().RemoveAt(0);
        d.AsObject().Remove("softChecks");
        d.AsObject().Remove("eligibility");
        d.AsObject().Remove("protocol");
        d["schedule"] = JsonNode.Parse("""{"visits": [], "tumourAssessmentIntervalDays": 56}""");
        return d;
    }

    public static TheoryData<string> Definitions => ["reference", "labs", "chemo"];

    private static JsonNode Named(string name) => name switch { "reference" => TestStudies.ReferenceJson, "labs" => OdmFiles.Labs(), _ => Chemo() };

    [Theory, MemberData(nameof(Definitions))]
    public void a_definition_exported_and_imported_is_the_same_definition(string name)
    {
        var definition = OdmFiles.Read(Named(name));
        Assert.Empty(DefinitionRules.Problems(definition));
        var xml = DefinitionOdm.Export("S-1", "A study", new DefinitionVersion(3, new DateOnly(2024, 5, 1), definition, "Amendment 2", true), DateTimeOffset.UtcNow);
        OdmFiles.AssertSchemaValid(xml);

        var (imported, refused) = DefinitionOdm.Import(xml, null);
        Assert.Null(refused);
        Assert.Equal(("S-1", "A study"), (imported!.StudyId, imported.Title));
        Assert.Empty(imported.Unmapped);
        Assert.Equal(OdmFiles.Json(definition), OdmFiles.Json(imported.Definition));
    }

    [Fact]
    public void the_chemo_definitions_settings_travel_as_aliases_and_the_shipped_sex_list_is_marked_as_such()
    {
        var xml = DefinitionOdm.Export("S-1", "A study", new DefinitionVersion(1, new DateOnly(2024, 5, 1), OdmFiles.Read(Chemo()), null, false), DateTimeOffset.UtcNow);
        Assert.Contains("<Alias Context=\"npc-ecrf:treatment.doseBasisItem\" Name=\"vital-signs.bsa\" />", xml);
        Assert.Contains("<Alias Context=\"npc-ecrf:doseLevels\" Name=\"75 60.5\" />", xml);
        Assert.Contains("<Alias Context=\"npc-ecrf:list\" Name=\"default\" />", xml);
        Assert.DoesNotContain("npc-ecrf:softChecks", xml);
        Assert.DoesNotContain("CL.ELIGIBILITY", xml);
    }

    [Fact]
    public void a_file_with_the_base_parts_of_its_own_needs_no_base_and_a_base_does_not_override_them()
    {
        var labs = OdmFiles.Read(OdmFiles.Labs());
        var xml = DefinitionOdm.Export("S-1", "A study", new DefinitionVersion(1, new DateOnly(2024, 5, 1), labs, null, false), DateTimeOffset.UtcNow);
        var (imported, _) = DefinitionOdm.Import(xml, OdmFiles.Read(Chemo()));
        Assert.Equal(OdmFiles.Json(labs), OdmFiles.Json(imported!.Definition));
    }

    private static string Minimal(string metadata) => $$"""
        <ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" FileType="Snapshot" FileOID="X" CreationDateTime="2024-01-01T00:00:00Z">
          <Study OID="S"><GlobalVariables><StudyName>S</StudyName><StudyDescription>S</StudyDescription><ProtocolName>S</ProtocolName></GlobalVariables>
            <MetaDataVersion OID="M" Name="M">{{metadata}}</MetaDataVersion></Study></ODM>
        """;

    [Fact]
    public void a_form_with_nothing_mappable_is_left_out_and_said_and_an_oid_that_names_two_elements_is_refused()
    {
        const string diary = """
            <FormDef OID="F.DIARY" Name="Diary" Repeating="No"><ItemGroupRef ItemGroupOID="IG.D" Mandatory="Yes"/></FormDef>
            <ItemGroupDef OID="IG.D" Name="D" Repeating="No"><ItemRef ItemOID="I.T" Mandatory="Yes"/></ItemGroupDef>
            <ItemDef OID="I.T" Name="T" DataType="time"/>
            """;
        var (imported, _) = DefinitionOdm.Import(Minimal(diary), TestStudies.Reference);
        Assert.Equal(TestStudies.Reference.StudyForms.Select(f => f.Name), imported!.Definition.StudyForms.Select(f => f.Name));
        Assert.Contains(new OdmFinding("FormDef F.DIARY", "No item of the form could be mapped; the form is left out."), imported.Unmapped);
        Assert.Contains(imported.Unmapped, f => f.Element == "ItemDef I.T" && f.Message.Contains("DataType time"));

        var (none, refused) = DefinitionOdm.Import(Minimal(diary + "<ItemDef OID=\"I.T\" Name=\"T2\" DataType=\"text\"/>"), TestStudies.Reference);
        Assert.Null(none);
        Assert.Equal(new OdmRefusal("odm", "The OID I.T names 2 elements of the MetaDataVersion; an OID names one."), refused);
    }

    [Fact]
    public void every_value_is_placed_in_its_group_with_its_repeat_key_and_one_no_definition_declares_gets_an_item_of_its_own()
    {
        var layout = DefinitionOdm.Layout(TestStudies.Reference);
        var lesion = layout.Place("tumour-assessment", "targetDiametersMm.T2");
        Assert.Equal(("IG.TUMOUR_ASSESSMENT.TARGETDIAMETERSMM", "T2", "I.TUMOUR_ASSESSMENT.TARGETDIAMETERSMM", NpcEcrf.Api.Casebooks.ItemType.Float),
            (lesion.Group.Oid, lesion.RepeatKey, lesion.Item.Oid, lesion.Item.Type));
        var grade = layout.Place("adverse-event", "gradeChanges[1].grade");
        Assert.Equal(("IG.ADVERSE_EVENT.GRADECHANGES", "2", "I.ADVERSE_EVENT.GRADECHANGES.GRADE"), (grade.Group.Oid, grade.RepeatKey, grade.Item.Oid));
        var term = layout.Place("adverse-event", "report.term");
        Assert.Equal(("IG.ADVERSE_EVENT", null, "CL.AE_TERMS"), (term.Group.Oid, term.RepeatKey, term.Item.CodeListOid));
        var other = layout.Place("metastatic-sites", "other[0].site");
        Assert.Equal(("IG.METASTATIC_SITES.OTHER", "1", "I.METASTATIC_SITES.OTHER.SITE"), (other.Group.Oid, other.RepeatKey, other.Item.Oid));

        var old = layout.Place("retired-form", "rows[2].x");
        Assert.Equal(("F.RETIRED_FORM", "IG.RETIRED_FORM.ROWS", "3", "I.RETIRED_FORM.ROWS.X", NpcEcrf.Api.Casebooks.ItemType.Text),
            (old.Form.Oid, old.Group.Oid, old.RepeatKey, old.Item.Oid, old.Item.Type));
        Assert.Same(old.Item, layout.Place("retired-form", "rows[0].x").Item);
        var odm = new System.Xml.Linq.XElement(System.Xml.Linq.XName.Get("ODM", DefinitionOdm.Namespace), new System.Xml.Linq.XAttribute("FileType", "Snapshot"),
            new System.Xml.Linq.XAttribute("FileOID", "X"), new System.Xml.Linq.XAttribute("CreationDateTime", "2024-01-01T00:00:00Z"), DefinitionOdm.Study("S", "S", 1, layout));
        OdmFiles.AssertSchemaValid(odm.ToString());
        Assert.Contains("OID=\"I.RETIRED_FORM.ROWS.X\"", odm.ToString());
    }

    [Fact]
    public void a_form_needs_a_title_and_a_code_list_a_name()
    {
        Assert.DoesNotContain(DefinitionRules.Problems(TestStudies.Reference).Keys, k => k.EndsWith(".title") || k.EndsWith(".name"));
        var d = TestStudies.ReferenceJson;
        d["forms"]![0]!["title"] = " ";
        d["codeLists"]![1]!["name"] = "";
        var problems = DefinitionRules.Problems(OdmFiles.Read(d));
        Assert.Equal(["A form has a title."], problems["forms[0].title"]);
        Assert.Equal(["A code list has a name."], problems["codeLists[1].name"]);
    }

    [Fact]
    public void a_group_name_is_used_once_in_a_form_and_a_visit_lists_a_form_once()
    {
        var problems = DefinitionRules.Problems(OdmFiles.Read(OdmFiles.Labs()));
        Assert.DoesNotContain(problems.Keys, k => k.StartsWith("forms[3].groups") || k.StartsWith("schedule.visits[2]"));
        var d = OdmFiles.Labs();
        d["forms"]![3]!["groups"]![1]!["name"] = "sample";
        d["forms"]![3]!["groups"]![1]!["repeating"] = false;
        d["schedule"]!["visits"]![2]!["forms"]!.AsArray().Add("LABS");
        problems = DefinitionRules.Problems(OdmFiles.Read(d));
        Assert.Equal(["Group 'SAMPLE' is defined twice in form 'labs'."], problems["forms[3].groups[1].name"]);
        Assert.Equal(["Form 'labs' is listed twice."], problems["schedule.visits[2].forms"]);
    }
}
