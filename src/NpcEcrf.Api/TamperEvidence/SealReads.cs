using System.Runtime.CompilerServices;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Marten.Services.BatchQuerying;

namespace NpcEcrf.Api.TamperEvidence;

/// <summary>
/// What <see cref="SealingListener"/> reads before a save (the stream's last seal, the witness), read ahead in a
/// command's first batch so that the save needs no round trip of its own for them. The next save of that session
/// takes them, once, and only for a stream it still expects at the version the tail was read at (the save then
/// fails on any concurrent append, so the chain cannot fork); anything else the listener reads again itself.
/// The witness may be a few milliseconds older than one read at the save: it is still a committed sealed event.
/// </summary>
public static class SealReads
{
    private static readonly ConditionalWeakTable<IDocumentSession, Ahead> Pending = new();

    /// <summary>The listener's own two queries (the stream's last event, the witness) as one JSON text in one statement.</summary>
    /// <remarks>'^' marks the parameter: '?' is PostgreSQL's key-exists operator here.</remarks>
    public static Task<IReadOnlyList<string>> Enlist(IBatchedQuery batch, string schema, Guid streamId) => batch.Query<string>('^',
        $"select json_build_object(" +
        $"'tail', (select json_build_object('version', version, 'sequence', seq_id, 'seal', seal) from ({SealingListener.LastSql(schema, "^")}) t), " +
        $"'witness', (select json_build_object('sequence', seq_id, 'stream', stream_id, 'version', version) from ({SealingListener.NewestSealedSql(schema)}) w))::text",
        new[] { streamId });

    /// <summary>Keeps what <see cref="Enlist"/> read for the session's next save.</summary>
    public static void Remember(IDocumentSession session, Guid streamId, IReadOnlyList<string> read) =>
        Pending.AddOrUpdate(session, Parse(streamId, read.Single()));

    /// <summary>What was read ahead for this session's save, taken once.</summary>
    internal static Ahead? Take(IDocumentSession session) => Pending.TryGetValue(session, out var ahead) && Pending.Remove(session) ? ahead : null;

    internal static Ahead Parse(Guid streamId, string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var tail = root.GetProperty("tail") is { ValueKind: JsonValueKind.Object } t
            ? new StreamTail(t.GetProperty("version").GetInt64(), t.GetProperty("sequence").GetInt64(), t.GetProperty("seal").GetString())
            : (StreamTail?)null;
        var witness = root.GetProperty("witness") is { ValueKind: JsonValueKind.Object } w
            ? new Witness(w.GetProperty("sequence").GetInt64(), w.GetProperty("stream").GetGuid(), w.GetProperty("version").GetInt64())
            : null;
        return new Ahead(streamId, tail, witness);
    }

    internal sealed record Ahead(Guid StreamId, StreamTail? Tail, Witness? Witness)
    {
        /// <summary>The tail to chain to, if this append still expects the version it was read at.</summary>
        public StreamTail? TailFor(StreamAction stream) => TailFor(stream.Id, stream.ExpectedVersionOnServer);

        public StreamTail? TailFor(Guid streamId, long? expectedVersion) =>
            streamId == StreamId && Tail is { } tail && expectedVersion == tail.Version ? tail : null;
    }
}
