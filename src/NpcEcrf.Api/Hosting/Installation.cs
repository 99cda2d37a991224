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

    public string DataDir { get; }
    public string ConnectionString { get; }
    public EmbeddedPostgres? Embedded { get; }

    private Installation(string dataDir, string connectionString, EmbeddedPostgres? embedded)
    {
        DataDir = dataDir;
        ConnectionString = connectionString;
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
        var configured = Environment.GetEnvironmentVariable(DatabaseVariable);
        if (string.IsNullOrWhiteSpace(configured)) configured = Configuration().GetConnectionString("NpcEcrf");
        if (!string.IsNullOrWhiteSpace(configured)) return new Installation(dir, configured, null);
        var embedded = await EmbeddedPostgres.StartAsync(dir, durable: true, ct);
        return new Installation(dir, embedded.ConnectionString(), embedded);
    }

    public const string SchemaVariable = "NPCECRF_SCHEMA";

    public NpcEcrfSettings Settings(string? schema = null, TimeProvider? clock = null)
    {
        var config = Configuration();
        return new NpcEcrfSettings
        {
            ConnectionString = ConnectionString,
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

    /// <summary>Created readable by its owner only from the first byte: the mode is set at creation, never afterwards.</summary>
    private static byte[] ReadOrCreateKey(string path)
    {
        if (File.Exists(path)) return ReadKey(path);
        var key = RandomNumberGenerator.GetBytes(64);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var file = new FileStream(path, options);
            file.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(key)));
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            return ReadKey(path); // another process created it first
        }
    }

    private static byte[] ReadKey(string path) => Convert.FromBase64String(File.ReadAllText(path).Trim());

    public async ValueTask DisposeAsync()
    {
        if (Embedded is not null) await Embedded.DisposeAsync();
    }
}
