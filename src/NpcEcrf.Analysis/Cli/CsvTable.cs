using System.Globalization;
using Sylvan.Data.Csv;

namespace NpcEcrf.Analysis.Cli;

/// <summary>
/// One column the stats verb needs: a number (with an optional check that returns what is wrong with a value, or
/// null) or a text label.
/// </summary>
public sealed record CsvColumn(string Name, bool IsNumber, Func<double, string?>? Check = null)
{
    public static CsvColumn Number(string name, Func<double, string?>? check = null) => new(name, true, check);
    public static CsvColumn Text(string name) => new(name, false);
}

/// <summary>
/// The complete cases of a CSV file, by column: only the requested columns, numbers as double[] and labels as
/// string[] sharing one string per distinct label, so memory is linear in the rows and holds no string per field.
/// Empty cells and NA are missing; a row with any requested column missing is dropped and counted, as R does.
/// </summary>
public sealed class CsvTable
{
    private readonly IReadOnlyList<CsvColumn> _columns;
    private readonly double[]?[] _numbers;
    private readonly string[]?[] _texts;

    public int RowCount { get; }
    public int Dropped { get; }

    private CsvTable(IReadOnlyList<CsvColumn> columns, double[]?[] numbers, string[]?[] texts, int rowCount, int dropped) =>
        (_columns, _numbers, _texts, RowCount, Dropped) = (columns, numbers, texts, rowCount, dropped);

    public double[] Numbers(string name) => _numbers[IndexOf(name, true)]!;
    public string[] Texts(string name) => _texts[IndexOf(name, false)]!;

    private int IndexOf(string name, bool number)
    {
        for (var i = 0; i < _columns.Count; i++)
            if (_columns[i].Name == name && _columns[i].IsNumber == number) return i;
        throw new ArgumentException($"column {name} was not read as {(number ? "a number" : "text")}", nameof(name));
    }

    /// <summary>Streams the file once; bad input is a <see cref="StatsInputException"/> naming the column and the line.</summary>
    public static CsvTable Read(string path, IReadOnlyList<CsvColumn> columns)
    {
        if (!File.Exists(path)) throw new StatsInputException($"file not found: {path}");
        // Comma only (no sniffing) and no comment lines: a value may start with '#'.
        var options = new CsvDataReaderOptions { Delimiter = ',', Comment = '\0', HasHeaders = true, BufferSize = 1 << 16, MaxBufferSize = 1 << 24 };
        CsvDataReader reader;
        try { reader = CsvDataReader.Create(path, options); }
        catch (CsvMissingHeadersException) { throw new StatsInputException($"{path} is empty (a header row is required)"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new StatsInputException($"cannot read {path}: {e.Message}"); }
        using var _ = reader;

        var header = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetName(i).Trim()).ToList();
        var ordinals = columns.Select(c => header.IndexOf(c.Name) is var i and >= 0 ? i
            : throw new StatsInputException($"column not found: {c.Name} (columns: {string.Join(", ", header)})")).ToArray();
        var numbers = new List<double>?[columns.Count];
        var texts = new List<string>?[columns.Count];
        var levels = new Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>>[columns.Count];
        for (var c = 0; c < columns.Count; c++)
        {
            if (columns[c].IsNumber) numbers[c] = new List<double>(1024);
            else (texts[c], levels[c]) = (new List<string>(), new Dictionary<string, string>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>());
        }

        // The last line read; lines, not records, because a quoted field may hold a line break.
        var line = 1 + header.Sum(h => h.AsSpan().Count('\n'));
        int rows = 0, dropped = 0;
        try
        {
            while (reader.Read())
            {
                var raw = reader.GetRawRecordSpan();
                var at = line + 1;
                line += raw.Count('\n') + (raw.EndsWith("\n") ? 0 : 1);
                if (raw.Trim("\r\n").IsEmpty) continue; // a blank line is no row
                var complete = true;
                for (var c = 0; c < ordinals.Length && complete; c++) complete = !IsMissing(Field(reader, ordinals[c]));
                if (!complete) { dropped++; continue; }
                for (var c = 0; c < ordinals.Length; c++)
                {
                    var field = Field(reader, ordinals[c]);
                    if (columns[c].IsNumber)
                    {
                        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || !double.IsFinite(x))
                            throw new StatsInputException($"non-numeric value '{field}' in column {columns[c].Name}, line {at}");
                        if (columns[c].Check?.Invoke(x) is { } problem)
                            throw new StatsInputException($"{problem} in column {columns[c].Name}, line {at}");
                        numbers[c]!.Add(x);
                    }
                    else texts[c]!.Add(Level(levels[c], field));
                }
                rows++;
            }
        }
        catch (CsvFormatException e) { throw new StatsInputException($"malformed CSV from line {line + 1}: {e.Message}"); }
        catch (IOException e) { throw new StatsInputException($"cannot read {path}: {e.Message}"); }
        return new CsvTable(columns, numbers.Select(n => n?.ToArray()).ToArray(), texts.Select(t => t?.ToArray()).ToArray(), rows, dropped);
    }

    // Beyond a short row's last field Sylvan gives an empty span: missing, as before.
    private static ReadOnlySpan<char> Field(CsvDataReader reader, int ordinal) =>
        ordinal < reader.RowFieldCount ? reader.GetFieldSpan(ordinal).Trim() : [];

    private static bool IsMissing(ReadOnlySpan<char> field) => field.IsEmpty || field.SequenceEqual("NA");

    /// <summary>One string per distinct label, looked up by span: no string is made for a label seen before.</summary>
    private static string Level(Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> levels, ReadOnlySpan<char> field)
    {
        if (levels.TryGetValue(field, out var level)) return level;
        level = field.ToString();
        levels.Dictionary.Add(level, level);
        return level;
    }
}

/// <summary>Bad input the user can fix: one line on stderr, exit code 2.</summary>
public sealed class StatsInputException(string message) : Exception(message);
