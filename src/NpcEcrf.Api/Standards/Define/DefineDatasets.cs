using System.Xml.Linq;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Standards.Formats;
using static NpcEcrf.Api.Standards.DefineXml;

namespace NpcEcrf.Api.Standards.Define;

/// <summary>ItemGroupDef, ItemDef and MethodDef for the datasets and their variables.</summary>
internal static class DefineDatasets
{
    /// <summary>The def:Origin types Define-XML 2.1 allows.</summary>
    private static readonly string[] Origins = ["Collected", "Derived", "Assigned", "Protocol", "Predecessor", "Not Available"];

    // The structures the implementation guides state for the datasets the product writes; any other dataset's is told by its keys.
    private static readonly Dictionary<string, string> Structures = new(StringComparer.OrdinalIgnoreCase)
    {
        ["DM"] = "One record per subject",
        ["DS"] = "One record per disposition status or protocol milestone per subject",
        ["EX"] = "One record per protocol-specified study treatment, constant-dosing interval, per subject",
        ["AE"] = "One record per adverse event per subject",
        ["TU"] = "One record per identified tumor per subject per assessor",
        ["TR"] = "One record per tumor measurement/assessment per visit per subject per assessor",
        ["RS"] = "One record per response assessment per time point per visit per subject per assessor per medical evaluator",
        ["SS"] = "One record per finding per visit per subject",
        ["LB"] = "One record per lab test per time point per visit per subject",
        ["VS"] = "One record per vital sign measurement per time point per visit per subject",
        ["CM"] = "One record per recorded intervention occurrence or constant-dosing interval per subject",
        ["MH"] = "One record per medical history event per subject",
        ["ADSL"] = "One record per subject",
        ["ADTTE"] = "One record per subject per parameter",
        ["ADRS"] = "One record per subject per parameter per analysis visit",
        ["ADAE"] = "One record per subject per adverse event",
    };

    public static string ItemGroupOid(Dataset d) => DatasetFiles.ItemGroupOid(d);
    public static string ItemOid(Dataset d, Variable v) => DatasetFiles.ItemOid(d, v);
    public static string MethodOid(Dataset d, Variable v) => $"MT.{DefinitionOdm.Oid(d.Name)}.{DefinitionOdm.Oid(v.Name)}";
    public static string LeafId(Dataset d) => $"LF.{DefinitionOdm.Oid(d.Name)}";
    /// <summary>The transport file of a dataset: lower-case, as the FDA's Technical Conformance Guide asks.</summary>
    public static string FileName(Dataset d) => Xpt.FileName(d);

    public static string Structure(Dataset d) => Structures.TryGetValue(d.Name, out var known) ? known
        : "One record per " + string.Join(" per ", d.Variables.Where(v => v.Key && v.Name is not "STUDYID").Select(v => v.Name).DefaultIfEmpty("record"));

    public static XElement ItemGroupDef(Dataset d, DefineStandard standard) => new(Odm + "ItemGroupDef",
        new XAttribute("OID", ItemGroupOid(d)),
        standard.Analysis ? null : new XAttribute("Domain", d.Name),
        new XAttribute("Name", d.Name),
        new XAttribute("Repeating", OneRecordPerSubject(d) ? "No" : "Yes"),
        new XAttribute("IsReferenceData", "No"),
        new XAttribute("SASDatasetName", d.Name),
        new XAttribute("Purpose", standard.Purpose),
        new XAttribute(Def + "Structure", Structure(d)),
        new XAttribute(Def + "StandardOID", standard.Oid),
        new XAttribute(Def + "ArchiveLocationID", LeafId(d)),
        d.Rows.Count == 0 ? new XAttribute(Def + "HasNoData", "Yes") : null,
        Description(d.Label),
        d.Variables.Select((v, i) => new XElement(Odm + "ItemRef",
            new XAttribute("ItemOID", ItemOid(d, v)),
            new XAttribute("OrderNumber", i + 1),
            new XAttribute("Mandatory", Mandatory(d, i) ? "Yes" : "No"),
            DatasetFiles.KeySequence(d, v) is { } key ? new XAttribute("KeySequence", key) : null,
            HasMethod(v) ? new XAttribute("MethodOID", MethodOid(d, v)) : null)),
        new XElement(Def + "Class", new XAttribute("Name", d.Class)),
        new XElement(Def + "leaf", new XAttribute("ID", LeafId(d)), new XAttribute(Xlink + "href", FileName(d)),
            new XElement(Def + "title", FileName(d))));

    /// <summary>Keyed by the subject alone (DM, ADSL): the dataset does not repeat within a subject.</summary>
    private static bool OneRecordPerSubject(Dataset d) =>
        d.Variables.Where(v => v.Key && v.Name != "STUDYID").Select(v => v.Name).SequenceEqual(["USUBJID"]);

    /// <summary>A key is always present; any other variable is mandatory when this file has a value for it in every record.</summary>
    private static bool Mandatory(Dataset d, int index) =>
        d.Variables[index].Key || (d.Rows.Count > 0 && d.Rows.All(r => r[index] is not null and not ""));

    /// <param name="valueList">The variable's values per test code, when it is a findings or BDS result variable.</param>
    public static XElement ItemDef(Dataset d, Variable v, DefineStandard standard, IReadOnlyList<DefineCodeList> codeLists, DefineValueList? valueList = null)
    {
        // ADaM keeps a date as a SAS date number shown with a format; SDTM as ISO 8601 text.
        var numericDate = v.Type == VariableType.Date && standard.Analysis;
        var dataType = v.Type switch
        {
            VariableType.Text => "text",
            VariableType.Integer => "integer",
            VariableType.Float => "float",
            VariableType.Date => numericDate ? "integer" : "date",
            _ => throw new ArgumentOutOfRangeException(nameof(v), v.Type, null),
        };
        var length = v.Type switch
        {
            VariableType.Text => DatasetFiles.TextLength(d, v),
            VariableType.Date when !numericDate => (int?)null,
            _ => v.Length ?? 8,
        };
        var origin = Origin(v);
        return new XElement(Odm + "ItemDef",
            new XAttribute("OID", ItemOid(d, v)),
            new XAttribute("Name", v.Name),
            new XAttribute("DataType", dataType),
            length is { } l ? new XAttribute("Length", l) : null,
            new XAttribute("SASFieldName", v.Name),
            numericDate ? new XAttribute(Def + "DisplayFormat", "DATE9.") : null,
            Description(v.Label),
            v.CodeList is { } name && DefineCodeLists.Find(codeLists, name) is { } list ? new XElement(Odm + "CodeListRef", new XAttribute("CodeListOID", list.Oid)) : null,
            valueList is null ? null : new XElement(Def + "ValueListRef", new XAttribute("ValueListOID", valueList.Oid)),
            origin is null ? null : new XElement(Def + "Origin", new XAttribute("Type", origin),
                origin == "Collected" ? new XAttribute("Source", "Investigator") : null,
                origin != "Derived" && v.Derivation is { Length: > 0 } note ? Description(note) : null));
    }

    /// <summary>The variable's origin in Define-XML's spelling; a variable with a derivation and no stated origin is derived.</summary>
    public static string? Origin(Variable v)
    {
        if (v.Origin is not { Length: > 0 } origin) return v.Derivation is { Length: > 0 } ? "Derived" : null;
        return Origins.FirstOrDefault(o => o.Equals(origin.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Variable {v.Name}: origin \"{origin}\" is none of {string.Join(", ", Origins)}.", nameof(v));
    }

    /// <summary>
    /// A derived variable's derivation becomes a method (Define-XML expects MethodOID for derived variables only); any
    /// other origin's text (the variable a predecessor copies, what an assigned value is) is the origin's description.
    /// </summary>
    public static bool HasMethod(Variable v) => v.Derivation is { Length: > 0 } && Origin(v) == "Derived";

    public static XElement MethodDef(Dataset d, Variable v) => new(Odm + "MethodDef",
        new XAttribute("OID", MethodOid(d, v)),
        new XAttribute("Name", $"Algorithm to derive {d.Name}.{v.Name}"),
        new XAttribute("Type", "Computation"),
        Description(v.Derivation!));
}
