using FluentValidation;
using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Enrolment;

/// <summary>Screening and enrolment: starts the subject's stream. Subject numbers are unique per study.</summary>
public sealed record EnrolSubject(string SubjectNumber, string SiteId, DateOnly ConsentDate, DateOnly EnrolmentDate, bool EligibilityConfirmed, Guid? CommandId = null)
{
    public sealed class Validator : AbstractValidator<EnrolSubject>
    {
        public Validator()
        {
            RuleFor(c => c.SubjectNumber).NotEmpty().MaximumLength(40).Matches("^[A-Za-z0-9_-]+$");
            RuleFor(c => c.SiteId).NotEmpty().MaximumLength(64);
        }
    }

    /// <summary>Act rule only: the site must be one of the study's. Eligibility and dates are the enrolment form's checks.</summary>
    public static Decision Decide(Study study, EnrolSubject c) => study.Sites.FirstOrDefault(s => StableIds.Same(s.SiteId, c.SiteId)) is { } site
        ? Decision.Accept(new SubjectEnrolled(study.StudyId, site.SiteId, c.SubjectNumber, c.ConsentDate, c.EnrolmentDate, c.EligibilityConfirmed))
        : Rejection.Invalid("siteId", $"Site '{c.SiteId}' is not part of study {study.StudyId}.");

    public static async Task<CommandOutcome> Run(IDocumentSession session, Actor actor, DateTimeOffset now, string studyId, EnrolSubject c, CancellationToken ct)
    {
        if (await session.LoadAsync<Study>(Study.IdFor(studyId), ct) is not { } study) return Rejection.NotFound($"Study '{studyId}'");
        var id = Casebook.IdFor(study.StudyId, c.SubjectNumber);
        if (!actor.CanSeeSite(study.StudyId, c.SiteId)) return Rejection.Forbidden($"You are not assigned to site '{c.SiteId}' of study {study.StudyId}.");
        return await CommandPipeline.Run(session, actor, new WriteRequest<Casebook>
        {
            StreamId = id, What = $"Subject {c.SubjectNumber} of study {studyId}", Roles = CasebookCommands.WriterRoles, CommandId = c.CommandId,
            StartsStream = true, AlreadyExists = $"Subject number {c.SubjectNumber} is already used in this study.",
            CreatedAt = $"/studies/{study.StudyId}/subjects/{c.SubjectNumber}",
            LockedStudy = _ => study.StudyId,
            Decide = _ => Decide(study, c),
            // The enrolment form is checked like every later form: on the casebook it creates.
            Check = (_, events) => CasebookCommands.Check(null, study, id, events, actor.Username, now),
            Answer = CasebookView.Of,
        }, ct);
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/studies/{studyId}/subjects", async (string studyId, EnrolSubject c, HttpContext http, IDocumentSession session, TimeProvider clock) =>
            (await Run(session, Actor.From(http.User), clock.GetUtcNow(), studyId, c, http.RequestAborted)).ToHttp())
        .Validated<EnrolSubject>()
        .WithTags("Enrolment");
}
