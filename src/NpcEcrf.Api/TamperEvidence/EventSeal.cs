using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NpcEcrf.Api.TamperEvidence;

/// <summary>The facts of one stored event that its seal covers, as the writer states them.</summary>
public sealed record SealedFacts(Guid StreamId, string EventType, string DataJson, string? User, string? CorrelationId, string? CausationId, string? Reason);

/// <summary>An earlier event of another stream that the writer saw as the newest in the store when sealing.</summary>
public sealed record Witness(long Sequence, Guid StreamId, long Version);

/// <summary>
/// What Marten assigns before the insert (version, timestamp), the sequence number of the event's predecessor in its
/// stream, a digest of the payload (to name what changed) and a witness, recorded in the <c>sealed</c> header when
/// sealing. The seal covers these values, so a column that no longer matches its header names the change. An event's
/// own sequence number is drawn at insert, after sealing: its successor's PreviousSequence, witnesses and the global
/// chain cover it (0 when the predecessor was written in the same save).
/// </summary>
public sealed record AssignedFacts(long Version, DateTimeOffset Timestamp, long PreviousSequence, string PayloadDigest, Witness? Witness)
{
    public string ToHeader() => string.Join('|', Version, EventSeal.Format(Timestamp), PreviousSequence, PayloadDigest,
        Witness is null ? "" : $"{Witness.Sequence}/{Witness.StreamId:N}/{Witness.Version}");

    public static AssignedFacts? Parse(string? header)
    {
        // Verify parses one header per event: the five fields are cut from the text without splitting it into strings.
        if (header is null) return null;
        Span<Range> fields = stackalloc Range[6];
        var text = header.AsSpan();
        if (text.Split(fields, '|') != 5) return null;
        if (!long.TryParse(text[fields[0]], CultureInfo.InvariantCulture, out var v)
            || !TryParseTimestamp(text[fields[1]], out var t)
            || !long.TryParse(text[fields[2]], CultureInfo.InvariantCulture, out var p)) return null;
        return new AssignedFacts(v, t, p, header[fields[3]], ParseWitness(text[fields[4]]));
    }

    /// <summary>As DateTimeOffset.TryParse reads it (universal unless it says otherwise), the format the seal writes read directly.</summary>
    private static bool TryParseTimestamp(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        // yyyy-MM-ddTHH:mm:ss.ffffffZ
        static bool Digits(ReadOnlySpan<char> s, out int n) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out n);
        if (text.Length == 27 && text[4] == '-' && text[7] == '-' && text[10] == 'T' && text[13] == ':' && text[16] == ':' && text[19] == '.' && text[26] == 'Z'
            && Digits(text[..4], out var year) && Digits(text[5..7], out var month) && Digits(text[8..10], out var day)
            && Digits(text[11..13], out var hour) && Digits(text[14..16], out var minute) && Digits(text[17..19], out var second)
            && Digits(text[20..26], out var micro)
            && year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month) && hour < 24 && minute < 60 && second < 60)
        {
            value = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero).AddTicks(micro * 10L);
            return true;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    private static Witness? ParseWitness(ReadOnlySpan<char> text)
    {
        Span<Range> parts = stackalloc Range[4];
        return text.Split(parts, '/') == 3 && long.TryParse(text[parts[0]], CultureInfo.InvariantCulture, out var seq)
            && Guid.TryParse(text[parts[1]], out var stream) && long.TryParse(text[parts[2]], CultureInfo.InvariantCulture, out var version)
            ? new Witness(seq, stream, version) : null;
    }
}

/// <summary>
/// The seal of an event: HMAC-SHA256, keyed by the installation's seal secret (never stored in the database, and
/// separate from the key that signs tokens, so a token key that leaks cannot reseal a forged history),
/// over the previous event's seal and everything that gives the event its meaning. Whoever can write
/// to the database but does not hold the key cannot alter, delete or insert an event without breaking a seal.
/// Two formats: v1 (a bare hex HMAC over stream, type, payload and metadata) on events sealed before v2, and
/// v2 (<c>v2:hex</c>), which also covers version, timestamp, the archived flag, the predecessor's sequence and a witness.
/// </summary>
public sealed class EventSeal(byte[] sealSecret)
{
    public const string Header = "seal";
    public const string FactsHeader = "sealed";
    public const string V2Prefix = "v2:";
    private readonly byte[] _key = HMACSHA256.HashData(sealSecret, "npc-ecrf/event-seal/v1"u8.ToArray());

    /// <summary>The first format, kept to verify events sealed before v2.</summary>
    public string ComputeV1(string? previousSeal, SealedFacts facts) => Hmac(
        previousSeal ?? "", facts.StreamId.ToString("N"), facts.EventType, Canonical(facts.DataJson),
        facts.User ?? "", facts.CorrelationId ?? "", facts.CausationId ?? "", facts.Reason ?? "");

    /// <summary>The current format. Archived is always false when sealing: nothing in the application archives an event.</summary>
    public string Compute(string? previousSeal, SealedFacts facts, AssignedFacts assigned, bool archived = false) => V2Prefix + Hmac(
        "v2", previousSeal ?? "", facts.StreamId.ToString("N"), facts.EventType, Canonical(facts.DataJson),
        facts.User ?? "", facts.CorrelationId ?? "", facts.CausationId ?? "", facts.Reason ?? "",
        archived ? "archived" : "live", assigned.ToHeader());

    /// <summary>The seal this event should carry under the format its stored seal claims.</summary>
    public string Expected(string storedSeal, string? previousSeal, SealedFacts facts, AssignedFacts? assigned) =>
        IsV2(storedSeal) ? assigned is null ? "" : Compute(previousSeal, facts, assigned) : ComputeV1(previousSeal, facts);

    public static bool IsV2(string seal) => seal.StartsWith(V2Prefix, StringComparison.Ordinal);

    /// <summary>Short digest of the canonical payload: lets verify say "payload changed" rather than "something changed".</summary>
    public static string PayloadDigest(string dataJson) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(dataJson))))[..16];

    /// <summary>PostgreSQL keeps microseconds: the text a timestamp has both before insert and read back.</summary>
    public static string Format(DateTimeOffset t) => Microseconds(t).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);

    public static DateTimeOffset Microseconds(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % 10, TimeSpan.Zero);

    private string Hmac(params string[] parts)
    {
        // The UTF-8 of the parts joined by newlines, encoded part by part into one rented buffer (a seal a row when verifying).
        var length = parts.Length - 1;
        foreach (var part in parts) length += Encoding.UTF8.GetMaxByteCount(part.Length);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var n = 0;
            for (var i = 0; i < parts.Length; i++)
            {
                if (i > 0) buffer[n++] = (byte)'\n';
                n += Encoding.UTF8.GetBytes(parts[i], buffer.AsSpan(n));
            }
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(_key, buffer.AsSpan(0, n), mac);
            return Convert.ToHexStringLower(mac);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    /// <summary>The same JSON text whether it comes from the serializer or back from jsonb: keys sorted, no spacing.</summary>
    public static string Canonical(string json)
    {
        // Sealing and verifying ask for the same payload twice in a row (its digest, then its seal): the last answer is kept per thread.
        if (_lastCanonical is { } last && string.Equals(last.Json, json, StringComparison.Ordinal)) return last.Canonical;
        var canonical = Write(json);
        // Only an event's size: a large text (a lock's snapshot) kept here would stay on the heap with the thread.
        _lastCanonical = json.Length <= MemoLimit ? (json, canonical) : null;
        return canonical;
    }

    private const int MemoLimit = 64 * 1024;

    [ThreadStatic] private static (string Json, string Canonical)? _lastCanonical;

    /// <summary>
    /// True only if both texts have the same <see cref="Canonical"/> text, found by walking both parsed documents
    /// instead of writing them: the same names (compared unescaped, as sorting and writing them depends on nothing
    /// else), numbers with the same text, strings with the same value. False when it cannot tell cheaply (a duplicate
    /// name): a caller that must be sure compares the canonical texts then.
    /// </summary>
    public static bool SameCanonical(string a, string b)
    {
        using var x = JsonDocument.Parse(a);
        using var y = JsonDocument.Parse(b);
        return Same(x.RootElement, y.RootElement);
    }

    private static bool Same(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind) return false;
        switch (a.ValueKind)
        {
            case JsonValueKind.Object:
                if (a.GetPropertyCount() != b.GetPropertyCount()) return false;
                foreach (var p in a.EnumerateObject())
                {
                    // Each of a's names found once in a (no duplicate: then the counts make b's names the same set) and in b with the same value.
                    var raw = JsonMarshal.GetRawUtf8PropertyName(p);
                    JsonElement self = default, other = default;
                    var found = raw.IndexOf((byte)'\\') < 0
                        ? a.TryGetProperty(raw, out self) && b.TryGetProperty(raw, out other)
                        : a.TryGetProperty(p.Name, out self) && b.TryGetProperty(p.Name, out other);
                    if (!found || !Unsafe.AreSame(ref MemoryMarshal.GetReference(JsonMarshal.GetRawUtf8Value(self)), ref MemoryMarshal.GetReference(JsonMarshal.GetRawUtf8Value(p.Value)))
                        || !Same(p.Value, other)) return false;
                }
                return true;
            case JsonValueKind.Array:
                if (a.GetArrayLength() != b.GetArrayLength()) return false;
                using (var e = b.EnumerateArray().GetEnumerator())
                    foreach (var item in a.EnumerateArray())
                        if (!e.MoveNext() || !Same(item, e.Current)) return false;
                return true;
            case JsonValueKind.Number:
                return JsonMarshal.GetRawUtf8Value(a).SequenceEqual(JsonMarshal.GetRawUtf8Value(b));
            case JsonValueKind.String:
                return JsonMarshal.GetRawUtf8Value(a).SequenceEqual(JsonMarshal.GetRawUtf8Value(b))
                    || a.GetString() == b.GetString();
            default:
                return true; // true, false, null: the kind is the value
        }
    }


    /// <summary>The canonical text, never from the per-thread memo (for profiling).</summary>
    internal static string Write(string json)
    {
        // A read-only document and one writer: the values are written as parsed (numbers keep their text), only the keys are sorted.
        using var document = JsonDocument.Parse(json);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(json.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer, CanonicalWriting))
            Write(writer, document.RootElement);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>How canonical text is written: what a caller writing it piece by piece (<see cref="Write(Utf8JsonWriter, JsonElement)"/>) must use.</summary>
    public static readonly JsonWriterOptions CanonicalWriting = new() { Encoder = Compact.Encoder, Indented = false, SkipValidation = true };

    /// <summary>An element's canonical text, to a writer made with <see cref="CanonicalWriting"/>.</summary>
    public static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                // Each name read once (a JsonProperty makes a new string each time it is asked), and sorted only when out of order.
                // The seal of every stored event covers this text: CanonicalJsonTests hold it byte for byte.
                var properties = System.Buffers.ArrayPool<(string Name, JsonElement Value)>.Shared.Rent(16);
                var count = 0;
                var sorted = true;
                foreach (var p in element.EnumerateObject())
                {
                    if (count == properties.Length)
                    {
                        var larger = System.Buffers.ArrayPool<(string, JsonElement)>.Shared.Rent(count * 2);
                        properties.AsSpan(0, count).CopyTo(larger);
                        System.Buffers.ArrayPool<(string, JsonElement)>.Shared.Return(properties, clearArray: true);
                        properties = larger;
                    }
                    properties[count] = (p.Name, p.Value);
                    sorted &= count == 0 || string.CompareOrdinal(properties[count - 1].Name, properties[count].Name) < 0;
                    count++;
                }
                // The same sort as ever (introsort), so even duplicate keys come out as they always have.
                if (!sorted) properties.AsSpan(0, count).Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                writer.WriteStartObject();
                for (var i = 0; i < count; i++)
                {
                    writer.WritePropertyName(properties[i].Name);
                    Write(writer, properties[i].Value);
                }
                writer.WriteEndObject();
                System.Buffers.ArrayPool<(string, JsonElement)>.Shared.Return(properties, clearArray: true);
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var x in element.EnumerateArray()) Write(writer, x);
                writer.WriteEndArray();
                break;
            default: element.WriteTo(writer); break;
        }
    }
}
