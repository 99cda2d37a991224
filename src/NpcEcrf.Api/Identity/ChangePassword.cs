using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

/// <summary>Users change their own password (proving the current one); admins may reset anyone's.</summary>
public sealed record ChangePassword(string? CurrentPassword, string NewPassword)
{
    public sealed class Validator : AbstractValidator<ChangePassword>
    {
        public Validator() => RuleFor(c => c.NewPassword).NotEmpty().MinimumLength(Passwords.MinimumLength);
    }

    public static Decision Decide(UserAccount account, ChangePassword c, Actor actor)
    {
        var isSelf = string.Equals(actor.Username, account.Username, StringComparison.OrdinalIgnoreCase);
        if (!isSelf && !actor.Has(Roles.Admin)) return Rejection.Invalid("username", "Only the user or an admin may change a password.");
        if (isSelf && !actor.Has(Roles.Admin) && (c.CurrentPassword is null || !Passwords.Verify(account, c.CurrentPassword)))
            return Rejection.Invalid("currentPassword", "The current password is wrong.");
        return Decision.Accept(new PasswordChanged(Passwords.Hash(c.NewPassword)));
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/users/{username}/password", async (string username, ChangePassword c, HttpContext http, IDocumentSession s, CancellationToken ct) =>
        {
            var actor = Actor.From(http.User);
            if (!actor.Has(Roles.Admin) && !string.Equals(actor.Username, username, StringComparison.OrdinalIgnoreCase))
                return Problems.Forbidden("Only the user or an admin may change a password.");
            return await AccountCommands.Run(s, username, a => Decide(a, c, actor), ct);
        })
        .Validated<ChangePassword>()
        .WithTags("Users");
}
