using System.Xml;
using System.Xml.Linq;
using System.Xml.XPath;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Standards;
using NpcEcrf.Api.Standards.Adam;
using NpcEcrf.Api.Standards.Sdtm;
using NpcEcrf.Api.Tests.Casebooks;
using NpcEcrf.Api.Tests.Studies;

namespace NpcEcrf.Api.Tests.Standards;

/// <summary>Define-XML over the SDTM and ADaM datasets the product builds (from the sample casebook), not just the small ones DefineXmlTests makes.</summary>
public class DefineXmlProductTests
{
    private static readonly CohortSnapshot Snapshot = CohortSnapshot.Build(SampleCasebook.Study, [SampleCasebook.With()], [], SampleCasebook.Today, 42);

    public static TheoryData<string> Standards => [Adam.Standard, Sdtm.Standard];

    private static IReadOnlyList<Dataset> DatasetsOf(string standard) => standard == Adam.Standard
        ? Adam.Build(Snapshot, "Anlotinib in NPC")
        : Sdtm.Build(SampleCasebook.Study, Snapshot.Definition, [SampleCasebook.With()], SampleCasebook.Today);

    private static XDocument Document(IReadOnlyList<Dataset> datasets, string standard)
    {
        var source = new DatasetSource(Snapshot.StudyId, "Anlotinib in NPC", "final", new string('a', 64), SampleCasebook.Today, SampleCasebook.Now, 42, 1,
            standard, "NpcEcrf", "1.0.0");
        using var stream = new MemoryStream();
        DefineXml.Write(datasets, source, Snapshot.Definition, stream, SampleCasebook.Now);
        stream.Position = 0;
        return XDocument.Load(stream);
    }

    [Theory]
    [MemberData(nameof(Standards))]
    public void Every_variable_is_described_and_every_derivation_is_a_method(string standard)
    {
        var datasets = DatasetsOf(standard);
        var doc = Document(datasets, standard);
        Assert.Equal(datasets.Select(d => d.Name), doc.XPathSelectElements("//odm:ItemGroupDef", DefineXmlFiles.Ns()).Select(g => g.Attribute("Name")!.Value));
        foreach (var dataset in datasets)
        foreach (var v in dataset.Variables)
        {
            var item = Assert.Single(doc.XPathSelectElements($"//odm:ItemDef[@OID='IT.{dataset.Name}.{v.Name}']", DefineXmlFiles.Ns()));
            Assert.Equal(v.Label, item.XPathSelectElement("odm:Description/odm:TranslatedText", DefineXmlFiles.Ns())!.Value);
            var itemRef = Assert.Single(doc.XPathSelectElements($"//odm:ItemGroupDef[@Name='{dataset.Name}']/odm:ItemRef[@ItemOID='IT.{dataset.Name}.{v.Name}']", DefineXmlFiles.Ns()));
            // A derived variable's derivation is its method; any other origin's text is the origin's description.
            if (v.Derivation is { Length: > 0 } derivation)
                Assert.Equal(derivation, (v.Origin == "Derived"
                    ? doc.XPathSelectElement($"//odm:MethodDef[@OID='{itemRef.Attribute("MethodOID")!.Value}']/odm:Description/odm:TranslatedText", DefineXmlFiles.Ns())
                    : item.XPathSelectElement("def:Origin/odm:Description/odm:TranslatedText", DefineXmlFiles.Ns()))!.Value);
            else Assert.Null(itemRef.Attribute("MethodOID"));
            if (v.CodeList is { } list && item.XPathSelectElement("odm:CodeListRef", DefineXmlFiles.Ns()) is { } codeListRef)
                Assert.Single(doc.XPathSelectElements($"//odm:CodeList[@OID='{codeListRef.Attribute("CodeListOID")!.Value}']", DefineXmlFiles.Ns()));
        }
        // ADTTE's derivations (from the statistics doc) arrive as method text, with nothing ADTTE-specific in the writer.
        if (standard == Adam.Standard)
            Assert.Contains(doc.XPathSelectElements("//odm:MethodDef[starts-with(@OID, 'MT.ADTTE.')]", DefineXmlFiles.Ns()), m => m.Value.Contains("30.4375"));
    }

    [Theory]
    [MemberData(nameof(Standards))]
    public void The_odm_core_of_the_define_validates(string standard) =>
        OdmFiles.AssertSchemaValid(DefineXmlFiles.OdmCore(Document(DatasetsOf(standard), standard)));
}
