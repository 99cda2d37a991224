using NpcEcrf.Api.AdverseEvents;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Dosing;

/// <summary>The first dose: the time origin of PFS and OS.</summary>
public sealed class FirstDoseForm : FormDefinition<FirstDoseGiven>
{
    public override string Name => "first-dose";
    public override string Title => "First dose";
    public override string AnswerProperty => "firstDose";
    public override int Order => 80;
    public override bool RequiredForSignature => true;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("date", ItemType.Date, "Date of first dose"),
        new("dose", ItemType.Float, "Dose"),
    ];

    public override IReadOnlyList<FormField> FieldsIn(Studies.StudyDefinition definition) => DosingChecks.WithDoseUnit(Fields, definition);

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<FirstDoseGiven>(_ => null)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        DosingChecks.DoseLevel(),
        Hard("dose-basis", "A dose per body size (mg/m2, mg/kg) needs the subject's body surface area or weight recorded first.", x =>
            x.Casebook.FirstDose is not null && x.DefinitionOf(Ref()).Treatment is { PerBodySize: true } t && DosingChecks.DoseBasis(x.Casebook, x.DefinitionOf(Ref())) is null
                ? [new CheckFinding("dose-basis", Ref(), "dose", $"The dose is in {t.DoseUnit}: record {t.DoseBasisItem} first.")]
                : []),
        Hard("dose-before-enrolment", "The first dose follows enrolment.", x =>
            x.Casebook.FirstDose is { } first && first.Date < x.Casebook.Enrolment.EnrolmentDate
                ? CheckFindings.Pair("dose-before-enrolment", Ref(), "date", new FormRef(Enrolment.EnrolmentForm.FormName), "enrolmentDate", "The first dose cannot precede enrolment.")
                : []),
    ];

    public override void MapEndpoints(IEndpointRouteBuilder app) => GiveFirstDose.Map(app);
}

/// <summary>A treatment cycle of the protocol's length, with drug accountability where the study keeps it.</summary>
public sealed class CycleForm : FormDefinition<CycleRecorded>
{
    public override string Name => "cycle";
    public override string Title => "Treatment cycle";
    public override string AnswerProperty => "cycles";
    public override bool Repeating => true;
    public override int Order => 90;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("cycleNumber", ItemType.Integer, "Cycle number", Identity: true),
        new("startDate", ItemType.Date, "Start date of the cycle"),
        new("dose", ItemType.Float, "Dose"),
        new("tabletsDispensed", ItemType.Integer, "Units (tablets) dispensed", Min: 0, Optional: true),
        new("tabletsReturned", ItemType.Integer, "Units (tablets) returned", Min: 0, Optional: true),
    ];

    public override IReadOnlyList<FormField> FieldsIn(Studies.StudyDefinition definition) => DosingChecks.WithDoseUnit(Fields, definition);

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<CycleRecorded>(e => e.CycleNumber.ToString())];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("cycle-before-first-dose", "A cycle starts on or after the first dose.", x =>
            x.Casebook.Instances<CycleRecorded>()
                .Where(c => x.Casebook.FirstDose is not { } first || c.Value.StartDate < first.Date)
                .SelectMany(c => DosingChecks.BeforeFirstDose("cycle-before-first-dose", x.Casebook, c.Form, "startDate", "A cycle cannot start before the first dose."))),
        Hard("cycle-spacing", "Each cycle starts no earlier than a full cycle (of the protocol's length) after the one before.", x =>
            x.Casebook.Instances<CycleRecorded>().OrderBy(c => c.Value.CycleNumber).Pairwise()
                .Select(p => (p.First, p.Second, Days: x.DefinitionOf(p.Second.Form).Treatment.CycleDays))
                .Where(p => p.Second.Value.StartDate < p.First.Value.StartDate.AddDays(p.Days))
                .SelectMany(p => CheckFindings.Pair("cycle-spacing", p.First.Form, "startDate", p.Second.Form, "startDate",
                    $"Cycle {p.Second.Value.CycleNumber} cannot start before day {p.Days + 1} of cycle {p.First.Value.CycleNumber} ({p.First.Value.StartDate.AddDays(p.Days):yyyy-MM-dd})."))),
        Hard("tablets-returned", "No more tablets come back than were dispensed.", x =>
            x.Casebook.Instances<CycleRecorded>().Where(c => c.Value.TabletsReturned > c.Value.TabletsDispensed)
                .SelectMany(c => CheckFindings.Pair("tablets-returned", c.Form, "tabletsReturned", c.Form, "tabletsDispensed", "More tablets returned than dispensed."))),
        Hard("drug-accountability", "Where the study keeps drug accountability, each cycle says how many units were dispensed (up to the protocol's most) and returned.", x =>
            x.Casebook.Instances<CycleRecorded>().SelectMany(c => x.DefinitionOf(c.Form).Treatment.UnitsDispensedMax is not { } most ? []
                : new[] { ("tabletsDispensed", c.Value.TabletsDispensed), ("tabletsReturned", c.Value.TabletsReturned) }
                    .Where(u => u.Item2 is null || u.Item2 > most)
                    .Select(u => new CheckFinding("drug-accountability", c.Form, u.Item1,
                        u.Item2 is null ? "The study keeps drug accountability: say how many units." : $"{u.Item2} is more than the {most} units a cycle dispenses.")))),
        DosingChecks.AfterDiscontinuation<CycleRecorded>("cycle-after-discontinuation", "startDate", c => c.StartDate, "A cycle cannot start after treatment was discontinued."),
    ];

    public override void MapEndpoints(IEndpointRouteBuilder app) => RecordCycle.Map(app);
}

/// <summary>A dose change (12 -> 10 mg), with its reason and the adverse event that caused it.</summary>
public sealed class DoseChangeForm : FormDefinition<DoseChanged>
{
    public override string Name => "dose-change";
    public override string Title => "Dose change";
    public override string AnswerProperty => "doseChanges";
    public override bool Repeating => true;
    public override int Order => 100;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("changeId", ItemType.Text, "Dose change id", Identity: true),
        new("date", ItemType.Date, "Date of the change"),
        new("fromDose", ItemType.Float, "Dose before"),
        new("toDose", ItemType.Float, "Dose after"),
        new("reason", ItemType.Text, "Reason for the change"),
        new("adverseEventId", ItemType.Text, "Adverse event that caused it", Optional: true),
    ];

    public override IReadOnlyList<FormField> FieldsIn(Studies.StudyDefinition definition) => DosingChecks.WithDoseUnit(Fields, definition);

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<DoseChanged>(e => e.ChangeId)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("dose-change-before-first-dose", "A dose change follows the first dose.", x =>
            x.Casebook.Instances<DoseChanged>().Where(d => x.Casebook.FirstDose is not { } first || d.Value.Date < first.Date)
                .SelectMany(d => DosingChecks.BeforeFirstDose("dose-change-before-first-dose", x.Casebook, d.Form, "date", "A dose change cannot precede the first dose."))),
        Hard("dose-change-from", "A dose change starts from the dose in force on its date.", x =>
            x.Casebook.Instances<DoseChanged>()
                .Where(d => x.Casebook.FirstDose is { } first && d.Value.Date >= first.Date && x.Casebook.DoseBefore(d.Form, d.Value.Date) != d.Value.FromDose)
                .SelectMany(d => CheckFindings.Pair("dose-change-from", d.Form, "fromDose", d.Form, "date",
                    $"The dose in force before {d.Value.Date:yyyy-MM-dd} was {x.Casebook.DoseBefore(d.Form, d.Value.Date)} {x.DefinitionOf(d.Form).Treatment.DoseUnit}, not {d.Value.FromDose}."))),
        Hard("dose-change-same", "A dose change changes the dose.", x =>
            x.Casebook.Instances<DoseChanged>().Where(d => d.Value.FromDose == d.Value.ToDose)
                .SelectMany(d => CheckFindings.Pair("dose-change-same", d.Form, "toDose", d.Form, "fromDose", "A dose change must change the dose."))),
        DosingChecks.LinkedAdverseEvent<DoseChanged>("dose-change-adverse-event", d => d.AdverseEventId),
        DosingChecks.AfterDiscontinuation<DoseChanged>("dose-change-after-discontinuation", "date", d => d.Date, "The dose cannot change after treatment was discontinued."),
        Soft("dose-reduction-without-ae", "A dose reduction names the adverse event that caused it.", x =>
            x.Casebook.Instances<DoseChanged>().Where(d => d.Value.ToDose < d.Value.FromDose && d.Value.AdverseEventId is null)
                .Select(d => new CheckFinding("dose-reduction-without-ae", d.Form, "adverseEventId",
                    "A dose reduction without a linked adverse event: please confirm the reason or link the event."))),
    ];

    public override void MapEndpoints(IEndpointRouteBuilder app) => ChangeDose.Map(app);
}

public sealed class InterruptionForm : FormDefinition<DosingInterrupted>
{
    public override string Name => "interruption";
    public override string Title => "Dosing interruption";
    public override string AnswerProperty => "interruptions";
    public override bool Repeating => true;
    public override int Order => 110;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("interruptionId", ItemType.Text, "Interruption id", Identity: true),
        new("date", ItemType.Date, "Date dosing stopped"),
        new("reason", ItemType.Text, "Reason"),
        new("adverseEventId", ItemType.Text, "Adverse event that caused it", Optional: true),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<DosingInterrupted>(e => e.InterruptionId)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("interruption-before-first-dose", "Dosing is interrupted only after the first dose.", x =>
            x.Casebook.Instances<DosingInterrupted>().Where(i => x.Casebook.FirstDose is not { } first || i.Value.Date < first.Date)
                .SelectMany(i => DosingChecks.BeforeFirstDose("interruption-before-first-dose", x.Casebook, i.Form, "date", "Dosing can only be interrupted after the first dose."))),
        Hard("interruption-overlap", "An interruption starts only after the previous one has ended.", x =>
            x.Casebook.Instances<DosingInterrupted>().OrderBy(i => i.Value.Date).Pairwise()
                .Where(p => x.Casebook.ResumptionOf(p.First.Value.InterruptionId) is not { } resumed || p.Second.Value.Date < resumed.Date)
                .SelectMany(p => CheckFindings.Pair("interruption-overlap", p.Second.Form, "date",
                    new FormRef("resumption", p.First.Value.InterruptionId), "date",
                    $"Interruption {p.Second.Value.InterruptionId} starts while interruption {p.First.Value.InterruptionId} is still going on."))),
        DosingChecks.LinkedAdverseEvent<DosingInterrupted>("interruption-adverse-event", i => i.AdverseEventId),
        DosingChecks.AfterDiscontinuation<DosingInterrupted>("interruption-after-discontinuation", "date", i => i.Date, "Dosing cannot be interrupted after treatment was discontinued."),
    ];

    public override void MapEndpoints(IEndpointRouteBuilder app) => InterruptDosing.Map(app);
}

public sealed class ResumptionForm : FormDefinition<DosingResumed>
{
    public override string Name => "resumption";
    public override string Title => "Dosing resumption";
    public override string AnswerProperty => "resumptions";
    public override bool Repeating => true;
    public override int Order => 120;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("interruptionId", ItemType.Text, "Interruption id", Identity: true),
        new("date", ItemType.Date, "Date dosing resumed"),
        new("dose", ItemType.Float, "Dose at resumption"),
    ];

    public override IReadOnlyList<FormField> FieldsIn(Studies.StudyDefinition definition) => DosingChecks.WithDoseUnit(Fields, definition);

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<DosingResumed>(e => e.InterruptionId)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("resumption-before-interruption", "Dosing resumes on or after the day it was interrupted.", x =>
            x.Casebook.Instances<DosingResumed>()
                .Select(r => (Resumption: r, Interruption: x.Casebook.Instances<DosingInterrupted>().FirstOrDefault(i => i.Value.InterruptionId == r.Value.InterruptionId)))
                .Where(p => p.Interruption.Value is not null && p.Resumption.Value.Date < p.Interruption.Value.Date)
                .SelectMany(p => CheckFindings.Pair("resumption-before-interruption", p.Resumption.Form, "date", p.Interruption.Form, "date",
                    "Dosing cannot resume before it was interrupted."))),
        DosingChecks.AfterDiscontinuation<DosingResumed>("resumption-after-discontinuation", "date", r => r.Date, "Dosing cannot resume after treatment was discontinued."),
    ];

    public override void MapEndpoints(IEndpointRouteBuilder app) => ResumeDosing.Map(app);
}

public sealed class DiscontinuationForm : FormDefinition<TreatmentDiscontinued>
{
    public override string Name => "discontinuation";
    public override string Title => "Treatment discontinuation";
    public override string AnswerProperty => "discontinuation";
    public override int Order => 130;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("date", ItemType.Date, "Date of discontinuation"),
        new("reason", ItemType.Text, "Reason", CodeList: Enum.GetNames<DiscontinuationReason>()),
        new("details", ItemType.Text, "Details", Optional: true),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<TreatmentDiscontinued>(_ => null)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("discontinuation-before-first-dose", "Only treatment that started can be discontinued, on or after the first dose.", x =>
            x.Casebook.Discontinuation is { } d && (x.Casebook.FirstDose is not { } first || d.Date < first.Date)
                ? DosingChecks.BeforeFirstDose("discontinuation-before-first-dose", x.Casebook, Ref(), "date", "Discontinuation cannot precede the first dose.")
                : []),
        Hard("discontinuation-details", "The reason 'Other' is explained.", x =>
            x.Casebook.Discontinuation is { Reason: DiscontinuationReason.Other } d && string.IsNullOrWhiteSpace(d.Details)
                ? CheckFindings.Pair("discontinuation-details", Ref(), "details", Ref(), "reason", "Say why when the reason is 'Other'.")
                : []),
    ];

    public override void MapEndpoints(IEndpointRouteBuilder app) => DiscontinueTreatment.Map(app);
}

/// <summary>Checks several dosing forms share.</summary>
public static class DosingChecks
{
    /// <summary>Every dose is one of the dose levels of the subject's arm, in the definition the dose was entered under.</summary>
    public static Check DoseLevel() => new("dose-level", Severity.Hard, "Every dose is one of the dose levels of the subject's arm.", x =>
        x.Casebook.Doses().Select(d => (d.Form, d.Field, d.Dose, Definition: x.DefinitionOf(d.Form)))
            .Select(d => (d.Form, d.Field, d.Dose, d.Definition, Arm: d.Definition.Arm(x.Casebook.Enrolment.Arm) ?? d.Definition.Treatment.Arms[0]))
            .Where(d => !d.Arm.DoseLevels.Contains(d.Dose))
            .Select(d => new CheckFinding("dose-level", d.Form, d.Field,
                $"{d.Dose} {d.Definition.Treatment.DoseUnit} is not a dose level of arm {d.Arm.Code} ({string.Join(", ", d.Arm.DoseLevels)} {d.Definition.Treatment.DoseUnit}).")));

    /// <summary>The subject's body surface area (m2) or weight (kg) a dose per body size is multiplied by, when recorded.</summary>
    public static decimal? DoseBasis(Casebook c, Studies.StudyDefinition definition)
    {
        if (definition.Treatment.DoseBasisItem is not { } path || path.IndexOf('.') is var dot && dot < 1) return null;
        return c.Entry(new FormRef(path[..dot]))?.Value is System.Text.Json.Nodes.JsonObject form
            && Infrastructure.JsonNumbers.Decimal(form[path[(dot + 1)..]]) is { } basis && basis > 0 ? basis : null;
    }

    /// <summary>Dose items carry the study's dose unit (mg, mg/m2, mg/kg).</summary>
    public static IReadOnlyList<FormField> WithDoseUnit(IReadOnlyList<FormField> fields, Studies.StudyDefinition definition) =>
        fields.Select(f => f.Path is "dose" or "fromDose" or "toDose" ? f with { Unit = definition.Treatment.DoseUnit } : f).ToList();

    public static IEnumerable<CheckFinding> BeforeFirstDose(string checkId, Casebook c, FormRef form, string field, string message) =>
        c.FirstDose is null
            ? [new CheckFinding(checkId, form, field, message + " No first dose is recorded.")]
            : CheckFindings.Pair(checkId, form, field, new FormRef("first-dose"), "date", message);

    public static Check AfterDiscontinuation<T>(string id, string field, Func<T, DateOnly> date, string message) where T : class =>
        new(id, Severity.Hard, message, x => x.Casebook.Discontinuation is not { } stop ? []
            : x.Casebook.Instances<T>().Where(i => date(i.Value) > stop.Date)
                .SelectMany(i => CheckFindings.Pair(id, i.Form, field, new FormRef("discontinuation"), "date", message)));

    public static Check LinkedAdverseEvent<T>(string id, Func<T, string?> adverseEventId) where T : class =>
        new(id, Severity.Hard, "A linked adverse event exists in the casebook.", x =>
            x.Casebook.Instances<T>().Where(i => adverseEventId(i.Value) is { } ae && x.Casebook.AdverseEvent(ae) is null)
                .Select(i => new CheckFinding(id, i.Form, "adverseEventId", $"No adverse event '{adverseEventId(i.Value)}' in this casebook.")));
}

public static class DosingOfTheCasebook
{
    extension(Casebook c)
    {
        public FirstDoseGiven? FirstDose => c.One<FirstDoseGiven>();
        public IReadOnlyList<CycleRecorded> Cycles => c.All<CycleRecorded>();
        public IReadOnlyList<DoseChanged> DoseChanges => c.All<DoseChanged>();
        public IReadOnlyList<DosingInterrupted> Interruptions => c.All<DosingInterrupted>();
        public IReadOnlyList<DosingResumed> Resumptions => c.All<DosingResumed>();
        public TreatmentDiscontinued? Discontinuation => c.One<TreatmentDiscontinued>();

        public DosingResumed? ResumptionOf(string interruptionId) => c.Resumptions.FirstOrDefault(r => r.InterruptionId == interruptionId);

        /// <summary>Every dose entered, with the form and field that hold it.</summary>
        public IEnumerable<(FormRef Form, string Field, decimal Dose)> Doses()
        {
            foreach (var entry in c.Forms)
            {
                switch (entry.Value)
                {
                    case FirstDoseGiven f: yield return (entry.Form, "dose", f.Dose); break;
                    case CycleRecorded x: yield return (entry.Form, "dose", x.Dose); break;
                    case DosingResumed r: yield return (entry.Form, "dose", r.Dose); break;
                    case DoseChanged d:
                        yield return (entry.Form, "fromDose", d.FromDose);
                        yield return (entry.Form, "toDose", d.ToDose);
                        break;
                }
            }
        }

        /// <summary>
        /// The dose in force just before <paramref name="date"/>, not counting <paramref name="except"/>: the latest of the first
        /// dose, the dose changes and the doses given at resumptions (the later entry wins on the same day).
        /// </summary>
        public decimal? DoseBefore(FormRef? except, DateOnly date)
        {
            var enteredAt = except is { } form ? c.Forms.FindIndex(f => f.Form == form) : int.MaxValue;
            return c.DoseSettings()
                .Where(s => s.Form != except && (s.Date < date || s.Date == date && s.Order < enteredAt))
                .OrderBy(s => s.Date).ThenBy(s => s.Order).LastOrDefault()?.Dose;
        }

        /// <summary>The dose in force now: the first dose, changed by dose changes and resumptions.</summary>
        public decimal? CurrentDose => c.DoseSettings().OrderBy(s => s.Date).ThenBy(s => s.Order).LastOrDefault()?.Dose;

        private IEnumerable<DoseSetting> DoseSettings() => c.Forms.Select((entry, order) => entry.Value switch
        {
            FirstDoseGiven f => new DoseSetting(entry.Form, f.Date, order, f.Dose),
            DoseChanged d => new DoseSetting(entry.Form, d.Date, order, d.ToDose),
            DosingResumed r => new DoseSetting(entry.Form, r.Date, order, r.Dose),
            _ => null,
        }).OfType<DoseSetting>();
    }

    private sealed record DoseSetting(FormRef Form, DateOnly Date, int Order, decimal Dose);
}
