using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

/// <summary>
/// Logging out revokes the presented token by moving the account's security stamp, which ends every token the
/// user holds (all their sessions), not only this one.
/// </summary>
public static class Logout
{
    public static Decision Decide(UserAccount account) => Decision.Accept(new TokensRevoked("logout"));

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/auth/logout", async (HttpContext http, IDocumentSession s, CancellationToken ct) =>
        {
            var actor = Actor.From(http.User);
            var outcome = await AccountCommands.Apply(s, actor, actor.Username, [], Decide, ct);
            return outcome is CommandOutcome.Accepted ? Results.NoContent() : outcome.ToHttp();
        })
        .Produces(StatusCodes.Status204NoContent)
        .Refuses(404, 409)
        .Operation("logout", "Log out: revoke every token of the caller's account", "Identity");
}
