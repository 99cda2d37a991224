using System.Globalization;
using System.Text.Json.Nodes;

namespace NpcEcrf.Api.Casebooks;

/// <summary>Checks that hold for every item of every form, from the items' metadata: dates, ranges, required values.</summary>
public static class CasebookChecks
{
    public static readonly IReadOnlyList<Check> Generic =
    [
        new("date-in-future", Severity.Hard, "No date is after the site's today.", x =>
            x.Dates.Where(d => d.Date > x.Today).Select(d => new CheckFinding("date-in-future", d.Form, d.Field, $"{d.Date:yyyy-MM-dd} is in the future.")).ToList()),
        new("range", Severity.Hard, "Numbers lie within their item's range.", x => x.Items
            .Where(i => i.Field.Min is not null || i.Field.Max is not null)
            .Select(i => (i.Form, i.Path, i.Field, Number: i.Value is JsonValue v && v.TryGetValue<decimal>(out var n) ? n : (decimal?)null))
            .Where(i => i.Number < i.Field.Min || i.Number > i.Field.Max)
            .Select(i => new CheckFinding("range", i.Form, i.Path, $"{i.Number} is outside {i.Field.Min}-{i.Field.Max}{(i.Field.Unit is null ? "" : " " + i.Field.Unit)}."))
            .ToList()),
        new("required", Severity.Hard, "Every item that is not optional has a value.", x => x.Items
            .Where(i => !i.Field.Optional && (i.Value is null || (i.Field.Type == ItemType.Text && i.Value is JsonValue v && v.TryGetValue<string>(out var s) && string.IsNullOrWhiteSpace(s))))
            .Select(i => new CheckFinding("required", i.Form, i.Path, $"{i.Field.Question} is required."))
            .ToList()),
    ];

    /// <summary>Every item value of every entered form, with its declared field (each form value is read as JSON once).</summary>
    public static IEnumerable<FormItem> Items(Casebook casebook) =>
        from entry in casebook.Forms
        let json = FormValues.Json(entry.Value)
        from field in FormCatalogue.For(entry.Form).Fields
        from found in FormValues.Values(json, field.Path)
        select new FormItem(entry.Form, found.Path, field, found.Value);
}

/// <summary>Small helpers the form checks share.</summary>
public static class CheckFindings
{
    /// <summary>An order between two fields broke: both are named, so the one the user changed is always among them.</summary>
    public static IEnumerable<CheckFinding> Pair(string checkId, FormRef first, string firstField, FormRef second, string secondField, string message) =>
        [new CheckFinding(checkId, first, firstField, message), new CheckFinding(checkId, second, secondField, message)];

    public static IEnumerable<DatedValue> Dates(Casebook casebook) => Dates(CasebookChecks.Items(casebook));

    public static IEnumerable<DatedValue> Dates(IEnumerable<FormItem> items) =>
        from item in items
        where item.Field.Type == ItemType.Date && item.Value is JsonValue
        let text = item.Value!.GetValue<string>()
        select new DatedValue(item.Form, item.Path, DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture));
}
