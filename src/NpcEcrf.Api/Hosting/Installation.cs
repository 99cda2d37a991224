using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;

namespace NpcEcrf.Api.Hosting;

/// <summary>
/// The per-installation state kept outside the repository: the data directory, its keys (seals, tokens), and
/// the database (NPCECRF_DB or appsettings, else the embedded cluster in the data directory).
/// </summary>
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

    public static IConfiguration Configuration() => new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build();

    public static async Task<Installation> OpenAsync(string? dataDir, CancellationToken ct = default)
    {
        var dir = Path.GetFullPath(dataDir ?? DefaultDataDir());
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
            SigningKey = SealKey(DataDir),
            TokenKey = TokenKey(DataDir),
            OidcAuthority = config["Auth:Authority"],
            OidcAudience = config["Auth:Audience"],
            Clock = clock ?? TimeProvider.System,
        };
    }

    public const string LegacyKeyFile = "signing-key";
    public const string SealKeyFile = "seal-key";
    public const string TokenKeyFile = "token-key";

    /// <summary>
    /// The event-seal secret. An installation from before key separation has one key file ("signing-key") that
    /// signed tokens and, through a derivation, sealed events; it stays the seal secret (derived exactly as before),
    /// so its history still verifies. New installations get a seal key of their own.
    /// </summary>
    public static byte[] SealKey(string dataDir)
    {
        var legacy = Path.Combine(dataDir, LegacyKeyFile);
        return File.Exists(legacy) ? ReadKey(legacy) : ReadOrCreateKey(Path.Combine(dataDir, SealKeyFile));
    }

    /// <summary>The token-signing key: independent random bytes on every installation, old ones included (tokens are short-lived).</summary>
    public static byte[] TokenKey(string dataDir) => ReadOrCreateKey(Path.Combine(dataDir, TokenKeyFile));

    private static byte[] ReadOrCreateKey(string path) =>
        Convert.FromBase64String(ReadOrCreatePrivateFile(path, () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(64))).Trim());

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
