using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Enrolment;

/// <summary>The enrolment form: who the subject is (identity), when they consented and enrolled, and eligibility.</summary>
public sealed class EnrolmentForm : FormDefinition<SubjectEnrolled>
{
    public const string FormName = "enrolment";
    public override string Name => FormName;
    public override string Title => "Enrolment";
    public override string AnswerProperty => "enrolment";
    public override int Order => 10;
    public override bool RequiredForSignature => true;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("studyId", ItemType.Text, "Study", Identity: true),
        new("siteId", ItemType.Text, "Site", Identity: true),
        new("subjectNumber", ItemType.Text, "Subject number", Identity: true),
        new("consentDate", ItemType.Date, "Date of informed consent"),
        new("enrolmentDate", ItemType.Date, "Date of enrolment"),
        new("eligibilityConfirmed", ItemType.Boolean, "All inclusion and no exclusion criteria met?"),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<SubjectEnrolled>(_ => null)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("consent-after-enrolment", "Informed consent is given on or before enrolment.", x =>
            x.Casebook.Enrolment is var e && e.ConsentDate > e.EnrolmentDate
                ? CheckFindings.Pair("consent-after-enrolment", Ref(), "consentDate", Ref(), "enrolmentDate", "Informed consent must be given on or before enrolment.")
                : []),
        Hard("eligibility", "Only eligible subjects are enrolled.", x =>
            x.Casebook.Enrolment.EligibilityConfirmed ? [] : [new CheckFinding("eligibility", Ref(), "eligibilityConfirmed", "Eligibility must be confirmed to enrol.")]),
    ];

    public override void MapEndpoints(IEndpointRouteBuilder app) => EnrolSubject.Map(app);
}

public sealed class DemographicsForm : FormDefinition<DemographicsRecorded>
{
    public override string Name => "demographics";
    public override string Title => "Demographics";
    public override string AnswerProperty => "demographics";
    public override int Order => 20;
    public override bool RequiredForSignature => true;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("sex", ItemType.Text, "Sex", CodeList: Enum.GetNames<Sex>()),
        new("yearOfBirth", ItemType.Integer, "Year of birth", Min: 1900, Max: 2100),
        new("ageAtEnrolment", ItemType.Integer, "Age at enrolment", Unit: "years", Min: 18, Max: 120),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<DemographicsRecorded>(_ => null)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("age-year-of-birth", "Age at enrolment agrees with the year of birth.", x =>
        {
            if (x.Casebook.Demographics is not { } d) return [];
            var oldest = x.Casebook.Enrolment.EnrolmentDate.Year - d.YearOfBirth;
            return d.AgeAtEnrolment == oldest || d.AgeAtEnrolment == oldest - 1 ? []
                : CheckFindings.Pair("age-year-of-birth", Ref(), "ageAtEnrolment", Ref(), "yearOfBirth", $"Born in {d.YearOfBirth}, the subject was {oldest - 1} or {oldest} at enrolment.");
        }),
        Hard("date-before-birth", "No date of the casebook is before the subject's year of birth.", x => x.Casebook.Demographics is not { } d ? []
            : x.Dates.Where(date => date.Date.Year < d.YearOfBirth)
                .SelectMany(date => CheckFindings.Pair("date-before-birth", date.Form, date.Field, Ref(), "yearOfBirth", $"{date.Date:yyyy-MM-dd} is before the subject was born ({d.YearOfBirth}).")))
    ];

    public override void MapEndpoints(IEndpointRouteBuilder app) => RecordDemographics.Map(app);
}

public sealed class EcogForm : FormDefinition<EcogRecorded>
{
    public override string Name => "ecog";
    public override string Title => "ECOG performance status";
    public override string AnswerProperty => "ecog";
    public override int Order => 30;
    public override bool RequiredForSignature => true;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("assessmentDate", ItemType.Date, "Date of assessment"),
        new("score", ItemType.Integer, "ECOG performance status", Min: 0, Max: 5),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<EcogRecorded>(_ => null)];
    public override void MapEndpoints(IEndpointRouteBuilder app) => RecordEcog.Map(app);
}

public sealed class DiseaseStatusForm : FormDefinition<DiseaseStatusRecorded>
{
    public override string Name => "disease-status";
    public override string Title => "Disease status";
    public override string AnswerProperty => "diseaseStatus";
    public override int Order => 40;
    public override bool RequiredForSignature => true;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("pattern", ItemType.Text, "Disease pattern", CodeList: Enum.GetNames<DiseasePattern>()),
        new("diagnosisDate", ItemType.Date, "Date of diagnosis"),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<DiseaseStatusRecorded>(_ => null)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("diagnosis-after-enrolment", "The diagnosis precedes enrolment.", x =>
            x.Casebook.DiseaseStatus is { } d && d.DiagnosisDate > x.Casebook.Enrolment.EnrolmentDate
                ? CheckFindings.Pair("diagnosis-after-enrolment", Ref(), "diagnosisDate", new FormRef(EnrolmentForm.FormName), "enrolmentDate", "The diagnosis must precede enrolment.")
                : []),
    ];

    public override void MapEndpoints(IEndpointRouteBuilder app) => RecordDiseaseStatus.Map(app);
}

/// <summary>Liver is its own item: it is the prognostic factor of the study's Cox model.</summary>
public sealed class MetastaticSitesForm : FormDefinition<MetastaticSitesRecorded>
{
    public override string Name => "metastatic-sites";
    public override string Title => "Metastatic sites";
    public override string AnswerProperty => "metastaticSites";
    public override int Order => 50;
    public override bool RequiredForSignature => true;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("liver", ItemType.Boolean, "Liver metastases?"),
        new("lung", ItemType.Boolean, "Lung metastases?"),
        new("bone", ItemType.Boolean, "Bone metastases?"),
        new("distantLymphNodes", ItemType.Boolean, "Distant lymph node metastases?"),
        new("other[]", ItemType.Text, "Other metastatic site"),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<MetastaticSitesRecorded>(_ => null)];
    public override void MapEndpoints(IEndpointRouteBuilder app) => RecordMetastaticSites.Map(app);
}

public sealed class PriorTherapyForm : FormDefinition<PriorTherapyRecorded>
{
    public override string Name => "prior-therapy";
    public override string Title => "Prior therapy";
    public override string AnswerProperty => "priorTherapy";
    public override int Order => 60;
    public override bool RequiredForSignature => true;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("priorSystemicLines", ItemType.Integer, "Number of prior systemic lines", Min: 0, Max: 20),
        new("platinumRefractory", ItemType.Boolean, "Platinum-refractory disease?"),
        new("priorRadiotherapy", ItemType.Boolean, "Prior radiotherapy?"),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<PriorTherapyRecorded>(_ => null)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("platinum-refractory-lines", "Platinum-refractory disease needs a prior systemic line.", x =>
            x.Casebook.PriorTherapy is { PlatinumRefractory: true, PriorSystemicLines: 0 }
                ? CheckFindings.Pair("platinum-refractory-lines", Ref(), "platinumRefractory", Ref(), "priorSystemicLines", "Platinum-refractory disease needs at least one prior systemic line.")
                : []),
    ];

    public override void MapEndpoints(IEndpointRouteBuilder app) => RecordPriorTherapy.Map(app);
}

public static class EnrolmentFormsOfTheCasebook
{
    extension(Casebook c)
    {
        public DemographicsRecorded? Demographics => c.One<DemographicsRecorded>();
        public EcogRecorded? Ecog => c.One<EcogRecorded>();
        public DiseaseStatusRecorded? DiseaseStatus => c.One<DiseaseStatusRecorded>();
        public MetastaticSitesRecorded? MetastaticSites => c.One<MetastaticSitesRecorded>();
        public PriorTherapyRecorded? PriorTherapy => c.One<PriorTherapyRecorded>();
    }
}
