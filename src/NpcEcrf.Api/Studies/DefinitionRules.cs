using System.Text.RegularExpressions;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Studies;

/// <summary>
/// What makes a study definition contradict itself, each problem named by the path of the field that holds it
/// ("treatment.daysOn", "forms[0].groups[1].items[2].codeList"). A definition with any problem is refused whole.
/// </summary>
public static partial class DefinitionRules
{
    /// <summary>Ten years: the farthest any scheduled day lies from its anchor.</summary>
    public const int MaxDays = 3653;

    public static Dictionary<string, string[]> Problems(StudyDefinition d)
    {
        var problems = new List<(string Field, string Message)>();
        void Add(string field, string message) => problems.Add((field, message));

        var t = d.Treatment;
        if (t.Arms.Count == 0) Add("treatment.arms", "A study has at least one arm.");
        foreach (var (code, index) in Duplicates(t.Arms.Select(a => a.Code))) Add($"treatment.arms[{index}].code", $"Arm '{code}' is defined twice.");
        for (var i = 0; i < t.Arms.Count; i++)
        {
            var arm = t.Arms[i];
            if (!Name().IsMatch(arm.Code)) Add($"treatment.arms[{i}].code", "Arm codes are letters, digits, '-' or '_'.");
            if (arm.DoseLevels.Count == 0) Add($"treatment.arms[{i}].doseLevels", "An arm has at least one dose level.");
            if (arm.DoseLevels.Any(l => l <= 0)) Add($"treatment.arms[{i}].doseLevels", "Dose levels are positive.");
        }
        if (!DoseUnits.All.Contains(t.DoseUnit)) Add("treatment.doseUnit", $"The dose unit is one of {string.Join(", ", DoseUnits.All)}.");
        if (string.IsNullOrWhiteSpace(t.Route)) Add("treatment.route", "Say how the drug is given (oral, intravenous, ...).");
        if (t.CycleDays < 1) Add("treatment.cycleDays", "A cycle lasts at least one day.");
        if (t.DaysOn < 1 || t.DaysOn > t.CycleDays) Add("treatment.daysOn", $"Days on treatment lie between 1 and the cycle's {t.CycleDays} days.");
        if (t.UnitsDispensedMax is < 1) Add("treatment.unitsDispensedMax", "At least one unit can be dispensed (leave it out when no accountability is kept).");
        if (t.PerBodySize)
        {
            var basis = t.DoseBasisItem is null ? null : FindItem(d, t.DoseBasisItem);
            if (basis is null)
                Add("treatment.doseBasisItem", $"A dose in {t.DoseUnit} needs the item that holds the subject's {(t.DoseUnit == DoseUnits.MgPerM2 ? "body surface area (m2)" : "weight (kg)")}, as form.item of a study form.");
            else if (basis.DataType is not (ItemType.Float or ItemType.Integer)) Add("treatment.doseBasisItem", $"'{t.DoseBasisItem}' is not a number.");
        }
        else if (t.DoseBasisItem is not null) Add("treatment.doseBasisItem", "Only a dose in mg/m2 or mg/kg has a basis item.");

        var r = d.Recist;
        if (r.ConfirmationDays < 0) Add("recist.confirmationDays", "The confirmation interval cannot be negative.");
        if (r.StableDiseaseMinimumDays < 0) Add("recist.stableDiseaseMinimumDays", "The minimum duration of stable disease cannot be negative.");
        if (r.BaselineWindowDays < 0) Add("recist.baselineWindowDays", "The baseline window cannot be negative.");
        if (d.SoftChecksOrDefault.LesionGrowthPercent <= 0) Add("softChecks.lesionGrowthPercent", "The lesion-growth threshold is a positive percentage.");

        if (string.IsNullOrWhiteSpace(d.AdverseEvents.CtcaeVersion)) Add("adverseEvents.ctcaeVersion", "Name the CTCAE version (5.0).");
        if (d.AdverseEvents.Terms.Count == 0) Add("adverseEvents.terms", "List the study's adverse-event terms.");
        foreach (var (term, index) in Duplicates(d.AdverseEvents.Terms.Select(a => a.Term))) Add($"adverseEvents.terms[{index}].term", $"Term '{term}' is listed twice.");
        for (var i = 0; i < d.AdverseEvents.Terms.Count; i++)
        {
            var term = d.AdverseEvents.Terms[i];
            if (string.IsNullOrWhiteSpace(term.Term) || string.IsNullOrWhiteSpace(term.CtcaeTerm)) Add($"adverseEvents.terms[{i}]", "A term has a display term and its CTCAE term.");
            if (term.Grades.Count == 0 || term.Grades.Any(g => g is < 1 or > 5)) Add($"adverseEvents.terms[{i}].grades", "Grades are CTCAE grades 1 to 5.");
        }

        foreach (var (id, index) in Duplicates(d.Criteria.Select(c => c.Id))) Add($"eligibility[{index}].id", $"Criterion '{id}' is defined twice.");
        for (var i = 0; i < d.Criteria.Count; i++)
        {
            if (d.Criteria[i].Kind is not (CriterionKinds.Inclusion or CriterionKinds.Exclusion)) Add($"eligibility[{i}].kind", "A criterion is an inclusion or an exclusion.");
            if (!Name().IsMatch(d.Criteria[i].Id)) Add($"eligibility[{i}].id", "Criterion ids are letters, digits, '-' or '_'.");
        }

        var codeLists = d.CodeLists ?? [];
        foreach (var (id, index) in Duplicates(codeLists.Select(c => c.Id))) Add($"codeLists[{index}].id", $"Code list '{id}' is defined twice.");
        for (var i = 0; i < codeLists.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(codeLists[i].Name)) Add($"codeLists[{i}].name", "A code list has a name.");
            if (codeLists[i].Items.Count == 0) Add($"codeLists[{i}].items", "A code list has at least one value.");
            foreach (var (code, index) in Duplicates(codeLists[i].Items.Select(c => c.Code))) Add($"codeLists[{i}].items[{index}].code", $"'{code}' is in the code list twice.");
        }

        var builtIn = FormCatalogue.All.Select(f => f.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, index) in Duplicates(d.StudyForms.Select(f => f.Name))) Add($"forms[{index}].name", $"Form '{name}' is defined twice.");
        for (var f = 0; f < d.StudyForms.Count; f++)
        {
            var form = d.StudyForms[f];
            var at = $"forms[{f}]";
            if (!FormName().IsMatch(form.Name)) Add($"{at}.name", "Form names are lower-case letters, digits and '-' ('vital-signs').");
            if (builtIn.Contains(form.Name)) Add($"{at}.name", $"'{form.Name}' is a form every study has; choose another name.");
            if (string.IsNullOrWhiteSpace(form.Title)) Add($"{at}.title", "A form has a title.");
            if (form.Groups.Count == 0) Add($"{at}.groups", "A form has at least one item group.");
            foreach (var (group, index) in Duplicates(form.Groups.Select(g => g.Name))) Add($"{at}.groups[{index}].name", $"Group '{group}' is defined twice in form '{form.Name}'.");
            if (form.Baseline && form.Repeating) Add($"{at}.baseline", "A baseline form is entered once; it cannot repeat.");
            foreach (var (item, index) in Duplicates(form.Groups.SelectMany(g => g.Items.Select(i => g.Repeating ? $"{g.Name}[].{i.Name}" : i.Name)).Concat(form.Groups.Where(g => g.Repeating).Select(g => g.Name))))
                Add($"{at}.groups", $"'{item}' is defined twice in form '{form.Name}'.");
            for (var g = 0; g < form.Groups.Count; g++)
            {
                var group = form.Groups[g];
                if (!Name().IsMatch(group.Name)) Add($"{at}.groups[{g}].name", "Group names are letters, digits, '-' or '_'.");
                if (group.Items.Count == 0) Add($"{at}.groups[{g}].items", "An item group has at least one item.");
                for (var i = 0; i < group.Items.Count; i++)
                    foreach (var (field, message) in ItemProblems(group.Items[i], d)) Add($"{at}.groups[{g}].items[{i}]{field}", message);
            }
        }

        var forms = builtIn.Concat(d.StudyForms.Select(f => f.Name)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var visits = d.ScheduleOrEmpty.Visits;
        foreach (var (name, index) in Duplicates(visits.Select(v => v.Name))) Add($"schedule.visits[{index}].name", $"Visit '{name}' is defined twice.");
        for (var v = 0; v < visits.Count; v++)
        {
            var visit = visits[v];
            var at = $"schedule.visits[{v}]";
            if (!Name().IsMatch(visit.Name)) Add($"{at}.name", "Visit names are letters, digits, '-' or '_'.");
            if (!Anchors.All.Contains(visit.Anchor)) Add($"{at}.anchor", $"A visit is counted from {string.Join(" or ", Anchors.All)}.");
            if (visit.LatestDay < visit.EarliestDay) Add($"{at}.latestDay", $"The window ends (day {visit.LatestDay}) before it starts (day {visit.EarliestDay}).");
            else if (visit.TargetDay < visit.EarliestDay || visit.TargetDay > visit.LatestDay) Add($"{at}.targetDay", $"Day {visit.TargetDay} lies outside its own window (days {visit.EarliestDay} to {visit.LatestDay}).");
            if (visit.Forms.Count == 0) Add($"{at}.forms", "A visit expects at least one form.");
            foreach (var name in visit.Forms.Where(n => !forms.Contains(n))) Add($"{at}.forms", $"No form '{name}' is defined.");
            foreach (var (name, _) in Duplicates(visit.Forms)) Add($"{at}.forms", $"Form '{name}' is listed twice.");
            if ((visit.RepeatEveryDays is null) != (visit.Repeats is null)) Add($"{at}.repeats", "A repeating visit says both how often (repeatEveryDays) and how many times (repeats).");
            if (visit.RepeatEveryDays is < 1 || visit.Repeats is < 1) Add($"{at}.repeats", "A visit repeats at least once, at least a day apart.");
            if (visit.RepeatEveryDays is { } every && every <= visit.LatestDay - visit.EarliestDay)
                Add($"{at}.repeatEveryDays", $"Repeats every {every} days would overlap their own window of {visit.LatestDay - visit.EarliestDay + 1} days.");
        }
        // A repeating visit's instances are keyed name + occurrence ("W3"): no two visits may give the same key.
        foreach (var (visit, index) in visits.Select((v, i) => (v, i)).Where(x => x.v.Repeats is not null))
        {
            var at = $"schedule.visits[{index}].name";
            if (visit.Name.Length > 0 && char.IsDigit(visit.Name[^1])) Add(at, $"A repeating visit's name may not end in a digit: its instances are keyed {visit.Name}1, {visit.Name}2, ...");
            foreach (var other in visits.Where(o => o != visit && o.Name.StartsWith(visit.Name, StringComparison.OrdinalIgnoreCase) && o.Name[visit.Name.Length..].All(char.IsDigit)))
                Add(at, $"Visit '{other.Name}' would share its keys with the instances of repeating visit '{visit.Name}'.");
        }
        foreach (var (visit, v) in visits.Select((x, i) => (x, i)))
        {
            if (string.Equals(visit.Name, ScheduleTracking.ScheduleTracker.TumourVisit, StringComparison.OrdinalIgnoreCase))
                Add($"schedule.visits[{v}].name", $"'{visit.Name}' names the tumour assessments the interval schedules; choose another name.");
            if (new[] { visit.TargetDay, visit.EarliestDay, visit.LatestDay }.Any(day => Math.Abs(day) > MaxDays) || visit.RepeatEveryDays * visit.Repeats > MaxDays)
                Add($"schedule.visits[{v}]", $"A visit lies within {MaxDays} days of its anchor, repeats included.");
        }
        if (d.ScheduleOrEmpty.TumourAssessmentIntervalDays is < 1 or > MaxDays) Add("schedule.tumourAssessmentIntervalDays", $"Tumours are assessed at least a day and at most {MaxDays} days apart.");

        return problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).Distinct().ToArray());
    }

    private static IEnumerable<(string Field, string Message)> ItemProblems(Item item, StudyDefinition d)
    {
        if (!Name().IsMatch(item.Name)) yield return (".name", "Item names are letters, digits, '-' or '_'.");
        if (string.IsNullOrWhiteSpace(item.Question)) yield return (".question", "Every item asks a question.");
        var numeric = item.DataType is ItemType.Integer or ItemType.Float;
        if (item.CodeList is { } id)
        {
            if (d.CodeList(id) is null) yield return (".codeList", $"No code list '{id}' is defined.");
            if (item.DataType != ItemType.Text) yield return (".codeList", "Only text items take their values from a code list.");
        }
        foreach (var (name, range) in new[] { ("hard", item.Hard), ("soft", item.Soft) })
        {
            if (range is null) continue;
            if (!numeric) yield return ($".{name}", "Only numbers have a range.");
            if (range.Min is null && range.Max is null) yield return ($".{name}", "A range has a minimum, a maximum or both.");
            if (range.Min > range.Max) yield return ($".{name}", $"The range ends ({range.Max}) before it starts ({range.Min}).");
        }
        if (item.Hard is { } hard && item.Soft is { } soft && (soft.Min < hard.Min || soft.Max > hard.Max))
            yield return (".soft", "The soft range lies within the hard range (values past the hard range are refused, never queried).");
        if (item.Unit is not null && !numeric) yield return (".unit", "Only numbers have a unit.");
        foreach (var (name, anchor) in new[] { ("notAfter", item.NotAfter), ("notBefore", item.NotBefore) })
        {
            if (anchor is null) continue;
            if (item.DataType != ItemType.Date) yield return ($".{name}", "Only dates are ordered against enrolment or the first dose.");
            if (!Anchors.All.Contains(anchor)) yield return ($".{name}", $"A date is ordered against {string.Join(" or ", Anchors.All)}.");
        }
    }

    /// <summary>The item a "form.item" (or "form.group[].item") path names in the study's forms.</summary>
    public static Item? FindItem(StudyDefinition d, string path)
    {
        var dot = path.IndexOf('.');
        if (dot < 1) return null;
        var form = d.StudyForms.FirstOrDefault(f => f.Name == path[..dot]);
        return form is null ? null : StudyFormPaths.Items(form).FirstOrDefault(i => i.Path == path[(dot + 1)..]).Item;
    }

    private static IEnumerable<(string Value, int Index)> Duplicates(IEnumerable<string> values) =>
        values.Select((v, i) => (Key: StableIds.Canonical(v), Value: v, Index: i)).GroupBy(x => x.Key).Where(g => g.Count() > 1).Select(g => (g.First().Value, g.Last().Index));

    [GeneratedRegex("^[A-Za-z0-9_-]{1,40}$")]
    private static partial Regex Name();
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$")]
    private static partial Regex FormName();
}

/// <summary>Where each item of a study form lives in the form's value: top-level, or in a list for a repeating group.</summary>
public static class StudyFormPaths
{
    public static IEnumerable<(string Path, Item Item, ItemGroup Group)> Items(StudyForm form) =>
        form.Groups.SelectMany(g => g.Items.Select(i => (g.Repeating ? $"{g.Name}[].{i.Name}" : i.Name, i, g)));
}
