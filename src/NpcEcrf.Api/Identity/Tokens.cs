using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

/// <summary>
/// Issues and describes the installation's own short-lived JWTs. A token proves who its holder is and under which
/// security stamp it was issued; what they may do is read from their account on every request (AccessCheck).
/// </summary>
public sealed class Tokens(NpcEcrfSettings settings)
{
    public const string Issuer = "npc-ecrf";
    public const string Audience = "npc-ecrf-api";
    public const string StampClaim = "stamp";
    public const string TokenIdClaim = "jti";

    public SymmetricSecurityKey Key { get; } = new(settings.TokenSigningKey);

    public TokenValidationParameters ValidationParameters() => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = Key,
        NameClaimType = ClaimNames.Subject,
        RoleClaimType = ClaimNames.Role,
        ClockSkew = TimeSpan.FromSeconds(30),
    };

    public (string Token, DateTimeOffset ExpiresAt) Issue(UserAccount account)
    {
        var now = settings.Clock.GetUtcNow();
        var expires = now + settings.TokenLifetime;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity(
            [
                new(ClaimNames.Subject, account.Username),
                new(StampClaim, Stamp(account)),
                new(TokenIdClaim, Guid.NewGuid().ToString("N")),
            ]),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        });
        return (token, expires);
    }

    public static string Stamp(UserAccount account) => account.SecurityStamp.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The principal a request acts as: the account as it is now (name, roles, sites), plus the token's own id and stamp.</summary>
    public static ClaimsPrincipal PrincipalOf(UserAccount account, ClaimsPrincipal token)
    {
        var claims = new List<Claim> { new(ClaimNames.Subject, account.Username), new(ClaimNames.Name, account.PrintedName) };
        claims.AddRange(account.Roles.Select(r => new Claim(ClaimNames.Role, r)));
        claims.AddRange(account.Sites.Select(s => new Claim(ClaimNames.Site, s)));
        claims.AddRange(token.FindAll(c => c.Type is StampClaim or TokenIdClaim));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, JwtBearerDefaults.AuthenticationScheme, ClaimNames.Subject, ClaimNames.Role));
    }
}
