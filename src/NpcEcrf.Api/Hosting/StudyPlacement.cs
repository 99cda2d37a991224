using JasperFx.MultiTenancy;
using Marten.Storage;
using Npgsql;

namespace NpcEcrf.Api.Hosting;

/// <summary>What `study place` did: the server and database, and whether the study was placed before (then nothing moved).</summary>
public sealed record Placement(string StudyId, string Server, string Database, bool AlreadyPlaced);

/// <summary>
/// Places a study on a server (`./npc-ecrf study place ID --server NAME`, docs/scaling.md): creates its database there,
/// readies it exactly as the master is readied (SchemaPreparation: Marten's and Wolverine's tables, the guard on
/// mt_events, the audit index), then registers the study as a tenant in the master's table, so no node routes to a
/// database that is not ready. Placing again on the same server re-readies it; a study never moves to another server.
/// </summary>
public static class StudyPlacement
{
    public static async Task<Placement> PlaceAsync(NpcEcrfSettings settings, string studyId, string server, Action<string> warn, CancellationToken ct)
    {
        var databases = settings.StudyDatabases
            ?? throw new Cli.CommandLineError("A database per study is off: set Database:StudyDatabases to true and name the servers in Database:Servers (docs/scaling.md).");
        if (!StudyIds.IsValid(studyId)) throw new Cli.CommandLineError($"'{studyId}' is not a study id (1 to 40 letters, digits, '_' or '-').");
        var connection = databases.ConnectionStringFor(server, studyId)
            ?? throw new Cli.CommandLineError($"No server '{server}' is configured (Database:Servers:{server}); configured: {string.Join(", ", databases.Servers.Keys.Order(StringComparer.Ordinal))}.");

        // The master first: its table of tenants is where the placement is recorded (and read back).
        await SchemaPreparation.PrepareAsync(settings, warn, ct);
        await using var store = AppHost.Store(settings);
        var tenancy = (MasterTableTenancy)store.Options.Tenancy;
        // Study ids are one id whatever their case (StableIds): another case of a placed one would be a second database.
        if ((await Infrastructure.StudyRouting.PlacedStudies(store)).FirstOrDefault(placed => placed != studyId && Studies.StableIds.Same(placed, studyId)) is { } other)
            throw new Cli.CommandLineError($"Study '{other}' is already placed, and '{studyId}' is the same id in another case. Nothing was changed.");
        var placedOn = await PlacedConnection(tenancy, studyId);
        if (placedOn is not null)
        {
            var current = databases.ServerOf(placedOn);
            if (current != server)
                throw new Cli.CommandLineError($"Study '{studyId}' is already placed on {(current is null ? "a server not configured here" : $"server '{current}'")} " +
                    $"(database {new NpgsqlConnectionStringBuilder(placedOn).Database}); a study does not move. Nothing was changed.");
        }

        var name = StudyDatabases.DatabaseName(studyId);
        await CreateDatabaseIfMissing(databases.Servers[server], name, ct);
        // The study's database is readied as a one-database installation: the same schema, guard and index as the master's.
        await SchemaPreparation.PrepareAsync(settings with { ConnectionString = connection, OwnerConnectionString = null, StudyDatabases = null }, warn, ct);
        if (placedOn is null) await tenancy.AddDatabaseRecordAsync(studyId, connection);
        return new Placement(studyId, server, name, placedOn is not null);
    }

    /// <summary>The connection string the master's table holds for the study; null when it is not placed.</summary>
    private static async Task<string?> PlacedConnection(MasterTableTenancy tenancy, string studyId)
    {
        try
        {
            return await ((ITenantedSource<string>)tenancy).FindAsync(studyId);
        }
        catch (UnknownTenantIdException)
        {
            return null;
        }
    }

    private static async Task CreateDatabaseIfMissing(string serverConnection, string name, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(serverConnection);
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("select count(*) from pg_database where datname = @name", connection);
        exists.Parameters.AddWithValue("name", name);
        if ((long)(await exists.ExecuteScalarAsync(ct))! > 0) return;
        // The name is derived from a valid study id (StudyDatabases.DatabaseName): letters, digits and '_' only.
        await using var create = new NpgsqlCommand($"create database \"{name}\"", connection);
        try
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // created meanwhile by another `place` of the same study
        }
    }
}
