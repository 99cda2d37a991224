using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Standards.Adam;

/// <summary>ADSL: one record per subject of the snapshot (every enrolled subject up to the cut-off).</summary>
public static class Adsl
{
    public const string Name = "ADSL";

    private static readonly Variable[] Leading =
    [
        Adam.StudyId, Adam.UsubjId, Adam.SubjId,
        new("SITEID", "Study Site Identifier", VariableType.Text, Origin: "Predecessor", Derivation: "DM.SITEID"),
        new("AGE", "Age", VariableType.Integer, Origin: "Predecessor", Derivation: "DM.AGE (age at enrolment)"),
        new("AGEU", "Age Units", VariableType.Text, Origin: "Assigned", CodeList: "AGEU", Derivation: "\"YEARS\" where AGE is present"),
        new("SEX", "Sex", VariableType.Text, Origin: "Predecessor", CodeList: "SEX", Derivation: "DM.SEX"),
        new("ARM", "Description of Planned Arm", VariableType.Text, Origin: "Predecessor", CodeList: "ARM", Derivation: "DM.ARM: the name of the enrolment arm in the study definition"),
        new("ARMCD", "Planned Arm Code", VariableType.Text, Length: 20, Origin: "Predecessor", CodeList: "ARMCD", Derivation: "DM.ARMCD: the enrolment arm's code"),
        new("TRT01P", "Planned Treatment for Period 01", VariableType.Text, Origin: "Derived", CodeList: "ARM", Derivation: "ARM"),
        new("TRT01A", "Actual Treatment for Period 01", VariableType.Text, Origin: "Derived", CodeList: "ARM", Derivation: "ARM where a first dose was given on or before the cut-off; else missing"),
        new("TRTSDT", "Date of First Exposure to Treatment", VariableType.Date, Origin: "Derived", Derivation: "Date of the first dose (EX.EXSTDTC of the first administration) on or before the cut-off"),
        new("TRTEDT", "Date of Last Exposure to Treatment", VariableType.Date, Origin: "Derived", Derivation: "Start of the last cycle started on or before the cut-off + days on treatment per cycle - 1; TRTSDT where no cycle was recorded"),
        new("ENRLFL", "Enrolled Population Flag", VariableType.Text, Length: 1, Origin: "Derived", CodeList: "NY", Derivation: "\"Y\" for every subject enrolled on or before the cut-off (every subject of the lock)"),
        new("SAFFL", "Safety Population Flag", VariableType.Text, Length: 1, Origin: "Derived", CodeList: "NY", Derivation: "\"Y\" if TRTSDT is present (a first dose on or before the cut-off); else \"N\""),
        new("EFFFL", "Efficacy Population Flag", VariableType.Text, Length: 1, Origin: "Derived", CodeList: "NY",
            Derivation: "\"Y\" if SAFFL = \"Y\", baseline target lesions were recorded, and either at least one post-baseline tumour assessment on or before the cut-off exists or the subject had a PFS event (died) before any; else \"N\""),
        new("ECOGBL", "Baseline ECOG Performance Status", VariableType.Integer, Origin: "Predecessor", Derivation: "QS/the ECOG form's score at baseline"),
    ];

    private static readonly Variable[] Trailing =
    [
        new("DTHFL", "Subject Death Flag", VariableType.Text, Length: 1, Origin: "Derived", CodeList: "Y", Derivation: "\"Y\" if the OS record is an event (death on or before the cut-off); else missing"),
        new("DTHDT", "Date of Death", VariableType.Date, Origin: "Derived", Derivation: "ADT of the OS record where it is an event"),
        new("DCSREAS", "Reason for Discontinuation of Treatment", VariableType.Text, Origin: "Predecessor", CodeList: "DCSREAS", Derivation: "The reason of the treatment discontinuation dated on or before the cut-off (DS.DSDECOD); the protocol has no earlier end of study, survival follow-up continues"),
    ];

    /// <summary>The variable names a baseline covariate may not take: ADSL's own.</summary>
    private static readonly HashSet<string> Reserved = [.. Leading.Concat(Trailing).Select(v => v.Name)];

    /// <summary>One baseline item of the study's baseline forms ("form.item") as an ADSL variable.</summary>
    public sealed record Covariate(string Key, Variable Variable, Item Item);

    /// <summary>
    /// The baseline items as ADSL variables, in the snapshot's key order (ordinal "form.item"), each named from its key:
    /// the initials of the form's words then the item's letters and digits, upper case, cut to 8; a name already taken
    /// ends in 2, 3, ... instead. Same definition, same names.
    /// </summary>
    public static IReadOnlyList<Covariate> Covariates(StudyDefinition definition)
    {
        var taken = new HashSet<string>(Reserved);
        var items = definition.StudyForms.Where(f => f.Baseline)
            .SelectMany(f => f.Groups.Where(g => !g.Repeating).SelectMany(g => g.Items).Select(i => (Key: $"{f.Name}.{i.Name}", Item: i)))
            .OrderBy(x => x.Key, StringComparer.Ordinal);
        var result = new List<Covariate>();
        foreach (var (key, item) in items)
        {
            var name = Unique(NameOf(key), taken);
            taken.Add(name);
            var (type, codeList) = item.DataType switch
            {
                ItemType.Boolean => (VariableType.Text, "NY"),
                ItemType.Integer => (VariableType.Integer, item.CodeList),
                ItemType.Float => (VariableType.Float, item.CodeList),
                ItemType.Date => (VariableType.Date, item.CodeList),
                _ => (VariableType.Text, item.CodeList),
            };
            var label = item.Question.TrimEnd('?', ' ');
            result.Add(new Covariate(key, new Variable(name, label.Length > 40 ? label[..40] : label, type, type == VariableType.Text && item.DataType == ItemType.Boolean ? 1 : null,
                "Predecessor", codeList, $"Baseline item {key} of the lock's snapshot" + (item.DataType == ItemType.Boolean ? " (true = \"Y\", false = \"N\")" : "")), item));
        }
        return result;
    }

    public static string NameOf(string key)
    {
        var dot = key.IndexOf('.');
        var form = dot < 0 ? "" : key[..dot];
        var item = dot < 0 ? key : key[(dot + 1)..];
        var initials = string.Concat(System.Text.RegularExpressions.Regex.Matches(form, "[A-Za-z0-9]+").Select(w => char.ToUpperInvariant(w.Value[0])));
        var name = (initials + string.Concat(item.Where(char.IsAsciiLetterOrDigit)).ToUpperInvariant());
        if (name.Length == 0 || !char.IsAsciiLetter(name[0])) name = "B" + name;
        return name.Length > 8 ? name[..8] : name;
    }

    private static string Unique(string name, HashSet<string> taken)
    {
        var candidate = name;
        for (var n = 2; taken.Contains(candidate); n++)
        {
            var suffix = n.ToString(CultureInfo.InvariantCulture);
            candidate = name[..Math.Min(name.Length, 8 - suffix.Length)] + suffix;
        }
        return candidate;
    }

    public static IReadOnlyList<Variable> Variables(StudyDefinition definition) => [.. Leading, .. Covariates(definition).Select(c => c.Variable), .. Trailing];

    public static bool Safety(SubjectSnapshot s) => s.FirstDoseDate is not null;

    /// <summary>Treated, with baseline lesions (the snapshot's best response exists only then), and assessed after baseline or dead before.</summary>
    public static bool Efficacy(SubjectSnapshot s) =>
        Safety(s) && Analysis.Populations.Assessable(s.BestOverallResponse is not null, s.Responses.Count, s.Pfs?.Event == true);

    public static Dataset Build(CohortSnapshot snapshot)
    {
        var covariates = Covariates(snapshot.Definition);
        var rows = snapshot.Subjects.Select(s =>
        {
            var armName = Adam.ArmName(snapshot, s.Arm);
            var died = s.Os is { Event: true } os ? os.Date : (DateOnly?)null;
            return (IReadOnlyList<object?>)
            [
                snapshot.StudyId, Adam.Usubjid(snapshot.StudyId, s.SubjectNumber), s.SubjectNumber, s.SiteId,
                s.Age, s.Age is null ? null : "YEARS", s.Sex, armName, s.Arm, armName, Safety(s) ? armName : null,
                s.FirstDoseDate, s.LastDoseDate, "Y", Adam.YesNo(Safety(s)), Adam.YesNo(Efficacy(s)), s.Ecog,
                .. covariates.Select(c => Value(c, s.Baseline.GetValueOrDefault(c.Key))),
                Adam.Flag(died is not null), died, s.DiscontinuationReason,
            ];
        }).ToList();
        return new Dataset(Name, "Subject-Level Analysis Dataset", "SUBJECT LEVEL ANALYSIS DATASET", Variables(snapshot.Definition), rows);
    }

    /// <summary>A snapshot's baseline value as the variable's type: "Y"/"N", a number, a date, or text; null where absent or of another type.</summary>
    private static object? Value(Covariate c, JsonNode? node)
    {
        if (node is not JsonValue value) return null;
        return (c.Variable.Type, value.GetValueKind()) switch
        {
            (VariableType.Text, JsonValueKind.True) => "Y",
            (VariableType.Text, JsonValueKind.False) => "N",
            (VariableType.Text, JsonValueKind.String) => value.GetValue<string>(),
            (VariableType.Text, JsonValueKind.Number) => value.ToJsonString(),
            (VariableType.Integer, JsonValueKind.Number) => JsonNumbers.Decimal(value) is { } d ? (long)d : null,
            (VariableType.Float, JsonValueKind.Number) => JsonNumbers.Decimal(value),
            (VariableType.Date, JsonValueKind.String) => DateOnly.TryParseExact(value.GetValue<string>(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null,
            _ => null,
        };
    }
}
