using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

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
        if (header?.Split('|') is not [var version, var timestamp, var previous, var digest, var witness]) return null;
        if (!long.TryParse(version, CultureInfo.InvariantCulture, out var v)
            || !DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            || !long.TryParse(previous, CultureInfo.InvariantCulture, out var p)) return null;
        return new AssignedFacts(v, t, p, digest, ParseWitness(witness));
    }

    private static Witness? ParseWitness(string text) =>
        text.Split('/') is [var s, var id, var v] && long.TryParse(s, CultureInfo.InvariantCulture, out var seq)
            && Guid.TryParse(id, out var stream) && long.TryParse(v, CultureInfo.InvariantCulture, out var version)
            ? new Witness(seq, stream, version) : null;
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

    private string Hmac(params string[] parts) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(string.Join('\n', parts))));

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    /// <summary>The same JSON text whether it comes from the serializer or back from jsonb: keys sorted, no spacing.</summary>
    public static string Canonical(string json)
    {
        // Sealing and verifying ask for the same payload twice in a row (its digest, then its seal): the last answer is kept per thread.
        if (_lastCanonical is { } last && string.Equals(last.Json, json, StringComparison.Ordinal)) return last.Canonical;
        var canonical = Write(json);
        _lastCanonical = (json, canonical);
        return canonical;
    }

    [ThreadStatic] private static (string Json, string Canonical)? _lastCanonical;

    private static string Write(string json)
    {
        // A read-only document and one writer: the values are written as parsed (numbers keep their text), only the keys are sorted.
        using var document = JsonDocument.Parse(json);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(json.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Compact.Encoder, Indented = false, SkipValidation = true }))
            Write(writer, document.RootElement);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = new List<JsonProperty>();
                foreach (var p in element.EnumerateObject()) properties.Add(p);
                properties.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
                writer.WriteStartObject();
                foreach (var p in properties) { writer.WritePropertyName(p.Name); Write(writer, p.Value); }
                writer.WriteEndObject();
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
