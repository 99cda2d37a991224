using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

/// <summary>An admin ends every token a user holds (a lost laptop, a suspected leak); the user logs in again.</summary>
public static class RevokeTokens
{
    public static Decision Decide(UserAccount account, Actor admin) => Decision.Accept(new TokensRevoked($"revoked by {admin.Username}"));

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/users/{username}/revoke-tokens", (string username, HttpContext http, IDocumentSession s) =>
            AccountCommands.ByAdmin(http, s, username, a => Decide(a, Actor.From(http.User))))
        .RequireAuthorization(Policies.Admin)
        .Command<UserView>(underLocks: false)
        .Operation("revokeUserTokens", "Revoke every token of a user", "Identity");
}
