using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NpcEcrf.Api.Infrastructure;

/// <summary>
/// Numbers of a JSON node however it was built: a node parsed from text and one built in memory (from an int, say)
/// answer GetValue differently, so item values are read through their JSON text.
/// </summary>
public static class JsonNumbers
{
    /// <summary>The number as a decimal; null for anything that is not a number or lies beyond decimal's range.</summary>
    public static decimal? Decimal(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
        && decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;

    /// <summary>Whether the node is a whole number a 64-bit integer holds.</summary>
    public static bool IsWhole(JsonNode? node) => Decimal(node) is { } d && d == decimal.Truncate(d) && d is >= long.MinValue and <= long.MaxValue;
}
