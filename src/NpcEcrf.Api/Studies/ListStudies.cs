using Marten;

namespace NpcEcrf.Api.Studies;

/// <summary>GET /studies: every study with its sites, its latest definition version and the one in force today (UTC).</summary>
public static class ListStudies
{
    public sealed record StudySummary(string StudyId, string Title, IReadOnlyList<Site> Sites, int LatestVersion, int VersionInForce, DateOnly InForceFrom);

    public static StudySummary Summary(Study study, DateOnly today) =>
        new(study.StudyId, study.Title, study.Sites, study.Latest.Version, study.VersionOn(today).Version, study.VersionOn(today).EffectiveFrom);

    public static async Task<IReadOnlyList<StudySummary>> All(IQuerySession session, DateOnly today, CancellationToken ct) =>
        (await session.Query<Study>().ToListAsync(ct)).OrderBy(s => s.StudyId, StringComparer.Ordinal).Select(s => Summary(s, today)).ToList();

    /// <summary>Every signed-in role may list the studies (a CRA needs the protocol it works to).</summary>
    public static void Map(IEndpointRouteBuilder app) => app
        .MapGet("/studies", async (IQuerySession session, TimeProvider clock, CancellationToken ct) =>
        {
            var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
            // With a database per study, every placed study's database is read.
            return Results.Json(await Infrastructure.StudyRouting.EveryStudy(session, s => All(s, today, ct)), Casebooks.CasebookJson.Options);
        })
        .Produces<StudySummary[]>()
        .Operation("listStudies", "List studies", "Studies");
}
