using System.Globalization;
using System.Text;

namespace NpcEcrf.Analysis.Cli;

/// <summary>A small RFC 4180 reader: a header row, quoted fields, empty or NA meaning missing.</summary>
public sealed class CsvTable
{
    public IReadOnlyList<string> Header { get; }
    public IReadOnlyList<string?[]> Rows { get; }

    private CsvTable(IReadOnlyList<string> header, IReadOnlyList<string?[]> rows) => (Header, Rows) = (header, rows);

    public static CsvTable Read(string path)
    {
        if (!File.Exists(path)) throw new StatsInputException($"file not found: {path}");
        var records = Parse(File.ReadAllText(path)).ToList();
        if (records.Count == 0) throw new StatsInputException($"{path} is empty (a header row is required)");
        var header = records[0].Select(h => h.Trim()).ToList();
        var rows = records.Skip(1).Where(r => !(r.Count == 1 && r[0].Length == 0))
            .Select(r => header.Select((_, i) => i < r.Count && r[i].Trim() is { Length: > 0 } v && v != "NA" ? v : null).ToArray()).ToList();
        return new CsvTable(header, rows);
    }

    public int Column(string name) => Header.ToList().IndexOf(name) is var i and >= 0 ? i : throw new StatsInputException($"column not found: {name} (columns: {string.Join(", ", Header)})");

    public static double Number(string value, string column, int row) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x)
            ? x : throw new StatsInputException($"non-numeric value '{value}' in column {column}, row {row + 2}");

    private static IEnumerable<List<string>> Parse(string text)
    {
        var field = new StringBuilder();
        var record = new List<string>();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
                continue;
            }
            switch (c)
            {
                case '"': quoted = true; break;
                case ',': record.Add(field.ToString()); field.Clear(); break;
                case '\r': break;
                case '\n':
                    record.Add(field.ToString()); field.Clear();
                    yield return record;
                    record = [];
                    break;
                default: field.Append(c); break;
            }
        }
        if (field.Length > 0 || record.Count > 0)
        {
            record.Add(field.ToString());
            yield return record;
        }
    }
}

/// <summary>Bad input the user can fix: one line on stderr, exit code 2.</summary>
public sealed class StatsInputException(string message) : Exception(message);
