using System.Security.Cryptography;
using System.Text;

namespace NpcEcrf.Api.Identity;

// Account events say that a password was set or changed, never what it is: the hash lives in PasswordCredential.
public sealed record UserAccountCreated(string Username, string PrintedName);
public sealed record RoleGranted(string Role);
public sealed record RoleRevoked(string Role);
public sealed record SiteAssigned(string SiteId);
public sealed record SiteRemoved(string SiteId);
/// <summary>ResetByAdmin: an admin set another user's password (without knowing the old one).</summary>
public sealed record PasswordChanged(bool ResetByAdmin = false);
public sealed record UserAccountDeactivated(string Reason);
/// <summary>Every token issued so far stops working (logout, or an admin's revocation).</summary>
public sealed record TokensRevoked(string Reason);
/// <summary>A refused password (login, signature re-authentication) or a login refused during a lockout, kept for the audit trail.</summary>
public sealed record AuthenticationFailed(string Purpose, string? ClientAddress = null);
/// <summary>Too many failed logins: Scope is "account" or "address" (the client address, named in ClientAddress).</summary>
public sealed record LoginLockedOut(string Scope, DateTimeOffset Until, int Failures, string? ClientAddress);
/// <summary>A token was issued: Via "password" (POST /auth/token) or "cli" (./npc-ecrf token, by the operator).</summary>
public sealed record LoginSucceeded(string Via, string? ClientAddress);

/// <summary>The write and read model of an account, rebuilt from its stream (inline snapshot).</summary>
/// <param name="SecurityStamp">Changes whenever existing tokens must stop working (password change, deactivation, revocation); tokens carry the stamp they were issued under.</param>
/// <param name="LockedUntil">The end of the latest account lockout, so a lockout survives restarts and holds on every node.</param>
public sealed record UserAccount(
    Guid Id,
    string Username,
    string PrintedName,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Sites,
    bool Active,
    long SecurityStamp,
    DateTimeOffset? LockedUntil,
    long Version)
{
    public static UserAccount Create(JasperFx.Events.IEvent<UserAccountCreated> e) =>
        new(e.StreamId, e.Data.Username, e.Data.PrintedName, [], [], true, 0, null, 0);

    public UserAccount Apply(RoleGranted e) => this with { Roles = [.. Roles.Append(e.Role).Distinct().Order()] };
    public UserAccount Apply(RoleRevoked e) => this with { Roles = [.. Roles.Where(r => r != e.Role)] };
    public UserAccount Apply(SiteAssigned e) => this with { Sites = [.. Sites.Append(e.SiteId).Distinct().Order()] };
    public UserAccount Apply(SiteRemoved e) => this with { Sites = [.. Sites.Where(s => s != e.SiteId)] };
    public UserAccount Apply(PasswordChanged _) => this with { SecurityStamp = SecurityStamp + 1 };
    public UserAccount Apply(UserAccountDeactivated _) => this with { Active = false, SecurityStamp = SecurityStamp + 1 };
    public UserAccount Apply(TokensRevoked _) => this with { SecurityStamp = SecurityStamp + 1 };
    public UserAccount Apply(AuthenticationFailed _) => this;
    public UserAccount Apply(LoginLockedOut e) => e.Scope == LoginThrottle.AccountScope ? this with { LockedUntil = e.Until } : this;
    public UserAccount Apply(LoginSucceeded _) => this;

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
