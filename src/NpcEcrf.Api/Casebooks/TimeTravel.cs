using JasperFx.Events;
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

    /// <summary>Every casebook of the study and its site list as of <paramref name="asOf"/>: one read of the events, one replay.</summary>
    public static async Task<StudyAsOf> StudyAt(IQuerySession session, string studyId, DateTimeOffset asOf, Func<string, bool> canSeeSite, CancellationToken ct)
    {
        var study = await session.Events.AggregateStreamAsync<Study>(Study.IdFor(studyId), timestamp: asOf.ToUniversalTime(), token: ct);
        return new StudyAsOf(asOf, study, Casebooks(await EventsUntil(session, asOf, ct), studyId, canSeeSite));
    }

    public static Task<IReadOnlyList<IEvent>> EventsUntil(IQuerySession session, DateTimeOffset asOf, CancellationToken ct) =>
        StoredEvents.Read(session, null, asOf, ct);

    /// <summary>Replays each subject stream of the study; streams are independent, so they replay in parallel.</summary>
    public static IReadOnlyList<Casebook> Casebooks(IReadOnlyList<IEvent> events, string studyId, Func<string, bool> canSeeSite) =>
        events.GroupBy(e => e.StreamId)
            .Where(g => CasebookEvolution.Opening(g.First().Data) is { } opening && opening.StudyId == studyId && canSeeSite(opening.SiteId))
            .AsParallel()
            .Select(g => CasebookEvolution.Build(g.OrderBy(e => e.Version))!)
            .OrderBy(c => c.SiteId).ThenBy(c => c.SubjectNumber, StringComparer.Ordinal)
            .ToList();

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
