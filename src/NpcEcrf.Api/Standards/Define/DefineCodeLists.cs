using System.Globalization;
using System.Xml.Linq;
using NpcEcrf.Api.Studies;
using static NpcEcrf.Api.Standards.DefineXml;

namespace NpcEcrf.Api.Standards.Define;

/// <summary>
/// One code list of the Define-XML: from the study definition (coded values with decodes) or, when the definition has
/// no list of that name, the distinct values the datasets hold (an enumerated list). A list CDISC publishes carries its
/// NCI code (Alias nci:ExtCodeID) and points at the CT standard.
/// </summary>
internal sealed record DefineCodeList(string Name, string Title, string DataType, IReadOnlyList<CodeListItem> Items, bool Enumerated, string? NciCode)
{
    public string Oid => $"CL.{DefinitionOdm.Oid(Name)}";

    public XElement Element(DefineStandard standard) => new(Odm + "CodeList",
        new XAttribute("OID", Oid), new XAttribute("Name", Title), new XAttribute("DataType", DataType),
        NciCode is null ? null : new XAttribute(Def + "StandardOID", standard.TerminologyOid),
        Items.Select((item, i) => Enumerated
            ? new XElement(Odm + "EnumeratedItem", new XAttribute("CodedValue", item.Code), new XAttribute("OrderNumber", i + 1))
            : new XElement(Odm + "CodeListItem", new XAttribute("CodedValue", item.Code), new XAttribute("OrderNumber", i + 1),
                new XElement(Odm + "Decode", new XElement(Odm + "TranslatedText", new XAttribute(XNamespace.Xml + "lang", "en"), item.Decode)))),
        NciCode is null ? null : new XElement(Odm + "Alias", new XAttribute("Context", "nci:ExtCodeID"), new XAttribute("Name", NciCode)));
}

internal static class DefineCodeLists
{
    /// <summary>
    /// NCI codes of the CDISC code lists the datasets name, for lists the study definition does not carry. Only codes
    /// checked against CDISC CT; toxicity grades (AETOXGR) and response results have none here (sponsor-defined or unchecked).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (string Title, string Code)> Cdisc = new Dictionary<string, (string, string)>(StringComparer.OrdinalIgnoreCase)
    {
        ["SEX"] = ("Sex", "C66731"),
        ["NY"] = ("No Yes Response", "C66742"),
        ["AEOUT"] = ("Outcome of Event", "C66768"),
        ["AESEV"] = ("Severity/Intensity Scale for Adverse Events", "C66769"),
        ["ACN"] = ("Action Taken with Study Treatment", "C66767"),
        ["ROUTE"] = ("Route of Administration Response", "C66729"),
        ["UNIT"] = ("Unit", "C71620"),
        ["FREQ"] = ("Frequency", "C71113"),
        ["RACE"] = ("Race", "C74457"),
        ["ETHNIC"] = ("Ethnic Group", "C66790"),
        ["AGEU"] = ("Age Unit", "C66781"),
        ["COUNTRY"] = ("Country", "C66786"),
        ["EPOCH"] = ("Epoch", "C99079"),
        ["NCOMPLT"] = ("Completion/Reason for Non-Completion", "C66727"),
        ["ND"] = ("Not Done", "C66789"),
        ["DOMAIN"] = ("SDTM Domain Abbreviation", "C66734"),
        ["DTYPE"] = ("Derivation Type", "C81223"),
    };

    /// <summary>Every code list a variable names, in the order first named; none for a list with no values anywhere
    /// (Define-XML admits no empty list, and a variable with no values has nothing to constrain).</summary>
    public static IReadOnlyList<DefineCodeList> For(IReadOnlyList<Dataset> datasets, StudyDefinition definition)
    {
        var uses = datasets.SelectMany(d => d.Variables.Select((v, i) => (Dataset: d, Variable: v, Index: i)))
            .Where(u => u.Variable.CodeList is { Length: > 0 })
            .GroupBy(u => u.Variable.CodeList!, StringComparer.OrdinalIgnoreCase);
        return uses.Select(g =>
        {
            var types = g.Select(u => u.Variable.Type).Distinct().ToList();
            var dataType = types is [VariableType.Integer] ? "integer" : types is [VariableType.Float] ? "float" : "text";
            var known = Cdisc.TryGetValue(g.Key, out var cdisc) ? cdisc : ((string Title, string Code)?)null;
            if (definition.CodeList(g.Key) is { } list)
                return new DefineCodeList(g.Key, list.Name, dataType, list.Items, false, list.CdiscCodeListCode ?? known?.Code);
            var values = g.SelectMany(u => u.Dataset.Rows.Select(r => r[u.Index])).Where(v => v is not null).Select(v => Format(v!))
                .Where(v => v.Length > 0).Distinct().Order(StringComparer.Ordinal).Select(v => new CodeListItem(v, v)).ToList();
            return new DefineCodeList(g.Key, known?.Title ?? g.Key, dataType, values, true, known?.Code);
        }).Where(c => c.Items.Count > 0).ToList();
    }

    public static DefineCodeList? Find(IReadOnlyList<DefineCodeList> lists, string name) =>
        lists.FirstOrDefault(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>A row value as text: invariant numbers, ISO 8601 dates.</summary>
    public static string Format(object value) => value switch
    {
        string s => s,
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
