using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;

namespace NpcEcrf.Api.Hosting;

/// <summary>
/// The per-installation state kept outside the repository: the data directory, its signing key, and
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
            SigningKey = SigningKey(DataDir),
            OidcAuthority = config["Auth:Authority"],
            OidcAudience = config["Auth:Audience"],
            Clock = clock ?? TimeProvider.System,
        };
    }

    /// <summary>Generated once per installation, readable by its owner only.</summary>
    public static byte[] SigningKey(string dataDir)
    {
        var path = Path.Combine(dataDir, "signing-key");
        if (File.Exists(path)) return Convert.FromBase64String(File.ReadAllText(path).Trim());
        var key = RandomNumberGenerator.GetBytes(64);
        File.WriteAllText(path, Convert.ToBase64String(key));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return key;
    }

    public async ValueTask DisposeAsync()
    {
        if (Embedded is not null) await Embedded.DisposeAsync();
    }
}
