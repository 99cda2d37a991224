using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace NpcEcrf.Analysis;

/// <summary>JSON has no NaN or infinity: an undefined estimate or bound is written as null, as the CLI contract says.</summary>
public sealed class NonFiniteAsNull : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        if (double.IsFinite(value)) writer.WriteNumberValue(value);
        else writer.WriteNullValue();
    }

    public override bool HandleNull => true;
}

public static class JsonNodes
{
    /// <summary>Replaces every NaN or infinite number in a JSON tree with null (JsonValue nodes ignore converters).</summary>
    public static T WithoutNonFinite<T>(T node) where T : JsonNode
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                    if (o[key] is JsonValue v && v.TryGetValue<double>(out var d) && !double.IsFinite(d)) o[key] = null;
                    else if (o[key] is { } child) WithoutNonFinite(child);
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    if (a[i] is JsonValue v && v.TryGetValue<double>(out var d) && !double.IsFinite(d)) a[i] = null;
                    else if (a[i] is { } child) WithoutNonFinite(child);
                break;
        }
        return node;
    }
}
