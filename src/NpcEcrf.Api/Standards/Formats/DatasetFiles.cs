using System.Globalization;
using System.Text;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Standards.Formats;

/// <summary>
/// What the three file writers share: the OIDs Define-XML uses for the same dataset and variables, the provenance
/// wording, text lengths, key order and the checked reading of row values, so JSON, XPT and CSV cannot disagree.
/// </summary>
public static class DatasetFiles
{
    /// <summary>The file name regulators expect: the dataset name in lower case ("dm.xpt"), so the lock cannot be in it.</summary>
    public static string FileName(Dataset dataset, string extension) => $"{dataset.Name.ToLowerInvariant()}.{extension}";

    public static string ItemGroupOid(Dataset dataset) => $"IG.{DefinitionOdm.Oid(dataset.Name)}";
    public static string ItemOid(Dataset dataset, Variable variable) => $"IT.{DefinitionOdm.Oid(dataset.Name)}.{DefinitionOdm.Oid(variable.Name)}";

    /// <summary>The Define-XML MetaDataVersion OID for the set the dataset belongs to (one per study, standard and lock).</summary>
    public static string MetaDataVersionOid(DatasetSource source) =>
        $"MDV.{DefinitionOdm.Oid(source.StudyId)}.{StandardKind(source)}.{DefinitionOdm.Oid(source.LockName)}";

    /// <summary>A file OID that carries the lock, its cut-off and its hash, parseable by '/' ("NPC-001/SDTM/lock/final/cutoff/2023-06-30/sha256/ab12…/DM").</summary>
    public static string FileOid(Dataset dataset, DatasetSource source) =>
        $"{source.StudyId}/{StandardKind(source)}/lock/{source.LockName}/cutoff/{source.Cutoff:yyyy-MM-dd}/sha256/{source.LockHash}/{dataset.Name}";

    /// <summary>The provenance sentence a person reads: which lock, its hash and its cut-off.</summary>
    public static string LockStatement(DatasetSource source) =>
        $"{source.SourceSystem} {source.SourceSystemVersion}, study {source.StudyId}, lock {source.LockName} (SHA-256 {source.LockHash}), " +
        $"data cut-off {source.Cutoff:yyyy-MM-dd}";

    private static string StandardKind(DatasetSource source) =>
        source.Standard.StartsWith("ADaM", StringComparison.OrdinalIgnoreCase) ? "ADAM" : "SDTM";

    /// <summary>1, 2, … for the key variables in their dataset order; null for the others.</summary>
    public static int? KeySequence(Dataset dataset, Variable variable) =>
        variable.Key ? dataset.Variables.Where(v => v.Key).ToList().IndexOf(variable) + 1 : null;

    /// <summary>
    /// A text variable's length in bytes (UTF-8): its declared Length, or the longest value (at least 1). A value longer
    /// than the declared length is refused: cutting it would change the data.
    /// </summary>
    public static int TextLength(Dataset dataset, Variable variable)
    {
        var index = dataset.Variables.ToList().IndexOf(variable);
        var longest = dataset.Rows.Select((r, i) => Text(dataset, r, i, index)).Select(t => t is null ? 0 : Encoding.UTF8.GetByteCount(t)).DefaultIfEmpty(0).Max();
        if (variable.Length is { } declared)
            return longest <= declared ? declared
                : throw new InvalidOperationException($"{dataset.Name}.{variable.Name}: a value of {longest} bytes exceeds the declared length {declared}.");
        return Math.Max(1, longest);
    }

    /// <summary>Every row has one value per variable, each of the variable's type: checked once before any byte is written.</summary>
    public static void Check(Dataset dataset)
    {
        for (var r = 0; r < dataset.Rows.Count; r++)
        {
            if (dataset.Rows[r].Count != dataset.Variables.Count)
                throw new InvalidOperationException($"{dataset.Name} row {r + 1}: {dataset.Rows[r].Count} values for {dataset.Variables.Count} variables.");
            for (var c = 0; c < dataset.Variables.Count; c++)
                _ = dataset.Variables[c].Type switch
                {
                    VariableType.Text => Text(dataset, dataset.Rows[r], r, c) as object,
                    VariableType.Integer => Integer(dataset, dataset.Rows[r], r, c),
                    VariableType.Float => Number(dataset, dataset.Rows[r], r, c),
                    _ => Date(dataset, dataset.Rows[r], r, c),
                };
        }
    }

    public static string? Text(Dataset d, IReadOnlyList<object?> row, int r, int c) => row[c] switch
    {
        null => null,
        string s => s,
        var v => throw Wrong(d, r, c, v),
    };

    public static long? Integer(Dataset d, IReadOnlyList<object?> row, int r, int c) => row[c] switch
    {
        null => null,
        int i => i,
        long l => l,
        short s => s,
        decimal m when m == decimal.Truncate(m) => (long)m,
        double x when x == Math.Truncate(x) && !double.IsInfinity(x) => (long)x,
        var v => throw Wrong(d, r, c, v),
    };

    /// <summary>A Float value as given: decimal stays decimal so JSON and CSV print 0.1, not 0.1000000000000000055.</summary>
    public static object? Number(Dataset d, IReadOnlyList<object?> row, int r, int c) => row[c] switch
    {
        null => null,
        double x when double.IsNaN(x) => null,
        double x when double.IsInfinity(x) => throw Wrong(d, r, c, x),
        decimal or double or int or long => row[c],
        float f => (double)f,
        var v => throw Wrong(d, r, c, v),
    };

    public static DateOnly? Date(Dataset d, IReadOnlyList<object?> row, int r, int c) => row[c] switch
    {
        null => null,
        DateOnly date => date,
        var v => throw Wrong(d, r, c, v),
    };

    public static double? NumberAsDouble(object? number) => number switch
    {
        null => null,
        decimal m => (double)m,
        double x => x,
        int i => i,
        long l => l,
        _ => Convert.ToDouble(number, CultureInfo.InvariantCulture),
    };

    private static InvalidOperationException Wrong(Dataset d, int r, int c, object v) =>
        new($"{d.Name}.{d.Variables[c].Name} row {r + 1}: {v.GetType().Name} value '{v}' is not a {d.Variables[c].Type} value.");
}
