using System.Collections;
using System.Text.Json.Nodes;

namespace NpcEcrf.Api.Tests.Infrastructure;

public static class RequestSamples
{
    /// <summary>A plausible JSON value of a type, from its constructor (records) or its kind.</summary>
    public static JsonNode? Of(Type type, int depth = 0)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (depth > 3) return null;
        if (type == typeof(string)) return "S1";
        if (type == typeof(bool)) return true;
        if (type == typeof(int) || type == typeof(long)) return 1;
        if (type == typeof(decimal) || type == typeof(double)) return 12.5;
        if (type == typeof(DateOnly)) return "2021-03-04";
        if (type == typeof(DateTimeOffset)) return "2021-03-04T10:00:00Z";
        if (type == typeof(Guid)) return Guid.NewGuid().ToString();
        if (type.IsEnum) return Enum.GetNames(type)[0];
        if (type == typeof(System.Text.Json.JsonElement)) return 1;
        if (type.IsArray) return new JsonArray(Of(type.GetElementType()!, depth + 1));
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>)) return new JsonObject { ["T1"] = Of(type.GetGenericArguments()[1], depth + 1) };
        if (typeof(IEnumerable).IsAssignableFrom(type)) return new JsonArray();
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        if (constructor is null) return new JsonObject();
        var json = new JsonObject();
        foreach (var p in constructor.GetParameters())
            json[char.ToLowerInvariant(p.Name![0]) + p.Name[1..]] = Of(p.ParameterType, depth + 1);
        return json;
    }
}
