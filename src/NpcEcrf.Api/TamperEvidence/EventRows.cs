using NpcEcrf.Api.Infrastructure;
using Npgsql;

namespace NpcEcrf.Api.TamperEvidence;

/// <summary>One row of mt_events as stored, with everything a seal, the global chain or a placeholder check reads.</summary>
public sealed record EventRow(
    long Sequence, Guid StreamId, long Version, string Type, string DataJson, string? User, string? CorrelationId, string? CausationId,
    string? Reason, string? Seal, string? AssignedHeader, DateTimeOffset Timestamp, bool Archived, string? DotNetType)
{
    public SealedFacts Facts => new(StreamId, Type, DataJson, User, CorrelationId, CausationId, Reason);
    public AssignedFacts? Assigned => AssignedFacts.Parse(AssignedHeader);

    /// <summary>
    /// Marten's placeholder for a sequence number a failed transaction drew (EventGraph.TryCreateTombstoneBatch): a
    /// <c>Tombstone</c> with an empty payload on the tombstone stream, its version set to its sequence number. It
    /// carries no clinical meaning and no seal.
    /// </summary>
    public bool IsMartenPlaceholder =>
        Type == "tombstone" && Seal is null && Version == Sequence && EventSeal.Canonical(DataJson) == "{}"
        && DotNetType?.Contains("Tombstone", StringComparison.Ordinal) != false;
}

/// <summary>The mt_streams row of a stream: what Marten remembers of its length.</summary>
public sealed record StreamRow(Guid StreamId, long Version);

public static class EventRows
{
    /// <summary>Every event up to a sequence number, in sequence order.</summary>
    public static async Task<IReadOnlyList<EventRow>> Read(NpgsqlConnection connection, string schema, long? upToSequence, CancellationToken ct) =>
        await Where(connection, schema, "seq_id <= @upTo", [new("upTo", upToSequence ?? long.MaxValue)], ct);

    /// <summary>The events a condition on mt_events selects (its parameters named in it), in sequence order.</summary>
    public static async Task<IReadOnlyList<EventRow>> Where(NpgsqlConnection connection, string schema, string condition, NpgsqlParameter[] parameters, CancellationToken ct)
    {
        var rows = new List<EventRow>();
        await Stream(connection, schema, condition, parameters, r => { rows.Add(r); return ValueTask.CompletedTask; }, ct);
        return rows;
    }

    /// <summary>
    /// Hands each selected event to <paramref name="row"/> as it is read, in sequence order, holding none: what verify
    /// reads the whole store with.
    /// </summary>
    public static async Task Stream(NpgsqlConnection connection, string schema, string condition, NpgsqlParameter[] parameters, Func<EventRow, ValueTask> row, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            select seq_id, stream_id, version, type, data::text, user_name, correlation_id, causation_id,
                   headers->>'{CommandPipeline.ReasonHeader}', headers->>'{EventSeal.Header}', headers->>'{EventSeal.FactsHeader}',
                   timestamp, is_archived, mt_dotnet_type
            from "{schema}".mt_events where {condition} order by seq_id
            """, connection);
        command.Parameters.AddRange(parameters);
        NpgsqlDataReader reader;
        try
        {
            reader = await command.ExecuteReaderAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return; // A store that has never had an event.
        }
        await using (reader)
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            while (await reader.ReadAsync(ct))
                await row(new EventRow(reader.GetInt64(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4),
                    Text(5), Text(6), Text(7), Text(8), Text(9), Text(10), reader.GetFieldValue<DateTimeOffset>(11), reader.GetBoolean(12), Text(13)));
        }
    }

    public static async Task<IReadOnlyList<StreamRow>> Streams(NpgsqlConnection connection, string schema, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select id, version from \"{schema}\".mt_streams", connection);
        var rows = new List<StreamRow>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) rows.Add(new StreamRow(reader.GetGuid(0), reader.IsDBNull(1) ? 0 : reader.GetInt64(1)));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
        }
        return rows;
    }

    /// <summary>
    /// Which of <paramref name="tables"/> exist in the schema. Asked before reading them inside a transaction: there a
    /// query on a missing table (caught) would abort the transaction, and every read after it would fail.
    /// </summary>
    public static async Task<IReadOnlySet<string>> ExistingTables(NpgsqlConnection connection, string schema, IReadOnlyList<string> tables, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select t from unnest(@tables) t where to_regclass(quote_ident(@schema) || '.' || quote_ident(t)) is not null", connection);
        command.Parameters.AddWithValue("tables", tables.ToArray());
        command.Parameters.AddWithValue("schema", schema);
        var existing = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) existing.Add(reader.GetString(0));
        return existing;
    }

    public static async Task<DateTimeOffset> DatabaseNow(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select now()", connection);
        return new DateTimeOffset((DateTime)(await command.ExecuteScalarAsync(ct))!);
    }
}
