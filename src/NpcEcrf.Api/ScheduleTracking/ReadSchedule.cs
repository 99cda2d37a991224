using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.ScheduleTracking;

/// <summary>
/// The schedule as a CRA and a monitor use it: one subject's expected forms, and per site what is due and overdue.
/// Readers of live casebooks only (ReadCasebooks.CanRead), and only the sites they may see.
/// </summary>
public static class ReadSchedule
{
    public sealed record SubjectSchedule(string StudyId, string SiteId, string SubjectNumber, DateOnly Today, ScheduleCounts Counts, IReadOnlyList<ExpectedForm> Expected);

    public sealed record SubjectLine(string SubjectNumber, ScheduleCounts Counts, IReadOnlyList<ExpectedForm> Due, IReadOnlyList<ExpectedForm> Overdue);

    public sealed record SiteSchedule(string SiteId, DateOnly Today, ScheduleCounts Totals, IReadOnlyList<SubjectLine> Subjects);

    public static SubjectSchedule Of(Casebook c, Study study, DateTimeOffset now)
    {
        var today = study.Today(c.SiteId, now);
        var expected = ScheduleTracker.Expected(c, study, today);
        return new SubjectSchedule(c.StudyId, c.SiteId, c.SubjectNumber, today, ScheduleCounts.Of(expected), expected);
    }

    public static SiteSchedule Site(string siteId, IEnumerable<Casebook> casebooks, Study study, DateTimeOffset now)
    {
        var subjects = casebooks.OrderBy(c => c.SubjectNumber, StringComparer.Ordinal).Select(c => Of(c, study, now))
            .Select(s => new SubjectLine(s.SubjectNumber, s.Counts,
                s.Expected.Where(e => e.Status == ScheduleStatus.Due).ToList(), s.Expected.Where(e => e.Status == ScheduleStatus.Overdue).ToList()))
            .ToList();
        return new SiteSchedule(siteId, study.Today(siteId, now), ScheduleCounts.Sum(subjects.Select(s => s.Counts)), subjects);
    }

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(SubjectRoutes.Subject + "/schedule", async (string studyId, string subjectNumber, HttpContext http, IQuerySession session, TimeProvider clock) =>
        {
            if (await session.LoadAsync<Casebook>(Casebook.IdFor(studyId, subjectNumber), http.RequestAborted) is not { } c
                || !ReadCasebooks.CanRead(Actor.From(http.User), c.StudyId, c.SiteId))
                return Problems.NotFound($"Subject {subjectNumber} of study {studyId}");
            var study = (await session.LoadAsync<Study>(Study.IdFor(c.StudyId), http.RequestAborted))!;
            return Results.Json(Of(c, study, clock.GetUtcNow()), CasebookJson.Options);
        }).Produces<SubjectSchedule>().Refuses(404).Operation("getSubjectSchedule", "Read the forms a subject's schedule expects", "Schedule tracking");

        // Every site of the study the reader may see, or the one named by ?siteId=.
        app.MapGet("/studies/{studyId}/schedule", async (string studyId, string? siteId, HttpContext http, IQuerySession session, TimeProvider clock) =>
        {
            var actor = Actor.From(http.User);
            if (!actor.Has(ReadCasebooks.ReaderRoles)) return Problems.Forbidden("Schedules are read by site staff, monitors, data managers, auditors and admins.");
            if (await session.LoadAsync<Study>(Study.IdFor(studyId), http.RequestAborted) is not { } study) return Problems.NotFound($"Study {studyId}");
            if (siteId is not null && !study.Sites.Any(s => StableIds.Same(s.SiteId, siteId))) return Problems.NotFound($"Site {siteId} of study {study.StudyId}");
            if (siteId is not null && !ReadCasebooks.CanRead(actor, study.StudyId, siteId)) return Problems.Forbidden($"You are not assigned to site '{siteId}'.");
            var sites = study.Sites.Where(s => (siteId is null || StableIds.Same(s.SiteId, siteId)) && ReadCasebooks.CanRead(actor, study.StudyId, s.SiteId)).ToList();
            // Casebooks keep the study's spelling of the site id.
            var siteIds = sites.Select(s => s.SiteId).ToArray();
            var casebooks = await session.Query<Casebook>().Where(c => c.StudyId == study.StudyId && siteIds.Contains(c.SiteId)).ToListAsync(http.RequestAborted);
            var now = clock.GetUtcNow();
            return Results.Json(sites.Select(site => Site(site.SiteId, casebooks.Where(c => c.SiteId == site.SiteId), study, now)), CasebookJson.Options);
        }).Produces<SiteSchedule[]>().Refuses(403, 404).Operation("getStudySchedule", "Read the forms due and overdue at each site", "Schedule tracking");
    }
}
