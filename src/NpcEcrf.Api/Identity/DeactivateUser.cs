using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

/// <summary>Accounts are never deleted (their events stay attributable); they are deactivated.</summary>
public sealed record DeactivateUser(string Reason)
{
    public sealed class Validator : AbstractValidator<DeactivateUser>
    {
        public Validator() => RuleFor(c => c.Reason).NotEmpty().MaximumLength(500);
    }

    public static Decision Decide(UserAccount account, DeactivateUser c) =>
        account.Active ? Decision.Accept(new UserAccountDeactivated(c.Reason)) : Rejection.Conflict("The account is already deactivated.");

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/users/{username}/deactivate", (string username, DeactivateUser c, HttpContext http, IDocumentSession s) =>
            AccountCommands.ByAdmin(http, s, username, a => Decide(a, c)))
        .Validated<DeactivateUser>()
        .RequireAuthorization(Policies.Admin)
        .Command<UserView>(underLocks: false)
        .Operation("deactivateUser", "Deactivate a user", "Identity");
}
