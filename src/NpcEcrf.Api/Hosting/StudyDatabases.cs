using System.Security.Cryptography;
using System.Text;
using Marten;
using Marten.Storage;
using Npgsql;

namespace NpcEcrf.Api.Hosting;

/// <summary>
/// Database per study (docs/scaling.md): each study is a Marten tenant with a PostgreSQL database of its own, on one of
/// the named servers; the master database (the installation's connection) holds Marten's table of tenants and the
/// global tenant (users, accounts, the audit of access). Off unless Database:StudyDatabases is true.
/// </summary>
/// <param name="Servers">Database:Servers:&lt;name&gt;: a connection string to a server, whose role may create databases (and owns them).</param>
/// <param name="Applications">Database:ServerApplications:&lt;name&gt;: the application's role on that server, which nodes use for the
/// study's data: it reads and appends but owns nothing, so it cannot switch off the guard on mt_events. Without one, nodes use
/// the server's role, as a one-database installation with a single connection does.</param>
public sealed record StudyDatabases(IReadOnlyDictionary<string, string> Servers, IReadOnlyDictionary<string, string>? Applications = null)
{
    /// <summary>The tenant of everything about no study. A study id is [A-Za-z0-9_-], so none can take it.</summary>
    public const string GlobalTenant = "*global*";

    /// <summary>Database:StudyDatabases and Database:Servers:* from configuration; null when the mode is off.</summary>
    public static StudyDatabases? From(Microsoft.Extensions.Configuration.IConfiguration config)
    {
        var mode = config["Database:StudyDatabases"];
        if (string.IsNullOrWhiteSpace(mode) || mode.Equals("false", StringComparison.OrdinalIgnoreCase)) return null;
        if (!mode.Equals("true", StringComparison.OrdinalIgnoreCase))
            throw new Cli.CommandLineError($"Database:StudyDatabases is '{mode}': give true (a database per study) or false (one database).");
        var servers = config.GetSection("Database:Servers").GetChildren()
            .Where(s => !string.IsNullOrWhiteSpace(s.Value)).ToDictionary(s => s.Key, s => s.Value!, StringComparer.Ordinal);
        if (servers.Count == 0)
            throw new Cli.CommandLineError("Database:StudyDatabases is true but no server is configured: set Database:Servers:<name> to a connection string (docs/scaling.md).");
        var applications = config.GetSection("Database:ServerApplications").GetChildren()
            .Where(s => !string.IsNullOrWhiteSpace(s.Value)).ToDictionary(s => s.Key, s => s.Value!, StringComparer.Ordinal);
        foreach (var (key, connection) in servers.Select(s => ($"Database:Servers:{s.Key}", s.Value)).Concat(applications.Select(a => ($"Database:ServerApplications:{a.Key}", a.Value))))
        {
            try { _ = new NpgsqlConnectionStringBuilder(connection); }
            catch (ArgumentException e) { throw new Cli.CommandLineError($"{key} is not a PostgreSQL connection string ({e.Message})."); }
        }
        if (applications.Keys.FirstOrDefault(name => !servers.ContainsKey(name)) is { } unknown)
            throw new Cli.CommandLineError($"Database:ServerApplications:{unknown} names no server in Database:Servers.");
        return new StudyDatabases(servers, applications);
    }

    /// <summary>
    /// The study's database name: readable (the id in lower case) and unique (a digest of the exact id, since ids differing
    /// only in case fold together), at most 63 bytes (PostgreSQL's limit) for any valid study id (40 characters).
    /// </summary>
    public static string DatabaseName(string studyId)
    {
        if (!Studies.StudyIds.IsValid(studyId)) throw new ArgumentException($"'{studyId}' is not a study id.", nameof(studyId));
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(studyId)))[..8];
        return $"npcecrf_study_{studyId.ToLowerInvariant().Replace('-', '_')}_{digest}";
    }

    /// <summary>The connection string of a study's database on a named server, as its server's role; null for a server not configured.</summary>
    public string? ConnectionStringFor(string server, string studyId) =>
        Servers.TryGetValue(server, out var connection)
            ? new NpgsqlConnectionStringBuilder(connection) { Database = DatabaseName(studyId) }.ConnectionString
            : null;

    /// <summary>The study's database as the application's role on that server (null when the server has none: nodes use the server's role).</summary>
    public string? ApplicationConnectionStringFor(string server, string studyId) =>
        Applications?.TryGetValue(server, out var connection) == true
            ? new NpgsqlConnectionStringBuilder(connection) { Database = DatabaseName(studyId) }.ConnectionString
            : null;

    /// <summary>
    /// What the master's table of tenants keeps for a study: <see cref="ConnectionStringFor"/> without the password, which
    /// stays in configuration (<see cref="PasswordFor"/> supplies it when a node connects): whoever reads the master database
    /// does not learn how to log in to every study server.
    /// </summary>
    public string? StoredConnectionStringFor(string server, string studyId) =>
        (ApplicationConnectionStringFor(server, studyId) ?? ConnectionStringFor(server, studyId)) is { } connection ? WithoutPassword(connection) : null;

    /// <summary>What the master's table of tenants may keep of a connection string: all but its password.</summary>
    public static string WithoutPassword(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString) { Password = null }.ConnectionString;

    /// <summary>
    /// The password of the configured server, application role or <paramref name="also"/> (the master's connection) a
    /// connection goes to (the same host, port and user); null if none has one.
    /// </summary>
    public string? PasswordFor(NpgsqlConnectionStringBuilder target, params string[] also) =>
        Servers.Values.Concat(Applications?.Values ?? []).Concat(also).Select(s => new NpgsqlConnectionStringBuilder(s))
            .FirstOrDefault(s => SameServer(s, target) && s.Username == target.Username && s.Password is not null)?.Password;

    private static bool SameServer(NpgsqlConnectionStringBuilder a, NpgsqlConnectionStringBuilder b) =>
        string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    /// <summary>Which configured server a stored connection string points at (host, port): the name an operator gave it.</summary>
    public string? ServerOf(string connectionString)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        return Servers.FirstOrDefault(s => SameServer(new NpgsqlConnectionStringBuilder(s.Value), target)).Key;
    }

    /// <summary>Master-table tenancy: the table of tenants in the master database, seeded with the global tenant there.</summary>
    internal static void Configure(StoreOptions opts, NpcEcrfSettings settings)
    {
        var tenancy = new MasterTableTenancyOptions { ConnectionString = settings.ConnectionString, SchemaName = settings.Schema };
        // Kept in the master's table too, so without its password (the node's own connection supplies it below).
        tenancy.RegisterDatabase(GlobalTenant, WithoutPassword(settings.ConnectionString));
        opts.Tenancy = new StudyTenancy(opts, tenancy);
        // A study's connection string comes from the master's table, without its password (StoredConnectionStringFor): the
        // configured server's is added here. Its sessions get the master connection's settings (the web host's statement
        // timeout, NpcEcrfSettings.WithStatementTimeout) unless it states its own.
        var sessionOptions = new NpgsqlConnectionStringBuilder(settings.ConnectionString).Options;
        var databases = settings.StudyDatabases!;
        opts.ConfigureNpgsqlDataSourceBuilder(b =>
        {
            if (b.ConnectionStringBuilder.Password is null && databases.PasswordFor(b.ConnectionStringBuilder, settings.ConnectionString) is { } password)
                b.ConnectionStringBuilder.Password = password;
            if (!string.IsNullOrEmpty(sessionOptions) && string.IsNullOrEmpty(b.ConnectionStringBuilder.Options)) b.ConnectionStringBuilder.Options = sessionOptions;
        });
        // Sessions opened without a tenant (identity, the audit of access) are the global tenant's (StudyTenancy.Default).
        opts.Advanced.DefaultTenantUsageEnabled = true;
    }
}

/// <summary>
/// Marten's master-table tenancy with a default tenant: the master database, under <see cref="StudyDatabases.GlobalTenant"/>.
/// Marten's own has none (its Default throws), but identity and the audit of access open sessions without a tenant.
/// Re-implements ITenancy so that only Default differs; Wolverine still sees a MasterTableTenancy.
/// </summary>
public sealed class StudyTenancy(StoreOptions options, MasterTableTenancyOptions tenancy) : MasterTableTenancy(options, tenancy), ITenancy
{
    Tenant ITenancy.Default => GetTenant(StudyDatabases.GlobalTenant);
}
