using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.StudyForms;

/// <summary>
/// Reads a study form's values as sent: every item the form defines, in its data type, and nothing else. An item
/// left out is stored as null (never 0 or false), so the required check names it when it is mandatory.
/// </summary>
public static class StudyFormData
{
    public static (JsonObject Value, Dictionary<string, string[]> Errors) Normalise(StudyForm form, JsonObject sent)
    {
        var errors = new Dictionary<string, string[]>();
        var value = new JsonObject();
        var known = TopLevel(form).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, _) in sent.Where(p => !known.Contains(p.Key)))
            errors[$"data.{name}"] = [$"'{name}' is not an item of form '{form.Name}'."];

        foreach (var group in form.Groups)
        {
            if (!group.Repeating)
            {
                foreach (var item in group.Items) value[item.Name] = Read(item, sent[item.Name], $"data.{item.Name}", errors);
                continue;
            }
            var rows = new JsonArray();
            switch (sent[group.Name])
            {
                case null: break;
                case JsonArray array:
                    for (var r = 0; r < array.Count; r++)
                    {
                        if (array[r] is not JsonObject row) { errors[$"data.{group.Name}[{r}]"] = ["Each row is an object of the group's items."]; continue; }
                        foreach (var extra in row.Select(p => p.Key).Where(k => group.Items.All(i => i.Name != k)))
                            errors[$"data.{group.Name}[{r}].{extra}"] = [$"'{extra}' is not an item of group '{group.Name}'."];
                        var normalised = new JsonObject();
                        foreach (var item in group.Items) normalised[item.Name] = Read(item, row[item.Name], $"data.{group.Name}[{r}].{item.Name}", errors);
                        rows.Add(normalised);
                    }
                    break;
                default: errors[$"data.{group.Name}"] = [$"'{group.Name}' is a list of rows."]; break;
            }
            value[group.Name] = rows;
        }
        return (value, errors);
    }

    private static JsonNode? Read(Item item, JsonNode? sent, string field, Dictionary<string, string[]> errors)
    {
        if (sent is null) return null;
        if (item.Retired) { errors[field] = [$"'{item.Name}' was retired by an amendment; it takes no new values."]; return null; }
        if (TypeError(item.DataType, sent) is { } error) { errors[field] = [error]; return null; }
        return sent.DeepClone();
    }

    /// <summary>
    /// The items in the form's order. PostgreSQL's jsonb keeps keys in an order of its own, so a value read back from the
    /// store and one just entered are answered alike (a retry answers exactly its first answer).
    /// </summary>
    public static JsonObject Ordered(StudyForm form, JsonObject value)
    {
        var ordered = InOrder(TopLevel(form), value);
        foreach (var group in form.Groups.Where(g => g.Repeating && ordered[g.Name] is JsonArray))
            ordered[group.Name] = new JsonArray([.. ordered[group.Name]!.AsArray().Select(r => r is JsonObject row ? InOrder(group.Items.Select(i => i.Name), row) : r?.DeepClone())]);
        return ordered;
    }

    /// <summary>The names at the top of a form's value, in order: each single item, and each repeating group's list.</summary>
    private static IEnumerable<string> TopLevel(StudyForm form) => form.Groups.SelectMany(g => g.Repeating ? [g.Name] : g.Items.Select(i => i.Name));

    private static JsonObject InOrder(IEnumerable<string> names, JsonObject row)
    {
        var ordered = new JsonObject();
        foreach (var name in names.Where(row.ContainsKey)) ordered[name] = row[name]?.DeepClone();
        foreach (var (key, rest) in row.Where(p => !ordered.ContainsKey(p.Key))) ordered[key] = rest?.DeepClone();
        return ordered;
    }

    /// <summary>Why a JSON value does not fit an item's data type, or null when it does.</summary>
    public static string? TypeError(ItemType type, JsonNode? value)
    {
        if (value is null) return null;
        var kind = value.GetValueKind();
        return type switch
        {
            ItemType.Integer when !Infrastructure.JsonNumbers.IsWhole(value) => "A whole number is expected.",
            ItemType.Float when kind != JsonValueKind.Number => "A number is expected.",
            ItemType.Boolean when kind is not (JsonValueKind.True or JsonValueKind.False) => "true or false is expected.",
            ItemType.Text when kind != JsonValueKind.String => "Text is expected.",
            ItemType.Date when kind != JsonValueKind.String || !DateOnly.TryParseExact(value.GetValue<string>(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                => "A date (yyyy-MM-dd) is expected.",
            _ => null,
        };
    }
}
