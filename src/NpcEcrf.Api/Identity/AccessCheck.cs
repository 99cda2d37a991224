using Microsoft.AspNetCore.Authentication.JwtBearer;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

/// <summary>
/// Access is decided on every request, not at login: a valid signature only proves who the token was issued to.
/// The account must still exist and be active, and the token's stamp must be the account's current one (a password
/// change, deactivation, logout or revocation changes it). Roles and sites come from the account as it is now.
/// </summary>
public static class AccessCheck
{
    public static async Task OnTokenValidated(TokenValidatedContext context)
    {
        var token = context.Principal!;
        var username = token.FindFirst(ClaimNames.Subject)?.Value;
        var stamp = token.FindFirst(Tokens.StampClaim)?.Value;
        var services = context.HttpContext.RequestServices;
        var account = username is null ? null
            : await services.GetRequiredService<AccountDirectory>().Find(services.GetRequiredService<Marten.IDocumentStore>(), username, context.HttpContext.RequestAborted);
        if (account is not { Active: true } || stamp != Tokens.Stamp(account))
        {
            context.Fail("The token's account is missing, inactive, or has changed since the token was issued.");
            return;
        }
        context.Principal = Tokens.PrincipalOf(account, token);
    }
}
