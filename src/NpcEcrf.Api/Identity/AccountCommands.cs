using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

/// <summary>Account commands through the one pipeline; the answer is the account as the API shows it (never a hash).</summary>
public static class AccountCommands
{
    /// <param name="roles">Who may act (empty: any authenticated user, for their own account).</param>
    /// <param name="alongside">More writes in the same transaction (a new password's credential).</param>
    public static Task<CommandOutcome> Apply(IDocumentSession session, Actor actor, string username, string[] roles, Func<UserAccount, Decision> decide,
        CancellationToken ct, Action<IDocumentSession>? alongside = null) =>
        CommandPipeline.Run(session, actor, new WriteRequest<UserAccount>
        {
            StreamId = UserAccount.IdFor(username), What = $"User '{username}'", Roles = roles,
            Command = null, // account commands carry no command id
            Decide = account => decide(account!),
            Alongside = alongside is null ? null : (s, _, _) =>
            {
                alongside(s);
                return Task.FromResult<Rejection?>(null);
            },
            Answer = UserView.Of,
        }, ct);

    /// <summary>An admin's change to an account, answered in HTTP.</summary>
    public static async Task<IResult> ByAdmin(HttpContext http, IDocumentSession session, string username, Func<UserAccount, Decision> decide) =>
        (await Apply(session, Actor.From(http.User), username, [Roles.Admin], decide, http.RequestAborted)).ToHttp();

    public static Rejection? UnknownRole(string role) =>
        Roles.IsKnown(role) ? null : Rejection.Invalid("role", $"Unknown role '{role}'. Roles: {string.Join(", ", Roles.All)}.");
}
