namespace NpcEcrf.Api.Hosting;

/// <summary>Everything a host needs to know about its installation; built by the command line or by tests.</summary>
public sealed record NpcEcrfSettings
{
    public required string ConnectionString { get; init; }
    /// <summary>PostgreSQL schema for Marten and Wolverine; tests isolate by schema.</summary>
    public string Schema { get; init; } = "npcecrf";
    public required byte[] SigningKey { get; init; }
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>Optional external OpenID Connect authority whose tokens are accepted beside our own.</summary>
    public string? OidcAuthority { get; init; }
    public string? OidcAudience { get; init; }
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
