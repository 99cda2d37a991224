using System.Globalization;
using System.Text;
using System.Xml.Linq;
using NpcEcrf.Api.Studies;
using static NpcEcrf.Api.Standards.DefineXml;

namespace NpcEcrf.Api.Standards.Define;

/// <summary>
/// Value-level metadata (def:ValueListDef): in a dataset with one record per test or parameter (SDTM findings keyed by
/// --TESTCD, ADaM BDS keyed by PARAMCD) one result variable holds values of different kinds, say haemoglobin in g/dL
/// beside a response code. For each result variable, each test code the rows hold gets an ItemDef of its own, with the
/// type and length of that test's values, selected by a def:WhereClauseDef on the test code. Read from the rows, so it
/// describes any study's tests, not a list of known ones.
/// </summary>
internal sealed record DefineValueList(Dataset Dataset, Variable Result, Variable TestCode, IReadOnlyList<DefineValueList.Test> Tests)
{
    /// <summary>One test code's values of the result variable.</summary>
    public sealed record Test(string Code, string? Name, string DataType, int? Length, bool Mandatory);

    public string Oid => $"VL.{DefinitionOdm.Oid(Dataset.Name)}.{DefinitionOdm.Oid(Result.Name)}";
    public string ItemOid(Test t) => $"IT.{DefinitionOdm.Oid(Dataset.Name)}.{DefinitionOdm.Oid(Result.Name)}.{DefinitionOdm.Oid(t.Code)}";
    public string WhereClauseOid(Test t) => $"WC.{DefinitionOdm.Oid(Dataset.Name)}.{DefinitionOdm.Oid(TestCode.Name)}.{DefinitionOdm.Oid(t.Code)}";

    public XElement ValueListDef() => new(Def + "ValueListDef", new XAttribute("OID", Oid),
        Tests.Select((t, i) => new XElement(Odm + "ItemRef",
            new XAttribute("ItemOID", ItemOid(t)),
            new XAttribute("OrderNumber", i + 1),
            new XAttribute("Mandatory", t.Mandatory ? "Yes" : "No"),
            DefineDatasets.HasMethod(Result) ? new XAttribute("MethodOID", DefineDatasets.MethodOid(Dataset, Result)) : null,
            new XElement(Def + "WhereClauseRef", new XAttribute("WhereClauseOID", WhereClauseOid(t))))));

    public IEnumerable<XElement> WhereClauseDefs() => Tests.Select(t => new XElement(Def + "WhereClauseDef", new XAttribute("OID", WhereClauseOid(t)),
        new XElement(Odm + "RangeCheck", new XAttribute("Comparator", "EQ"), new XAttribute("SoftHard", "Soft"),
            new XAttribute(Def + "ItemOID", DefineDatasets.ItemOid(Dataset, TestCode)),
            new XElement(Odm + "CheckValue", t.Code))));

    public IEnumerable<XElement> ItemDefs() => Tests.Select(t => new XElement(Odm + "ItemDef",
        new XAttribute("OID", ItemOid(t)),
        new XAttribute("Name", Result.Name),
        new XAttribute("DataType", t.DataType),
        t.Length is { } length ? new XAttribute("Length", length) : null,
        new XAttribute("SASFieldName", Result.Name),
        Description($"{Result.Label} where {TestCode.Name} = {t.Code}{(t.Name is { Length: > 0 } name && name != t.Code ? $" ({name})" : "")}"),
        DefineDatasets.Origin(Result) is { } origin ? new XElement(Def + "Origin", new XAttribute("Type", origin),
            origin == "Collected" ? new XAttribute("Source", "Investigator") : null) : null));
}

internal static class DefineValueLists
{
    /// <summary>The value lists of a dataset: one per result variable, when the dataset is keyed by a test code.</summary>
    public static IReadOnlyList<DefineValueList> For(Dataset d, bool analysis)
    {
        // SDTM findings name tests --TESTCD with results --ORRES, --STRESC, --STRESN; ADaM BDS names them PARAMCD, AVAL, AVALC.
        var code = analysis ? d.Variables.FirstOrDefault(v => v.Name == "PARAMCD") : d.Variables.FirstOrDefault(v => v.Name.Length == 8 && v.Name.EndsWith("TESTCD", StringComparison.Ordinal));
        if (code is null) return [];
        var prefix = analysis ? "" : code.Name[..2];
        var name = d.Variables.FirstOrDefault(v => v.Name == (analysis ? "PARAM" : prefix + "TEST"));
        string[] results = analysis ? ["AVAL", "AVALC"] : [prefix + "ORRES", prefix + "STRESC", prefix + "STRESN"];
        var codeIndex = d.IndexOf(code.Name);
        return results.Select(r => d.Variables.FirstOrDefault(v => v.Name == r)).OfType<Variable>()
            .Select(result => new DefineValueList(d, result, code, Tests(d, result, codeIndex, name is null ? -1 : d.IndexOf(name.Name))))
            .Where(list => list.Tests.Count > 0).ToList();
    }

    /// <summary>Each test code with a value of the result variable, in the order the rows first hold it.</summary>
    private static IReadOnlyList<DefineValueList.Test> Tests(Dataset d, Variable result, int codeIndex, int nameIndex)
    {
        var resultIndex = d.IndexOf(result.Name);
        return d.Rows.Where(r => r[codeIndex] is not null).GroupBy(r => DefineCodeLists.Format(r[codeIndex]!))
            .Where(g => g.Any(r => Present(r[resultIndex])))
            .Select(g =>
            {
                var values = g.Select(r => r[resultIndex]).Where(Present).ToList();
                var type = DataType(result.Type, values!);
                var testName = nameIndex < 0 ? null : g.Select(r => r[nameIndex]).FirstOrDefault(Present) is { } n ? DefineCodeLists.Format(n) : null;
                int? length = type is "text" ? values.Max(v => Encoding.UTF8.GetByteCount(DefineCodeLists.Format(v!))) : type is "integer" or "float" ? 8 : null;
                return new DefineValueList.Test(g.Key, testName, type, length, g.All(r => Present(r[resultIndex])));
            }).ToList();
    }

    private static bool Present(object? value) => value is not null and not "";

    /// <summary>
    /// The kind of one test's values: a numeric variable's integers or floats; a character result (--ORRES) that holds
    /// only numbers is still described as text with the length SAS needs, since that is how it is stored.
    /// </summary>
    private static string DataType(VariableType declared, IReadOnlyList<object> values) => declared switch
    {
        VariableType.Text => "text",
        VariableType.Date => "date",
        _ when values.All(v => v is int or long || (v is decimal m && m == decimal.Truncate(m)) || (v is double x && x == Math.Truncate(x))) => "integer",
        _ => "float",
    };
}
