using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Screening;

/// <summary>GET /studies/{studyId}/screen-failures[?subjectNumber=]: the screen failures of the sites the reader may see.</summary>
public static class ReadScreenFailures
{
    public static void Map(IEndpointRouteBuilder app) => app
        .MapGet("/studies/{studyId}/screen-failures", async (string studyId, string? subjectNumber, HttpContext http, IQuerySession session) =>
        {
            var actor = Actor.From(http.User);
            if (!actor.Has(ReadCasebooks.ReaderRoles)) return Problems.Forbidden($"This needs one of the roles: {string.Join(", ", ReadCasebooks.ReaderRoles)}.");
            if (await session.LoadAsync<Study>(Study.IdFor(studyId), http.RequestAborted) is not { } study) return Problems.NotFound($"Study '{studyId}'");
            var failures = await session.Query<ScreenFailure>().Where(f => f.StudyId == study.StudyId).ToListAsync(http.RequestAborted);
            return Results.Json(failures
                .Where(f => ReadCasebooks.CanRead(actor, f.StudyId, f.SiteId) && (subjectNumber is null || StableIds.Same(f.SubjectNumber, subjectNumber)))
                .OrderBy(f => f.ScreeningDate).ThenBy(f => f.SubjectNumber, StringComparer.Ordinal), CasebookJson.Options);
        })
        .Produces<ScreenFailure[]>()
        .Refuses(403, 404)
        .Operation("listScreenFailures", "List a study's screen failures", "Screening");
}
