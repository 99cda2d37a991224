using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Marten;
using Npgsql;

namespace NpcEcrf.Api.TamperEvidence;

/// <summary>The global chain's value after the event at a sequence number: what an anchor records ("SEQ:HASH").</summary>
public sealed record ChainHead(long Sequence, string Hash)
{
    public override string ToString() => $"{Sequence.ToString(CultureInfo.InvariantCulture)}:{Hash}";

    public static ChainHead? Parse(string? text) =>
        text?.Split(':') is [var seq, var hash] && long.TryParse(seq, CultureInfo.InvariantCulture, out var s) && s >= 0
            && hash.Length == 64 && hash.All(Uri.IsHexDigit) ? new ChainHead(s, hash.ToLowerInvariant()) : null;
}

/// <summary>
/// One hash chain over every event in sequence order, H_n = SHA-256(H_{n-1} || seq || stream || version || seal),
/// computed from the stored rows whenever it is needed. Nothing is written for it: it is evidence once its head
/// is kept somewhere the database cannot reach (an auditor's note, an ODM export) or in a sealed lock event.
/// Marten's placeholders are left out: they can land after a head was taken, below it, without anything having changed.
/// </summary>
public static class GlobalChain
{
    private static readonly string Genesis = new('0', 64);

    /// <summary>The chain followed one event at a time, in sequence order (Marten's placeholders left out by the caller).</summary>
    public sealed class Walk
    {
        private readonly byte[] _hash = new byte[32];
        private byte[] _input = new byte[512];
        private string? _hex = Genesis;
        private long _last;

        public Walk() { }

        /// <summary>Goes on from a head taken earlier: the chain up to it is what it was then.</summary>
        public Walk(ChainHead from) => (_hex, _last) = (from.Hash, from.Sequence);

        public ChainHead Head => new(_last, Hash);

        public string Hash => _hex ??= Convert.ToHexStringLower(_hash);

        public void Add(EventRow row)
        {
            // H_n over the text "H_(n-1)\nseq\nstream\nversion\nseal", written into one reused buffer: verify runs this once per event, in order.
            var seal = row.Seal ?? "";
            var needed = 64 + 3 * 20 + 32 + 4 + Encoding.UTF8.GetMaxByteCount(seal.Length);
            if (_input.Length < needed) _input = new byte[needed * 2];
            var span = _input.AsSpan();
            var n = _hex is { } hex ? Encoding.ASCII.GetBytes(hex, span) : LowerHex(_hash, span);
            n += Append(span[n..], row.Sequence);
            span[n++] = (byte)'\n';
            row.StreamId.TryFormat(span[n..], out var written, "N");
            n += written;
            n += Append(span[n..], row.Version);
            span[n++] = (byte)'\n';
            n += Encoding.UTF8.GetBytes(seal, span[n..]);
            SHA256.HashData(span[..n], _hash);
            _hex = null;
            _last = row.Sequence;
        }

        private static int LowerHex(ReadOnlySpan<byte> bytes, Span<byte> into)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                into[2 * i] = (byte)"0123456789abcdef"[bytes[i] >> 4];
                into[2 * i + 1] = (byte)"0123456789abcdef"[bytes[i] & 15];
            }
            return 2 * bytes.Length;
        }

        private static int Append(Span<byte> span, long value)
        {
            span[0] = (byte)'\n';
            value.TryFormat(span[1..], out var written, provider: CultureInfo.InvariantCulture);
            return written + 1;
        }
    }

    /// <summary>
    /// The highest sequence number up to <paramref name="upTo"/> below which no transaction can still be committing.
    /// A transaction draws its numbers before it commits, so one in flight shows as a gap; gaps among events older
    /// than <paramref name="settle"/> are failed transactions, not writes still to come. An anchor taken here is
    /// never contradicted by an honest commit that lands later.
    /// </summary>
    public static long SettledSequence(IReadOnlyList<EventRow> rows, long upTo, DateTimeOffset now, TimeSpan settle)
    {
        var cursor = rows.Where(r => r.Sequence <= upTo && r.Timestamp <= now - settle).Select(r => r.Sequence).DefaultIfEmpty(0).Max();
        foreach (var row in rows.Where(r => r.Sequence > cursor && r.Sequence <= upTo))
        {
            if (row.Sequence != cursor + 1) break;
            cursor = row.Sequence;
        }
        return cursor;
    }

    /// <summary>How long a gap in the sequence may be a transaction still committing.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The settled head up to a high-water mark, read through a session's database (locks, exports). It goes on from the
    /// newest head an earlier lock sealed at or below it, rather than from the first event: a lock after another reads the
    /// events since, not the whole store. A head altered in its lock event breaks that event's seal, and verify, which
    /// walks the chain from the first event, reports both it and the heads taken from it.
    /// </summary>
    public static async Task<ChainHead> SettledHeadAsync(IQuerySession session, long upTo, CancellationToken ct)
    {
        await using var connection = (NpgsqlConnection)session.Database.CreateConnection();
        await connection.OpenAsync(ct);
        var lockHeads = await LockHeads(session, connection, ct);
        return await SettledHeadAsync(connection, session.DocumentStore.Options.Events.DatabaseSchemaName, upTo, Settle,
            settled => lockHeads.Where(h => h.Sequence <= settled).MaxBy(h => h.Sequence), ct);
    }

    /// <summary>
    /// The settled head up to <paramref name="upTo"/>, every event after <paramref name="from"/>'s head (the first event's
    /// when it gives none) hashed as it streams in, so memory stays flat however large the store (the chain is over every study).
    /// </summary>
    public static async Task<ChainHead> SettledHeadAsync(NpgsqlConnection connection, string schema, long upTo, TimeSpan settle,
        Func<long, ChainHead?> from, CancellationToken ct)
    {
        // Only the rows from the last one old enough to have settled can move the settled sequence: SettledSequence over them is SettledSequence over all.
        var tail = new List<EventRow>();
        await foreach (var row in ChainRows(connection, schema, $"""
            seq_id <= @upTo and seq_id >= (select coalesce(max(seq_id), 0) from "{schema}".mt_events where seq_id <= @upTo and timestamp <= now() - @settle)
            """, upTo, settle, ct))
            tail.Add(row);
        var settled = SettledSequence(tail, upTo, await EventRows.DatabaseNow(connection, ct), settle);
        var start = from(settled);
        var chain = start is null ? new Walk() : new Walk(start);
        await foreach (var row in ChainRows(connection, schema, $"seq_id <= @upTo and seq_id > {start?.Sequence ?? 0}", settled, settle, ct))
            if (!row.IsMartenPlaceholder) chain.Add(row);
        return chain.Head;
    }

    /// <summary>The chain heads the database's locks recorded, read by the lock documents' ids (each lock's first event).</summary>
    private static async Task<IReadOnlyList<ChainHead>> LockHeads(IQuerySession session, NpgsqlConnection connection, CancellationToken ct)
    {
        var locks = ((IReadOnlyStoreOptions)session.DocumentStore.Options).FindOrResolveDocumentType(typeof(Locks.DatabaseLock)).TableName.QualifiedName;
        await using var command = new NpgsqlCommand($"""
            select e.data->>'chainHead' from {locks} l join "{session.DocumentStore.Options.Events.DatabaseSchemaName}".mt_events e on e.stream_id = l.id and e.version = 1
            where e.type = 'database_locked'
            """, connection);
        var heads = new List<ChainHead>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                if (ChainHead.Parse(reader.IsDBNull(0) ? null : reader.GetString(0)) is { } head) heads.Add(head);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // No lock was ever stored.
        }
        return heads;
    }

    /// <summary>
    /// The rows in sequence order with what the chain reads of them: sequence, stream, version, seal, time, and what tells
    /// Marten's placeholders apart (a payload is read only for a tombstone; every other row's is left in the database).
    /// </summary>
    private static async IAsyncEnumerable<EventRow> ChainRows(NpgsqlConnection connection, string schema, string where, long upTo, TimeSpan settle,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            select seq_id, stream_id, version, type, case when type = 'tombstone' then data::text end, headers->>'{EventSeal.Header}', timestamp, mt_dotnet_type
            from "{schema}".mt_events where {where} order by seq_id
            """, connection);
        command.Parameters.AddWithValue("upTo", upTo);
        command.Parameters.AddWithValue("settle", settle);
        await using var reader = await command.ExecuteReaderAsync(ct);
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        while (await reader.ReadAsync(ct))
            yield return new EventRow(reader.GetInt64(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3), Text(4) ?? "", null, null, null, null,
                Text(5), null, reader.GetFieldValue<DateTimeOffset>(6), false, Text(7));
    }
}
