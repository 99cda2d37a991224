using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

/// <summary>Issues and describes the installation's own short-lived JWTs.</summary>
public sealed class Tokens(NpcEcrfSettings settings)
{
    public const string Issuer = "npc-ecrf";
    public const string Audience = "npc-ecrf-api";

    public SymmetricSecurityKey Key { get; } = new(settings.SigningKey);

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
        var claims = new List<Claim> { new(ClaimNames.Subject, account.Username), new(ClaimNames.Name, account.PrintedName) };
        claims.AddRange(account.Roles.Select(r => new Claim(ClaimNames.Role, r)));
        claims.AddRange(account.Sites.Select(s => new Claim(ClaimNames.Site, s)));
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        });
        return (token, expires);
    }
}
