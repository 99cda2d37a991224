using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Clinical;
using NpcEcrf.Api.Dosing;

namespace NpcEcrf.Api.TumourAssessments;

/// <summary>RECIST 1.1 baseline: target lesions and non-targets, within the protocol's window before enrolment and no later than the first dose.</summary>
public sealed class BaselineLesionsForm : FormDefinition<BaselineLesionsRecorded>
{
    public override string Name => "baseline-lesions";
    public override string Title => "Baseline tumour assessment";
    public override string AnswerProperty => "baseline";
    public override int Order => 70;
    public override bool RequiredForSignature => true;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("assessmentDate", ItemType.Date, "Date of the baseline scan"),
        new("method", ItemType.Text, "Imaging method"),
        new("targets[].lesionId", ItemType.Text, "Target lesion id", Identity: true),
        new("targets[].organ", ItemType.Text, "Organ"),
        new("targets[].nodal", ItemType.Boolean, "Lymph node?"),
        new("targets[].diameterMm", ItemType.Float, "Longest diameter (short axis for nodes)", Unit: "mm", Min: 0.1m, Max: 1000),
        new("nonTargets[].lesionId", ItemType.Text, "Non-target lesion id", Identity: true),
        new("nonTargets[].organ", ItemType.Text, "Organ"),
        new("nonTargets[].description", ItemType.Text, "Description"),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<BaselineLesionsRecorded>(_ => null)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("baseline-window", "The baseline scan is within the protocol's window before enrolment.", x =>
            x.Casebook.Baseline is { } b && x.DefinitionOf(Ref()).Recist.BaselineWindowDays is var window
            && b.AssessmentDate < x.Casebook.Enrolment.EnrolmentDate.AddDays(-window)
                ? CheckFindings.Pair("baseline-window", Ref(), "assessmentDate", new FormRef(Enrolment.EnrolmentForm.FormName), "enrolmentDate",
                    $"The baseline scan must be within {window} days before enrolment.")
                : []),
        Hard("baseline-after-first-dose", "The baseline scan is taken no later than the first dose.", x =>
            x.Casebook.Baseline is { } b && x.Casebook.FirstDose is { } first && b.AssessmentDate > first.Date
                ? CheckFindings.Pair("baseline-after-first-dose", Ref(), "assessmentDate", new FormRef("first-dose"), "date",
                    "The baseline scan must be taken on or before the first dose.")
                : []),
        Hard("recist-baseline", "RECIST 1.1 baseline size and count rules.", x => x.Casebook.Baseline is not { } b ? []
            : Recist.BaselineFindings(b.Targets).Select(f => new CheckFinding("recist-baseline", Ref(), f.Field, f.Message))),
        Hard("lesion-ids-unique", "Lesion ids are unique.", x =>
            x.Casebook.Baseline is { } b && b.Targets.Select(t => t.LesionId).Concat(b.NonTargets.Select(t => t.LesionId)).GroupBy(id => id).Any(g => g.Count() > 1)
                ? [new CheckFinding("lesion-ids-unique", Ref(), "targets", "Lesion ids must be unique.")]
                : []),
    ];

    public override void MapEndpoints(IEndpointRouteBuilder app) => RecordBaselineLesions.Map(app);
}

/// <summary>A follow-up scan's raw measurements; responses are derived for the reader, never entered.</summary>
public sealed class TumourAssessmentForm : FormDefinition<TumourAssessed>
{
    public override string Name => "tumour-assessment";
    public override string Title => "Tumour assessment";
    public override string AnswerProperty => "assessments";
    public override bool Repeating => true;
    public override int Order => 140;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("assessmentId", ItemType.Text, "Visit", Identity: true),
        new("date", ItemType.Date, "Date of the scan"),
        new("method", ItemType.Text, "Imaging method"),
        new("targetDiametersMm.*", ItemType.Float, "Target lesion diameter (null if not evaluated)", Unit: "mm", Min: 0, Max: 1000, Optional: true),
        new("nonTarget", ItemType.Text, "Non-target lesions", CodeList: Enum.GetNames<NonTargetStatus>()),
        new("newLesions", ItemType.Boolean, "New lesions?"),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<TumourAssessed>(e => e.AssessmentId)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("assessment-before-enrolment", "A follow-up scan is after enrolment.", x =>
            x.Casebook.Instances<TumourAssessed>().Where(a => a.Value.Date < x.Casebook.Enrolment.EnrolmentDate)
                .SelectMany(a => CheckFindings.Pair("assessment-before-enrolment", a.Form, "date", new FormRef(Enrolment.EnrolmentForm.FormName), "enrolmentDate",
                    "A tumour assessment cannot precede enrolment."))),
        Hard("assessment-without-baseline", "Follow-up scans need the baseline lesions first.", x => x.Casebook.Baseline is not null ? []
            : x.Casebook.Instances<TumourAssessed>().Select(a => new CheckFinding("assessment-without-baseline", a.Form, "date", "Record the baseline lesions before follow-up assessments."))),
        Hard("assessment-before-baseline", "A follow-up scan is after the baseline scan.", x => x.Casebook.Baseline is not { } b ? []
            : x.Casebook.Instances<TumourAssessed>().Where(a => a.Value.Date <= b.AssessmentDate)
                .SelectMany(a => CheckFindings.Pair("assessment-before-baseline", a.Form, "date", new FormRef("baseline-lesions"), "assessmentDate",
                    "A follow-up assessment must come after the baseline scan."))),
        Hard("assessment-order", "Visits keep the order they were entered in: each is later than the one before.", x =>
            x.Casebook.Instances<TumourAssessed>().Pairwise().Where(p => p.Second.Value.Date <= p.First.Value.Date)
                .SelectMany(p => CheckFindings.Pair("assessment-order", p.First.Form, "date", p.Second.Form, "date",
                    $"Visit {p.Second.Value.AssessmentId} must be later than visit {p.First.Value.AssessmentId}."))),
        Hard("target-missing", "Every baseline target lesion has an entry at every visit.", x => x.Casebook.Baseline is not { } b ? []
            : x.Casebook.Instances<TumourAssessed>().SelectMany(a => b.Targets.Select(t => t.LesionId).Except(a.Value.TargetDiametersMm.Keys)
                .Select(id => new CheckFinding("target-missing", a.Form, $"targetDiametersMm.{id}", $"Target lesion {id} has no entry (use null if not evaluated).")))),
        Hard("target-unknown", "Visits measure only baseline target lesions.", x => x.Casebook.Baseline is not { } b ? []
            : x.Casebook.Instances<TumourAssessed>().SelectMany(a => a.Value.TargetDiametersMm.Keys.Except(b.Targets.Select(t => t.LesionId))
                .Select(id => new CheckFinding("target-unknown", a.Form, $"targetDiametersMm.{id}", $"{id} is not a baseline target lesion; new lesions are recorded as newLesions.")))),
        Soft("lesion-growth", "A target lesion that grew past the protocol's threshold since the previous visit is worth a data query.", LesionGrowth),
    ];

    private IEnumerable<CheckFinding> LesionGrowth(CheckContext x)
    {
        if (x.Casebook.Baseline is not { } baseline) yield break;
        var previous = baseline.Targets.ToDictionary(t => t.LesionId, t => (decimal?)t.DiameterMm);
        foreach (var (form, visit) in x.Casebook.Instances<TumourAssessed>().OrderBy(a => a.Value.Date))
        {
            foreach (var (lesion, mm) in visit.TargetDiametersMm)
            {
                var threshold = x.DefinitionOf(form).SoftChecksOrDefault.LesionGrowthPercent;
                if (mm is { } now && previous.GetValueOrDefault(lesion) is { } before && before > 0 && (now - before) / before * 100m >= threshold)
                    yield return new CheckFinding("lesion-growth", form, $"targetDiametersMm.{lesion}",
                        $"Lesion {lesion} grew from {before} to {now} mm since the previous assessment: please confirm the measurement.");
                if (mm is not null) previous[lesion] = mm;
            }
        }
    }

    public override void MapEndpoints(IEndpointRouteBuilder app) => RecordTumourAssessment.Map(app);
}

public static class TumourAssessmentsOfTheCasebook
{
    extension(Casebook c)
    {
        public BaselineLesionsRecorded? Baseline => c.One<BaselineLesionsRecorded>();
        public IReadOnlyList<TumourAssessed> Assessments => c.All<TumourAssessed>();

        /// <summary>RECIST per-visit responses (TRGRESP, NTRGRESP, OVRLRESP), recomputed from the measurements.</summary>
        public IReadOnlyList<VisitResponse> Responses => c.Baseline is { } b ? Recist.Evaluate(b, c.Assessments) : [];

        /// <summary>Best overall response under the protocol's confirmation and SD-minimum settings (BESTRESP).</summary>
        public BestResponse? BestOverallResponse(Studies.RecistSettings settings) =>
            c.Baseline is null || c.FirstDose is not { } first ? null : Recist.Best(first.Date, c.Responses, settings);
    }
}
