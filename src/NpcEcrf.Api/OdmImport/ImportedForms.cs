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
        ? json.Deserialize(builtIn.ValueType, CasebookJson.Options) ?? throw new JsonException($"The {form} form's value is empty.")
        : json.DeepClone();

    /// <summary>Why the value cannot be kept as the form's value (null when it can): the import checks before it writes.</summary>
    public static string? Check(string form, JsonObject json)
    {
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
