using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NpcEcrf.Api.Casebooks;

/// <summary>
/// Reads and replaces one data point of any form through the form's JSON, by a field path the form declares
/// ("date", "targets[0].diameterMm", "targetDiametersMm.T1"): the generic ground of corrections, queries and
/// source data verification.
/// </summary>
public static partial class FormValues
{
    /// <summary>The current value of a data point as JSON, with the field's canonical path, or why it cannot be addressed.</summary>
    public static (JsonNode? Value, string Field, string? Error) Read(Casebook casebook, Studies.Study study, FormRef form, string field)
    {
        if (casebook.Entry(form) is not { } entry || FormSet.Of(casebook.DefinitionOf(study, entry)).Find(form.Name) is not { } definition)
            return (null, field, $"The casebook has no form '{form}'.");
        var path = definition.CanonicalField(field);
        if (Declared(definition, path) is not { } declared) return (null, field, $"Form '{definition.Name}' has no field '{field}'.");
        if (declared.Identity) return (null, path, $"'{field}' identifies the record and cannot be corrected.");
        return Navigate(Json(entry.Value), path) is var (parent, name, index) && parent is not null
            ? ((index is { } i ? parent.AsArray()[i] : parent.AsObject()[name!])?.DeepClone(), path, null)
            : (null, path, $"Form '{form}' has no field '{field}'.");
    }

    /// <summary>The form value with one data point replaced; throws JsonException (or FormatException) when the new value does not fit.</summary>
    public static object Replace(object value, string path, string newValueJson)
    {
        var node = Json(value)!;
        var (parent, name, index) = Navigate(node, path);
        if (parent is null) throw new JsonException($"No field '{path}'.");
        var replacement = JsonNode.Parse(newValueJson);
        if (index is { } i) parent.AsArray()[i] = replacement;
        else parent.AsObject()[name!] = replacement;
        return node.Deserialize(value.GetType(), Strict)!;
    }

    /// <summary>A form value as the JSON its field paths address.</summary>
    public static JsonNode? Json(object value) => JsonSerializer.SerializeToNode(value, value.GetType(), CasebookJson.Options);

    /// <summary>Every concrete value of a declared field in a form value ("gradeChanges[].date" gives one per grade change).</summary>
    public static IEnumerable<(string Path, JsonNode? Value)> Values(JsonNode? value, string pattern) => Expand(value, pattern.Split('.'), 0, "");

    public static IEnumerable<(string Path, JsonNode? Value)> Values(object value, string pattern) => Values(Json(value), pattern);

    private static IEnumerable<(string, JsonNode?)> Expand(JsonNode? node, string[] segments, int at, string path)
    {
        if (at == segments.Length) { yield return (path, node); yield break; }
        if (node is not JsonObject obj) yield break;
        var segment = segments[at];
        var isList = segment.EndsWith("[]", StringComparison.Ordinal);
        var name = isList ? segment[..^2] : segment;
        var children = name == "*" ? obj.Select(p => (p.Key, p.Value)) : obj.TryGetPropertyValue(name, out var child) ? [(name, child)] : [];
        foreach (var (key, childNode) in children)
        {
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (!isList) foreach (var found in Expand(childNode, segments, at + 1, childPath)) yield return found;
            else if (childNode is JsonArray array)
                for (var i = 0; i < array.Count; i++)
                    foreach (var found in Expand(array[i], segments, at + 1, $"{childPath}[{i}]")) yield return found;
        }
    }

    /// <summary>The declared field a concrete path stands for: list indexes become [], any segment matches *.</summary>
    public static FormField? Declared(FormDefinition form, string path)
    {
        var concrete = ListIndex().Replace(path, "[]").Split('.');
        return form.Fields.FirstOrDefault(f =>
        {
            var pattern = f.Path.Split('.');
            return pattern.Length == concrete.Length && pattern.Zip(concrete).All(p => p.First == "*" || string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase));
        });
    }

    // Walks "a.b[2].c" to the container of the last segment; every segment must already exist.
    private static (JsonNode? Parent, string? Name, int? Index) Navigate(JsonNode? node, string path)
    {
        var segments = path.Split('.');
        for (var s = 0; s < segments.Length; s++)
        {
            var segment = segments[s];
            var bracket = segment.IndexOf('[');
            var name = bracket >= 0 ? segment[..bracket] : segment;
            int? index = bracket >= 0 && int.TryParse(segment[(bracket + 1)..^1], out var parsed) ? parsed : null;
            if (node is not JsonObject obj) return (null, null, null);
            var last = s == segments.Length - 1;
            var key = obj.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
            if (key is null) return (null, null, null);
            if (index is null)
            {
                if (last) return (obj, key, null);
                node = obj[key];
                continue;
            }
            if (obj[key] is not JsonArray array || index < 0 || index >= array.Count) return (null, null, null);
            if (last) return (array, null, index);
            node = array[index.Value];
        }
        return (null, null, null);
    }

    /// <summary>Corrected values are read as strictly as entered ones: a null where a value is required is refused.</summary>
    private static readonly JsonSerializerOptions Strict = new(CasebookJson.Options) { RespectNullableAnnotations = true };

    [GeneratedRegex(@"\[\d+\]")]
    private static partial Regex ListIndex();
}
