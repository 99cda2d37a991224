using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NpcEcrf.Api.TamperEvidence;

/// <summary>The facts of one stored event that its seal covers.</summary>
public sealed record SealedFacts(Guid StreamId, string EventType, string DataJson, string? User, string? CorrelationId, string? CausationId, string? Reason);

/// <summary>
/// The seal of an event: HMAC-SHA256, keyed by the installation's seal secret (never stored in the database, and
/// separate from the key that signs tokens, so a token key that leaks cannot reseal a forged history),
/// over the previous event's seal and the event's type, stream, payload and metadata. Whoever can write
/// to the database but does not hold the key cannot alter, delete or insert an event without breaking a seal.
/// </summary>
public sealed class EventSeal(byte[] sealSecret)
{
    public const string Header = "seal";
    private readonly byte[] _key = HMACSHA256.HashData(sealSecret, "npc-ecrf/event-seal/v1"u8.ToArray());

    public string Compute(string? previousSeal, SealedFacts facts)
    {
        var canonical = string.Join('\n',
            previousSeal ?? "", facts.StreamId.ToString("N"), facts.EventType, Canonical(facts.DataJson),
            facts.User ?? "", facts.CorrelationId ?? "", facts.CausationId ?? "", facts.Reason ?? "");
        return Convert.ToHexString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(canonical))).ToLowerInvariant();
    }

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    /// <summary>The same JSON text whether it comes from the serializer or back from jsonb: keys sorted, no spacing.</summary>
    public static string Canonical(string json) => Sort(JsonNode.Parse(json))?.ToJsonString(Compact) ?? "null";

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sort(p.Value?.DeepClone())))),
        JsonArray a => new JsonArray(a.Select(x => Sort(x?.DeepClone())).ToArray()),
        _ => node?.DeepClone(),
    };
}
