using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.DataQueries;

public static class DataQueryCommands
{
    /// <summary>Monitors and data managers raise, close, cancel and reopen queries.</summary>
    public static readonly string[] ReviewerRoles = [Roles.Monitor, Roles.DataManager];
    /// <summary>Site staff answer them.</summary>
    public static readonly string[] SiteRoles = [Roles.Cra, Roles.Investigator];

    public static async Task<IResult> Run(HttpContext http, IDocumentSession session, Guid id, string[] roles, Func<DataQuery, Decision> decide)
    {
        var ct = http.RequestAborted;
        var actor = Actor.From(http.User);
        if (!actor.Has(roles)) return Problems.Forbidden($"This needs one of the roles: {string.Join(", ", roles)}.");
        var stream = await session.Events.FetchForWriting<DataQuery>(id, ct);
        if (stream.Aggregate is not { } query || !actor.CanSeeSite(query.SiteId)) return Problems.NotFound("Data query");
        if (await Locks.LockGuard.Check(session, query.StudyId, Locks.WriteKind.Review, ct) is { } locked) return locked;
        var decision = decide(query);
        if (decision.Rejection is { } rejection) return rejection.ToProblem();
        stream.AppendMany(decision.Events);
        await session.SaveChangesAsync(ct);
        return Results.Json(await session.LoadAsync<DataQuery>(id, ct), Subjects.CasebookForms.Json);
    }
}
