using System.Globalization;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.StudyForms;

namespace NpcEcrf.Api.Casebooks;

/// <summary>Checks that hold for every item of every form, from the items' metadata: types, dates, ranges, code lists, required values.</summary>
public static class CasebookChecks
{
    public static readonly IReadOnlyList<Check> Generic =
    [
        new("data-type", Severity.Hard, "Every value is of its item's data type.", x => x.Items
            .Select(i => (i, Error: StudyFormData.TypeError(i.Field.Type, i.Value)))
            .Where(i => i.Error is not null)
            .Select(i => new CheckFinding("data-type", i.i.Form, i.i.Path, i.Error!)).ToList()),
        new("date-in-future", Severity.Hard, "No date is after the site's today.", x =>
            x.Dates.Where(d => d.Date > x.Today).Select(d => new CheckFinding("date-in-future", d.Form, d.Field, $"{d.Date:yyyy-MM-dd} is in the future.")).ToList()),
        new("range", Severity.Hard, "Numbers lie within their item's range.", x => x.Items
            .Where(i => i.Field.Min is not null || i.Field.Max is not null)
            .Select(i => (i.Form, i.Path, i.Field, Number: Number(i.Value)))
            .Where(i => i.Number < i.Field.Min || i.Number > i.Field.Max)
            .Select(i => new CheckFinding("range", i.Form, i.Path, $"{i.Number} is outside {i.Field.Min}-{i.Field.Max}{(i.Field.Unit is null ? "" : " " + i.Field.Unit)}."))
            .ToList()),
        new("soft-range", Severity.Soft, "Numbers outside their item's expected range raise a data query.", x => x.Items
            .Where(i => i.Field.SoftMin is not null || i.Field.SoftMax is not null)
            .Select(i => (i.Form, i.Path, i.Field, Number: Number(i.Value)))
            .Where(i => i.Number < i.Field.SoftMin || i.Number > i.Field.SoftMax)
            .Select(i => new CheckFinding("soft-range", i.Form, i.Path,
                $"{i.Number}{(i.Field.Unit is null ? "" : " " + i.Field.Unit)} is outside the expected {i.Field.SoftMin}-{i.Field.SoftMax}: please confirm the value."))
            .ToList()),
        new("code-list", Severity.Hard, "Coded values come from their item's code list.", x => x.Items
            .Where(i => i.Field.CodeList is { Count: > 0 } && i.Value is JsonValue v && v.TryGetValue<string>(out _))
            .Where(i => !i.Field.CodeList!.Contains(i.Value!.GetValue<string>(), StringComparer.Ordinal))
            .Select(i => new CheckFinding("code-list", i.Form, i.Path, $"'{i.Value!.GetValue<string>()}' is not one of: {string.Join(", ", i.Field.CodeList!)}."))
            .ToList()),
        new("required", Severity.Hard, "Every item that is not optional has a value.", x => x.Items
            .Where(i => !i.Field.Optional && (i.Value is null || (i.Field.Type == ItemType.Text && i.Value is JsonValue v && v.TryGetValue<string>(out var s) && string.IsNullOrWhiteSpace(s))))
            .Select(i => new CheckFinding("required", i.Form, i.Path, $"{i.Field.Question} is required."))
            .ToList()),
        new("date-order", Severity.Hard, "Dates the study orders against enrolment or the first dose keep that order.", x => x.Items
            .Where(i => i.Field.NotAfter is not null || i.Field.NotBefore is not null)
            .SelectMany(i => DateOrder(x.Casebook, i)).ToList()),
    ];

    private static decimal? Number(JsonNode? value) => Infrastructure.JsonNumbers.Decimal(value);

    private static IEnumerable<CheckFinding> DateOrder(Casebook c, FormItem item)
    {
        if (item.Value is not JsonValue v || !v.TryGetValue<string>(out var text) || !TryDate(text, out var date)) yield break;
        if (item.Field.NotAfter is { } after && Anchor(c, after) is var (form, field, limit) && date > limit)
            foreach (var f in CheckFindings.Pair("date-order", item.Form, item.Path, form, field, $"{item.Field.Question} cannot be after the {after} ({limit:yyyy-MM-dd})."))
                yield return f;
        if (item.Field.NotBefore is { } before && Anchor(c, before) is var (form2, field2, floor) && date < floor)
            foreach (var f in CheckFindings.Pair("date-order", item.Form, item.Path, form2, field2, $"{item.Field.Question} cannot be before the {before} ({floor:yyyy-MM-dd})."))
                yield return f;
    }

    /// <summary>The date an anchor names in this casebook, with the form and field that hold it.</summary>
    public static (FormRef Form, string Field, DateOnly Date)? Anchor(Casebook c, string anchor) => anchor switch
    {
        Anchors.Enrolment => (new FormRef(Enrolment.EnrolmentForm.FormName), "enrolmentDate", c.Enrolment.EnrolmentDate),
        Anchors.FirstDose when c.One<Dosing.FirstDoseGiven>() is { } first => (new FormRef("first-dose"), "date", first.Date),
        _ => null,
    };

    /// <summary>Every item value of every entered form, with the field as the definition it was entered under declares it.</summary>
    public static IEnumerable<FormItem> Items(Casebook casebook, Study study) => Items(casebook, entry => casebook.DefinitionOf(study, entry));

    public static IEnumerable<FormItem> Items(Casebook casebook, Func<FormEntry, StudyDefinition> definitionOf) =>
        from entry in casebook.Forms
        let set = FormSet.Of(definitionOf(entry))
        let form = set.Find(entry.Form.Name)
        where form is not null
        let json = FormValues.Json(entry.Value)
        from field in set.FieldsOf(form)
        from found in FormValues.Values(json, field.Path)
        select new FormItem(entry.Form, found.Path, field, found.Value);

    public static bool TryDate(string text, out DateOnly date) => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
}

/// <summary>Small helpers the form checks share.</summary>
public static class CheckFindings
{
    /// <summary>An order between two fields broke: both are named, so the one the user changed is always among them.</summary>
    public static IEnumerable<CheckFinding> Pair(string checkId, FormRef first, string firstField, FormRef second, string secondField, string message) =>
        [new CheckFinding(checkId, first, firstField, message), new CheckFinding(checkId, second, secondField, message)];

    /// <summary>Every well-formed date among the items (a malformed one is the data-type check's finding).</summary>
    public static IEnumerable<DatedValue> Dates(IEnumerable<FormItem> items) =>
        from item in items
        where item.Field.Type == ItemType.Date && item.Value is JsonValue v && v.TryGetValue<string>(out _)
        let text = item.Value!.GetValue<string>()
        where CasebookChecks.TryDate(text, out _)
        select new DatedValue(item.Form, item.Path, DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture));
}
