namespace NpcEcrf.Api.Hosting;

/// <summary>Everything a host needs to know about its installation; built by the command line or by tests.</summary>
public sealed record NpcEcrfSettings
{
    /// <summary>The application's connection: every read and append, never a schema change.</summary>
    public required string ConnectionString { get; init; }
    /// <summary>
    /// The schema owner's connection, which runs Marten's and Wolverine's schema changes and the event-table guard,
    /// then grants the application's role what it needs. Null when one connection does everything (an external
    /// database configured with one connection string): that role can then rewrite history.
    /// </summary>
    public string? OwnerConnectionString { get; init; }
    public string SchemaChangeConnectionString => OwnerConnectionString ?? ConnectionString;
    /// <summary>PostgreSQL schema for Marten and Wolverine; tests isolate by schema.</summary>
    public string Schema { get; init; } = "npcecrf";
    /// <summary>
    /// The event-seal secret (EventSeal derives its HMAC key from it). Installations from before key separation keep
    /// their one old key here, so their history still verifies.
    /// </summary>
    public required byte[] SigningKey { get; init; }
    /// <summary>The token-signing key, independent of the seal secret. Null (test hosts): derived from SigningKey under a label of its own.</summary>
    public byte[]? TokenKey { get; init; }
    public byte[] TokenSigningKey => TokenKey ?? System.Security.Cryptography.HMACSHA256.HashData(SigningKey, "npc-ecrf/token-key/v1"u8.ToArray());
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>Optional external OpenID Connect authority whose tokens are accepted beside our own.</summary>
    public string? OidcAuthority { get; init; }
    public string? OidcAudience { get; init; }
    public TimeProvider Clock { get; init; } = TimeProvider.System;
    /// <summary>
    /// Database per study (Database:StudyDatabases, docs/scaling.md): each study in a database of its own on a named
    /// server, <see cref="ConnectionString"/> then the master database. Null (the default): one database for everything.
    /// </summary>
    public StudyDatabases? StudyDatabases { get; init; }
    /// <summary>
    /// The longest any one SQL statement of the web host may run (PostgreSQL's statement_timeout on every connection
    /// it opens), so that no request can hold a backend or its memory for long; a request cut off answers 503. Null: none.
    /// Configured by Database:StatementTimeoutSeconds (<see cref="Installation.StatementTimeoutFrom"/>).
    /// </summary>
    public TimeSpan? StatementTimeout { get; init; } = DefaultStatementTimeout;
    public static readonly TimeSpan DefaultStatementTimeout = TimeSpan.FromSeconds(30);
    /// <summary>How the API nodes sharing the database watch each other; unset values keep Wolverine's defaults.</summary>
    public ClusterTimings Cluster { get; init; } = new(null, null, null);

    /// <summary>These settings with the statement timeout on the application's connection (the owner's schema changes keep none).</summary>
    public NpcEcrfSettings WithStatementTimeout()
    {
        if (StatementTimeout is not { } timeout) return this;
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
        builder.Options = $"{builder.Options} -c statement_timeout={(long)Math.Ceiling(timeout.TotalMilliseconds)}".Trim();
        return this with { ConnectionString = builder.ConnectionString, StatementTimeout = null };
    }
}

/// <summary>
/// Wolverine's node health: each node stamps its health every <paramref name="HealthCheck"/> (default 10 s); a node
/// silent for <paramref name="StaleNode"/> (default 60 s, then two more checks) is ejected and its agents (the
/// asynchronous projections) and messages go to the others; assignments are re-checked every
/// <paramref name="CheckAssignments"/> (default 30 s).
/// </summary>
public sealed record ClusterTimings(TimeSpan? HealthCheck, TimeSpan? StaleNode, TimeSpan? CheckAssignments);
