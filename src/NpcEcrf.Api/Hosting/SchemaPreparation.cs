using JasperFx.Resources;
using Npgsql;

namespace NpcEcrf.Api.Hosting;

/// <summary>
/// Readies the schema before anything reads or appends: Marten's and Wolverine's schema changes through the
/// owner's connection, the guard that keeps <c>mt_events</c> append-only, and what the application's role may
/// do (docs/security.md, "The database"). Runs when a host starts (before Marten and Wolverine) and when the
/// command line opens the store; every step is idempotent.
/// </summary>
public sealed class SchemaPreparation(NpcEcrfSettings settings, ILogger<SchemaPreparation> logger) : IHostedLifecycleService
{
    /// <summary>The documented maintenance switch: <c>SET LOCAL npcecrf.maintenance = 'reason'</c>.</summary>
    public const string MaintenanceSetting = "npcecrf.maintenance";
    public const string MaintenanceLogTable = "npcecrf_maintenance_log";

    public Task StartingAsync(CancellationToken ct) => PrepareAsync(settings, warning => logger.LogWarning("{Warning}", warning), ct);

    public static async Task PrepareAsync(NpcEcrfSettings settings, Action<string> warn, CancellationToken ct)
    {
        // Processes that start at once (serve and a verb, two verbs) take turns: grants and DDL on the same objects at
        // the same moment fail in the catalogue ("tuple concurrently updated"). A session lock, released below or with
        // the connection if the process dies.
        await using var turn = new NpgsqlConnection(settings.SchemaChangeConnectionString);
        await turn.OpenAsync(ct);
        await TurnAsync(turn, "pg_advisory_lock", settings.Schema, ct);
        try
        {
            await PrepareInTurnAsync(settings, warn, ct);
        }
        finally
        {
            await TurnAsync(turn, "pg_advisory_unlock", settings.Schema, CancellationToken.None);
        }
    }

    private static async Task TurnAsync(NpgsqlConnection connection, string function, string schema, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select {function}(hashtext('npcecrf schema preparation: ' || $1))", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        await command.ExecuteScalarAsync(ct);
    }

    private static async Task PrepareInTurnAsync(NpcEcrfSettings settings, Action<string> warn, CancellationToken ct)
    {
        await ApplySchemaChangesAsync(settings, ct);
        await ExecuteAsync(settings.SchemaChangeConnectionString, EventGuardSql(settings.Schema), ct);
        await ExecuteAsync(settings.SchemaChangeConnectionString, Audit.AuditIndex.Sql(settings.Schema), ct);
        if (settings.OwnerConnectionString is null)
            warn($"Only one database connection is configured ({Installation.DatabaseVariable}): its role owns the schema, so it can " +
                 $"switch off the guard on mt_events and rewrite history. Set {Installation.OwnerDatabaseVariable} for schema changes and " +
                 $"give {Installation.DatabaseVariable} a role without them (docs/operations.md).");
        else
            await ExecuteAsync(settings.SchemaChangeConnectionString, GrantsSql(settings.Schema, await ApplicationRoleAsync(settings, ct)), ct);
    }

    /// <summary>
    /// A host of Marten and Wolverine alone, configured as the web host's but connected as the schema owner, sets up
    /// their storage (tables, functions, Wolverine's envelope tables) and is thrown away unstarted.
    /// </summary>
    private static async Task ApplySchemaChangesAsync(NpcEcrfSettings settings, CancellationToken ct)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        var ownerSettings = settings with { ConnectionString = settings.SchemaChangeConnectionString, OwnerConnectionString = null };
        // With a database per study, only the master here: each study's database is readied when it is placed
        // (StudyPlacement), so a study server that is down cannot stop a node from starting.
        var masterOnly = ownerSettings with { StudyDatabases = null };
        builder.Services.AddSingleton(masterOnly);
        builder.Services.AddHttpContextAccessor();
        AppHost.AddEventStore(builder.Services, masterOnly);
        var host = builder.Build();
        try
        {
            await host.SetupResources(ct);
        }
        finally
        {
            await ((IAsyncDisposable)host).DisposeAsync(); // Marten's store and its data source dispose asynchronously
        }
        if (settings.StudyDatabases is null) return;
        // Marten's table of tenants, seeded with the global tenant: the tenancy creates it when it first lists the databases.
        await using var store = AppHost.Store(ownerSettings);
        await store.Options.Tenancy.BuildDatabases();
        // Seeded here with the owner's connection: the global tenant is the application's (and, as every row, without a password).
        await using var connection = new NpgsqlConnection(ownerSettings.ConnectionString);
        await connection.OpenAsync(ct);
        await using var global = new NpgsqlCommand($"update \"{settings.Schema}\".mt_tenant_databases set connection_string = @connection where tenant_id = @tenant", connection);
        global.Parameters.AddWithValue("connection", StudyDatabases.WithoutPassword(settings.ConnectionString));
        global.Parameters.AddWithValue("tenant", StudyDatabases.GlobalTenant);
        await global.ExecuteNonQueryAsync(ct);
    }

    private static async Task<string> ApplicationRoleAsync(NpcEcrfSettings settings, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("select current_user", connection);
        return (string)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Triggers refuse UPDATE, DELETE and TRUNCATE of events for every role, the owner's included, unless the
    /// transaction states a reason in the maintenance switch; each row so changed (or each TRUNCATE) is logged with
    /// that reason and who did it.
    /// </summary>
    public static string EventGuardSql(string schema) => $$"""
        create table if not exists "{{schema}}".{{MaintenanceLogTable}} (
          id bigint generated always as identity primary key,
          at timestamptz not null default clock_timestamp(),
          database_user text not null default current_user,
          session_user_name text not null default session_user,
          client_address inet default inet_client_addr(),
          operation text not null,
          reason text not null,
          seq_id bigint,
          stream_id text,
          version bigint);

        create or replace function "{{schema}}".npcecrf_guard_events() returns trigger language plpgsql as $guard$
        declare
          reason text := nullif(current_setting('{{MaintenanceSetting}}', true), '');
        begin
          if reason is null then
            raise exception 'mt_events is append-only: % refused', tg_op
              using errcode = 'insufficient_privilege',
                    hint = 'Events are never changed or removed. For audited maintenance run SET LOCAL {{MaintenanceSetting}} = ''<reason>'' in the same transaction (docs/security.md).';
          end if;
          if tg_level = 'STATEMENT' then
            insert into "{{schema}}".{{MaintenanceLogTable}} (operation, reason) values (tg_op, reason);
            return null;
          end if;
          insert into "{{schema}}".{{MaintenanceLogTable}} (operation, reason, seq_id, stream_id, version)
            values (tg_op, reason, old.seq_id, old.stream_id::text, old.version);
          return case when tg_op = 'DELETE' then old else new end;
        end
        $guard$;

        create or replace trigger npcecrf_events_append_only before update or delete on "{{schema}}".mt_events
          for each row execute function "{{schema}}".npcecrf_guard_events();
        create or replace trigger npcecrf_events_not_truncated before truncate on "{{schema}}".mt_events
          for each statement execute function "{{schema}}".npcecrf_guard_events();
        """;

    /// <summary>
    /// What the application's role may do, re-granted on every start (in one transaction, so it never holds more):
    /// everything on documents, Marten's bookkeeping and Wolverine's tables; on the event store only what
    /// <c>mt_quick_append_events</c> runs as its caller (SELECT and INSERT on mt_events and mt_streams, UPDATE of
    /// mt_streams' version); the maintenance log read-only.
    /// </summary>
    public static string GrantsSql(string schema, string applicationRole) => $"""
        begin;
        grant usage on schema "{schema}" to "{applicationRole}";
        grant select, insert, update, delete, truncate, references on all tables in schema "{schema}" to "{applicationRole}";
        revoke update, delete, truncate on "{schema}".mt_events from "{applicationRole}";
        revoke delete, truncate on "{schema}".mt_streams from "{applicationRole}";
        revoke insert, update, delete, truncate on "{schema}".{MaintenanceLogTable} from "{applicationRole}";
        {Audit.AuditIndex.RevokeSql(schema, applicationRole)}
        grant usage, select, update on all sequences in schema "{schema}" to "{applicationRole}";
        grant execute on all functions in schema "{schema}" to "{applicationRole}";
        commit;
        """;

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;
}
