using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

public static class ListUsers
{
    public sealed record AccountHistoryEntry(long Version, string EventType, DateTimeOffset Timestamp, string? User, string? CorrelationId, object Data);

    public static void Map(IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/users").RequireAuthorization(Policies.AdminOrAuditor);
        users.MapGet("", async (IQuerySession session, CancellationToken ct) =>
            (await session.Query<UserAccount>().OrderBy(a => a.Username).ToListAsync(ct)).Select(UserView.Of))
            .Produces<UserView[]>().Refuses(403).Operation("listUsers", "List users", "Identity");
        users.MapGet("/{username}", async (string username, IQuerySession session, CancellationToken ct) =>
            await session.LoadAsync<UserAccount>(UserAccount.IdFor(username), ct) is { } a ? Results.Ok(UserView.Of(a)) : Problems.NotFound($"User '{username}'"))
            .Produces<UserView>().Refuses(403, 404).Operation("getUser", "Read a user", "Identity");
        users.MapGet("/{username}/history", async (string username, IQuerySession session, CancellationToken ct) =>
        {
            var events = await session.Events.FetchStreamAsync(UserAccount.IdFor(username), token: ct);
            if (events.Count == 0) return Problems.NotFound($"User '{username}'");
            return Results.Ok(events.Select(e => new AccountHistoryEntry(
                e.Version, e.EventTypeName, e.Timestamp, e.UserName, e.CorrelationId, e.Data)));
        }).Produces<AccountHistoryEntry[]>().Refuses(403, 404).Operation("getUserHistory", "Read a user account's history (its events)", "Identity");
    }
}
