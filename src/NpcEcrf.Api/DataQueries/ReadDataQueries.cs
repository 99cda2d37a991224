using Marten;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.DataQueries;

public static class ReadDataQueries
{
    public sealed record OpenQuery(Guid Id, string SubjectNumber, string Form, string Field, DataQueryState State, DataQueryOrigin Origin, string Text, DateTimeOffset RaisedAt, double AgeDays);
    public sealed record SiteQueryReport(string SiteId, IReadOnlyDictionary<DataQueryState, int> CountsByState, double? MedianDaysToClose);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/studies/{studyId}/sites/{siteId}/data-queries", async (string studyId, string siteId, bool? openOnly, HttpContext http, IQuerySession session, TimeProvider clock) =>
        {
            if (!ReadCasebooks.CanRead(Actor.From(http.User), studyId, siteId)) return Problems.Forbidden($"You are not assigned to site '{siteId}'.");
            var queries = await session.Query<DataQuery>().Where(q => q.StudyId == studyId && q.SiteId == siteId).ToListAsync(http.RequestAborted);
            var now = clock.GetUtcNow();
            return Results.Json(queries.Where(q => openOnly != true || q.IsOpen).OrderBy(q => q.RaisedAt)
                .Select(q => new OpenQuery(q.Id, q.SubjectNumber, q.Form, q.Field, q.State, q.Origin, q.Messages[0].Text ?? "", q.RaisedAt,
                    Math.Round((now - q.RaisedAt).TotalDays, 2))), CasebookJson.Options);
        }).Produces<OpenQuery[]>().Refuses(403).Operation("listSiteDataQueries", "List a site's data queries", "Data queries");

        app.MapGet("/data-queries/{id:guid}", async (Guid id, HttpContext http, IQuerySession session) =>
            await session.LoadAsync<DataQuery>(id, http.RequestAborted) is { } q && ReadCasebooks.CanRead(Actor.From(http.User), q.StudyId, q.SiteId)
                ? Results.Json(q, CasebookJson.Options) : Problems.NotFound("Data query"))
            .Produces<DataQuery>().Refuses(404).Operation("getDataQuery", "Read a data query with its messages", "Data queries");

        app.MapGet("/studies/{studyId}/data-queries/report", async (string studyId, HttpContext http, IQuerySession session) =>
        {
            var actor = Actor.From(http.User);
            var queries = await session.Query<DataQuery>().Where(q => q.StudyId == studyId).ToListAsync(http.RequestAborted);
            return Results.Json(queries.Where(q => ReadCasebooks.CanRead(actor, q.StudyId, q.SiteId)).GroupBy(q => q.SiteId).OrderBy(g => g.Key)
                .Select(g => Report(g.Key, g.ToList())), CasebookJson.Options);
        }).Produces<SiteQueryReport[]>().Operation("getDataQueryReport", "Report a study's data queries per site", "Data queries");
    }

    public static SiteQueryReport Report(string siteId, IReadOnlyList<DataQuery> queries)
    {
        var counts = Enum.GetValues<DataQueryState>().ToDictionary(s => s, s => queries.Count(q => q.State == s));
        var days = queries.Where(q => q.ClosedAt is not null).Select(q => (q.ClosedAt!.Value - q.RaisedAt).TotalDays).Order().ToList();
        double? median = days.Count == 0 ? null : days.Count % 2 == 1 ? days[days.Count / 2] : (days[days.Count / 2 - 1] + days[days.Count / 2]) / 2;
        return new SiteQueryReport(siteId, counts, median is null ? null : Math.Round(median.Value, 2));
    }
}
