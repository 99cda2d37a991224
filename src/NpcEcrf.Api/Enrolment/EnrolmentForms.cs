using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Enrolment;

/// <summary>The enrolment form: who the subject is (identity), when they consented and enrolled, the arm, and each eligibility criterion.</summary>
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
        new("arm", ItemType.Text, "Treatment arm"),
        new("eligibility.*", ItemType.Boolean, "Eligibility criterion met?"),
    ];

    public override IReadOnlyList<FormField> FieldsIn(Studies.StudyDefinition definition) =>
        Fields.Select(f => f.Path == "arm" ? f with { CodeList = definition.Treatment.Arms.Select(a => a.Code).ToList() } : f).ToList();

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<SubjectEnrolled>(_ => null)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("consent-after-enrolment", "Informed consent is given on or before enrolment.", x =>
            x.Casebook.Enrolment is var e && e.ConsentDate > e.EnrolmentDate
                ? CheckFindings.Pair("consent-after-enrolment", Ref(), "consentDate", Ref(), "enrolmentDate", "Informed consent must be given on or before enrolment.")
                : []),
        Hard("eligibility-answered", "Every eligibility criterion of the study is answered met or not met, and only those.", x =>
        {
            var criteria = x.DefinitionOf(Ref()).Criteria;
            var answered = x.Casebook.Enrolment.Eligibility;
            return criteria.Where(c => !answered.ContainsKey(c.Id))
                .Select(c => new CheckFinding("eligibility-answered", Ref(), $"eligibility.{c.Id}", $"Criterion {c.Id} ({c.Text}) is not answered: met or not met."))
                .Concat(answered.Keys.Where(k => criteria.All(c => c.Id != k))
                    .Select(k => new CheckFinding("eligibility-answered", Ref(), $"eligibility.{k}", $"'{k}' is not an eligibility criterion of the study.")));
        }),
        Hard("eligibility", "Only eligible subjects are enrolled: every inclusion criterion met, no exclusion criterion met.", x =>
        {
            var answered = x.Casebook.Enrolment.Eligibility;
            return x.DefinitionOf(Ref()).Criteria
                .Where(c => answered.TryGetValue(c.Id, out var met) && met != (c.Kind == Studies.CriterionKinds.Inclusion))
                .Select(c => new CheckFinding("eligibility", Ref(), $"eligibility.{c.Id}",
                    c.Kind == Studies.CriterionKinds.Inclusion ? $"Inclusion criterion {c.Id} is not met ({c.Text}): the subject is not eligible (record a screen failure)."
                        : $"Exclusion criterion {c.Id} applies ({c.Text}): the subject is not eligible (record a screen failure)."));
        }),
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
        new("sex", ItemType.Text, "Sex"),
        new("yearOfBirth", ItemType.Integer, "Year of birth", Min: 1900, Max: 2100),
        new("ageAtEnrolment", ItemType.Integer, "Age at enrolment", Unit: "years", Min: 18, Max: 120),
    ];

    /// <summary>Sex is coded from the study's SEX code list, or CDISC's (M, F, U, UNDIFFERENTIATED).</summary>
    public override IReadOnlyList<FormField> FieldsIn(Studies.StudyDefinition definition) =>
        Fields.Select(f => f.Path == "sex" ? f with { CodeList = definition.CodeList(Studies.CdiscCodeLists.Sex)?.Codes } : f).ToList();

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

public static class EnrolmentFormsOfTheCasebook
{
    extension(Casebook c)
    {
        public DemographicsRecorded? Demographics => c.One<DemographicsRecorded>();
        public EcogRecorded? Ecog => c.One<EcogRecorded>();
    }
}
