using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace NpcEcrf.Api.Infrastructure;

/// <summary>
/// Request bodies are read strictly: a required field that is missing or null, a property the form does not know, or
/// a value outside an enumeration is refused with a 400 that names the field, never read as 0, false or "no".
/// </summary>
public static partial class StrictJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.RespectNullableAnnotations = true;
        options.TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver { Modifiers = { RequireNonNullableParameters } };
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.Converters.Add(new StrictEnumConverterFactory());
        options.Converters.Add(new TextWithoutNul());
    }

    /// <summary>The fields a body of this type must carry (camelCase).</summary>
    public static IEnumerable<string> Required(Type type) => type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First().GetParameters()
        .Where(p => !p.HasDefaultValue && new System.Reflection.NullabilityInfoContext().Create(p).WriteState != System.Reflection.NullabilityState.Nullable)
        .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name!));

    /// <summary>A constructor parameter that is neither nullable nor defaulted must be sent; a nullable one may be left out.</summary>
    private static void RequireNonNullableParameters(System.Text.Json.Serialization.Metadata.JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
            if (property.AssociatedParameter is { IsNullable: false, HasDefaultValue: false })
                property.IsRequired = true;
    }

    /// <summary>A readable field error from the serializer's exception, with no .NET type names in it.</summary>
    /// <param name="requestType">The body's type, when known: then every missing required field is named, not only the first few the serializer lists.</param>
    /// <param name="body">The body as sent, when it was valid JSON.</param>
    public static Dictionary<string, string[]> Describe(JsonException e, Type? requestType = null, JsonElement? body = null)
    {
        var path = Field(e.Path);
        var message = e.Message;
        if (MissingRequired().Match(message) is { Success: true } missing)
        {
            var named = requestType is not null && body is { ValueKind: JsonValueKind.Object } sent
                ? Required(requestType).Where(field => !sent.EnumerateObject().Any(p => string.Equals(p.Name, field, StringComparison.OrdinalIgnoreCase)))
                : MissingName().Matches(missing.Groups[1].Value).Select(m => m.Groups[1].Value);
            return named.ToDictionary(field => field, field => new[] { $"{field} is required." });
        }
        if (Unmapped().Match(message) is { Success: true } unknown)
            return One(unknown.Groups[1].Value, $"'{unknown.Groups[1].Value}' is not a field of this form.");
        if (e.InnerException is null && !message.Contains("NpcEcrf", StringComparison.Ordinal) && !message.Contains("System.", StringComparison.Ordinal))
            return One(path, message);
        if (message.Contains("null", StringComparison.OrdinalIgnoreCase) && message.Contains("non-nullable", StringComparison.OrdinalIgnoreCase))
            return One(path, "A value is required (not null).");
        return One(path, $"Not a valid value for {(path.Length == 0 ? "the body" : path)}.");
    }

    private static Dictionary<string, string[]> One(string field, string message) => new() { [field] = [message] };

    private static string Field(string? jsonPath) => (jsonPath ?? "$").TrimStart('$').TrimStart('.');

    [GeneratedRegex(@"missing required properties including: (.*)$", RegexOptions.Singleline)]
    private static partial Regex MissingRequired();
    [GeneratedRegex(@"'([^']+)'")]
    private static partial Regex MissingName();
    [GeneratedRegex(@"The JSON property '([^']+)' could not be mapped")]
    private static partial Regex Unmapped();

    /// <summary>PostgreSQL cannot store a NUL character in text or JSON: it is refused at the edge, naming the field.</summary>
    private sealed class TextWithoutNul : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            return text is not null && text.Contains('\0') ? throw new JsonException("Text may not contain a NUL character.") : text;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    /// <summary>Enumerations by name only (any case); an unknown name lists the allowed ones.</summary>
    private sealed class StrictEnumConverterFactory : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(StrictEnumConverter<>).MakeGenericType(typeToConvert))!;
    }

    private sealed class StrictEnumConverter<T> : JsonConverter<T> where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            if (text is not null && !text.Any(char.IsDigit) && Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value)) return value;
            throw new JsonException($"'{text ?? reader.TokenType.ToString()}' is not one of: {string.Join(", ", Enum.GetNames<T>())}.");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
