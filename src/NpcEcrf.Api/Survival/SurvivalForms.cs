using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.TumourAssessments;

namespace NpcEcrf.Api.Survival;

/// <summary>Survival follow-up: the subject was known alive on this date. Contacts are numbered in entry order.</summary>
public sealed class ContactForm : FormDefinition<ContactRecorded>
{
    public override string Name => "contact";
    public override string Title => "Follow-up contact";
    public override string AnswerProperty => "contacts";
    public override bool Repeating => true;
    public override int Order => 160;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("date", ItemType.Date, "Date known alive"),
        new("method", ItemType.Text, "Contact method"),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [On<ContactRecorded>((_, c) => (c.All<ContactRecorded>().Count + 1).ToString(), (_, e) => e)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("contact-before-enrolment", "A follow-up contact is after enrolment.", x =>
            x.Casebook.Instances<ContactRecorded>().Where(c => c.Value.Date < x.Casebook.Enrolment.EnrolmentDate)
                .SelectMany(c => CheckFindings.Pair("contact-before-enrolment", c.Form, "date", new FormRef(Enrolment.EnrolmentForm.FormName), "enrolmentDate",
                    "A follow-up contact cannot precede enrolment."))),
    ];

    public override void MapEndpoints(IEndpointRouteBuilder app) => RecordContact.Map(app);
}

/// <summary>Death: no clinical date of the casebook may come after it.</summary>
public sealed class DeathForm : FormDefinition<DeathRecorded>
{
    public override string Name => "death";
    public override string Title => "Death";
    public override string AnswerProperty => "death";
    public override int Order => 170;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("date", ItemType.Date, "Date of death"),
        new("cause", ItemType.Text, "Cause of death"),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<DeathRecorded>(_ => null)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("after-death", "No clinical date of the casebook is after the death.", x => x.Casebook.Death is not { } death ? []
            : x.Dates.Where(d => d.Date > death.Date && d.Form.Name != Name)
                .SelectMany(d => CheckFindings.Pair("after-death", d.Form, d.Field, Ref(), "date",
                    $"{d.Date:yyyy-MM-dd} is after the death on {death.Date:yyyy-MM-dd}."))),
    ];

    public override void MapEndpoints(IEndpointRouteBuilder app) => RecordDeath.Map(app);
}

public sealed class LostToFollowUpForm : FormDefinition<LostToFollowUp>
{
    public override string Name => "lost-to-follow-up";
    public override string Title => "Lost to follow-up";
    public override string AnswerProperty => "lostToFollowUp";
    public override int Order => 180;

    protected override IReadOnlyList<FormField> DeclaredFields =>
    [
        new("lastKnownAliveDate", ItemType.Date, "Last date known alive"),
        new("details", ItemType.Text, "Details"),
    ];

    protected override IEnumerable<EventBinding> DeclaredEvents => [Entered<LostToFollowUp>(_ => null)];

    protected override IEnumerable<Check> DeclaredChecks =>
    [
        Hard("lost-after-death", "A subject who died is not lost to follow-up.", x =>
            x.Casebook.LostToFollowUp is not null && x.Casebook.Death is not null
                ? CheckFindings.Pair("lost-after-death", Ref(), "lastKnownAliveDate", new FormRef("death"), "date", "A subject who died is not lost to follow-up.")
                : []),
        Hard("lost-before-enrolment", "The last date known alive is after enrolment.", x =>
            x.Casebook.LostToFollowUp is { } lost && lost.LastKnownAliveDate < x.Casebook.Enrolment.EnrolmentDate
                ? CheckFindings.Pair("lost-before-enrolment", Ref(), "lastKnownAliveDate", new FormRef(Enrolment.EnrolmentForm.FormName), "enrolmentDate",
                    "The last date known alive cannot precede enrolment.")
                : []),
    ];

    public override void MapEndpoints(IEndpointRouteBuilder app) => RecordLostToFollowUp.Map(app);
}

public static class SurvivalOfTheCasebook
{
    extension(Casebook c)
    {
        public IReadOnlyList<ContactRecorded> Contacts => c.All<ContactRecorded>();
        public DeathRecorded? Death => c.One<DeathRecorded>();
        public LostToFollowUp? LostToFollowUp => c.One<LostToFollowUp>();

        /// <summary>The latest date the clinic knew the subject alive.</summary>
        public DateOnly? LastKnownAlive => new DateOnly?[]
            {
                // An imported subject of another EDC may have no enrolment form.
                c.One<Enrolment.SubjectEnrolled>()?.EnrolmentDate, c.FirstDose?.Date, c.LostToFollowUp?.LastKnownAliveDate,
                c.Contacts.Count > 0 ? c.Contacts.Max(x => x.Date) : null,
                c.Assessments.Count > 0 ? c.Assessments.Max(a => a.Date) : null,
                c.Cycles.Count > 0 ? c.Cycles.Max(x => x.StartDate) : null,
            }.Where(d => d.HasValue).Max();
    }
}
