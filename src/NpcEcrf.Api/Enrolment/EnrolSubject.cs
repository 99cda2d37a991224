using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Enrolment;

/// <summary>Screening and enrolment: starts the subject's stream. Subject numbers are unique per study.</summary>
public sealed record EnrolSubject(string SubjectNumber, string SiteId, DateOnly ConsentDate, DateOnly EnrolmentDate, bool EligibilityConfirmed, Guid? CommandId = null)
{
    public sealed class Validator : AbstractValidator<EnrolSubject>
    {
        public Validator()
        {
            RuleFor(c => c.SubjectNumber).NotEmpty().MaximumLength(40).Matches("^[A-Za-z0-9_-]+$");
            RuleFor(c => c.SiteId).NotEmpty();
            RuleFor(c => c.ConsentDate).NotEmpty();
            RuleFor(c => c.EnrolmentDate).NotEmpty();
        }
    }

    public static Decision Decide(Study study, EnrolSubject c) => study.HasSite(c.SiteId)
        ? Decision.Accept(new SubjectEnrolled(study.StudyId, c.SiteId, c.SubjectNumber, c.ConsentDate, c.EnrolmentDate, c.EligibilityConfirmed))
        : Rejection.Invalid("siteId", $"Site '{c.SiteId}' is not part of study {study.StudyId}.");

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/studies/{studyId}/subjects", async (string studyId, EnrolSubject c, HttpContext http, IDocumentSession session, TimeProvider clock) =>
        {
            var ct = http.RequestAborted;
            var actor = Actor.From(http.User);
            if (!actor.Has(SubjectCommands.WriterRoles)) return Problems.Forbidden("Only site staff (CRAs and investigators) enrol subjects.");
            if (!actor.CanSeeSite(c.SiteId)) return Problems.Forbidden($"You are not assigned to site '{c.SiteId}'.");
            if (await session.LoadAsync<Study>(Study.IdFor(studyId), ct) is not { } study) return Problems.NotFound($"Study '{studyId}'");
            if (await Locks.LockGuard.Check(session, studyId, Locks.WriteKind.Data, ct) is { } locked) return locked;
            var id = Casebook.IdFor(studyId, c.SubjectNumber);
            if (await session.Events.FetchStreamStateAsync(id, ct) is not null)
                return Problems.Conflict($"Subject number {c.SubjectNumber} is already used in study {studyId}.");

            var decision = Decide(study, c);
            if (decision.Rejection is { } rejection) return rejection.ToProblem();
            var now = clock.GetUtcNow();
            var enrolled = (SubjectEnrolled)decision.Events[0];
            var empty = new Casebook { Id = id, StudyId = studyId, SiteId = c.SiteId, SubjectNumber = c.SubjectNumber, Enrolment = enrolled };
            // The enrolment form itself is checked like every later form: on the casebook it creates.
            var (events, after, refusal) = SubjectCommands.Check(empty, study, [], actor.Username, now);
            if (refusal is not null) return refusal;
            session.Events.StartStream<Casebook>(id, [enrolled, .. events]);
            if (c.CommandId is { } commandId) session.CausationId = commandId.ToString();
            await session.SaveChangesAsync(ct);
            return Results.Created($"/studies/{studyId}/subjects/{c.SubjectNumber}", await session.LoadAsync<Casebook>(id, ct));
        })
        .Validated<EnrolSubject>()
        .WithTags("Enrolment");
}
