using System.Security.Cryptography;
using System.Xml;
using System.Xml.Linq;

namespace NpcEcrf.Api.OdmImport;

/// <summary>An uploaded ODM file as read: its name, the SHA-256 of its bytes, and the document with line numbers.</summary>
public sealed record OdmFile(string Name, string Sha256, XDocument Document);

/// <summary>Why a file is not read at all: the message names the line where the reader stopped (0: before reading).</summary>
public sealed record OdmFileRefusal(int Line, string Message);

/// <summary>
/// Reads an uploaded file without trusting it: the size is checked before any parsing; DTDs are prohibited (no
/// external entities, no entity expansion such as "billion laughs") and nothing is resolved (no file or URL is read).
/// </summary>
public static class OdmFileReader
{
    /// <summary>256 MiB: the default largest file an import reads (configurable: OdmImport:MaxBytes, --max-mb).</summary>
    public const long DefaultMaxBytes = 256L * 1024 * 1024;

    public static string TooLarge(long size, long max) =>
        $"The file is {size:N0} bytes; an ODM import reads at most {max:N0} bytes (OdmImport:MaxBytes). Nothing was read.";

    public static (OdmFile? File, OdmFileRefusal? Refused) Read(byte[] bytes, string name, long maxBytes)
    {
        if (bytes.LongLength > maxBytes) return (null, new OdmFileRefusal(0, TooLarge(bytes.LongLength, maxBytes)));
        if (bytes.Length == 0) return (null, new OdmFileRefusal(0, "The request holds no ODM file."));
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            // Belt and braces: even if a DTD slipped through, no entity may expand to more than the file itself.
            MaxCharactersFromEntities = 0,
            MaxCharactersInDocument = maxBytes,
        };
        using var stream = new MemoryStream(bytes, writable: false);
        using var reader = XmlReader.Create(stream, settings);
        try
        {
            var document = XDocument.Load(reader, LoadOptions.SetLineInfo);
            return (new OdmFile(name, sha, document), null);
        }
        catch (XmlException e)
        {
            var dtd = e.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase);
            // The DTD refusal carries no position (neither does the reader): the line is the declaration's.
            var line = e.LineNumber > 0 ? e.LineNumber : dtd ? LineOf(bytes, "<!DOCTYPE") : 0;
            var why = dtd
                ? "the file declares a DTD (<!DOCTYPE>); DTDs and their entities (external entities, entity expansion) are refused"
                : $"the file is not well-formed XML: {e.Message}";
            return (null, new OdmFileRefusal(line, $"Line {line}: {why}. Nothing was imported."));
        }
    }

    private static int LineOf(byte[] bytes, string text)
    {
        var decoded = System.Text.Encoding.UTF8.GetString(bytes);
        var at = decoded.IndexOf(text, StringComparison.Ordinal);
        return at < 0 ? 0 : decoded.AsSpan(0, at).Count('\n') + 1;
    }

    /// <summary>The line an element starts on (0 when unknown).</summary>
    public static int Line(XObject x) => x is IXmlLineInfo info && info.HasLineInfo() ? info.LineNumber : 0;
}
