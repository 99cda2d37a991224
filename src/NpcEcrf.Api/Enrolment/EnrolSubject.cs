using FluentValidation;
using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Enrolment;

/// <summary>
/// Enrolment starts the subject's stream. Subject numbers are unique per study. The arm is recorded (a study with one
/// arm needs none sent); each eligibility criterion of the definition is answered met or not met.
/// </summary>
public sealed record EnrolSubject(string SubjectNumber, string SiteId, DateOnly ConsentDate, DateOnly EnrolmentDate, Dictionary<string, bool> Eligibility,
    string? Arm = null, Guid? CommandId = null) : IRetryableCommand
{
    public sealed class Validator : AbstractValidator<EnrolSubject>
    {
        public Validator()
        {
            RuleFor(c => c.SubjectNumber).NotEmpty().MaximumLength(40).Matches("^[A-Za-z0-9_-]+$");
            RuleFor(c => c.SiteId).NotEmpty().MaximumLength(64);
            RuleFor(c => c.Arm).MaximumLength(40);
        }
    }

    /// <summary>Act rules only: the site is one of the study's, and a study of several arms says which. Eligibility and dates are the enrolment form's checks.</summary>
    public static Decision Decide(Study study, StudyDefinition definition, EnrolSubject c)
    {
        if (study.Sites.FirstOrDefault(s => StableIds.Same(s.SiteId, c.SiteId)) is not { } site)
            return Rejection.Invalid("siteId", $"Site '{c.SiteId}' is not part of study {study.StudyId}.");
        var arms = definition.Treatment.Arms;
        if (c.Arm is null && arms.Count > 1) return Rejection.Invalid("arm", $"Say which arm the subject is assigned to: {string.Join(", ", arms.Select(a => a.Code))}.");
        var arm = c.Arm ?? arms[0].Code;
        return Decision.Accept(new SubjectEnrolled(study.StudyId, site.SiteId, c.SubjectNumber, c.ConsentDate, c.EnrolmentDate, arm, c.Eligibility));
    }

    public static async Task<CommandOutcome> Run(IDocumentSession session, Actor actor, DateTimeOffset now, string studyId, EnrolSubject c, CancellationToken ct)
    {
        // The study, its locks, and whether the subject number is taken (enrolled or a screen failure): one round trip.
        var batch = session.CreateBatchQuery();
        var studyRead = batch.Load<Study>(Study.IdFor(studyId));
        var id = Casebook.IdFor(studyId, c.SubjectNumber);
        var screenFailure = batch.Events.FetchStreamState(Screening.ScreenFailure.IdFor(studyId, c.SubjectNumber));
        var command = CommandKey.Of(c);
        var read = CommandPipeline.Enlist<Casebook>(session, batch, id, startsStream: true, command, lockedStudy: studyId);
        await batch.Execute(ct);
        if (await studyRead is not { } study) return Rejection.NotFound($"Study '{studyId}'");
        if (!actor.CanSeeSite(study.StudyId, c.SiteId)) return Rejection.Forbidden($"You are not assigned to site '{c.SiteId}' of study {study.StudyId}.");
        if (await screenFailure is not null)
            return Rejection.Conflict($"Subject number {c.SubjectNumber} was recorded as a screen failure in study {study.StudyId}; a screen failure is never enrolled.");
        return await CommandPipeline.Run(session, actor, new WriteRequest<Casebook>
        {
            StreamId = id, What = $"Subject {c.SubjectNumber} of study {studyId}", Roles = CasebookCommands.WriterRoles, Command = command,
            StartsStream = true, Read = read, AlreadyExists = $"Subject number {c.SubjectNumber} is already used in this study.",
            CreatedAt = $"/studies/{study.StudyId}/subjects/{c.SubjectNumber}",
            LockedStudy = _ => study.StudyId,
            Decide = _ => Decide(study, study.VersionAt(c.SiteId, now).Definition, c),
            // The enrolment form is checked like every later form: on the casebook it creates.
            Check = (_, events) => CasebookCommands.Check(null, study, id, events, actor.Username, now),
            Answer = casebook => CasebookView.Of(casebook, study, now),
        }, ct);
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/studies/{studyId}/subjects", async (string studyId, EnrolSubject c, HttpContext http, IDocumentSession session, TimeProvider clock) =>
            (await Run(session, Actor.From(http.User), clock.GetUtcNow(), studyId, c, http.RequestAborted)).ToHttp())
        .Validated<EnrolSubject>()
        .CasebookCommand(creates: true)
        .Operation("enrolSubject", "Enrol a subject", "Enrolment");
}
