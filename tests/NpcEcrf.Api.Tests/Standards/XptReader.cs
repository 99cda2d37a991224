using System.Buffers.Binary;
using System.Text;

namespace NpcEcrf.Api.Tests.Standards;

/// <summary>A small SAS XPORT v5 reader, written from the layout independently of the writer, to read back what it wrote.</summary>
public static class XptReader
{
    public sealed record Column(string Name, string Label, bool Numeric, int Length, string Format, int FormatLength, int Position);

    /// <summary>Values are string (trailing blanks removed) or double? (null for SAS missing).</summary>
    public sealed record Member(string Name, string Label, string Created, IReadOnlyList<Column> Columns, IReadOnlyList<object?[]> Rows);

    public static Member Read(byte[] file)
    {
        string Text(int offset, int length) => Encoding.ASCII.GetString(file, offset, length);
        Assert.Equal(0, file.Length % 80);
        Assert.Equal("HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!000000000000000000000000000000  ", Text(0, 80));
        Assert.Equal("SAS     SAS     SASLIB  ", Text(80, 24));
        Assert.StartsWith("HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!", Text(240, 80));
        Assert.Equal("0140", Text(240 + 74, 4)); // namestr length
        Assert.StartsWith("HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!", Text(320, 80));
        Assert.Equal("SAS     ", Text(400, 8));
        var name = Text(408, 8).TrimEnd();
        var created = Text(400 + 64, 16);
        var label = Text(480 + 32, 40).TrimEnd();
        Assert.StartsWith("HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!", Text(560, 80));
        var count = int.Parse(Text(560 + 54, 4));
        var columns = new List<Column>();
        for (var i = 0; i < count; i++)
        {
            var n = 640 + 140 * i;
            var type = BinaryPrimitives.ReadInt16BigEndian(file.AsSpan(n));
            Assert.Equal(i + 1, BinaryPrimitives.ReadInt16BigEndian(file.AsSpan(n + 6)));
            columns.Add(new Column(Text(n + 8, 8).TrimEnd(), Text(n + 16, 40).TrimEnd(), type == 1, BinaryPrimitives.ReadInt16BigEndian(file.AsSpan(n + 4)),
                Text(n + 56, 8).TrimEnd(), BinaryPrimitives.ReadInt16BigEndian(file.AsSpan(n + 64)), BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(n + 84))));
        }
        var obsHeader = 640 + (140 * count + 79) / 80 * 80;
        Assert.Equal("HEADER RECORD*******OBS     HEADER RECORD!!!!!!!000000000000000000000000000000  ", Text(obsHeader, 80));
        var width = columns.Sum(c => c.Length);
        var rows = new List<object?[]>();
        // The last record is padded with blanks: a run of blanks shorter than a row is padding, not a row.
        for (var o = obsHeader + 80; o + width <= file.Length && !file.AsSpan(o).ToArray().All(b => b == (byte)' '); o += width)
            rows.Add(columns.Select(c => c.Numeric
                ? (object?)FromIbm(file.AsSpan(o + c.Position, 8))
                : Encoding.UTF8.GetString(file, o + c.Position, c.Length).TrimEnd(' ')).ToArray());
        return new Member(name, label, created, columns, rows);
    }

    /// <summary>IBM 370 double to IEEE: (-1)^s × 0.fraction × 16^(exponent-64); '.' followed by zeros (and the special missing letters) is missing.</summary>
    public static double? FromIbm(ReadOnlySpan<byte> b)
    {
        if (b[1..].ToArray().All(x => x == 0) && (b[0] == 0x2E || b[0] == 0x5F || b[0] is >= 0x41 and <= 0x5A)) return null;
        var fraction = 0UL;
        for (var i = 1; i < 8; i++) fraction = (fraction << 8) | b[i];
        var value = Math.ScaleB(fraction, 4 * ((b[0] & 0x7F) - 64) - 56);
        return (b[0] & 0x80) != 0 ? -value : value;
    }
}
