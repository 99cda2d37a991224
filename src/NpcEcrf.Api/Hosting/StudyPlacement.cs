using Npgsql;

namespace NpcEcrf.Api.Hosting;

/// <summary>
/// What `study place` did: the server and database; whether the study was placed before (then nothing moved), and if so
/// whether the connection string the master keeps for it was brought up to the configuration's (another user or port, say).
/// </summary>
public sealed record Placement(string StudyId, string Server, string Database, bool AlreadyPlaced, bool ConnectionUpdated = false);

/// <summary>
/// Places a study on a server (`./npc-ecrf study place ID --server NAME`, docs/scaling.md): creates its database there,
/// readies it exactly as the master is readied (SchemaPreparation: Marten's and Wolverine's tables, the guard on
/// mt_events, the audit index), then registers the study as a tenant in the master's table, so no node routes to a
/// database that is not ready. Placing again on the same server re-readies it and takes the server's connection string
/// as configured now; a study never moves to another server (that needs a copy of its data).
/// </summary>
public static class StudyPlacement
{
    /// <summary>The master's advisory lock every placement holds from its first check to its registration.</summary>
    private const string PlacementLock = "select pg_advisory_lock(hashtextextended('npcecrf: study place', 0))";
    private const string PlacementUnlock = "select pg_advisory_unlock(hashtextextended('npcecrf: study place', 0))";

    public static async Task<Placement> PlaceAsync(NpcEcrfSettings settings, string studyId, string server, Action<string> warn, CancellationToken ct)
    {
        var databases = settings.StudyDatabases
            ?? throw new Cli.CommandLineError("A database per study is off: set Database:StudyDatabases to true and name the servers in Database:Servers (docs/scaling.md).");
        if (!Studies.StudyIds.IsValid(studyId)) throw new Cli.CommandLineError($"'{studyId}' is not a study id (1 to 40 letters, digits, '_' or '-').");
        var connection = databases.ConnectionStringFor(server, studyId)
            ?? throw new Cli.CommandLineError($"No server '{server}' is configured (Database:Servers:{server}); configured: {string.Join(", ", databases.Servers.Keys.Order(StringComparer.Ordinal))}.");

        // One placement at a time per installation: a second one of the same study (or of its id in another case) waits,
        // then finds it placed, rather than both readying a database and the later registration silently winning.
        await using var master = new NpgsqlConnection(settings.ConnectionString);
        await master.OpenAsync(ct);
        await Execute(master, PlacementLock, ct);
        try
        {
            return await PlaceLocked(settings, databases, master, studyId, server, connection, warn, ct);
        }
        finally
        {
            await Execute(master, PlacementUnlock, CancellationToken.None);
        }
    }

    private static async Task<Placement> PlaceLocked(NpcEcrfSettings settings, StudyDatabases databases, NpgsqlConnection master,
        string studyId, string server, string connection, Action<string> warn, CancellationToken ct)
    {
        // The master first: its table of tenants is where the placement is recorded (and read back).
        await SchemaPreparation.PrepareAsync(settings, warn, ct);
        await using var store = AppHost.Store(settings);
        // Study ids are one id whatever their case (StableIds): another case of a placed one would be a second database.
        if ((await Infrastructure.StudyRouting.PlacedStudies(store)).FirstOrDefault(placed => placed != studyId && Studies.StableIds.Same(placed, studyId)) is { } other)
            throw new Cli.CommandLineError($"Study '{other}' is already placed, and '{studyId}' is the same id in another case. Nothing was changed.");
        var name = StudyDatabases.DatabaseName(studyId);
        var placedOn = await PlacedConnection(master, settings.Schema, studyId, ct);
        if (placedOn is not null)
        {
            var current = databases.ServerOf(placedOn);
            var placedDatabase = new NpgsqlConnectionStringBuilder(placedOn).Database;
            if (current != server || placedDatabase != name)
                throw new Cli.CommandLineError($"Study '{studyId}' is already placed on {(current is null ? "a server not configured here" : $"server '{current}'")} " +
                    $"(database {placedDatabase}); `study place` does not move a study, since that needs a copy of its data " +
                    "(pg_dump of its database, restored on the other server: docs/scaling.md, \"Backups\"). Nothing was changed.");
        }

        await CreateDatabaseIfMissing(databases.Servers[server], name, ct);
        // The study's database is readied as a one-database installation: the same schema, guard and index as the master's,
        // owned by the server's role, with the application's role (if the server has one) granted its reads and appends.
        if (databases.ApplicationConnectionStringFor(server, studyId) is { } application)
            await SchemaPreparation.PrepareAsync(settings with { ConnectionString = application, OwnerConnectionString = connection, StudyDatabases = null }, warn, ct);
        else
        {
            // Said here in this mode's terms: the preparation's own warning names the one-database settings.
            warn($"Server '{server}' has no application role (Database:ServerApplications:{server}): nodes reach study {studyId}'s data as the server's role, " +
                "which owns its schema, so it can switch off the guard on mt_events and rewrite history (docs/scaling.md).");
            await SchemaPreparation.PrepareAsync(settings with { ConnectionString = connection, OwnerConnectionString = null, StudyDatabases = null }, _ => { }, ct);
        }
        // Registered without its password (StudyDatabases.StoredConnectionStringFor); a stored one (placed before) is replaced.
        var stored = databases.StoredConnectionStringFor(server, studyId)!;
        if (placedOn is null) await Register(master, settings.Schema, studyId, stored, ct);
        else if (placedOn != stored) await UpdateConnection(master, settings.Schema, studyId, placedOn, stored, ct);
        return new Placement(studyId, server, name, placedOn is not null, placedOn is not null && placedOn != stored);
    }

    /// <summary>
    /// Registers the study in the master's table of tenants with an insert that refuses a study already there (Marten's
    /// AddDatabaseRecordAsync is an upsert: the later of two placements would silently replace the first).
    /// </summary>
    private static async Task Register(NpgsqlConnection master, string schema, string studyId, string connection, CancellationToken ct)
    {
        await using var insert = new NpgsqlCommand(
            $"insert into \"{schema}\".mt_tenant_databases (tenant_id, connection_string) values (@id, @connection) on conflict (tenant_id) do nothing", master);
        insert.Parameters.AddWithValue("id", studyId);
        insert.Parameters.AddWithValue("connection", connection);
        if (await insert.ExecuteNonQueryAsync(ct) == 0)
            throw new Cli.CommandLineError($"Study '{studyId}' was registered by someone else meanwhile (not through `study place`); this placement registered nothing. " +
                $"Run `study place {studyId} --server NAME` again to see where it is.");
    }

    /// <summary>The same server and database, reached as configured now (a changed password): only if nobody changed it meanwhile.</summary>
    private static async Task UpdateConnection(NpgsqlConnection master, string schema, string studyId, string stored, string connection, CancellationToken ct)
    {
        await using var update = new NpgsqlCommand(
            $"update \"{schema}\".mt_tenant_databases set connection_string = @connection where tenant_id = @id and connection_string = @stored", master);
        update.Parameters.AddWithValue("id", studyId);
        update.Parameters.AddWithValue("stored", stored);
        update.Parameters.AddWithValue("connection", connection);
        if (await update.ExecuteNonQueryAsync(ct) == 0)
            throw new Cli.CommandLineError($"Study '{studyId}''s registration changed meanwhile (not through `study place`); its connection string was not updated.");
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The connection string the master's table holds for the study, as stored; null when it is not placed.</summary>
    private static async Task<string?> PlacedConnection(NpgsqlConnection master, string schema, string studyId, CancellationToken ct)
    {
        await using var select = new NpgsqlCommand($"select connection_string from \"{schema}\".mt_tenant_databases where tenant_id = @id", master);
        select.Parameters.AddWithValue("id", studyId);
        return await select.ExecuteScalarAsync(ct) as string;
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
