using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

/// <summary>
/// Users change their own password by proving the current one, admins included; an admin may reset another
/// user's password without it. The change ends every token the user holds (the security stamp moves).
/// </summary>
public sealed record ChangePassword(string? CurrentPassword, string NewPassword)
{
    public sealed class Validator : AbstractValidator<ChangePassword>
    {
        public Validator() => RuleFor(c => c.NewPassword).NotEmpty();
    }

    public static Decision Decide(UserAccount account, string? currentHash, ChangePassword c, Actor actor)
    {
        var isSelf = string.Equals(actor.Username, account.Username, StringComparison.OrdinalIgnoreCase);
        if (!isSelf && !actor.Has(Roles.Admin)) return Rejection.Invalid("username", "Only the user or an admin may change a password.");
        if (isSelf && (c.CurrentPassword is null || !Passwords.Matches(currentHash, c.CurrentPassword)))
            return Rejection.Invalid("currentPassword", "The current password is wrong.");
        if (PasswordPolicy.Check(c.NewPassword, account.Username, currentHash) is [var problem, ..])
            return Rejection.Invalid("newPassword", problem);
        return Decision.Accept(new PasswordChanged(ResetByAdmin: !isSelf));
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/users/{username}/password", async (string username, ChangePassword c, HttpContext http, IDocumentSession s,
            PasswordCredentials credentials, CancellationToken ct) =>
        {
            var actor = Actor.From(http.User);
            if (!actor.Has(Roles.Admin) && !string.Equals(actor.Username, username, StringComparison.OrdinalIgnoreCase))
                return Problems.Forbidden("Only the user or an admin may change a password.");
            var id = UserAccount.IdFor(username);
            var currentHash = await credentials.HashOfAsync(id, ct);
            // Saved only if the decision accepts: the new hash commits with the PasswordChanged event or not at all.
            return (await AccountCommands.Apply(s, actor, username, [], a => Decide(a, currentHash, c, actor), ct,
                session => session.Store(Passwords.Credential(id, c.NewPassword)))).ToHttp();
        })
        .Validated<ChangePassword>()
        .Command<UserView>(underLocks: false)
        .Operation("changePassword", "Change a password (one's own, or any as admin)", "Identity");
}
