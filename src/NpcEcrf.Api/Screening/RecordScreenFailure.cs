using FluentValidation;
using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Screening;

/// <summary>
/// A site records a subject it screened and found not eligible. The subject is never enrolled (enrolment refuses the
/// number); the record names the failed criteria, or the reason when no criterion says it (consent withdrawn, say).
/// </summary>
public sealed record RecordScreenFailure(string SubjectNumber, string SiteId, DateOnly ScreeningDate, Dictionary<string, bool> Eligibility,
    string? Reason = null, Guid? CommandId = null) : IRetryableCommand
{
    public sealed class Validator : AbstractValidator<RecordScreenFailure>
    {
        public Validator()
        {
            RuleFor(c => c.SubjectNumber).NotEmpty().MaximumLength(40).Matches("^[A-Za-z0-9_-]+$");
            RuleFor(c => c.SiteId).NotEmpty().MaximumLength(64);
            RuleFor(c => c.Reason).MaximumLength(1000);
        }
    }

    /// <summary>The site is the study's; every answer names a criterion of the definition in force; the date is not in the site's future; something failed.</summary>
    public static Decision Decide(Study study, DefinitionVersion version, RecordScreenFailure c, DateOnly siteToday)
    {
        if (study.Sites.FirstOrDefault(s => StableIds.Same(s.SiteId, c.SiteId)) is not { } site)
            return Rejection.Invalid("siteId", $"Site '{c.SiteId}' is not part of study {study.StudyId}.");
        var criteria = version.Definition.Criteria;
        var errors = c.Eligibility.Keys.Where(k => criteria.All(x => x.Id != k))
            .ToDictionary(k => $"eligibility.{k}", k => new[] { $"'{k}' is not an eligibility criterion of the study ({string.Join(", ", criteria.Select(x => x.Id))})." });
        if (c.ScreeningDate > siteToday)
            errors["screeningDate"] = [$"{c.ScreeningDate:yyyy-MM-dd} is in the future at site {site.SiteId} (today there is {siteToday:yyyy-MM-dd})."];
        var failed = criteria.Where(x => c.Eligibility.TryGetValue(x.Id, out var met) && met != (x.Kind == CriterionKinds.Inclusion)).Select(x => x.Id).ToList();
        if (failed.Count == 0 && string.IsNullOrWhiteSpace(c.Reason))
            errors["reason"] = ["Name at least one failed criterion (an inclusion not met or an exclusion met) in eligibility, or say why the subject is not enrolled."];
        return errors.Count > 0
            ? Rejection.Invalid(errors, "The screen failure cannot be recorded.")
            : Decision.Accept(new ScreenFailureRecorded(study.StudyId, site.SiteId, c.SubjectNumber, c.ScreeningDate, c.Eligibility, failed,
                string.IsNullOrWhiteSpace(c.Reason) ? null : c.Reason.Trim(), version.Version));
    }

    public static async Task<CommandOutcome> Run(IDocumentSession session, Actor actor, DateTimeOffset now, string studyId, RecordScreenFailure c, CancellationToken ct)
    {
        if (await session.LoadAsync<Study>(Study.IdFor(studyId), ct) is not { } study) return Rejection.NotFound($"Study '{studyId}'");
        if (!actor.CanSeeSite(study.StudyId, c.SiteId)) return Rejection.Forbidden($"You are not assigned to site '{c.SiteId}' of study {study.StudyId}.");
        // The other half of "a screen failure is never enrolled": an enrolled number is not recorded as one.
        if (await session.Events.FetchStreamStateAsync(Casebook.IdFor(study.StudyId, c.SubjectNumber), ct) is not null)
            return Rejection.Conflict($"Subject number {c.SubjectNumber} is enrolled in study {study.StudyId}; an enrolled subject is not a screen failure.");
        return await CommandPipeline.Run(session, actor, new WriteRequest<ScreenFailure>
        {
            StreamId = ScreenFailure.IdFor(study.StudyId, c.SubjectNumber), What = $"Screen failure {c.SubjectNumber} of study {study.StudyId}",
            Roles = CasebookCommands.WriterRoles, Command = CommandKey.Of(c),
            StartsStream = true, AlreadyExists = $"Subject number {c.SubjectNumber} is already recorded as a screen failure in study {study.StudyId}.",
            CreatedAt = $"/studies/{study.StudyId}/screen-failures?subjectNumber={Uri.EscapeDataString(c.SubjectNumber)}",
            LockedStudy = _ => study.StudyId,
            Decide = _ => Decide(study, study.VersionAt(c.SiteId, now), c, study.Today(c.SiteId, now)),
            Answer = failure => failure,
        }, ct);
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/studies/{studyId}/screen-failures", async (string studyId, RecordScreenFailure c, HttpContext http, IDocumentSession session, TimeProvider clock) =>
            (await Run(session, Actor.From(http.User), clock.GetUtcNow(), studyId, c, http.RequestAborted)).ToHttp())
        .Validated<RecordScreenFailure>()
        .Command<ScreenFailure>(creates: true)
        .Operation("recordScreenFailure", "Record a screen failure", "Screening");
}
