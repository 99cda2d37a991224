using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TumourAssessments;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Clinical;

namespace NpcEcrf.Api.AdverseEvents;

/// <summary>An adverse event as it stands: the reported form plus its grade history and resolution.</summary>
public sealed record AdverseEventEntry(AdverseEventReported Report, IReadOnlyList<AdverseEventGradeChanged> GradeChanges, DateOnly? ResolutionDate)
{
    public int CurrentGrade => GradeChanges.Count == 0 ? Report.Grade : GradeChanges[^1].Grade;
    public int WorstGrade => GradeChanges.Select(g => g.Grade).Append(Report.Grade).Max();
}

/// <summary>
/// A CTCAE adverse event: the report, each later change of grade and the resolution are one form instance, so every
/// one of their values can be corrected ("grade" or "report.grade", "gradeChanges[0].date", "resolutionDate").
/// </summary>
public sealed class AdverseEventForm : FormDefinition<AdverseEventEntry>
{
    public override string Name => "adverse-event";
    public override string Title => "Adverse event";
    public override string AnswerProperty => "adverseEvents";
    public override bool Repeating => true;
    public override int Order => 150;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("report.adverseEventId", ItemType.Text, "Adverse event id", Identity: true),
        new("report.term", ItemType.Text, "Adverse event term (the study's CTCAE terms)"),
        new("report.grade", ItemType.Integer, "CTCAE grade at onset", Min: 1, Max: 5),
        new("report.onsetDate", ItemType.Date, "Onset date"),
        new("report.serious", ItemType.Boolean, "Serious?"),
        new("report.relation", ItemType.Text, "Relation to study drug", CodeList: Enum.GetNames<Relation>()),
        new("report.action", ItemType.Text, "Action taken", CodeList: Enum.GetNames<ActionTaken>()),
        new("gradeChanges[].adverseEventId", ItemType.Text, "Adverse event id", Identity: true),
        new("gradeChanges[].date", ItemType.Date, "Date of the grade change"),
        new("gradeChanges[].grade", ItemType.Integer, "New CTCAE grade", Min: 1, Max: 5),
        new("resolutionDate", ItemType.Date, "Resolution date", Optional: true),
    ];

    /// <summary>The term is coded from the study's own list of terms.</summary>
    public override IReadOnlyList<FormField> FieldsIn(Studies.StudyDefinition definition) =>
        Fields.Select(f => f.Path == "report.term" ? f with { CodeList = definition.AdverseEvents.Terms.Select(t => t.Term).ToList() } : f).ToList();

    /// <summary>Report fields may be named without "report." (the API's first shape).</summary>
    public override string CanonicalField(string field) =>
        field.StartsWith("report.", StringComparison.OrdinalIgnoreCase) || field.StartsWith("gradeChanges", StringComparison.OrdinalIgnoreCase)
        || field.Equals("resolutionDate", StringComparison.OrdinalIgnoreCase) ? field : "report." + field;

    protected override IEnumerable<EventBinding> DeclaredEvents =>
    [
        On<AdverseEventReported>((e, _) => e.AdverseEventId, (_, e) => new AdverseEventEntry(e, [], null)),
        On<AdverseEventGradeChanged>((e, _) => e.AdverseEventId, (ae, e) => ae! with { GradeChanges = [.. ae.GradeChanges, e] }),
        On<AdverseEventResolved>((e, _) => e.AdverseEventId, (ae, e) => ae! with { ResolutionDate = e.ResolutionDate }),
    ];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("ctcae-grade", "Each grade is one the CTCAE term allows.", x =>
            x.Casebook.Instances<AdverseEventEntry>().SelectMany(ae => Grades(ae.Value)
                .Select(g => (g.Field, Finding: GradeFinding(x.DefinitionOf(ae.Form), ae.Value.Report.Term, g.Grade)))
                .Where(g => g.Finding is not null)
                .SelectMany(g => CheckFindings.Pair("ctcae-grade", ae.Form, g.Field, ae.Form, "report.term", g.Finding!)))),
        Hard("ae-before-consent", "An adverse event on study starts on or after informed consent.", x =>
            x.Casebook.Instances<AdverseEventEntry>().Where(ae => ae.Value.Report.OnsetDate < x.Casebook.Enrolment.ConsentDate)
                .SelectMany(ae => CheckFindings.Pair("ae-before-consent", ae.Form, "report.onsetDate", new FormRef(Enrolment.EnrolmentForm.FormName), "consentDate",
                    "An adverse event on study cannot start before informed consent."))),
        Hard("ae-grade-change-order", "Grade changes follow the onset and each other.", x =>
            x.Casebook.Instances<AdverseEventEntry>().SelectMany(ae => Dates(ae.Value).Pairwise()
                .Where(p => p.Second.Date < p.First.Date)
                .SelectMany(p => CheckFindings.Pair("ae-grade-change-order", ae.Form, p.First.Field, ae.Form, p.Second.Field,
                    "A grade change cannot precede the onset or an earlier grade change.")))),
        Hard("ae-grade-change-same", "A grade change changes the grade.", x =>
            x.Casebook.Instances<AdverseEventEntry>().SelectMany(ae => Grades(ae.Value).Pairwise()
                .Where(p => p.First.Grade == p.Second.Grade)
                .SelectMany(p => CheckFindings.Pair("ae-grade-change-same", ae.Form, p.Second.Field, ae.Form, p.First.Field, $"The event was already grade {p.Second.Grade}.")))),
        Hard("ae-resolution", "Resolution follows the onset and every grade change.", x =>
            x.Casebook.Instances<AdverseEventEntry>().Where(ae => ae.Value.ResolutionDate is { } r && r < Dates(ae.Value).Max(d => d.Date))
                .SelectMany(ae => CheckFindings.Pair("ae-resolution", ae.Form, "resolutionDate", ae.Form, Dates(ae.Value).MaxBy(d => d.Date).Field,
                    "Resolution cannot precede the onset or a grade change."))),
        Hard("ae-grade-5-death", "A grade-5 (fatal) adverse event needs the death recorded, on or after it.", x =>
            x.Casebook.Instances<AdverseEventEntry>().SelectMany(ae => Grades(ae.Value).Where(g => g.Grade == 5)
                .Where(_ => x.Casebook.Death is null)
                .Select(g => new CheckFinding("ae-grade-5-death", ae.Form, g.Field, "A grade-5 adverse event is fatal: record the death first.")))),
    ];

    private static IEnumerable<(string Field, int Grade)> Grades(AdverseEventEntry ae) =>
        ae.GradeChanges.Select((g, i) => ($"gradeChanges[{i}].grade", g.Grade)).Prepend(("report.grade", ae.Report.Grade));

    private static IEnumerable<(string Field, DateOnly Date)> Dates(AdverseEventEntry ae) =>
        ae.GradeChanges.Select((g, i) => ($"gradeChanges[{i}].date", g.Date)).Prepend(("report.onsetDate", ae.Report.OnsetDate));

    /// <summary>An unknown term is the code-list check's finding; a known term's grade must be one CTCAE allows for it.</summary>
    public static string? GradeFinding(Studies.StudyDefinition definition, string term, int grade) => definition.Term(term) is not { } t ? null
        : t.Grades.Contains(grade) ? null : $"CTCAE {definition.AdverseEvents.CtcaeVersion} allows grades {string.Join(", ", t.Grades)} for {t.CtcaeTerm}, not {grade}.";

    public override void MapEndpoints(IEndpointRouteBuilder app)
    {
        ReportAdverseEvent.Map(app);
        ChangeAdverseEventGrade.Map(app);
        ResolveAdverseEvent.Map(app);
    }
}

public static class AdverseEventsOfTheCasebook
{
    extension(Casebook c)
    {
        public IReadOnlyList<AdverseEventEntry> AdverseEvents => c.All<AdverseEventEntry>();
        public AdverseEventEntry? AdverseEvent(string id) => c.AdverseEvents.FirstOrDefault(a => a.Report.AdverseEventId == id);
    }
}
