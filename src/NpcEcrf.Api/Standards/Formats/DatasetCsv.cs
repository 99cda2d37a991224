using System.Globalization;
using System.Text;

namespace NpcEcrf.Api.Standards.Formats;

/// <summary>
/// CSV (RFC 4180): a header row of variable names, then one line per row, CRLF line ends, UTF-8 without a byte order
/// mark. Dates are ISO 8601 (yyyy-MM-dd), numbers use '.' whatever the culture, and a missing value is an empty field.
/// CSV has no place for metadata and its file name is the dataset's ("dm.csv"): labels, types, the lock, its hash and
/// the cut-off are in the Define-XML and the Dataset-JSON of the same export.
/// </summary>
public static class DatasetCsv
{
    public static string FileName(Dataset dataset) => DatasetFiles.FileName(dataset, "csv");

    public static void Write(Dataset dataset, DatasetSource source, Stream output)
    {
        DatasetFiles.Check(dataset);
        var text = new StringBuilder();
        Line(text, dataset.Variables.Select(v => v.Name));
        for (var r = 0; r < dataset.Rows.Count; r++)
        {
            var row = r;
            Line(text, dataset.Variables.Select((_, c) => Field(dataset, row, c)));
        }
        output.Write(new UTF8Encoding(false).GetBytes(text.ToString()));
    }

    private static void Line(StringBuilder text, IEnumerable<string> fields) =>
        text.Append(string.Join(',', fields.Select(Quoted))).Append("\r\n");

    /// <summary>RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.</summary>
    public static string Quoted(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{field.Replace("\"", "\"\"")}\"" : field;

    private static string Field(Dataset d, int r, int c)
    {
        var row = d.Rows[r];
        return d.Variables[c].Type switch
        {
            VariableType.Text => DatasetFiles.Text(d, row, r, c) ?? "",
            VariableType.Integer => DatasetFiles.Integer(d, row, r, c)?.ToString(CultureInfo.InvariantCulture) ?? "",
            VariableType.Float => DatasetFiles.Number(d, row, r, c) switch
            {
                null => "",
                double x => x.ToString("R", CultureInfo.InvariantCulture),
                IFormattable n => n.ToString(null, CultureInfo.InvariantCulture),
                var n => n.ToString() ?? "",
            },
            _ => DatasetFiles.Date(d, row, r, c)?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
        };
    }
}
