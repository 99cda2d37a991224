using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

// Role and site changes are four tiny commands with one shape; they share this file's mapping.

public sealed record GrantRole(string Role)
{
    public static Decision Decide(UserAccount account, GrantRole c) =>
        AccountCommands.UnknownRole(c.Role) ?? (account.Roles.Contains(c.Role) ? Decision.Accept() : Decision.Accept(new RoleGranted(c.Role)));
}

public sealed record RevokeRole(string Role)
{
    public static Decision Decide(UserAccount account, RevokeRole c) =>
        account.Roles.Contains(c.Role) ? Decision.Accept(new RoleRevoked(c.Role)) : Rejection.Invalid("role", $"The user does not hold role '{c.Role}'.");
}

public sealed record AssignSite(string SiteId)
{
    public sealed class Validator : AbstractValidator<AssignSite>
    {
        public Validator() => RuleFor(c => c.SiteId).NotEmpty().MaximumLength(64);
    }

    /// <param name="site">The assignment resolved to STUDY/SITE (<see cref="Studies.SiteAssignments"/>).</param>
    public static Decision Decide(UserAccount account, string site) =>
        account.Sites.Contains(site) ? Decision.Accept() : Decision.Accept(new SiteAssigned(site));
}

public sealed record RemoveSite(string SiteId)
{
    /// <summary>Names the assignment as STUDY/SITE, or by its site id when the user has only one assignment to that site.</summary>
    public static Decision Decide(UserAccount account, RemoveSite c)
    {
        var matching = account.Sites.Where(s => Studies.StableIds.Same(s, c.SiteId)
            || s.EndsWith("/" + c.SiteId, StringComparison.OrdinalIgnoreCase)).ToList();
        return matching.Count == 1 ? Decision.Accept(new SiteRemoved(matching[0]))
            : matching.Count == 0 ? Rejection.Invalid("siteId", $"The user is not assigned to site '{c.SiteId}'.")
            : Rejection.Invalid("siteId", $"The user has site '{c.SiteId}' in several studies; name it as STUDY/SITE.");
    }
}

public static class ChangeUserAccess
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/users/{username}").RequireAuthorization(Policies.Admin);
        users.MapPost("/roles", (string username, GrantRole c, HttpContext http, IDocumentSession s) =>
            AccountCommands.ByAdmin(http, s, username, a => GrantRole.Decide(a, c))).Validated<GrantRole>()
            .Command<UserView>(underLocks: false).Operation("grantRole", "Grant a user a role", "Identity");
        users.MapDelete("/roles/{role}", (string username, string role, HttpContext http, IDocumentSession s) =>
            AccountCommands.ByAdmin(http, s, username, a => RevokeRole.Decide(a, new RevokeRole(role))))
            .Command<UserView>(underLocks: false).Operation("revokeRole", "Revoke a role from a user", "Identity");
        users.MapPost("/sites", async (string username, AssignSite c, HttpContext http, IDocumentSession s) =>
        {
            var (sites, refusal) = await Studies.SiteAssignments.ResolveAll(s, [c.SiteId], "siteId", http.RequestAborted);
            return refusal?.ToHttp() ?? await AccountCommands.ByAdmin(http, s, username, a => AssignSite.Decide(a, sites[0]));
        }).Validated<AssignSite>()
            .Command<UserView>(underLocks: false).Operation("assignSite", "Assign a user to a study's site", "Identity");
        users.MapDelete("/sites/{siteId}", (string username, string siteId, HttpContext http, IDocumentSession s) =>
            AccountCommands.ByAdmin(http, s, username, a => RemoveSite.Decide(a, new RemoveSite(siteId))))
            .Command<UserView>(underLocks: false).Operation("removeSite", "Remove a user's site assignment", "Identity");
    }
}
