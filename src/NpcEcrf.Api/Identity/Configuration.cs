using JasperFx.Events.Projections;
using Marten;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

public static class Policies
{
    public const string Admin = "admin";
    public const string AdminOrAuditor = "admin-or-auditor";
    public const string ExternalScheme = "oidc";
}

public static class IdentityConfiguration
{
    public static void ConfigureIdentity(this StoreOptions opts)
    {
        opts.Projections.Snapshot<UserAccount>(SnapshotLifecycle.Inline);
        opts.Schema.For<PasswordCredential>();
        opts.Listeners.Add(new AccountChangeNotifier(opts.DatabaseSchemaName));
    }

    public static IServiceCollection AddIdentity(this IServiceCollection services, NpcEcrfSettings settings)
    {
        var tokens = new Tokens(settings);
        services.AddSingleton(tokens);
        services.AddMemoryCache();
        services.AddSingleton<AccountDirectory>();
        services.AddSingleton<PasswordCredentials>();
        services.AddSingleton<LoginThrottle>();
        services.ConfigureMarten((sp, opts) => opts.Listeners.Add(new AccountChangeListener(sp.GetRequiredService<AccountDirectory>())));
        services.AddHostedService<AccountChangeFeed>();
        var auth = services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = tokens.ValidationParameters();
                o.Events = new JwtBearerEvents { OnTokenValidated = AccessCheck.OnTokenValidated };
            });
        var schemes = new List<string> { JwtBearerDefaults.AuthenticationScheme };
        if (!string.IsNullOrWhiteSpace(settings.OidcAuthority))
        {
            // Sites with their own identity provider: its tokens carry our role and site claims, and its own
            // revocation applies (AccessCheck covers the installation's tokens only; see docs/security.md).
            auth.AddJwtBearer(Policies.ExternalScheme, o =>
            {
                o.Authority = settings.OidcAuthority;
                o.Audience = settings.OidcAudience;
                o.MapInboundClaims = false;
                o.TokenValidationParameters.NameClaimType = ClaimNames.Subject;
                o.TokenValidationParameters.RoleClaimType = ClaimNames.Role;
            });
            schemes.Add(Policies.ExternalScheme);
        }
        services.AddAuthorization(o =>
        {
            var authenticated = new AuthorizationPolicyBuilder(schemes.ToArray()).RequireAuthenticatedUser().Build();
            o.DefaultPolicy = authenticated;
            o.FallbackPolicy = authenticated;
            o.AddPolicy(Policies.Admin, p => p.AddAuthenticationSchemes(schemes.ToArray()).RequireRole(Roles.Admin));
            o.AddPolicy(Policies.AdminOrAuditor, p => p.AddAuthenticationSchemes(schemes.ToArray()).RequireRole(Roles.Admin, Roles.Auditor));
        });
        return services;
    }

    public static void MapIdentity(this IEndpointRouteBuilder app)
    {
        IssueToken.Map(app);
        Logout.Map(app);
        RevokeTokens.Map(app);
        CreateUser.Map(app);
        ChangeUserAccess.Map(app);
        ChangePassword.Map(app);
        DeactivateUser.Map(app);
        ListUsers.Map(app);
    }
}
