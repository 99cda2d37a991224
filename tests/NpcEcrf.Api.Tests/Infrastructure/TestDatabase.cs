using Npgsql;
using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL for the whole test run: NPCECRF_TEST_DB when set (one connection for everything), else a private
/// throw-away cluster (fsync off) started with the product's own EmbeddedPostgres, where the application runs as
/// its restricted role and schema changes as the owner's, exactly as in production. Test classes isolate by schema.
/// </summary>
public static class TestDatabase
{
    private static readonly Lazy<Task<Connections>> Shared = new(StartAsync);
    private static EmbeddedPostgres? _cluster;
    private static string? _dir;

    /// <summary>The application's connection, and the owner's (null with NPCECRF_TEST_DB) and the superuser's.</summary>
    public sealed record Connections(string Application, string? Owner, string Superuser);

    public static Task<Connections> ConnectionsAsync() => Shared.Value;

    /// <summary>Whether the run has the private cluster and its roles (not NPCECRF_TEST_DB's single connection).</summary>
    public static bool HasRoles => string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("NPCECRF_TEST_DB"));

    public static EmbeddedPostgres Cluster => _cluster ?? throw new InvalidOperationException("No private cluster in this run.");
    public static string? ClusterDataDir => _dir;

    private static async Task<Connections> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable("NPCECRF_TEST_DB");
        if (!string.IsNullOrWhiteSpace(external)) return new Connections(external, null, external);
        _dir = Path.Combine(Path.GetTempPath(), $"npcecrf-tests-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        _cluster = await EmbeddedPostgres.StartAsync(_dir, durable: false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAndDelete();
        return new Connections(_cluster.ApplicationConnectionString(), _cluster.OwnerConnectionString(), _cluster.ConnectionString());
    }

    private static void StopAndDelete()
    {
        _cluster?.StopAsync().GetAwaiter().GetResult();
        try { if (_dir is not null) Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public static Task DropSchemaAsync(string connectionString, string schema) =>
        ExecuteAsync(connectionString, $"drop schema if exists \"{schema}\" cascade");

    public static async Task<int> ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Damages the database on purpose, as the superuser, with the maintenance switch set (and so recorded) in the
    /// same transaction: the only way past the guard on mt_events.
    /// </summary>
    /// <param name="database">Another database to damage (a study's, with a database per study), as a superuser of its server; default: the run's.</param>
    public static async Task<int> ExecuteAsSuperuserAsync(string sql, string maintenanceReason = "test: tampering on purpose", string? database = null)
    {
        await using var connection = new NpgsqlConnection(database ?? (await ConnectionsAsync()).Superuser);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var maintenance = new NpgsqlCommand($"select set_config('{SchemaPreparation.MaintenanceSetting}', @reason, true)", connection, transaction))
        {
            maintenance.Parameters.AddWithValue("reason", maintenanceReason);
            await maintenance.ExecuteNonQueryAsync();
        }
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        var rows = await command.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        return rows;
    }
}
