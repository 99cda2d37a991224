using System.Security.Cryptography;
using JasperFx.Events;
using System.Text;

namespace NpcEcrf.Api.Identity;

public sealed record UserAccountCreated(string Username, string PrintedName, string PasswordHash);
public sealed record RoleGranted(string Role);
public sealed record RoleRevoked(string Role);
public sealed record SiteAssigned(string SiteId);
public sealed record SiteRemoved(string SiteId);
public sealed record PasswordChanged(string PasswordHash);
public sealed record UserAccountDeactivated(string Reason);
/// <summary>A refused password (login or signature re-authentication), kept for the audit trail.</summary>
public sealed record AuthenticationFailed(string Purpose);

/// <summary>The write and read model of an account, rebuilt from its stream (inline snapshot).</summary>
public sealed record UserAccount(
    Guid Id,
    string Username,
    string PrintedName,
    string PasswordHash,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Sites,
    bool Active,
    long Version)
{
    public static UserAccount Create(IEvent<UserAccountCreated> e) =>
        new(e.StreamId, e.Data.Username, e.Data.PrintedName, e.Data.PasswordHash, [], [], true, 0);

    public UserAccount Apply(RoleGranted e) => this with { Roles = [.. Roles.Append(e.Role).Distinct().Order()] };
    public UserAccount Apply(RoleRevoked e) => this with { Roles = [.. Roles.Where(r => r != e.Role)] };
    public UserAccount Apply(SiteAssigned e) => this with { Sites = [.. Sites.Append(e.SiteId).Distinct().Order()] };
    public UserAccount Apply(SiteRemoved e) => this with { Sites = [.. Sites.Where(s => s != e.SiteId)] };
    public UserAccount Apply(PasswordChanged e) => this with { PasswordHash = e.PasswordHash };
    public UserAccount Apply(UserAccountDeactivated _) => this with { Active = false };
    public UserAccount Apply(AuthenticationFailed _) => this;

    /// <summary>Usernames are the natural key; the stream id is derived from them so lookups need no index.</summary>
    public static Guid IdFor(string username)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("npc-ecrf/user/" + username.Trim().ToLowerInvariant()));
        return new Guid(hash.AsSpan(0, 16));
    }
}

/// <summary>What the API shows of an account: never the password hash.</summary>
public sealed record UserView(string Username, string PrintedName, IReadOnlyList<string> Roles, IReadOnlyList<string> Sites, bool Active, long Version)
{
    public static UserView Of(UserAccount a) => new(a.Username, a.PrintedName, a.Roles, a.Sites, a.Active, a.Version);
}
