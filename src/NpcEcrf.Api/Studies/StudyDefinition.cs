using System.Text.Json.Serialization;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Studies;

/// <summary>
/// The protocol as data: what a data manager enters to build a study. The product's forms and checks read it, so a
/// second protocol needs a second definition, not new code. Every change is a new version on the study's stream.
/// Derived members are [JsonIgnore]: events, snapshots and answers carry only what a data manager writes.
/// </summary>
public sealed record StudyDefinition(
    Treatment Treatment,
    RecistSettings Recist,
    AdverseEventDictionary AdverseEvents,
    Schedule? Schedule = null,
    SoftCheckThresholds? SoftChecks = null,
    IReadOnlyList<EligibilityCriterion>? Eligibility = null,
    IReadOnlyList<CodeList>? CodeLists = null,
    IReadOnlyList<StudyForm>? Forms = null,
    string? Protocol = null)
{
    [JsonIgnore]
    public Schedule ScheduleOrEmpty => Schedule ?? new Schedule([]);
    [JsonIgnore]
    public SoftCheckThresholds SoftChecksOrDefault => SoftChecks ?? new SoftCheckThresholds();
    [JsonIgnore]
    public IReadOnlyList<EligibilityCriterion> Criteria => Eligibility ?? [];
    [JsonIgnore]
    public IReadOnlyList<StudyForm> StudyForms => Forms ?? [];

    /// <summary>The study's code list by id, else the CDISC default the product ships (SEX).</summary>
    public CodeList? CodeList(string id) =>
        (CodeLists ?? []).FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase))
        ?? CdiscCodeLists.Defaults.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase));

    public Arm? Arm(string? code) => Treatment.Arms.FirstOrDefault(a => string.Equals(a.Code, code, StringComparison.OrdinalIgnoreCase));

    public AdverseEventTerm? Term(string nameOrCode)
    {
        var key = nameOrCode.Trim();
        return AdverseEvents.Terms.FirstOrDefault(t => string.Equals(t.Term, key, StringComparison.OrdinalIgnoreCase))
            ?? AdverseEvents.Terms.FirstOrDefault(t => string.Equals(t.CtcaeTerm, key, StringComparison.OrdinalIgnoreCase) || t.MeddraCode == key);
    }
}

/// <param name="DoseUnit">mg, mg/m2 (body surface area) or mg/kg (weight).</param>
/// <param name="DoseBasisItem">For mg/m2 or mg/kg: the subject's item ("form.item") holding body surface area in m2 or weight in kg.</param>
/// <param name="UnitsDispensedMax">Drug accountability: most units (tablets) dispensed in a cycle; null when the study keeps none.</param>
public sealed record Treatment(
    IReadOnlyList<Arm> Arms, string DoseUnit, string Route, int CycleDays, int DaysOn,
    string? DoseBasisItem = null, int? UnitsDispensedMax = null)
{
    [JsonIgnore]
    public int DaysOff => CycleDays - DaysOn;
    [JsonIgnore]
    public bool PerBodySize => DoseUnit is DoseUnits.MgPerM2 or DoseUnits.MgPerKg;
}

public static class DoseUnits
{
    public const string Mg = "mg";
    public const string MgPerM2 = "mg/m2";
    public const string MgPerKg = "mg/kg";
    public static readonly string[] All = [Mg, MgPerM2, MgPerKg];
}

/// <summary>A treatment arm, assigned at enrolment (recorded, not randomised by the product).</summary>
public sealed record Arm(string Code, string Name, IReadOnlyList<decimal> DoseLevels);

/// <summary>Visits and the forms each expects, and how often tumours are assessed.</summary>
public sealed record Schedule(IReadOnlyList<Visit> Visits, int? TumourAssessmentIntervalDays = null);

/// <summary>
/// A visit of the schedule: on day <paramref name="TargetDay"/> counted from <paramref name="Anchor"/> (day 1 is the anchor's
/// date, day 0 the day before), accepted from day <paramref name="EarliestDay"/> to day <paramref name="LatestDay"/>. A visit that
/// repeats recurs every <paramref name="RepeatEveryDays"/> days, <paramref name="Repeats"/> times in all; its forms are keyed
/// by the visit name and occurrence ("labs/W3").
/// </summary>
public sealed record Visit(string Name, string Anchor, int TargetDay, int EarliestDay, int LatestDay, IReadOnlyList<string> Forms,
    int? RepeatEveryDays = null, int? Repeats = null);

public static class Anchors
{
    public const string Enrolment = "enrolment";
    public const string FirstDose = "first-dose";
    public static readonly string[] All = [Enrolment, FirstDose];
}

/// <summary>RECIST 1.1 as the protocol applies it (clinical-rules.md).</summary>
public sealed record RecistSettings(bool ConfirmationRequired, int ConfirmationDays, int StableDiseaseMinimumDays, int BaselineWindowDays);

/// <summary>Thresholds of soft checks: a value past one raises a data query rather than being refused.</summary>
public sealed record SoftCheckThresholds(decimal LesionGrowthPercent = 80m);

/// <summary>The study's own adverse-event terms, with the CTCAE version they follow.</summary>
public sealed record AdverseEventDictionary(string CtcaeVersion, IReadOnlyList<AdverseEventTerm> Terms);

/// <summary>A term as the study uses it: its display term, the CTCAE term, the grades CTCAE allows, and MedDRA coding where given.</summary>
public sealed record AdverseEventTerm(string Term, string CtcaeTerm, IReadOnlyList<int> Grades, string? MeddraCode = null, string? Soc = null);

public sealed record EligibilityCriterion(string Id, string Kind, string Text);

public static class CriterionKinds
{
    public const string Inclusion = "inclusion";
    public const string Exclusion = "exclusion";
}

public sealed record CodeList(string Id, string Name, IReadOnlyList<CodeListItem> Items, string? CdiscCodeListCode = null)
{
    [JsonIgnore]
    public IReadOnlyList<string> Codes => Items.Select(i => i.Code).ToList();
}

public sealed record CodeListItem(string Code, string Decode);

/// <summary>Code lists the product knows from CDISC controlled terminology, used unless a study defines its own.</summary>
public static class CdiscCodeLists
{
    public const string Sex = "SEX";

    public static readonly IReadOnlyList<CodeList> Defaults =
    [
        new(Sex, "Sex", [new("M", "Male"), new("F", "Female"), new("U", "Unknown"), new("UNDIFFERENTIATED", "Undifferentiated")], "C66731"),
    ];
}

/// <summary>
/// A form the data manager defined: item groups of items. A baseline form is entered once before treatment and its
/// items are candidate covariates of the analysis; a repeating form is keyed ("labs/W1").
/// </summary>
public sealed record StudyForm(string Name, string Title, IReadOnlyList<ItemGroup> Groups, bool Repeating = false, bool Baseline = false,
    bool RequiredForSignature = false, string? Domain = null, bool Retired = false);

/// <summary>A group of items; a repeating group is a list in the form's value ("results[].value").</summary>
public sealed record ItemGroup(string Name, string Title, IReadOnlyList<Item> Items, bool Repeating = false);

/// <param name="Hard">Values outside are refused.</param>
/// <param name="Soft">Values outside are accepted and raise a data query.</param>
/// <param name="Retired">Kept for the data entered under it, refused for new entries (how an amendment removes an item).</param>
/// <param name="NotAfter">For dates: the anchor (enrolment, first-dose) the date may not follow, such as a diagnosis before enrolment.</param>
/// <param name="NotBefore">For dates: the anchor the date may not precede.</param>
public sealed record Item(string Name, string Question, ItemType DataType, bool Mandatory = false, string? CodeList = null, string? Unit = null,
    RangeCheck? Hard = null, RangeCheck? Soft = null, bool Retired = false, string? NotAfter = null, string? NotBefore = null);

public sealed record RangeCheck(decimal? Min, decimal? Max);

/// <summary>One version of a study's definition: from which date it is in force, why it changed, who changed it and when it was recorded.</summary>
public sealed record DefinitionVersion(int Version, DateOnly EffectiveFrom, StudyDefinition Definition, string? Reason, bool Amendment, string? ChangedBy = null,
    DateTimeOffset? RecordedAt = null);
