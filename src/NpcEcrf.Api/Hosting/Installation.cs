using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;

namespace NpcEcrf.Api.Hosting;

/// <summary>
/// The per-installation state kept outside the repository: the data directory, its keys (seals, tokens), and
/// the database (NPCECRF_DB or appsettings, else the embedded cluster in the data directory).
/// </summary>
/// <summary>A key the installation needs is missing where events were made with it: said to the user, never worked around.</summary>
public sealed class MissingKeyException(string message) : Exception(message);

public sealed class Installation : IAsyncDisposable
{
    public const string DatabaseVariable = "NPCECRF_DB";
    /// <summary>Optional: the schema owner's connection for schema changes; NPCECRF_DB is then the application's.</summary>
    public const string OwnerDatabaseVariable = "NPCECRF_DB_OWNER";

    public string DataDir { get; }
    public string ConnectionString { get; }
    public string? OwnerConnectionString { get; }
    public EmbeddedPostgres? Embedded { get; }

    private Installation(string dataDir, string connectionString, string? ownerConnectionString, EmbeddedPostgres? embedded)
    {
        DataDir = dataDir;
        ConnectionString = connectionString;
        OwnerConnectionString = ownerConnectionString;
        Embedded = embedded;
    }

    public static string DefaultDataDir()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : xdg;
        return Path.Combine(root, "npc-ecrf");
    }

    /// <summary>appsettings.json beside the executable, then the environment (ConnectionStrings__NpcEcrf, Auth__Authority).</summary>
    public static IConfiguration Configuration() => new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build();

    /// <summary>
    /// appsettings.json beside the executable, and nothing else: an environment variable that happens to be called
    /// DATADIR (configuration keys ignore case) must not move the installation; NPCECRF_DATA_DIR is the variable.
    /// </summary>
    private static IConfiguration AppSettingsFile() => new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .Build();

    /// <summary>The data directory when --data-dir is not given (the server and every verb must agree on it: it holds the keys).</summary>
    public const string DataDirVariable = "NPCECRF_DATA_DIR";
    /// <summary>The same in appsettings.json, for an installation that configures itself there.</summary>
    public const string DataDirSetting = "DataDir";

    /// <summary>Where the keys (and the private cluster) live: --data-dir, else NPCECRF_DATA_DIR, else appsettings' DataDir, else the default.</summary>
    public static string ResolveDataDir(string? dataDir) => Path.GetFullPath(
        new[] { dataDir, Environment.GetEnvironmentVariable(DataDirVariable), AppSettingsFile()[DataDirSetting] }
            .FirstOrDefault(d => !string.IsNullOrWhiteSpace(d)) ?? DefaultDataDir());

    public static async Task<Installation> OpenAsync(string? dataDir, CancellationToken ct = default)
    {
        var dir = ResolveDataDir(dataDir);
        Directory.CreateDirectory(dir);
        var configured = Configured(DatabaseVariable, "NpcEcrf");
        if (configured is not null) return new Installation(dir, configured, Configured(OwnerDatabaseVariable, "NpcEcrfOwner"), null);
        var embedded = await EmbeddedPostgres.StartAsync(dir, durable: true, ct);
        return new Installation(dir, embedded.ApplicationConnectionString(), embedded.OwnerConnectionString(), embedded);
    }

    private static string? Configured(string variable, string connectionStringName)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value)) value = Configuration().GetConnectionString(connectionStringName);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    public const string SchemaVariable = "NPCECRF_SCHEMA";

    public NpcEcrfSettings Settings(string? schema = null, TimeProvider? clock = null)
    {
        var config = Configuration();
        return new NpcEcrfSettings
        {
            ConnectionString = ConnectionString,
            OwnerConnectionString = OwnerConnectionString,
            Schema = schema ?? (Environment.GetEnvironmentVariable(SchemaVariable) is { Length: > 0 } s ? s : "npcecrf"),
            SigningKey = SealKey(DataDir, MayCreateKeys),
            TokenKey = TokenKey(DataDir, MayCreateKeys),
            OidcAuthority = config["Auth:Authority"],
            OidcAudience = config["Auth:Audience"],
            Clock = clock ?? TimeProvider.System,
            StatementTimeout = StatementTimeoutFrom(config),
            Cluster = ClusterTimingsFrom(config),
            StudyDatabases = Hosting.StudyDatabases.From(config),
        };
    }

    /// <summary>Database:StatementTimeoutSeconds (env Database__StatementTimeoutSeconds): the web host's limit per SQL statement; 0 for none; 30 s if unset.</summary>
    public static TimeSpan? StatementTimeoutFrom(IConfiguration config) =>
        Seconds(config, "Database:StatementTimeoutSeconds", "or 0 for no limit") switch
        {
            null => NpcEcrfSettings.DefaultStatementTimeout,
            { } seconds => seconds == TimeSpan.Zero ? null : seconds,
        };

    /// <summary>Cluster:HealthCheckSeconds, Cluster:StaleNodeSeconds, Cluster:CheckAssignmentSeconds: how soon the API nodes notice a dead one (docs/scaling.md).</summary>
    public static ClusterTimings ClusterTimingsFrom(IConfiguration config) => new(
        Seconds(config, "Cluster:HealthCheckSeconds", "at least 1", minimum: 1),
        Seconds(config, "Cluster:StaleNodeSeconds", "at least 1", minimum: 1),
        Seconds(config, "Cluster:CheckAssignmentSeconds", "at least 1", minimum: 1));

    /// <summary>A whole number of seconds from configuration, null when unset; anything else stops the verb with the key's name.</summary>
    private static TimeSpan? Seconds(IConfiguration config, string key, string allowed, int minimum = 0) => config[key] switch
    {
        null or "" => null,
        var text when int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds >= minimum =>
            TimeSpan.FromSeconds(seconds),
        var text => throw new Cli.CommandLineError($"{key} is '{text}': give whole seconds, {allowed}."),
    };

    public const string LegacyKeyFile = "signing-key";
    public const string SealKeyFile = "seal-key";
    public const string TokenKeyFile = "token-key";

    /// <summary>
    /// The event-seal secret. An installation from before key separation has one key file ("signing-key") that
    /// signed tokens and, through a derivation, sealed events; it stays the seal secret (derived exactly as before),
    /// so its history still verifies. New installations get a seal key of their own.
    /// </summary>
    public static byte[] SealKey(string dataDir, Func<bool>? mayCreate = null)
    {
        var legacy = Path.Combine(dataDir, LegacyKeyFile);
        return File.Exists(legacy) ? ReadKey(legacy) : ReadOrCreateKey(Path.Combine(dataDir, SealKeyFile), mayCreate);
    }

    /// <summary>
    /// The token-signing key: independent random bytes on every installation. An installation from before key separation
    /// (a legacy "signing-key") gets one on its first start after the upgrade.
    /// </summary>
    public static byte[] TokenKey(string dataDir, Func<bool>? mayCreate = null) =>
        ReadOrCreateKey(Path.Combine(dataDir, TokenKeyFile), File.Exists(Path.Combine(dataDir, LegacyKeyFile)) ? null : mayCreate);

    /// <summary>
    /// A missing key is created only for a store that has no events yet: where events exist, a new key would make every
    /// seal fail (or every token), so the installation refuses and says where the key is expected.
    /// </summary>
    private static byte[] ReadOrCreateKey(string path, Func<bool>? mayCreate)
    {
        if (!File.Exists(path) && mayCreate?.Invoke() == false)
            throw new MissingKeyException($"The key '{path}' is missing, but this database already holds events made with it. Restore it from " +
                $"your backup (docs/operations.md), or point {DataDirVariable} (or --data-dir) at the installation's data directory. No new key was created.");
        return Convert.FromBase64String(ReadOrCreatePrivateFile(path, () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(64))).Trim());
    }

    /// <summary>Whether any schema of the database holds events (keys are per data directory, shared by its schemas).</summary>
    private bool MayCreateKeys()
    {
        using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        connection.Open();
        var schemas = new List<string>();
        using (var tables = new Npgsql.NpgsqlCommand("select schemaname from pg_tables where tablename = 'mt_events'", connection))
        using (var reader = tables.ExecuteReader())
            while (reader.Read()) schemas.Add(reader.GetString(0));
        foreach (var schema in schemas)
        {
            using var any = new Npgsql.NpgsqlCommand($"select exists (select 1 from \"{schema}\".mt_events)", connection);
            try
            {
                if ((bool)any.ExecuteScalar()!) return false;
            }
            catch (Npgsql.PostgresException e) when (e.SqlState == "42501")
            {
                // A schema this role may not read is another installation's.
            }
        }
        return true;
    }

    /// <summary>
    /// A secret file, readable by its owner only from the first byte: the mode is set at creation, never afterwards.
    /// Returns what the file holds, whoever created it.
    /// </summary>
    internal static string ReadOrCreatePrivateFile(string path, Func<string> newContent)
    {
        if (File.Exists(path)) return File.ReadAllText(path);
        var content = newContent();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var file = new FileStream(path, options);
            file.Write(System.Text.Encoding.UTF8.GetBytes(content));
            return content;
        }
        catch (IOException) when (File.Exists(path))
        {
            return File.ReadAllText(path); // another process created it first
        }
    }

    private static byte[] ReadKey(string path) => Convert.FromBase64String(File.ReadAllText(path).Trim());

    public async ValueTask DisposeAsync()
    {
        if (Embedded is not null) await Embedded.DisposeAsync();
    }
}
