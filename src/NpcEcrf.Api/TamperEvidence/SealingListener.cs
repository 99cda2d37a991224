using NpcEcrf.Api.Infrastructure;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace NpcEcrf.Api.TamperEvidence;

/// <summary>
/// Seals every event just before it is saved, chaining it to the last seal of its stream. An append that did not
/// state the version it expects is pinned to the version the seal was chained to, so two concurrent writers can
/// never both chain to the same predecessor: the second gets a concurrency error instead of breaking the chain.
/// Marten has already assigned version and timestamp here; the seal records them, the sequence number of the
/// event's predecessor, and the newest sealed event in the store as a witness, so deleting or moving those later is
/// evidence of its own.
/// </summary>
public sealed class SealingListener(EventSeal seal, string schema) : DocumentSessionListenerBase
{
    public override async Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken ct)
    {
        var streams = session.PendingChanges.Streams().ToList();
        if (streams.Count == 0) return;
        var serializer = session.DocumentStore.Options.Serializer();
        var ahead = SealReads.Take(session);
        // A stream this SaveChanges starts has no predecessor (if it existed, Marten refuses the start): only appends are
        // looked up (unless read ahead), in the same round trip as the witness.
        var lookups = streams.Where(s => s.ActionType != StreamActionType.Start && ahead?.TailFor(s) is null).Select(s => s.Id).Distinct().ToArray();
        var (witness, last) = ahead is not null && lookups.Length == 0 ? (ahead.Witness, []) : await WitnessAndLast(session, lookups, ct);
        var defaults = SealDefaults.Of(session);
        foreach (var stream in streams)
        {
            var (lastVersion, previousSequence, previous) = ahead?.TailFor(stream) is { } known
                ? (known.Version, known.Sequence, known.Seal)
                : last.GetValueOrDefault(stream.Id, (0L, 0L, null));
            if (stream.ActionType == StreamActionType.Append && stream.ExpectedVersionOnServer is null)
            {
                stream.ExpectedVersionOnServer = lastVersion;
                stream.AlwaysEnforceConsistency = true;
            }
            var tail = new StreamTail(lastVersion, previousSequence, previous);
            foreach (var e in stream.Events) tail = SealNext(seal, stream.Id, e, serializer.ToJson(e.Data), tail, witness, defaults);
        }
    }

    /// <summary>
    /// Seals one event after the last sealed event of its stream: the one computation of the listener and of the bulk
    /// import (<see cref="SealedBulkAppend"/>). Fixes the timestamp as PostgreSQL will store it and sets the seal headers.
    /// </summary>
    /// <param name="dataJson">The payload as the store's serializer writes it.</param>
    public static StreamTail SealNext(EventSeal seal, Guid streamId, IEvent e, string dataJson, StreamTail tail, Witness? witness, SealDefaults defaults)
    {
        var version = e.Version > 0 ? e.Version : tail.Version + 1;
        // Recorded as PostgreSQL will store it, so the column read back equals the sealed value.
        e.Timestamp = EventSeal.Microseconds(e.Timestamp == default ? DateTimeOffset.UtcNow : e.Timestamp);
        var facts = new SealedFacts(streamId, EventTypes.Alias(e.Data.GetType()), dataJson,
            e.UserName ?? defaults.User, e.CorrelationId ?? defaults.CorrelationId, e.CausationId ?? defaults.CausationId,
            e.GetHeader(CommandPipeline.ReasonHeader)?.ToString() ?? defaults.Reason);
        var assigned = new AssignedFacts(version, e.Timestamp, tail.Sequence, EventSeal.PayloadDigest(dataJson), witness);
        var sealedValue = seal.Compute(tail.Seal, facts, assigned);
        e.SetHeader(EventSeal.Header, sealedValue);
        e.SetHeader(EventSeal.FactsHeader, assigned.ToHeader());
        // An event's own sequence number is drawn at insert, after sealing: 0 here when it is written in the same save.
        return new StreamTail(version, e.Sequence, sealedValue);
    }

    /// <summary>
    /// The witness (<see cref="NewestSealed"/>) and each stream's last event (version, sequence number and seal; streams
    /// without events are absent), in one round trip.
    /// </summary>
    private async Task<(Witness? Witness, Dictionary<Guid, (long Version, long Sequence, string? Seal)> Last)> WitnessAndLast(IDocumentSession session, Guid[] streamIds, CancellationToken ct)
    {
        var last = new Dictionary<Guid, (long, long, string?)>();
        // The session's own database: with a database per study, the study's (docs/scaling.md).
        await using var connection = (NpgsqlConnection)session.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(NewestSealedSql(schema)));
        if (streamIds.Length > 0)
        {
            var command = new NpgsqlBatchCommand(LastSql(schema, "$1"));
            command.Parameters.Add(new NpgsqlParameter { Value = streamIds });
            batch.BatchCommands.Add(command);
        }
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(ct);
            var witness = await ReadWitness(reader, ct);
            if (streamIds.Length > 0 && await reader.NextResultAsync(ct))
                while (await reader.ReadAsync(ct)) last[reader.GetGuid(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3));
            return (witness, last);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return (null, last); // the very first event, before Marten has created its tables
        }
    }

    public EventSeal Seal => seal;

    /// <summary>
    /// The witness: seq_id, stream_id, version of the newest sealed event. A backward scan of the primary key that stops
    /// at its first row, as every event but Marten's rare placeholders is sealed: no index of its own is needed.
    /// </summary>
    public static string NewestSealedSql(string schema) =>
        $"select seq_id, stream_id, version from \"{schema}\".mt_events where headers ? '{EventSeal.Header}' order by seq_id desc limit 1";

    /// <summary>Each stream's last event: stream_id, version, seq_id, seal; <paramref name="ids"/> is the array parameter's placeholder.</summary>
    public static string LastSql(string schema, string ids) =>
        $"select distinct on (stream_id) stream_id, version, seq_id, headers->>'{EventSeal.Header}' as seal from \"{schema}\".mt_events where stream_id = any({ids}) order by stream_id, version desc";

    private static async Task<Witness?> ReadWitness(NpgsqlDataReader r, CancellationToken ct) =>
        await r.ReadAsync(ct) ? new Witness(r.GetInt64(0), r.GetGuid(1), r.GetInt64(2)) : null;

    /// <summary>The newest sealed event in the store (committed, as this connection sees it): the witness of what is sealed now.</summary>
    public async Task<Witness?> NewestSealed(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(NewestSealedSql(schema), connection);
        return await Query(command, r => ReadWitness(r, ct), null, ct);
    }

    private static async Task<T> Query<T>(NpgsqlCommand command, Func<NpgsqlDataReader, Task<T>> read, T none, CancellationToken ct)
    {
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            return await read(reader);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return none; // the very first event, before Marten has created its tables
        }
    }
}

/// <summary>The last sealed event of a stream: what the next event's seal chains to.</summary>
public readonly record struct StreamTail(long Version, long Sequence, string? Seal);

/// <summary>What an event takes from its session when it does not say itself: user, correlation, causation, reason for change.</summary>
public sealed record SealDefaults(string? User, string? CorrelationId, string? CausationId, string? Reason)
{
    public static SealDefaults Of(IDocumentSession session) =>
        new(session.LastModifiedBy, session.CorrelationId, session.CausationId, session.GetHeader(CommandPipeline.ReasonHeader)?.ToString());
}

public static class EventTypes
{
    /// <summary>Marten's default event type alias: DataPointCorrected -> data_point_corrected.</summary>
    public static string Alias(Type type) =>
        string.Concat(type.Name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
