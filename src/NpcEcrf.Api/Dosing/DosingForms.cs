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
        new("doseMg", ItemType.Integer, "Dose", Unit: "mg/day", Min: 1, Max: 1000),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<FirstDoseGiven>(_ => null)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        DosingChecks.DoseLevel(),
        Hard("dose-before-enrolment", "The first dose follows enrolment.", x =>
            x.Casebook.FirstDose is { } first && first.Date < x.Casebook.Enrolment.EnrolmentDate
                ? CheckFindings.Pair("dose-before-enrolment", Ref(), "date", new FormRef(Enrolment.EnrolmentForm.FormName), "enrolmentDate", "The first dose cannot precede enrolment.")
                : []),
    ];

    public override void MapEndpoints(IEndpointRouteBuilder app) => GiveFirstDose.Map(app);
}

/// <summary>A 21-day cycle (tablets on days 1-14) with drug accountability.</summary>
public sealed class CycleForm : FormDefinition<CycleRecorded>
{
    public const int CycleDays = 21;
    public override string Name => "cycle";
    public override string Title => "Treatment cycle";
    public override string AnswerProperty => "cycles";
    public override bool Repeating => true;
    public override int Order => 90;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("cycleNumber", ItemType.Integer, "Cycle number", Identity: true),
        new("startDate", ItemType.Date, "Start date of the cycle"),
        new("doseMg", ItemType.Integer, "Dose", Unit: "mg/day", Min: 1, Max: 1000),
        new("tabletsDispensed", ItemType.Integer, "Tablets dispensed", Min: 0, Max: 100),
        new("tabletsReturned", ItemType.Integer, "Tablets returned", Min: 0, Max: 100),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<CycleRecorded>(e => e.CycleNumber.ToString())];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("cycle-before-first-dose", "A cycle starts on or after the first dose.", x =>
            x.Casebook.Instances<CycleRecorded>()
                .Where(c => x.Casebook.FirstDose is not { } first || c.Value.StartDate < first.Date)
                .SelectMany(c => DosingChecks.BeforeFirstDose("cycle-before-first-dose", x.Casebook, c.Form, "startDate", "A cycle cannot start before the first dose."))),
        Hard("cycle-spacing", $"Each cycle starts at least {CycleDays} days after the one before.", x =>
            x.Casebook.Instances<CycleRecorded>().OrderBy(c => c.Value.CycleNumber).Pairwise()
                .Where(p => p.Second.Value.StartDate < p.First.Value.StartDate.AddDays(CycleDays))
                .SelectMany(p => CheckFindings.Pair("cycle-spacing", p.First.Form, "startDate", p.Second.Form, "startDate",
                    $"Cycle {p.Second.Value.CycleNumber} cannot start before day {CycleDays + 1} of cycle {p.First.Value.CycleNumber} ({p.First.Value.StartDate.AddDays(CycleDays):yyyy-MM-dd})."))),
        Hard("tablets-returned", "No more tablets come back than were dispensed.", x =>
            x.Casebook.Instances<CycleRecorded>().Where(c => c.Value.TabletsReturned > c.Value.TabletsDispensed)
                .SelectMany(c => CheckFindings.Pair("tablets-returned", c.Form, "tabletsReturned", c.Form, "tabletsDispensed", "More tablets returned than dispensed."))),
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
        new("fromMg", ItemType.Integer, "Dose before", Unit: "mg/day", Min: 1, Max: 1000),
        new("toMg", ItemType.Integer, "Dose after", Unit: "mg/day", Min: 1, Max: 1000),
        new("reason", ItemType.Text, "Reason for the change"),
        new("adverseEventId", ItemType.Text, "Adverse event that caused it", Optional: true),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<DoseChanged>(e => e.ChangeId)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("dose-change-before-first-dose", "A dose change follows the first dose.", x =>
            x.Casebook.Instances<DoseChanged>().Where(d => x.Casebook.FirstDose is not { } first || d.Value.Date < first.Date)
                .SelectMany(d => DosingChecks.BeforeFirstDose("dose-change-before-first-dose", x.Casebook, d.Form, "date", "A dose change cannot precede the first dose."))),
        Hard("dose-change-from", "A dose change starts from the dose in force on its date.", x =>
            x.Casebook.Instances<DoseChanged>()
                .Where(d => x.Casebook.FirstDose is { } first && d.Value.Date >= first.Date && x.Casebook.DoseBefore(d.Form, d.Value.Date) != d.Value.FromMg)
                .SelectMany(d => CheckFindings.Pair("dose-change-from", d.Form, "fromMg", d.Form, "date",
                    $"The dose in force before {d.Value.Date:yyyy-MM-dd} was {x.Casebook.DoseBefore(d.Form, d.Value.Date)} mg/day, not {d.Value.FromMg}."))),
        Hard("dose-change-same", "A dose change changes the dose.", x =>
            x.Casebook.Instances<DoseChanged>().Where(d => d.Value.FromMg == d.Value.ToMg)
                .SelectMany(d => CheckFindings.Pair("dose-change-same", d.Form, "toMg", d.Form, "fromMg", "A dose change must change the dose."))),
        DosingChecks.LinkedAdverseEvent<DoseChanged>("dose-change-adverse-event", d => d.AdverseEventId),
        DosingChecks.AfterDiscontinuation<DoseChanged>("dose-change-after-discontinuation", "date", d => d.Date, "The dose cannot change after treatment was discontinued."),
        Soft("dose-reduction-without-ae", "A dose reduction names the adverse event that caused it.", x =>
            x.Casebook.Instances<DoseChanged>().Where(d => d.Value.ToMg < d.Value.FromMg && d.Value.AdverseEventId is null)
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
        new("doseMg", ItemType.Integer, "Dose at resumption", Unit: "mg/day", Min: 1, Max: 1000),
    ];

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
    public static Check DoseLevel() => new("dose-level", Severity.Hard, "Every dose is one of the protocol's dose levels.", x =>
        x.Casebook.Doses().Where(d => !x.Study.DoseLevelsMg.Contains(d.DoseMg))
            .Select(d => new CheckFinding("dose-level", d.Form, d.Field,
                $"{d.DoseMg} mg/day is not a protocol dose level ({string.Join(", ", x.Study.DoseLevelsMg)} mg/day).")));

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
        public IEnumerable<(FormRef Form, string Field, int DoseMg)> Doses()
        {
            foreach (var entry in c.Forms)
            {
                switch (entry.Value)
                {
                    case FirstDoseGiven f: yield return (entry.Form, "doseMg", f.DoseMg); break;
                    case CycleRecorded x: yield return (entry.Form, "doseMg", x.DoseMg); break;
                    case DosingResumed r: yield return (entry.Form, "doseMg", r.DoseMg); break;
                    case DoseChanged d:
                        yield return (entry.Form, "fromMg", d.FromMg);
                        yield return (entry.Form, "toMg", d.ToMg);
                        break;
                }
            }
        }

        /// <summary>
        /// The dose in force just before <paramref name="date"/>, not counting <paramref name="except"/>: the latest of the first
        /// dose, the dose changes and the doses given at resumptions (the later entry wins on the same day).
        /// </summary>
        public int? DoseBefore(FormRef? except, DateOnly date)
        {
            var enteredAt = except is { } form ? c.Forms.FindIndex(f => f.Form == form) : int.MaxValue;
            return c.DoseSettings()
                .Where(s => s.Form != except && (s.Date < date || s.Date == date && s.Order < enteredAt))
                .OrderBy(s => s.Date).ThenBy(s => s.Order).LastOrDefault()?.DoseMg;
        }

        /// <summary>The dose in force now: the first dose, changed by dose changes and resumptions.</summary>
        public int? CurrentDoseMg => c.DoseSettings().OrderBy(s => s.Date).ThenBy(s => s.Order).LastOrDefault()?.DoseMg;

        private IEnumerable<DoseSetting> DoseSettings() => c.Forms.Select((entry, order) => entry.Value switch
        {
            FirstDoseGiven f => new DoseSetting(entry.Form, f.Date, order, f.DoseMg),
            DoseChanged d => new DoseSetting(entry.Form, d.Date, order, d.ToMg),
            DosingResumed r => new DoseSetting(entry.Form, r.Date, order, r.DoseMg),
            _ => null,
        }).OfType<DoseSetting>();
    }

    private sealed record DoseSetting(FormRef Form, DateOnly Date, int Order, int DoseMg);
}
