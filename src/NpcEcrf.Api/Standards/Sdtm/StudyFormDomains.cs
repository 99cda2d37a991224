using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Standards.Sdtm;

/// <summary>
/// The domains of the study's own forms (StudyForm.Domain: LB, VS, MH, CM, ...): one record per entered item value.
/// Findings domains carry the item as a test (--TESTCD from its name, --TEST its question, --ORRES the value, --ORRESU its
/// unit, --NRIND against its soft range); events and interventions domains carry a text value as the term (--TERM, --TRT;
/// its code list's decode where it has one) and a yes/no item as a pre-specified term (the question, --PRESP = Y, --OCCUR).
/// The form's first date item dates every record of an instance (--DTC, --STDTC for events and interventions); an instance
/// dated after the cut-off is left out.
/// </summary>
internal static class StudyFormDomains
{
    private static readonly HashSet<string> Events = ["MH", "CE", "HO", "DV"];
    private static readonly HashSet<string> Interventions = ["CM", "PR", "SU", "EC", "AG", "ML"];

    private static readonly Dictionary<string, string> Labels = new()
    {
        ["LB"] = "Laboratory Test Results", ["VS"] = "Vital Signs", ["EG"] = "ECG Test Results", ["QS"] = "Questionnaires",
        ["MH"] = "Medical History", ["CE"] = "Clinical Events", ["CM"] = "Concomitant/Prior Medications", ["PR"] = "Procedures",
        ["PE"] = "Physical Examination", ["SU"] = "Substance Use",
    };

    private sealed record Value(SdtmSubject Subject, StudyForm Form, FormRef Instance, string? Group, Item Item, JsonNode Node, DateOnly? Date);

    public static IEnumerable<Dataset> Build(IReadOnlyList<SdtmSubject> subjects, StudyDefinition definition) =>
        definition.StudyForms.Where(f => !string.IsNullOrWhiteSpace(f.Domain))
            .GroupBy(f => f.Domain!.Trim().ToUpperInvariant())
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Domain(g.Key, g.ToList(), subjects, definition));

    private static Dataset Domain(string domain, IReadOnlyList<StudyForm> forms, IReadOnlyList<SdtmSubject> subjects, StudyDefinition definition)
    {
        var values = subjects.SelectMany(s => forms.SelectMany(f => ValuesOf(s, f))).ToList();
        var label = Labels.GetValueOrDefault(domain, $"{domain} (study forms)");
        return Events.Contains(domain) || Interventions.Contains(domain)
            ? Occurrences(domain, label, Events.Contains(domain) ? "TERM" : "TRT", values, definition)
            : Findings(domain, label, values);
    }

    /// <summary>Every entered value of a form in the casebook, each with its instance's date; the date item itself is not a value.</summary>
    private static IEnumerable<Value> ValuesOf(SdtmSubject s, StudyForm form)
    {
        var dateItem = DateItem(form);
        foreach (var entry in s.Casebook.Forms.Where(e => e.Form.Name == form.Name && e.Value is JsonObject))
        {
            var json = (JsonObject)entry.Value;
            DateOnly? date = dateItem is not null && json[dateItem.Name] is JsonValue v && v.TryGetValue<string>(out var iso)
                && DateOnly.TryParseExact(iso, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d) ? d : null;
            if (date > s.Cutoff) continue;
            foreach (var group in form.Groups)
            {
                var rows = group.Repeating
                    ? (json[group.Name] as JsonArray ?? []).Select((r, i) => (Group: (string?)$"{group.Name}-{i + 1}", Row: r as JsonObject))
                    : [(Group: (string?)null, Row: (JsonObject?)json)];
                foreach (var (groupId, row) in rows)
                    foreach (var item in group.Items.Where(i => i != dateItem))
                        if (row?[item.Name] is { } node && node.GetValueKind() != JsonValueKind.Null)
                            yield return new Value(s, form, entry.Form, groupId, item, node, date);
            }
        }
    }

    private static Item? DateItem(StudyForm form) => form.Groups.Where(g => !g.Repeating).SelectMany(g => g.Items).FirstOrDefault(i => i.DataType == ItemType.Date);

    /// <summary>An item's name as a test code: letters and digits, upper case, starting with a letter, at most 8 characters.</summary>
    internal static string TestCode(string name)
    {
        var code = string.Concat(name.Where(char.IsAsciiLetterOrDigit)).ToUpperInvariant();
        if (code.Length == 0 || !char.IsAsciiLetter(code[0])) code = "T" + code;
        return code.Length > 8 ? code[..8] : code;
    }

    private static string Cut(string text, int length) => text.Length > length ? text[..length] : text;

    private static Dataset Findings(string d, string label, IReadOnlyList<Value> values)
    {
        Variable[] variables =
        [
            Sdtm.StudyId, Sdtm.Domain, Sdtm.UsubjId, Sdtm.Seq(d),
            new($"{d}GRPID", "Group ID", VariableType.Text, Origin: "Derived", Derivation: "The repeating item group's name and row number (\"results-2\")"),
            new($"{d}TESTCD", "Short Name of Measurement, Test or Exam", VariableType.Text, 8, "Assigned", Derivation: "The item's name: letters and digits, upper case, cut to 8", Key: true),
            new($"{d}TEST", "Name of Measurement, Test or Examination", VariableType.Text, 40, "Assigned", Derivation: "The item's question, cut to 40"),
            new($"{d}CAT", "Category", VariableType.Text, Origin: "Assigned", Derivation: "The form's title"),
            new($"{d}ORRES", "Result or Finding in Original Units", VariableType.Text, Origin: "Collected"),
            new($"{d}ORRESU", "Original Units", VariableType.Text, Origin: "Assigned", CodeList: "UNIT", Derivation: "The item's unit in the study definition"),
            new($"{d}ORNRLO", "Reference Range Lower Limit in Orig Unit", VariableType.Text, Origin: "Assigned", Derivation: "The item's soft-check minimum"),
            new($"{d}ORNRHI", "Reference Range Upper Limit in Orig Unit", VariableType.Text, Origin: "Assigned", Derivation: "The item's soft-check maximum"),
            new($"{d}STRESC", "Character Result/Finding in Std Format", VariableType.Text, Origin: "Derived", Derivation: $"{d}ORRES (yes/no items as Y/N)"),
            new($"{d}STRESN", "Numeric Result/Finding in Standard Units", VariableType.Float, Origin: "Derived", Derivation: $"{d}ORRES where numeric"),
            new($"{d}STRESU", "Standard Units", VariableType.Text, Origin: "Assigned", CodeList: "UNIT", Derivation: $"{d}ORRESU (no unit conversion)"),
            new($"{d}NRIND", "Reference Range Indicator", VariableType.Text, Origin: "Derived", CodeList: "NRIND",
                Derivation: $"LOW below the item's soft-check minimum, HIGH above its maximum, else NORMAL; missing where the item has no soft range or {d}STRESN is missing"),
            new("VISIT", "Visit Name", VariableType.Text, Origin: "Derived", Derivation: "The form instance's key (\"labs/W3\" gives W3)", Key: true),
            Sdtm.Epoch,
            new($"{d}DTC", "Date/Time of Collection", VariableType.Text, Origin: "Collected", Derivation: "The form's first date item", Key: true),
        ];
        return Sdtm.Make(d, label, "FINDINGS", variables, values.Select(v =>
        {
            var row = v.Subject.Row(d);
            // Parsed from the JSON text: a value built in memory may hold an int or a double rather than a decimal.
            decimal? number = v.Node.GetValueKind() == JsonValueKind.Number
                ? decimal.Parse(v.Node.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture) : null;
            var text = SuppDm.Text(v.Node);
            row[$"{d}GRPID"] = v.Group;
            row[$"{d}TESTCD"] = TestCode(v.Item.Name);
            row[$"{d}TEST"] = Cut(v.Item.Question.TrimEnd('?', ' '), 40);
            row[$"{d}CAT"] = v.Form.Title.ToUpperInvariant();
            row[$"{d}ORRES"] = row[$"{d}STRESC"] = text;
            row[$"{d}ORRESU"] = row[$"{d}STRESU"] = v.Item.Unit;
            row[$"{d}ORNRLO"] = v.Item.Soft?.Min?.ToString(System.Globalization.CultureInfo.InvariantCulture);
            row[$"{d}ORNRHI"] = v.Item.Soft?.Max?.ToString(System.Globalization.CultureInfo.InvariantCulture);
            row[$"{d}STRESN"] = number;
            row[$"{d}NRIND"] = number is not { } n || v.Item.Soft is not { } soft ? null : n < soft.Min ? "LOW" : n > soft.Max ? "HIGH" : "NORMAL";
            row["VISIT"] = v.Instance.Key;
            row["EPOCH"] = v.Date is { } date ? v.Subject.Epoch(date) : null;
            row[$"{d}DTC"] = Sdtm.Dtc(v.Date);
            return row;
        }));
    }

    private static Dataset Occurrences(string d, string label, string topic, IReadOnlyList<Value> values, StudyDefinition definition)
    {
        var events = topic == "TERM";
        Variable[] variables =
        [
            Sdtm.StudyId, Sdtm.Domain, Sdtm.UsubjId, Sdtm.Seq(d),
            new($"{d}GRPID", "Group ID", VariableType.Text, Origin: "Derived", Derivation: "The repeating item group's name and row number"),
            new($"{d}{topic}", events ? "Reported Term" : "Reported Name of Drug, Med, or Therapy", VariableType.Text, Origin: "Collected",
                Derivation: "A text item's value (its code list's decode where it has one); for a yes/no item, its question", Key: true),
            new($"{d}CAT", "Category", VariableType.Text, Origin: "Assigned", Derivation: "The form's title"),
            new($"{d}SCAT", "Subcategory", VariableType.Text, Origin: "Assigned", Derivation: "The item's question"),
            new($"{d}PRESP", "Pre-Specified", VariableType.Text, 1, "Assigned", "NY", "\"Y\" for a yes/no item"),
            new($"{d}OCCUR", "Occurrence", VariableType.Text, 1, "Collected", "NY"),
            new("VISIT", "Visit Name", VariableType.Text, Origin: "Derived", Derivation: "The form instance's key"),
            Sdtm.Epoch,
            new($"{d}STDTC", events ? "Start Date/Time of Event" : "Start Date/Time of Treatment", VariableType.Text, Origin: "Collected",
                Derivation: "The form's first date item", Key: true),
        ];
        return Sdtm.Make(d, label, events ? "EVENTS" : "INTERVENTIONS", variables, values
            .Where(v => v.Item.DataType is ItemType.Text or ItemType.Boolean)
            .Select(v =>
            {
                var row = v.Subject.Row(d);
                var question = Cut(v.Item.Question.TrimEnd('?', ' '), 200);
                var yesNo = v.Item.DataType == ItemType.Boolean;
                var text = SuppDm.Text(v.Node);
                row[$"{d}GRPID"] = v.Group;
                row[$"{d}{topic}"] = yesNo ? question
                    : definition.CodeList(v.Item.CodeList ?? "")?.Items.FirstOrDefault(i => i.Code == text)?.Decode ?? text;
                row[$"{d}CAT"] = v.Form.Title.ToUpperInvariant();
                row[$"{d}SCAT"] = yesNo ? null : question.ToUpperInvariant();
                row[$"{d}PRESP"] = yesNo ? "Y" : null;
                row[$"{d}OCCUR"] = yesNo ? text : null;
                row["VISIT"] = v.Instance.Key;
                row["EPOCH"] = v.Date is { } date ? v.Subject.Epoch(date) : null;
                row[$"{d}STDTC"] = Sdtm.Dtc(v.Date);
                return row;
            }));
    }
}
