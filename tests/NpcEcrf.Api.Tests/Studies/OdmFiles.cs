using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Schema;
using NpcEcrf.Api.Demo;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Studies;

/// <summary>The ODM 1.3.2 schema (../shared/standards), the definitions the ODM tests use, and how they compare.</summary>
public static class OdmFiles
{
    /// <summary>Every schema error of a document, against the unmodified CDISC ODM 1.3.2 schema.</summary>
    public static List<string> SchemaErrors(string xml)
    {
        var schemas = new XmlSchemaSet { XmlResolver = new XmlUrlResolver() };
        var shared = Path.Combine(SharedFiles.Dir(), "standards", "cdisc-odm-1.3.2");
        using (var xsd = XmlReader.Create(Path.Combine(shared, "ODM1-3-2.xsd"), new XmlReaderSettings { DtdProcessing = DtdProcessing.Parse })) schemas.Add(null, xsd);
        var errors = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = schemas };
        settings.ValidationEventHandler += (_, e) => errors.Add($"{e.Severity} at {e.Exception?.LineNumber}:{e.Exception?.LinePosition}: {e.Message}");
        using (var reader = XmlReader.Create(new StringReader(xml), settings)) while (reader.Read()) { }
        return errors;
    }

    public static void AssertSchemaValid(string xml)
    {
        var errors = SchemaErrors(xml);
        Assert.True(errors.Count == 0, string.Join("\n", errors.Take(10)));
    }

    /// <summary>A definition as JSON, the way the API stores and answers it: what "equal definitions" compares.</summary>
    public static string Json(StudyDefinition definition) => JsonSerializer.Serialize(definition, StudyDefinitions.Strict);

    public static StudyDefinition Read(JsonNode definition) => definition.Deserialize<StudyDefinition>(StudyDefinitions.Strict)!;

    /// <summary>The reference study with what ODM carries least naturally: a repeating laboratory form (hard and soft
    /// ranges, units, a code list, a retired item, a date ordered against the first dose), a baseline form whose name
    /// has a hyphen, and a weekly visit that repeats.</summary>
    public static JsonNode Labs()
    {
        var d = TestStudies.ReferenceJson;
        d["codeLists"]!.AsArray().Add(JsonNode.Parse("""
            {"id": "LAB_FLAG", "name": "Laboratory flag", "items": [{"code": "N", "decode": "Normal"}, {"code": "H", "decode": "High"}, {"code": "L", "decode": "Low"}]}
            """));
        d["forms"]!.AsArray().Add(JsonNode.Parse("""
            {"name": "labs", "title": "Laboratory values", "repeating": true, "domain": "LB", "groups": [
              {"name": "SAMPLE", "title": "Sample", "items": [
                {"name": "sampleDate", "question": "Date of sampling", "dataType": "date", "mandatory": true, "notBefore": "first-dose"},
                {"name": "fasting", "question": "Fasting?", "dataType": "boolean"}]},
              {"name": "results", "title": "Results", "repeating": true, "items": [
                {"name": "hb", "question": "Haemoglobin", "dataType": "float", "unit": "g/dL", "mandatory": true, "hard": {"min": 3, "max": 25}, "soft": {"min": 10.5, "max": 17}},
                {"name": "anc", "question": "Absolute neutrophil count", "dataType": "float", "unit": "10^9/L", "hard": {"min": 0}, "soft": {"min": 1.5}},
                {"name": "flag", "question": "Flag", "dataType": "text", "codeList": "LAB_FLAG"},
                {"name": "oldTest", "question": "A test no longer done", "dataType": "integer", "retired": true}]}]}
            """));
        d["forms"]!.AsArray().Add(JsonNode.Parse("""
            {"name": "vital-signs", "title": "Vital signs", "baseline": true, "requiredForSignature": true, "groups": [
              {"name": "VS", "title": "Vital signs", "items": [
                {"name": "weight", "question": "Weight", "dataType": "float", "unit": "kg", "mandatory": true, "hard": {"max": 300}},
                {"name": "ecogDone", "question": "ECOG assessed?", "dataType": "boolean"}]}]}
            """));
        d["schedule"]!["visits"]!.AsArray().Add(JsonNode.Parse("""
            {"name": "WEEKLY-LABS", "anchor": "first-dose", "targetDay": 8, "earliestDay": 6, "latestDay": 10, "forms": ["labs"], "repeatEveryDays": 7, "repeats": 8}
            """));
        return d;
    }

    /// <summary>The hand-written MetaDataVersion of another EDC (Studies/foreign-edc.xml).</summary>
    public static string Foreign() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Studies", "foreign-edc.xml"));
}
