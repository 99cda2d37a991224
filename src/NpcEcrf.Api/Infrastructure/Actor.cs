using System.Security.Claims;

namespace NpcEcrf.Api.Infrastructure;

public static class Roles
{
    public const string Cra = "cra";
    public const string Investigator = "investigator";
    public const string Monitor = "monitor";
    public const string DataManager = "data-manager";
    public const string Auditor = "auditor";
    public const string Statistician = "statistician";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Cra, Investigator, Monitor, DataManager, Auditor, Statistician, Admin];
    public static bool IsKnown(string role) => All.Contains(role);
}

public static class ClaimNames
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Role = "role";
    public const string Site = "site";
}

/// <summary>The authenticated user. For the installation's own tokens the claims are their account as it is now
/// (Identity/AccessCheck replaces the token's claims on every request), not as it was at login.</summary>
public sealed record Actor(string Username, string PrintedName, IReadOnlySet<string> Roles, IReadOnlySet<string> Sites)
{
    public bool Has(params string[] roles) => roles.Any(Roles.Contains);

    /// <summary>Auditors (and admins, who run the installation) see every site; everyone else their own.</summary>
    /// <remarks>Sites are "STUDY/SITE": a user of site SA in one study sees nothing of site SA in another. A bare site id
    /// (an account from before assignments named the study) matches that site in any study.</remarks>
    public bool CanSeeSite(string studyId, string siteId) => Has(Infrastructure.Roles.Auditor, Infrastructure.Roles.Admin)
        || Studies.SiteAssignments.Covers(Sites, studyId, siteId);

    /// <summary>The operator at the installation's command line, who runs it with every role.</summary>
    public static Actor Operator(string username) => new(username, username, Infrastructure.Roles.All.ToHashSet(), new HashSet<string>());

    public static Actor From(ClaimsPrincipal user) => new(
        user.FindFirstValue(ClaimNames.Subject) ?? user.Identity?.Name ?? "anonymous",
        user.FindFirstValue(ClaimNames.Name) ?? user.FindFirstValue(ClaimNames.Subject) ?? "anonymous",
        user.FindAll(ClaimNames.Role).Select(c => c.Value).ToHashSet(),
        user.FindAll(ClaimNames.Site).Select(c => c.Value).ToHashSet());
}
