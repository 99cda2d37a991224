using System.Text;
using System.Xml;
using System.Xml.Linq;
using System.Xml.XPath;
using NpcEcrf.Api.Standards;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Tests.Infrastructure;
using NpcEcrf.Api.Tests.Studies;

namespace NpcEcrf.Api.Tests.Standards;

/// <summary>
/// Define-XML 2.1 from small SDTM and ADaM datasets built here. There is no Define-XML schema in ../shared, so the ODM
/// core is validated against the unmodified ODM 1.3.2 schema once the def: nodes are taken out, and the def: structure
/// and every cross-reference are checked by XPath.
/// </summary>
public class DefineXmlTests
{
    private static readonly DateTimeOffset Created = new(2022, 7, 1, 9, 30, 0, TimeSpan.Zero);
    private const string AvalDerivation = "AVAL = ADT - STARTDT + 1 (days from first dose); months = days / 30.4375.";

    private static DatasetSource Source(string standard) => new("NPC-01", "Anlotinib in nasopharyngeal carcinoma", "interim-2022",
        "9f2c1e7a5b3d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6", new DateOnly(2022, 6, 30),
        new DateTimeOffset(2022, 6, 30, 18, 5, 0, TimeSpan.Zero), 4711, 3, standard, "NpcEcrf", "1.2.0");

    private static StudyDefinition Definition => TestStudies.Reference with
    {
        CodeLists = [new CodeList("AEREL", "Causality", [new("RELATED", "Related"), new("NOT RELATED", "Not related")])],
    };

    private static IReadOnlyList<Dataset> Sdtm() =>
    [
        new("DM", "Demographics", "SPECIAL PURPOSE",
        [
            new("STUDYID", "Study Identifier", VariableType.Text, 12, "Assigned", Key: true),
            new("DOMAIN", "Domain Abbreviation", VariableType.Text, 2, "Assigned", Derivation: "Always \"DM\"."),
            new("USUBJID", "Unique Subject Identifier", VariableType.Text, null, "Assigned", Key: true),
            new("SEX", "Sex", VariableType.Text, 1, "Collected", "SEX"),
            new("AGE", "Age", VariableType.Integer, null, "Derived", Derivation: "Age in completed years at informed consent."),
            new("RFSTDTC", "Subject Reference Start Date/Time", VariableType.Date, null, "Derived", Derivation: "Date of the first dose."),
        ],
        [
            ["NPC-01", "DM", "NPC-01-001", "M", 54, new DateOnly(2021, 3, 2)],
            ["NPC-01", "DM", "NPC-01-002", "F", 61, null],
        ]),
        new("AE", "Adverse Events", "EVENTS",
        [
            new("STUDYID", "Study Identifier", VariableType.Text, 12, "Assigned", Key: true),
            new("USUBJID", "Unique Subject Identifier", VariableType.Text, 20, "Assigned", Key: true),
            new("AETERM", "Reported Term for the Adverse Event", VariableType.Text, null, "Collected", Key: true),
            new("AESEQ", "Sequence Number", VariableType.Integer, 8, "Derived", Derivation: "Sequential number per subject, by start date and term."),
            new("AESEV", "Severity/Intensity", VariableType.Text, 8, "Derived", "AESEV", "Mild for grade 1, moderate for 2, severe for 3 or more."),
            new("AETOXGR", "Standard Toxicity Grade", VariableType.Text, 1, "Collected", "TOXGR"),
            new("AESER", "Serious Event", VariableType.Text, 1, "Collected", "NY"),
            new("AEREL", "Causality", VariableType.Text, 11, "Collected", "AEREL"),
        ],
        [
            ["NPC-01", "NPC-01-001", "HYPERTENSION", 1, "MODERATE", "2", "N", "RELATED"],
            ["NPC-01", "NPC-01-001", "FATIGUE", 2, "MILD", "1", "N", "NOT RELATED"],
            ["NPC-01", "NPC-01-002", "HAND-FOOT SYNDROME", 1, "SEVERE", "3", "Y", "RELATED"],
        ]),
    ];

    private static IReadOnlyList<Dataset> Adam() =>
    [
        new("ADTTE", "Time-to-Event Analysis Dataset", "BASIC DATA STRUCTURE",
        [
            new("STUDYID", "Study Identifier", VariableType.Text, 12, "Predecessor", Derivation: "ADSL.STUDYID", Key: true),
            new("USUBJID", "Unique Subject Identifier", VariableType.Text, 20, "Predecessor", Derivation: "ADSL.USUBJID", Key: true),
            new("PARAMCD", "Parameter Code", VariableType.Text, 8, "Assigned", "PARAMCD", Key: true),
            new("AVAL", "Analysis Value", VariableType.Float, null, "Derived", Derivation: AvalDerivation),
            new("CNSR", "Censor", VariableType.Integer, null, "Derived", Derivation: "0 for an event, 1 when censored at the last assessment."),
            new("ADT", "Analysis Date", VariableType.Date, null, "Derived", Derivation: "Date of the event or of censoring."),
        ],
        [
            ["NPC-01", "NPC-01-001", "PFS", 8.2792607802874m, 0, new DateOnly(2021, 11, 9)],
            ["NPC-01", "NPC-01-001", "OS", 15.0m, 1, new DateOnly(2022, 6, 1)],
        ]),
    ];

    private static XDocument Write(IReadOnlyList<Dataset> datasets, DatasetSource source)
    {
        using var stream = new MemoryStream();
        DefineXml.Write(datasets, source, Definition, stream, Created);
        stream.Position = 0;
        // Parsing the bytes, not the XDocument we built, is what proves the file well-formed.
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
        return XDocument.Load(reader, LoadOptions.SetLineInfo);
    }

    private static List<XElement> All(XDocument doc, string xpath) => doc.XPathSelectElements(xpath, DefineXmlFiles.Ns()).ToList();
    private static XElement One(XDocument doc, string xpath) => Assert.Single(All(doc, xpath));

    public static TheoryData<string> Standards => new() { "SDTMIG 3.4", "ADaMIG 1.3" };

    [Theory]
    [MemberData(nameof(Standards))]
    public void The_odm_core_validates_against_the_odm_1_3_2_schema(string standard)
    {
        var doc = Write(standard.StartsWith("SDTM") ? Sdtm() : Adam(), Source(standard));
        var core = DefineXmlFiles.OdmCore(doc);
        Assert.DoesNotContain(DefineXml.DefNamespace, core);
        OdmFiles.AssertSchemaValid(core);
    }

    [Fact]
    public void The_odm_root_names_the_lock_its_hash_and_cut_off()
    {
        var source = Source("SDTMIG 3.4");
        var doc = Write(Sdtm(), source);
        var odm = doc.Root!;
        Assert.Equal(XName.Get("ODM", DefineXml.OdmNamespace), odm.Name);
        Assert.Equal("Snapshot", odm.Attribute("FileType")!.Value);
        Assert.Equal("1.3.2", odm.Attribute("ODMVersion")!.Value);
        Assert.Contains("INTERIM_2022", odm.Attribute("FileOID")!.Value);
        Assert.Equal("2022-07-01T09:30:00.000Z", odm.Attribute("CreationDateTime")!.Value);
        Assert.Equal("2022-06-30T18:05:00.000Z", odm.Attribute("AsOfDateTime")!.Value);
        Assert.Equal("NpcEcrf", odm.Attribute("Originator")!.Value);
        Assert.Equal("NpcEcrf", odm.Attribute("SourceSystem")!.Value);
        Assert.Equal("1.2.0", odm.Attribute("SourceSystemVersion")!.Value);
        Assert.Equal("Submission", odm.Attribute(XName.Get("Context", DefineXml.DefNamespace))!.Value);
        foreach (var description in new[] { odm.Attribute("Description")!.Value, One(doc, "//odm:MetaDataVersion").Attribute("Description")!.Value })
        {
            Assert.Contains("interim-2022", description);
            Assert.Contains(source.LockHash, description);
            Assert.Contains("2022-06-30", description);
        }
        Assert.Equal("NPC-01", One(doc, "/odm:ODM/odm:Study/odm:GlobalVariables/odm:StudyName").Value);
        Assert.Equal(source.StudyTitle, One(doc, "/odm:ODM/odm:Study/odm:GlobalVariables/odm:StudyDescription").Value);
        Assert.Equal("NPC-01", One(doc, "/odm:ODM/odm:Study/odm:GlobalVariables/odm:ProtocolName").Value);
    }

    [Theory]
    [InlineData("SDTMIG 3.4", "SDTMIG", "3.4", "Tabulation", "SDTM")]
    [InlineData("ADaMIG 1.3", "ADaMIG", "1.3", "Analysis", "ADaM")]
    public void The_standards_and_purpose_follow_the_source(string standard, string name, string version, string purpose, string publishingSet)
    {
        var doc = Write(standard.StartsWith("SDTM") ? Sdtm() : Adam(), Source(standard));
        var mdv = One(doc, "//odm:MetaDataVersion");
        Assert.Equal("2.1.0", mdv.Attribute(XName.Get("DefineVersion", DefineXml.DefNamespace))!.Value);
        var ig = One(doc, $"//def:Standards/def:Standard[@Type='IG' and @Name='{name}' and @Version='{version}']");
        One(doc, $"//def:Standards/def:Standard[@Type='CT' and @Name='CDISC/NCI' and @PublishingSet='{publishingSet}']");
        foreach (var group in All(doc, "//odm:ItemGroupDef"))
        {
            Assert.Equal(purpose, group.Attribute("Purpose")!.Value);
            Assert.Equal(ig.Attribute("OID")!.Value, group.Attribute(XName.Get("StandardOID", DefineXml.DefNamespace))!.Value);
        }
    }

    [Fact]
    public void Each_dataset_is_an_item_group_with_its_class_structure_and_leaf()
    {
        var doc = Write(Sdtm(), Source("SDTMIG 3.4"));
        Assert.Equal(["DM", "AE"], All(doc, "//odm:ItemGroupDef").Select(g => g.Attribute("Name")!.Value));
        var dm = One(doc, "//odm:ItemGroupDef[@Name='DM']");
        Assert.Equal("DM", dm.Attribute("SASDatasetName")!.Value);
        Assert.Equal("No", dm.Attribute("Repeating")!.Value);
        Assert.Equal("Yes", One(doc, "//odm:ItemGroupDef[@Name='AE']").Attribute("Repeating")!.Value);
        Assert.Equal("One record per subject", dm.Attribute(XName.Get("Structure", DefineXml.DefNamespace))!.Value);
        Assert.Equal("Demographics", One(doc, "//odm:ItemGroupDef[@Name='DM']/odm:Description/odm:TranslatedText").Value);
        Assert.Equal("SPECIAL PURPOSE", One(doc, "//odm:ItemGroupDef[@Name='DM']/def:Class").Attribute("Name")!.Value);
        var leafId = dm.Attribute(XName.Get("ArchiveLocationID", DefineXml.DefNamespace))!.Value;
        var leaf = One(doc, $"//odm:ItemGroupDef[@Name='DM']/def:leaf[@ID='{leafId}']");
        Assert.Equal("dm.xpt", leaf.Attribute(XName.Get("href", DefineXml.XlinkNamespace))!.Value);
        Assert.Equal("dm.xpt", leaf.Element(XName.Get("title", DefineXml.DefNamespace))!.Value);
        // Every dataset has exactly one leaf, and every leaf ID is unique.
        Assert.Equal(2, All(doc, "//def:leaf").Select(l => l.Attribute("ID")!.Value).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Standards))]
    public void Every_reference_resolves(string standard)
    {
        var doc = Write(standard.StartsWith("SDTM") ? Sdtm() : Adam(), Source(standard));
        var itemDefs = All(doc, "//odm:ItemDef").Select(e => e.Attribute("OID")!.Value).ToList();
        var codeLists = All(doc, "//odm:CodeList").Select(e => e.Attribute("OID")!.Value).ToList();
        var methods = All(doc, "//odm:MethodDef").Select(e => e.Attribute("OID")!.Value).ToList();
        Assert.Equal(itemDefs.Count, itemDefs.Distinct().Count());
        Assert.All(All(doc, "//odm:ItemRef"), r => Assert.Contains(r.Attribute("ItemOID")!.Value, itemDefs));
        Assert.All(All(doc, "//odm:CodeListRef"), r => Assert.Contains(r.Attribute("CodeListOID")!.Value, codeLists));
        Assert.All(All(doc, "//odm:ItemRef[@MethodOID]"), r => Assert.Contains(r.Attribute("MethodOID")!.Value, methods));
        Assert.All(All(doc, "//odm:ItemGroupDef"), g => Assert.Equal(1, g.Elements(XName.Get("leaf", DefineXml.DefNamespace))
            .Count(l => l.Attribute("ID")!.Value == g.Attribute(XName.Get("ArchiveLocationID", DefineXml.DefNamespace))!.Value)));
        var standards = All(doc, "//def:Standard").Select(s => s.Attribute("OID")!.Value).ToList();
        Assert.All(doc.Descendants().Attributes(XName.Get("StandardOID", DefineXml.DefNamespace)), a => Assert.Contains(a.Value, standards));
        // Nothing defined that nobody uses.
        Assert.Equal(itemDefs.Order(), All(doc, "//odm:ItemRef").Select(r => r.Attribute("ItemOID")!.Value).Order());
        Assert.Equal(codeLists.Order(), All(doc, "//odm:CodeListRef").Select(r => r.Attribute("CodeListOID")!.Value).Distinct().Order());
        Assert.Equal(methods.Order(), All(doc, "//odm:ItemRef[@MethodOID]").Select(r => r.Attribute("MethodOID")!.Value).Distinct().Order());
        var valueLists = All(doc, "//def:ValueListDef").Select(e => e.Attribute("OID")!.Value).ToList();
        var whereClauses = All(doc, "//def:WhereClauseDef").Select(e => e.Attribute("OID")!.Value).ToList();
        Assert.Equal(valueLists.Order(), All(doc, "//def:ValueListRef").Select(r => r.Attribute("ValueListOID")!.Value).Order());
        Assert.Equal(whereClauses.Order(), All(doc, "//def:WhereClauseRef").Select(r => r.Attribute("WhereClauseOID")!.Value).Order());
        Assert.All(All(doc, "//def:WhereClauseDef/odm:RangeCheck"), c => Assert.Contains(c.Attribute(XName.Get("ItemOID", DefineXml.DefNamespace))!.Value, itemDefs));
    }

    // Findings with results of two kinds: haemoglobin in decimals, albumin in whole numbers, a test with no result yet.
    private static Dataset Labs() => new("LB", "Laboratory Test Results", "FINDINGS",
    [
        new("STUDYID", "Study Identifier", VariableType.Text, 12, "Assigned", Key: true),
        new("USUBJID", "Unique Subject Identifier", VariableType.Text, 20, "Assigned", Key: true),
        new("LBTESTCD", "Lab Test or Examination Short Name", VariableType.Text, 8, "Assigned", Key: true),
        new("LBTEST", "Lab Test or Examination Name", VariableType.Text, 40, "Assigned"),
        new("LBORRES", "Result or Finding in Original Units", VariableType.Text, null, "Collected"),
        new("LBSTRESN", "Numeric Result/Finding in Standard Units", VariableType.Float, null, "Derived", Derivation: "LBORRES as a number."),
    ],
    [
        ["NPC-01", "NPC-01-001", "HGB", "Hemoglobin", "13.5", 13.5m],
        ["NPC-01", "NPC-01-002", "HGB", "Hemoglobin", "12.25", 12.25m],
        ["NPC-01", "NPC-01-001", "ALB", "Albumin", "38", 38m],
        ["NPC-01", "NPC-01-002", "ALB", "Albumin", null, null],
        ["NPC-01", "NPC-01-001", "CREAT", "Creatinine", null, null],
    ]);

    [Fact]
    public void A_findings_result_is_described_per_test_code_by_a_value_list_with_where_clauses()
    {
        var doc = Write([.. Sdtm(), Labs()], Source("SDTMIG 3.4"));
        OdmFiles.AssertSchemaValid(DefineXmlFiles.OdmCore(doc));
        var oids = doc.Descendants().Attributes("OID").Select(a => a.Value).ToList();
        Assert.Equal(oids.Count, oids.Distinct().Count());
        Assert.Equal("VL.LB.LBORRES", One(doc, "//odm:ItemDef[@OID='IT.LB.LBORRES']/def:ValueListRef").Attribute("ValueListOID")!.Value);
        Assert.Equal("VL.LB.LBSTRESN", One(doc, "//odm:ItemDef[@OID='IT.LB.LBSTRESN']/def:ValueListRef").Attribute("ValueListOID")!.Value);
        // A test with no result anywhere (CREAT) is not described; ALB is missing for one subject, so not mandatory.
        var refs = All(doc, "//def:ValueListDef[@OID='VL.LB.LBSTRESN']/odm:ItemRef");
        Assert.Equal(["IT.LB.LBSTRESN.HGB", "IT.LB.LBSTRESN.ALB"], refs.Select(r => r.Attribute("ItemOID")!.Value));
        Assert.Equal(["Yes", "No"], refs.Select(r => r.Attribute("Mandatory")!.Value));
        Assert.All(refs, r => Assert.Equal("MT.LB.LBSTRESN", r.Attribute("MethodOID")!.Value));
        Assert.Equal(["float", "integer"], refs.Select(r => One(doc, $"//odm:ItemDef[@OID='{r.Attribute("ItemOID")!.Value}']").Attribute("DataType")!.Value));
        // The character result keeps the length its longest value needs ("12.25").
        var hgb = One(doc, "//odm:ItemDef[@OID='IT.LB.LBORRES.HGB']");
        Assert.Equal(("LBORRES", "text", "5"), (hgb.Attribute("Name")!.Value, hgb.Attribute("DataType")!.Value, hgb.Attribute("Length")!.Value));
        Assert.Contains("LBTESTCD = HGB (Hemoglobin)", hgb.Value);
        var where = One(doc, "//def:WhereClauseDef[@OID=//def:ValueListDef[@OID='VL.LB.LBORRES']/odm:ItemRef[@ItemOID='IT.LB.LBORRES.HGB']/def:WhereClauseRef/@WhereClauseOID]/odm:RangeCheck");
        Assert.Equal(("EQ", "IT.LB.LBTESTCD", "HGB"), (where.Attribute("Comparator")!.Value, where.Attribute(XName.Get("ItemOID", DefineXml.DefNamespace))!.Value, where.Elements().Single().Value));
        // Define-XML 2.1 orders value lists and where clauses before the datasets.
        var order = One(doc, "//odm:MetaDataVersion").Elements().Select(e => e.Name.LocalName).Distinct().ToList();
        Assert.True(order.IndexOf("WhereClauseDef") < order.IndexOf("ItemGroupDef") && order.IndexOf("ValueListDef") < order.IndexOf("WhereClauseDef"));
    }

    [Fact]
    public void Datasets_without_a_test_code_have_no_value_list_and_a_parameter_code_gives_one()
    {
        Assert.Empty(All(Write(Sdtm(), Source("SDTMIG 3.4")), "//def:ValueListDef"));
        var adam = Write(Adam(), Source("ADaMIG 1.3"));
        Assert.Equal(["IT.ADTTE.AVAL.PFS", "IT.ADTTE.AVAL.OS"], All(adam, "//def:ValueListDef[@OID='VL.ADTTE.AVAL']/odm:ItemRef").Select(r => r.Attribute("ItemOID")!.Value));
    }

    [Fact]
    public void Item_refs_follow_the_variables_and_keys_are_numbered_in_order()
    {
        var doc = Write(Sdtm(), Source("SDTMIG 3.4"));
        var refs = All(doc, "//odm:ItemGroupDef[@Name='AE']/odm:ItemRef");
        Assert.Equal(["STUDYID", "USUBJID", "AETERM", "AESEQ", "AESEV", "AETOXGR", "AESER", "AEREL"],
            refs.Select(r => One(doc, $"//odm:ItemDef[@OID='{r.Attribute("ItemOID")!.Value}']").Attribute("Name")!.Value));
        Assert.Equal(Enumerable.Range(1, 8).Select(i => i.ToString()), refs.Select(r => r.Attribute("OrderNumber")!.Value));
        Assert.Equal(["1", "2", "3", null, null, null, null, null], refs.Select(r => r.Attribute("KeySequence")?.Value));
        // DM's keys are STUDYID and USUBJID with DOMAIN between them: the sequence counts keys, not positions.
        Assert.Equal(["1", null, "2", null, null, null], All(doc, "//odm:ItemGroupDef[@Name='DM']/odm:ItemRef").Select(r => r.Attribute("KeySequence")?.Value));
        // Keys and always-filled variables are mandatory; RFSTDTC is missing for one subject.
        Assert.Equal(["Yes", "Yes", "Yes", "Yes", "Yes", "No"], All(doc, "//odm:ItemGroupDef[@Name='DM']/odm:ItemRef").Select(r => r.Attribute("Mandatory")!.Value));
    }

    [Fact]
    public void Item_defs_carry_type_length_label_and_origin()
    {
        var doc = Write(Sdtm(), Source("SDTMIG 3.4"));
        var sex = One(doc, "//odm:ItemDef[@OID='IT.DM.SEX']");
        Assert.Equal(("SEX", "text", "1", "SEX"), (sex.Attribute("Name")!.Value, sex.Attribute("DataType")!.Value, sex.Attribute("Length")!.Value, sex.Attribute("SASFieldName")!.Value));
        Assert.Equal("Sex", One(doc, "//odm:ItemDef[@OID='IT.DM.SEX']/odm:Description/odm:TranslatedText").Value);
        var collected = One(doc, "//odm:ItemDef[@OID='IT.DM.SEX']/def:Origin");
        Assert.Equal(("Collected", "Investigator"), (collected.Attribute("Type")!.Value, collected.Attribute("Source")!.Value));
        Assert.Equal("Derived", One(doc, "//odm:ItemDef[@OID='IT.DM.AGE']/def:Origin").Attribute("Type")!.Value);
        Assert.Null(One(doc, "//odm:ItemDef[@OID='IT.DM.AGE']/def:Origin").Attribute("Source"));
        Assert.Equal("Assigned", One(doc, "//odm:ItemDef[@OID='IT.DM.DOMAIN']/def:Origin").Attribute("Type")!.Value);
        // Only a derived variable has a method; an assigned one's text describes its origin.
        Assert.Equal("Always \"DM\".", One(doc, "//odm:ItemDef[@OID='IT.DM.DOMAIN']/def:Origin/odm:Description/odm:TranslatedText").Value);
        Assert.Null(One(doc, "//odm:ItemRef[@ItemOID='IT.DM.DOMAIN']").Attribute("MethodOID"));
        Assert.Equal(("integer", "8"), (One(doc, "//odm:ItemDef[@OID='IT.DM.AGE']").Attribute("DataType")!.Value, One(doc, "//odm:ItemDef[@OID='IT.DM.AGE']").Attribute("Length")!.Value));
        // SDTM dates are ISO 8601 text; a text variable with no declared length is as long as its longest value.
        Assert.Equal("date", One(doc, "//odm:ItemDef[@OID='IT.DM.RFSTDTC']").Attribute("DataType")!.Value);
        Assert.Null(One(doc, "//odm:ItemDef[@OID='IT.DM.RFSTDTC']").Attribute("Length"));
        Assert.Equal("10", One(doc, "//odm:ItemDef[@OID='IT.DM.USUBJID']").Attribute("Length")!.Value);
        Assert.Equal("18", One(doc, "//odm:ItemDef[@OID='IT.AE.AETERM']").Attribute("Length")!.Value);
    }

    [Fact]
    public void Adam_dates_are_sas_date_numbers_and_predecessors_name_their_source()
    {
        var doc = Write(Adam(), Source("ADaMIG 1.3"));
        var adt = One(doc, "//odm:ItemDef[@OID='IT.ADTTE.ADT']");
        Assert.Equal(("integer", "8", "DATE9."), (adt.Attribute("DataType")!.Value, adt.Attribute("Length")!.Value, adt.Attribute(XName.Get("DisplayFormat", DefineXml.DefNamespace))!.Value));
        Assert.Equal("float", One(doc, "//odm:ItemDef[@OID='IT.ADTTE.AVAL']").Attribute("DataType")!.Value);
        Assert.Null(One(doc, "//odm:ItemGroupDef[@Name='ADTTE']").Attribute("Domain"));
        var predecessor = One(doc, "//odm:ItemDef[@OID='IT.ADTTE.USUBJID']/def:Origin");
        Assert.Equal("Predecessor", predecessor.Attribute("Type")!.Value);
        Assert.Equal("ADSL.USUBJID", One(doc, "//odm:ItemDef[@OID='IT.ADTTE.USUBJID']/def:Origin/odm:Description/odm:TranslatedText").Value);
        Assert.Null(One(doc, "//odm:ItemRef[@ItemOID='IT.ADTTE.USUBJID']").Attribute("MethodOID"));
    }

    [Fact]
    public void A_derived_variable_gets_a_method_with_its_derivation()
    {
        var doc = Write(Adam(), Source("ADaMIG 1.3"));
        var methodOid = One(doc, "//odm:ItemRef[@ItemOID='IT.ADTTE.AVAL']").Attribute("MethodOID")!.Value;
        var method = One(doc, $"//odm:MethodDef[@OID='{methodOid}']");
        Assert.Equal("Computation", method.Attribute("Type")!.Value);
        Assert.Equal(AvalDerivation, One(doc, $"//odm:MethodDef[@OID='{methodOid}']/odm:Description/odm:TranslatedText").Value);
        // One method per derived variable: AVAL, CNSR, ADT.
        Assert.Equal(3, All(doc, "//odm:MethodDef").Count);
    }

    [Fact]
    public void Code_lists_come_from_the_definition_or_else_from_the_data()
    {
        var doc = Write(Sdtm(), Source("SDTMIG 3.4"));
        // SEX: the CDISC list the product ships, with decodes and its NCI code.
        Assert.Equal(["M", "F", "U", "UNDIFFERENTIATED"], All(doc, "//odm:CodeList[@OID='CL.SEX']/odm:CodeListItem").Select(i => i.Attribute("CodedValue")!.Value));
        Assert.Equal("Male", One(doc, "//odm:CodeList[@OID='CL.SEX']/odm:CodeListItem[@CodedValue='M']/odm:Decode/odm:TranslatedText").Value);
        Assert.Equal("C66731", One(doc, "//odm:CodeList[@OID='CL.SEX']/odm:Alias[@Context='nci:ExtCodeID']").Attribute("Name")!.Value);
        // AEREL: the study's own list, no NCI code.
        Assert.Equal(["RELATED", "NOT RELATED"], All(doc, "//odm:CodeList[@OID='CL.AEREL']/odm:CodeListItem").Select(i => i.Attribute("CodedValue")!.Value));
        Assert.Empty(All(doc, "//odm:CodeList[@OID='CL.AEREL']/odm:Alias"));
        // AESEV, NY: not in the definition, so the values the data hold, marked with the CDISC code.
        Assert.Equal(["MILD", "MODERATE", "SEVERE"], All(doc, "//odm:CodeList[@OID='CL.AESEV']/odm:EnumeratedItem").Select(i => i.Attribute("CodedValue")!.Value));
        Assert.Equal("C66769", One(doc, "//odm:CodeList[@OID='CL.AESEV']/odm:Alias").Attribute("Name")!.Value);
        Assert.Equal(["N", "Y"], All(doc, "//odm:CodeList[@OID='CL.NY']/odm:EnumeratedItem").Select(i => i.Attribute("CodedValue")!.Value));
        Assert.Equal("C66742", One(doc, "//odm:CodeList[@OID='CL.NY']/odm:Alias").Attribute("Name")!.Value);
        var ct = One(doc, "//def:Standard[@Type='CT']").Attribute("OID")!.Value;
        Assert.Equal(ct, One(doc, "//odm:CodeList[@OID='CL.NY']").Attribute(XName.Get("StandardOID", DefineXml.DefNamespace))!.Value);
        // TOXGR: no NCI code the writer knows, so none is claimed.
        Assert.Equal(["1", "2", "3"], All(doc, "//odm:CodeList[@OID='CL.TOXGR']/odm:EnumeratedItem").Select(i => i.Attribute("CodedValue")!.Value));
        Assert.Empty(All(doc, "//odm:CodeList[@OID='CL.TOXGR']/odm:Alias"));
        Assert.Null(One(doc, "//odm:CodeList[@OID='CL.TOXGR']").Attribute(XName.Get("StandardOID", DefineXml.DefNamespace)));
    }

    [Fact]
    public void An_empty_dataset_says_it_has_no_data_and_names_no_empty_code_list()
    {
        var empty = new Dataset("SS", "Subject Status", "FINDINGS",
        [
            new("USUBJID", "Unique Subject Identifier", VariableType.Text, 20, "Assigned", Key: true),
            new("SSSTRESC", "Status in Standard Format", VariableType.Text, 20, "Collected", "SSSTAT"),
            new("SSDRVFL", "Derived Flag", VariableType.Text, 1, "Derived", "NY", "Y when the status is derived."),
        ], []);
        var doc = Write([.. Sdtm(), empty], Source("SDTMIG 3.4"));
        Assert.Equal("Yes", One(doc, "//odm:ItemGroupDef[@Name='SS']").Attribute(XName.Get("HasNoData", DefineXml.DefNamespace))!.Value);
        Assert.Null(One(doc, "//odm:ItemGroupDef[@Name='AE']").Attribute(XName.Get("HasNoData", DefineXml.DefNamespace)));
        Assert.Empty(All(doc, "//odm:CodeList[@OID='CL.SSSTAT']"));
        Assert.Empty(All(doc, "//odm:ItemDef[@OID='IT.SS.SSSTRESC']/odm:CodeListRef"));
        // NY has values in AE, so SS's flag shares that list.
        Assert.Equal("CL.NY", One(doc, "//odm:ItemDef[@OID='IT.SS.SSDRVFL']/odm:CodeListRef").Attribute("CodeListOID")!.Value);
        Assert.Equal("No", One(doc, "//odm:ItemRef[@ItemOID='IT.SS.SSSTRESC']").Attribute("Mandatory")!.Value);
        OdmFiles.AssertSchemaValid(DefineXmlFiles.OdmCore(doc));
    }

    [Fact]
    public void The_file_is_a_function_of_its_inputs()
    {
        static string Bytes(IReadOnlyList<Dataset> d, DatasetSource s)
        {
            using var stream = new MemoryStream();
            DefineXml.Write(d, s, Definition, stream, Created);
            return Encoding.UTF8.GetString(stream.ToArray());
        }
        Assert.Equal(Bytes(Sdtm(), Source("SDTMIG 3.4")), Bytes(Sdtm(), Source("SDTMIG 3.4")));
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", Bytes(Sdtm(), Source("SDTMIG 3.4")));
    }

    [Fact]
    public void An_unknown_standard_or_origin_or_a_repeated_name_is_refused_before_anything_is_written()
    {
        using var stream = new MemoryStream();
        Assert.Throws<ArgumentException>(() => DefineXml.Write(Sdtm(), Source("SENDIG 3.1"), Definition, stream, Created));
        var odd = new Dataset("XX", "Odd", "FINDINGS", [new("XXORRES", "Result", VariableType.Text, 8, "CRF page 3")], []);
        var error = Assert.Throws<ArgumentException>(() => DefineXml.Write([odd], Source("SDTMIG 3.4"), Definition, stream, Created));
        Assert.Contains("XXORRES", error.Message);
        error = Assert.Throws<ArgumentException>(() => DefineXml.Write([.. Sdtm(), Sdtm()[0]], Source("SDTMIG 3.4"), Definition, stream, Created));
        Assert.Contains("dataset named DM", error.Message);
        var twice = Sdtm()[1] with { Variables = [.. Sdtm()[1].Variables, Sdtm()[1].Variables[3]] };
        Assert.Contains("AESEQ", Assert.Throws<ArgumentException>(() => DefineXml.Write([twice], Source("SDTMIG 3.4"), Definition, stream, Created)).Message);
        Assert.Equal(0, stream.Length);
    }
}
