using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace NpcEcrf.Api.Standards.Formats;

/// <summary>
/// SAS transport (XPORT) version 5, as SAS's own XPORT engine writes it and as regulators require: 80-byte records,
/// 140-byte namestrs, 8-byte IBM 370 floating point numbers, text padded with blanks. Dates are SAS date numbers
/// (days since 1960-01-01) formatted DATE9.; a missing number is SAS's '.', missing text is blanks.
/// v5 has no room for provenance beyond the member label (the dataset label) and the created/modified time (the lock
/// time), and its file name must be the dataset name: the lock, hash and cut-off reach an XPT reader through the
/// Define-XML and Dataset-JSON of the same export. Names or labels v5 cannot hold are refused, never cut.
/// </summary>
public static partial class Xpt
{
    public const int MaxNameLength = 8;
    public const int MaxLabelLength = 40;
    public const int MaxTextLength = 200;
    // The header's "operating system" field: names the writer, as SAS names its host.
    private const string OperatingSystem = "NPCECRF";
    private static readonly DateOnly SasEpoch = new(1960, 1, 1);

    public static string FileName(Dataset dataset) => DatasetFiles.FileName(dataset, "xpt");

    public static void Write(Dataset dataset, DatasetSource source, Stream output)
    {
        DatasetFiles.Check(dataset);
        CheckName(dataset.Name, $"dataset {dataset.Name}");
        CheckLabel(dataset.Label, $"dataset {dataset.Name}");
        var lengths = dataset.Variables.Select(v => Length(dataset, v)).ToArray();
        var stamp = Stamp(source.LockedAt);
        var file = new List<byte>();

        Record(file, Header("LIBRARY", "000000000000000000000000000000  "));
        Record(file, Ascii("SAS     SAS     SASLIB  9.4     " + Pad(OperatingSystem, 8) + Pad("", 24) + stamp));
        Record(file, Ascii(Pad(stamp, 80)));
        Record(file, Header("MEMBER  ", "000000000000000001600000000140  "));
        Record(file, Header("DSCRPTR ", "000000000000000000000000000000  "));
        Record(file, Ascii("SAS     " + Pad(dataset.Name, 8) + "SASDATA 9.4     " + Pad(OperatingSystem, 8) + Pad("", 24) + stamp));
        Record(file, Ascii(stamp + Pad("", 16) + Pad(dataset.Label, 40) + Pad("", 8)));
        Record(file, Header("NAMESTR ", $"000000{dataset.Variables.Count:D4}00000000000000000000  "));

        var namestrs = new List<byte>();
        var position = 0;
        for (var i = 0; i < dataset.Variables.Count; i++)
        {
            namestrs.AddRange(Namestr(dataset.Variables[i], i + 1, lengths[i], position));
            position += lengths[i];
        }
        Padded(file, namestrs);

        Record(file, Header("OBS     ", "000000000000000000000000000000  "));
        var observations = new List<byte>();
        for (var r = 0; r < dataset.Rows.Count; r++)
            for (var c = 0; c < dataset.Variables.Count; c++)
                observations.AddRange(Value(dataset, r, c, lengths[c]));
        Padded(file, observations);
        output.Write(file.ToArray());
    }

    /// <summary>8 bytes for a number; for text the shared length, refused above v5's 200.</summary>
    private static int Length(Dataset dataset, Variable v)
    {
        CheckName(v.Name, $"variable {dataset.Name}.{v.Name}");
        CheckLabel(v.Label, $"variable {dataset.Name}.{v.Name}");
        if (v.Type != VariableType.Text) return 8;
        var length = DatasetFiles.TextLength(dataset, v);
        return length <= MaxTextLength ? length
            : throw new ArgumentException($"XPT v5: variable {dataset.Name}.{v.Name} needs {length} bytes; a v5 text variable holds at most {MaxTextLength}.");
    }

    private static void CheckName(string name, string what)
    {
        if (!V5Name().IsMatch(name))
            throw new ArgumentException($"XPT v5: {what} is not a v5 name (1 to {MaxNameLength} upper-case letters, digits or '_', not starting with a digit).");
    }

    private static void CheckLabel(string label, string what)
    {
        if (label.Length > MaxLabelLength || label.Any(ch => ch is < ' ' or > '~'))
            throw new ArgumentException($"XPT v5: the label of {what} \"{label}\" is not at most {MaxLabelLength} printable ASCII characters.");
    }

    [GeneratedRegex("^[A-Z_][A-Z0-9_]{0,7}$")]
    private static partial Regex V5Name();

    private static byte[] Namestr(Variable v, int number, int length, int position)
    {
        var n = new byte[140];
        var date = v.Type == VariableType.Date;
        BinaryPrimitives.WriteInt16BigEndian(n.AsSpan(0), (short)(v.Type == VariableType.Text ? 2 : 1));
        BinaryPrimitives.WriteInt16BigEndian(n.AsSpan(4), (short)length);
        BinaryPrimitives.WriteInt16BigEndian(n.AsSpan(6), (short)number);
        Encoding.ASCII.GetBytes(Pad(v.Name, 8)).CopyTo(n, 8);
        Encoding.ASCII.GetBytes(Pad(v.Label, 40)).CopyTo(n, 16);
        Encoding.ASCII.GetBytes(Pad(date ? "DATE" : "", 8)).CopyTo(n, 56);
        BinaryPrimitives.WriteInt16BigEndian(n.AsSpan(64), (short)(date ? 9 : 0));
        Encoding.ASCII.GetBytes(Pad(date ? "DATE" : "", 8)).CopyTo(n, 72);
        BinaryPrimitives.WriteInt16BigEndian(n.AsSpan(80), (short)(date ? 9 : 0));
        BinaryPrimitives.WriteInt32BigEndian(n.AsSpan(84), position);
        return n;
    }

    private static byte[] Value(Dataset d, int r, int c, int length)
    {
        var row = d.Rows[r];
        switch (d.Variables[c].Type)
        {
            case VariableType.Text:
                var text = new byte[length];
                Array.Fill(text, (byte)' ');
                Encoding.UTF8.GetBytes(DatasetFiles.Text(d, row, r, c) ?? "").CopyTo(text, 0);
                return text;
            case VariableType.Integer:
                return Ibm(DatasetFiles.Integer(d, row, r, c));
            case VariableType.Float:
                return Ibm(DatasetFiles.NumberAsDouble(DatasetFiles.Number(d, row, r, c)));
            default:
                return Ibm(DatasetFiles.Date(d, row, r, c) is { } date ? date.DayNumber - SasEpoch.DayNumber : null);
        }
    }

    /// <summary>
    /// An IEEE double as an IBM 370 double: sign, excess-64 base-16 exponent, 56-bit fraction. The 53-bit IEEE mantissa
    /// shifted by 0 to 3 bits fits the 56-bit fraction, so the conversion is exact. Null is SAS's missing value '.'.
    /// </summary>
    public static byte[] Ibm(double? value)
    {
        var bytes = new byte[8];
        if (value is not { } x) { bytes[0] = 0x2E; return bytes; }
        if (x == 0) return bytes;
        var bits = BitConverter.DoubleToInt64Bits(x);
        var biased = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xF_FFFF_FFFF_FFFFL;
        if (biased == 0) throw new ArgumentOutOfRangeException(nameof(value), x, "Too small for IBM 370 floating point.");
        mantissa |= 1L << 52;
        var exponent2 = biased - 1023;
        // x = mantissa * 2^(exponent2 - 52) = (fraction / 2^56) * 16^hex with fraction < 2^56 and its top hex digit non-zero.
        var hex = (exponent2 >> 2) + 1;
        var shift = exponent2 - 4 * hex + 4; // 0..3
        var fraction = mantissa << shift;
        if (hex + 64 is < 0 or > 127)
            throw new ArgumentOutOfRangeException(nameof(value), x, "Outside the range of IBM 370 floating point.");
        bytes[0] = (byte)((x < 0 ? 0x80 : 0) | (hex + 64));
        for (var i = 1; i < 8; i++) bytes[i] = (byte)(fraction >> (8 * (7 - i)));
        return bytes;
    }

    private static string Stamp(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("ddMMMyy:HH:mm:ss", CultureInfo.InvariantCulture).ToUpperInvariant();

    private static byte[] Header(string kind, string numbers) => Ascii($"HEADER RECORD*******{Pad(kind, 8)}HEADER RECORD!!!!!!!{numbers}");

    private static string Pad(string s, int length) => s.PadRight(length);
    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static void Record(List<byte> file, byte[] record)
    {
        if (record.Length != 80) throw new InvalidOperationException($"An XPT record is 80 bytes, not {record.Length}.");
        file.AddRange(record);
    }

    /// <summary>Namestrs and observations run across records; the last record is filled with blanks.</summary>
    private static void Padded(List<byte> file, List<byte> block)
    {
        file.AddRange(block);
        var rest = block.Count % 80;
        if (rest != 0) file.AddRange(Ascii(Pad("", 80 - rest)));
    }
}
