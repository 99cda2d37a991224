using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using NpcEcrf.Api.Standards.Define;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Standards;

/// <summary>
/// Define-XML 2.1 for a set of SDTM or ADaM datasets cut from one lock: an ODM 1.3.2 Snapshot whose MetaDataVersion
/// describes each dataset (ItemGroupDef), variable (ItemDef), the values of each test or parameter (def:ValueListDef,
/// <see cref="DefineValueList"/>), code list and derivation (MethodDef), with the def:
/// extensions the standard adds. The lock's name, hash and cut-off are in the ODM and MetaDataVersion descriptions and
/// the FileOID; AsOfDateTime is the lock time. Metadata only: the rows are read just to fill code lists the study
/// definition lacks and to size text variables without a declared length.
/// </summary>
public static class DefineXml
{
    public const string OdmNamespace = DefinitionOdm.Namespace;
    public const string DefNamespace = "http://www.cdisc.org/ns/def/v2.1";
    public const string XlinkNamespace = "http://www.w3.org/1999/xlink";

    internal static readonly XNamespace Odm = OdmNamespace;
    internal static readonly XNamespace Def = DefNamespace;
    internal static readonly XNamespace Xlink = XlinkNamespace;

    /// <param name="createdAt">The file's CreationDateTime; now when null (tests pass a fixed time to compare files).</param>
    public static void Write(IReadOnlyList<Dataset> datasets, DatasetSource source, StudyDefinition definition, Stream output, DateTimeOffset? createdAt = null)
    {
        var document = Document(datasets, source, definition, createdAt ?? DateTimeOffset.UtcNow);
        using var w = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), CloseOutput = false });
        document.WriteTo(w);
    }

    /// <summary>The Define-XML document: a pure function of the datasets, their source, the definition and the creation time.</summary>
    public static XDocument Document(IReadOnlyList<Dataset> datasets, DatasetSource source, StudyDefinition definition, DateTimeOffset createdAt)
    {
        var standard = DefineStandard.Of(source.Standard);
        Unique(datasets.Select(d => d.Name), "dataset");
        foreach (var d in datasets) Unique(d.Variables.Select(v => v.Name), $"variable of {d.Name}");
        var lockText = LockText(source);
        var mdvOid = $"MDV.{DefinitionOdm.Oid(source.StudyId)}.{standard.Kind}.{DefinitionOdm.Oid(source.LockName)}";
        var codeLists = DefineCodeLists.For(datasets, definition);
        var valueLists = datasets.SelectMany(d => DefineValueLists.For(d, standard.Analysis)).ToList();
        var odm = new XElement(Odm + "ODM",
            new XAttribute(XNamespace.Xmlns + "def", DefNamespace),
            new XAttribute(XNamespace.Xmlns + "xlink", XlinkNamespace),
            new XAttribute("Description", $"Define-XML 2.1 for the {standard.Name} {standard.Version} datasets of study {source.StudyId}: {lockText}"),
            new XAttribute("FileType", "Snapshot"),
            new XAttribute("FileOID", $"NPCECRF.{DefinitionOdm.Oid(source.StudyId)}.DEFINE.{standard.Kind}.{DefinitionOdm.Oid(source.LockName)}"),
            new XAttribute("CreationDateTime", DefinitionOdm.Timestamp(createdAt)),
            new XAttribute("AsOfDateTime", DefinitionOdm.Timestamp(source.LockedAt)),
            new XAttribute("ODMVersion", "1.3.2"),
            new XAttribute("Originator", "NpcEcrf"),
            new XAttribute("SourceSystem", source.SourceSystem),
            new XAttribute("SourceSystemVersion", source.SourceSystemVersion),
            new XAttribute(Def + "Context", "Submission"),
            new XElement(Odm + "Study", new XAttribute("OID", DefinitionOdm.Oid(source.StudyId)),
                new XElement(Odm + "GlobalVariables",
                    new XElement(Odm + "StudyName", source.StudyId),
                    new XElement(Odm + "StudyDescription", source.StudyTitle),
                    new XElement(Odm + "ProtocolName", source.StudyId)),
                new XElement(Odm + "MetaDataVersion",
                    new XAttribute("OID", mdvOid),
                    new XAttribute("Name", $"{source.StudyId} {standard.Name} {standard.Version}, lock {source.LockName}"),
                    new XAttribute("Description", lockText),
                    new XAttribute(Def + "DefineVersion", "2.1.0"),
                    standard.Standards(),
                    valueLists.Select(l => l.ValueListDef()),
                    // The result variables of one dataset select by the same test codes: one clause each.
                    valueLists.SelectMany(l => l.WhereClauseDefs()).DistinctBy(w => w.Attribute("OID")!.Value),
                    datasets.Select(d => DefineDatasets.ItemGroupDef(d, standard)),
                    datasets.SelectMany(d => d.Variables.Select(v => DefineDatasets.ItemDef(d, v, standard, codeLists,
                        valueLists.FirstOrDefault(l => l.Dataset == d && l.Result == v)))),
                    valueLists.SelectMany(l => l.ItemDefs()),
                    codeLists.Select(c => c.Element(standard)),
                    datasets.SelectMany(d => d.Variables.Where(DefineDatasets.HasMethod).Select(v => DefineDatasets.MethodDef(d, v))))));
        return new XDocument(new XDeclaration("1.0", "UTF-8", null), odm);
    }

    /// <summary>What every file of the set says about where it came from.</summary>
    public static string LockText(DatasetSource source) =>
        $"lock {source.LockName} (SHA-256 {source.LockHash}), data cut-off {source.Cutoff:yyyy-MM-dd}, locked {DefinitionOdm.Timestamp(source.LockedAt)}, " +
        $"high-water mark {source.HighWaterMark.ToString(CultureInfo.InvariantCulture)}" +
        (source.DefinitionVersion is { } v ? $", study definition version {v.ToString(CultureInfo.InvariantCulture)}" : "");

    // Names become OIDs, so a repeated name would make two definitions one reference cannot tell apart.
    private static void Unique(IEnumerable<string> names, string what)
    {
        if (names.GroupBy(n => DefinitionOdm.Oid(n)).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"Define-XML: more than one {what} named {string.Join(" and ", twice.Distinct())}.");
    }

    internal static XElement Description(string text) =>
        new(Odm + "Description", new XElement(Odm + "TranslatedText", new XAttribute(XNamespace.Xml + "lang", "en"), text));
}
