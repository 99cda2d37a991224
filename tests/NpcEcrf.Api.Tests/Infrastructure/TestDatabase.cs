using Npgsql;
using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL for the whole test run: NPCECRF_TEST_DB when set, else a private throw-away
/// cluster (fsync off) started with the product's own EmbeddedPostgres. Test classes isolate by schema.
/// </summary>
public static class TestDatabase
{
    private static readonly Lazy<Task<string>> Shared = new(StartAsync);
    private static EmbeddedPostgres? _cluster;
    private static string? _dir;

    public static Task<string> ConnectionStringAsync() => Shared.Value;

    private static async Task<string> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable("NPCECRF_TEST_DB");
        if (!string.IsNullOrWhiteSpace(external)) return external;
        _dir = Path.Combine(Path.GetTempPath(), $"npcecrf-tests-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        _cluster = await EmbeddedPostgres.StartAsync(_dir, durable: false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAndDelete();
        return _cluster.ConnectionString();
    }

    private static void StopAndDelete()
    {
        _cluster?.StopAsync().GetAwaiter().GetResult();
        try { if (_dir is not null) Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public static async Task DropSchemaAsync(string connectionString, string schema)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"drop schema if exists \"{schema}\" cascade", connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<int> ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }
}
