using System.Text.Json;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.TamperEvidence;

/// <summary>
/// Every casebook rebuilt from its stream while verify reads the events once, in sequence order: each event's payload
/// is deserialised beside its seal check (in parallel), then folded into its stream's casebook through the one evolve
/// function. A casebook is handed out (<see cref="Complete"/>) as soon as its stream reaches the version mt_streams
/// gives it, so only the casebooks of streams still open are held. A stream whose versions do not rise in sequence
/// order, or with an event after that version (only a change to the table does either), is rebuilt again at the end
/// from its rows, in version order.
/// </summary>
public sealed class RebuiltCasebooks(IReadOnlyDictionary<Guid, long> streamVersions)
{
    private sealed class Stream
    {
        public Casebook? Casebook;
        public bool NotACasebook, Unordered, Handed;
        public long LastVersion;
    }

    /// <summary>Casebooks whose stream is complete, to compare now; the caller empties it.</summary>
    public List<(Guid Id, Casebook Casebook)> Complete { get; } = [];

    private readonly Dictionary<Guid, Stream> _streams = [];

    /// <summary>Why the documents cannot be checked: a stored payload that no longer reads as its event type (the first, in sequence order).</summary>
    public string? Unreadable { get; private set; }

    private static readonly object NoData = new();

    /// <summary>The payload as its event type, null for a type that is not the application's, or the JsonException it raised. Pure: runs in parallel.</summary>
    public static object? Payload(EventRow row)
    {
        // The application's event types, as StoredEvents reads them; other types are not the casebook's.
        if (StoredEvents.TypeFor(row.Type) is not { } type) return null;
        try
        {
            // A payload of JSON null folds as an event with no data would (it only moves the version).
            return JsonSerializer.Deserialize(row.DataJson, type, CasebookJson.Options) ?? NoData;
        }
        catch (JsonException e)
        {
            return e;
        }
    }

    /// <summary>In sequence order, with what <see cref="Payload"/> gave for the row.</summary>
    public void Add(EventRow row, object? payload)
    {
        if (payload is null || Unreadable is not null) return;
        if (payload is JsonException e)
        {
            Unreadable = e.Message;
            _streams.Clear();
            return;
        }
        if (!_streams.TryGetValue(row.StreamId, out var stream))
        {
            _streams[row.StreamId] = stream = new Stream { NotACasebook = !CasebookEvolution.StartsCasebook(payload), LastVersion = row.Version };
        }
        if (stream.Unordered) return;
        if (row.Version < stream.LastVersion || stream.Handed)
        {
            (stream.Unordered, stream.Casebook) = (true, null);
            return;
        }
        stream.LastVersion = row.Version;
        if (stream.NotACasebook) return;
        stream.Casebook = Fold(stream.Casebook, row, payload);
        if (streamVersions.TryGetValue(row.StreamId, out var last) && row.Version == last)
        {
            Complete.Add((row.StreamId, stream.Casebook!));
            (stream.Handed, stream.Casebook) = (true, null);
        }
    }

    private static Casebook? Fold(Casebook? casebook, EventRow row, object payload) =>
        CasebookEvolution.Evolve(casebook, row.StreamId, payload, new EventMeta(row.Version, row.User, row.Timestamp));

    /// <summary>
    /// Every casebook stream in the order the streams first appeared, and the casebooks not handed out yet (streams
    /// still open, and those rebuilt from their rows here): a casebook in the second list replaces what was handed out for it.
    /// </summary>
    public async Task<(IReadOnlyList<Guid> Order, IReadOnlyList<(Guid Id, Casebook Casebook)> Remaining)> Finish(IEventLookup lookup, CancellationToken ct)
    {
        foreach (var (id, stream) in _streams.Where(s => s.Value.Unordered))
        {
            var events = (await lookup.Stream(id, ct)).Select(r => (Row: r, Payload: Payload(r))).Where(e => e.Payload is not null).OrderBy(e => e.Row.Version).ToList();
            if (events.Select(e => e.Payload).OfType<JsonException>().FirstOrDefault() is { } e) throw e; // the pass in order saw it first
            stream.NotACasebook = !CasebookEvolution.StartsCasebook(events[0].Payload!);
            if (!stream.NotACasebook) (stream.Casebook, stream.Handed) = (events.Aggregate((Casebook?)null, (c, x) => Fold(c, x.Row, x.Payload!)), false);
        }
        var casebooks = _streams.Where(s => !s.Value.NotACasebook).ToList();
        return ([.. casebooks.Select(s => s.Key)], [.. casebooks.Where(s => !s.Value.Handed).Select(s => (s.Key, s.Value.Casebook!))]);
    }
}
