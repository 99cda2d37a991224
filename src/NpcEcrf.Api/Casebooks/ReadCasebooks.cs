using NpcEcrf.Api.AdverseEvents;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TumourAssessments;
using Marten;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Casebooks;

public static class ReadCasebooks
{
    /// <summary>Who reads live casebooks: site staff and monitors/data managers for their sites; auditors and admins everywhere.</summary>
    public static readonly string[] ReaderRoles = [Roles.Cra, Roles.Investigator, Roles.Monitor, Roles.DataManager, Roles.Auditor, Roles.Admin];

    public sealed record SubjectSummary(string SubjectNumber, string SiteId, SubjectStatus Status, decimal? CurrentDose, int CyclesCompleted, long Version);

    public sealed record HistoryEntry(long Version, long Sequence, string EventType, DateTimeOffset Timestamp, string? User, string? CorrelationId,
        string? CausationId, string? ReasonForChange, object Data);

    public static bool CanRead(Actor actor, string studyId, string siteId) => actor.Has(ReaderRoles) && actor.CanSeeSite(studyId, siteId);

    public static void Map(IEndpointRouteBuilder app)
    {
        // ?asOf=<timestamp> or ?version=<n> rebuilds the casebook as it was then (time travel).
        app.MapGet(SubjectRoutes.Subject, async (string studyId, string subjectNumber, DateTimeOffset? asOf, long? version, HttpContext http, IQuerySession session, TimeProvider clock) =>
        {
            var id = Casebook.IdFor(studyId, subjectNumber);
            var current = await session.LoadAsync<Casebook>(id, http.RequestAborted);
            if (current is null || !CanRead(Actor.From(http.User), current.StudyId, current.SiteId)) return Problems.NotFound($"Subject {subjectNumber} of study {studyId}");
            var study = (await session.LoadAsync<Study>(Study.IdFor(current.StudyId), http.RequestAborted))!;
            if (asOf is null && version is null) return new HttpOutcomes.Answer(CasebookView.Of(current, study, clock.GetUtcNow()), current.Version, null);
            var then = await TimeTravel.CasebookAsOf(session, id, asOf?.ToUniversalTime(), version, http.RequestAborted);
            return then is null ? Problems.NotFound($"Subject {subjectNumber} as of that moment") : Results.Json(CasebookView.Of(then, study, asOf ?? clock.GetUtcNow()), CasebookJson.Options);
        })
        .CasebookRead()
        .Refuses(400, 404)
        .Operation("getCasebook", "Read a subject's casebook (now, as of a moment, or at a version)", "Casebooks");

        app.MapGet(SubjectRoutes.Subject + "/history", async (string studyId, string subjectNumber, HttpContext http, IQuerySession session) =>
        {
            var id = Casebook.IdFor(studyId, subjectNumber);
            if (await session.LoadAsync<Casebook>(id, http.RequestAborted) is not { } c || !CanRead(Actor.From(http.User), c.StudyId, c.SiteId))
                return Problems.NotFound($"Subject {subjectNumber} of study {studyId}");
            var events = await session.Events.FetchStreamAsync(id, token: http.RequestAborted);
            return Results.Json(events.Select(e => new HistoryEntry(e.Version, e.Sequence, e.EventTypeName, e.Timestamp, e.UserName, e.CorrelationId,
                e.CausationId, e.GetHeader(CommandPipeline.ReasonHeader)?.ToString(), e.Data)), CasebookJson.Options);
        }).Produces<HistoryEntry[]>().Refuses(404).Operation("getCasebookHistory", "Read a casebook's history (its events)", "Casebooks");

        app.MapGet("/studies/{studyId}/sites/{siteId}/subjects", async (string studyId, string siteId, HttpContext http, IQuerySession session) =>
        {
            if (!CanRead(Actor.From(http.User), studyId, siteId)) return Problems.Forbidden($"You are not assigned to site '{siteId}'.");
            var casebooks = await session.Query<Casebook>().Where(c => c.StudyId == studyId && c.SiteId == siteId).ToListAsync(http.RequestAborted);
            return Results.Json(casebooks.OrderBy(c => c.SubjectNumber, StringComparer.Ordinal)
                .Select(c => new SubjectSummary(c.SubjectNumber, c.SiteId, CasebookView.Status(c), c.CurrentDose, c.Cycles.Count, c.Version)), CasebookJson.Options);
        }).Produces<SubjectSummary[]>().Refuses(403).Operation("listSiteSubjects", "List a site's subjects", "Casebooks");
    }
}
