using Marten;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Casebooks;

/// <summary>
/// Casebooks and whole studies as the database knew them at a past moment, rebuilt from Marten's event
/// store (never from a copy that could drift).
/// </summary>
public static class TimeTravel
{
    /// <summary>The answer of GET /studies/{studyId}/as-of: each casebook as readers get it (<see cref="CasebookView"/>).</summary>
    public sealed record StudyAsOfView(DateTimeOffset AsOf, Study Study, IReadOnlyList<System.Text.Json.Nodes.JsonObject> Casebooks);

    public sealed record StudyAsOf(DateTimeOffset AsOf, Study? Study, IReadOnlyList<Casebook> Casebooks);

    public static Task<Casebook?> CasebookAsOf(IQuerySession session, Guid subjectId, DateTimeOffset? asOf, long? version, CancellationToken ct) =>
        session.Events.AggregateStreamAsync<Casebook>(subjectId, version ?? 0, asOf?.ToUniversalTime(), token: ct);

    /// <summary>Every casebook of the study the reader may see, and its site list, as of <paramref name="asOf"/>: the study's own streams read once and folded as they arrive.</summary>
    public static async Task<StudyAsOf> StudyAt(IQuerySession session, string studyId, DateTimeOffset asOf, Func<string, bool> canSeeSite, CancellationToken ct)
    {
        var study = await session.Events.AggregateStreamAsync<Study>(Study.IdFor(studyId), timestamp: asOf.ToUniversalTime(), token: ct);
        if (study is null) return new StudyAsOf(asOf, null, []);
        // The study's own spelling of its id: the stream map and the casebooks keep that one, whatever case the caller wrote.
        var replayed = await Locks.CohortReplay.Replay(session, study.StudyId, null, asOf, canSeeSite, ct);
        return new StudyAsOf(asOf, study, [.. replayed.Casebooks.OrderBy(c => c.SiteId).ThenBy(c => c.SubjectNumber, StringComparer.Ordinal)]);
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapGet("/studies/{studyId}/as-of", async (string studyId, DateTimeOffset at, HttpContext http, IQuerySession session) =>
        {
            var actor = Actor.From(http.User);
            if (!actor.Has(ReadCasebooks.ReaderRoles)) return Problems.Forbidden("Your role does not read live casebooks.");
            var snapshot = await StudyAt(session, studyId, at.ToUniversalTime(), site => actor.CanSeeSite(studyId, site), http.RequestAborted);
            return snapshot.Study is null ? Problems.NotFound($"Study '{studyId}' as of {at:O}") : Results.Json(new StudyAsOfView(snapshot.AsOf, snapshot.Study, [.. snapshot.Casebooks.Select(c => CasebookView.Of(c, snapshot.Study!, at))]), CasebookJson.Options);
        })
        .Produces<StudyAsOfView>()
        .Refuses(400, 403, 404)
        .Operation("getStudyAsOf", "Read a study and its casebooks as they stood at a moment", "Casebooks");
}
