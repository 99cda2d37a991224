using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.OdmImport;

/// <summary>
/// How an imported form value is kept in the casebook: a built-in form (enrolment, demographics, cycle, ...) as its
/// typed value, so that the rules, views and analysis read it as if entered here; a study's own form as its JSON.
/// </summary>
public static class ImportedForms
{
    public static object Value(string form, JsonObject json) => FormCatalogue.Find(form) is { } builtIn
        ? WithEmptyCollections(builtIn, json).Deserialize(builtIn.ValueType, CasebookJson.Options) ?? throw new JsonException($"The {form} form's value is empty.")
        : json.DeepClone();

    /// <summary>
    /// ODM has no way to say "an empty list": a form instance whose list (grade changes, lesions) or map (criteria) had
    /// no entries comes with no items for it. The typed value needs the empty collection, not a missing one.
    /// </summary>
    private static JsonObject WithEmptyCollections(FormDefinition form, JsonObject json)
    {
        var value = json.DeepClone().AsObject();
        foreach (var segments in form.Fields.Select(f => f.Path.Split('.')))
        {
            var node = value;
            for (var i = 0; i < segments.Length; i++)
            {
                if (segments[i].EndsWith("[]", StringComparison.Ordinal))
                {
                    node[segments[i][..^2]] ??= new JsonArray();
                    break;
                }
                if (i + 1 < segments.Length && segments[i + 1] == "*")
                {
                    node[segments[i]] ??= new JsonObject();
                    break;
                }
                if (node[segments[i]] is not JsonObject child) break;
                node = child;
            }
        }
        return value;
    }

    /// <summary>Why the value cannot be kept as the form's value (null when it can): the import checks before it writes.</summary>
    public static string? Check(string form, JsonObject json)
    {
        if (FormCatalogue.Find(form) is null) return null; // a study's own form is kept as its JSON
        try
        {
            Value(form, json);
            return null;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return e.Message;
        }
    }
}
