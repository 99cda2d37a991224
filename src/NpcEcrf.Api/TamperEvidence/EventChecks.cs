using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace NpcEcrf.Api.TamperEvidence;

/// <summary>An anchor to check the global chain against: where it came from and the head it recorded.</summary>
public sealed record Anchor(string Source, Guid? StreamId, ChainHead Head);

/// <summary>Rows read back, in the same snapshot, for the few checks that need a row the stream has already passed.</summary>
public interface IEventLookup
{
    Task<IReadOnlyList<EventRow>> Stream(Guid streamId, CancellationToken ct);
    Task<IReadOnlyList<EventRow>> AtSequences(IReadOnlyCollection<long> sequences, CancellationToken ct);
}

/// <summary>
/// A row with what follows from it alone, worked out in parallel: its assigned facts, whether it is a placeholder,
/// a fingerprint of its seal, and whether its seal holds after the seal it is expected to chain to.
/// </summary>
public sealed class PreparedRow(EventRow row)
{
    public EventRow Row { get; } = row;
    public AssignedFacts? Assigned { get; private set; }
    public bool Placeholder { get; private set; }
    public UInt128 SealPrint { get; private set; }
    /// <summary>The seal of the row before it in its stream as read (set in order); the stream walk uses the result only if it agrees.</summary>
    public string? ChainedTo { get; set; }
    public bool SealHolds { get; private set; }
    /// <summary>Free for the caller's own per-row work in the same parallel pass (the documents' deserialised payload).</summary>
    public object? Extra { get; set; }

    public void Prepare(EventSeal seal)
    {
        Assigned = Row.Assigned;
        Placeholder = Row.IsMartenPlaceholder;
        if (Row.Seal is not { } stored) return;
        SealPrint = Print(stored);
        if (!(EventSeal.IsV2(stored) && Assigned is null)) SealHolds = seal.Expected(stored, ChainedTo, Row.Facts, Assigned) == stored;
    }

    /// <summary>128 bits of SHA-256 over the seal's text: two seals share it only if they are the same seal.</summary>
    private static UInt128 Print(string seal)
    {
        Span<byte> hash = stackalloc byte[32];
        Span<byte> text = seal.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(seal.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(seal.Length)];
        SHA256.HashData(text[..Encoding.UTF8.GetBytes(seal, text)], hash);
        return new UInt128(BitConverter.ToUInt64(hash), BitConverter.ToUInt64(hash[8..]));
    }
}

/// <summary>
/// The checks over the stored events themselves, fed one row at a time in sequence order: what it keeps is per stream
/// (the walk of its seals) plus a fingerprint of each seal seen (16 bytes) and a window of recent rows for witnesses.
/// Each finding names a change a database administrator made; Marten's own placeholders are notes, never findings.
/// Use: for each batch, <see cref="Chain"/> (in order), <see cref="PreparedRow.Prepare"/> (in parallel), <see cref="Add"/>
/// (in order); then <see cref="Finish"/>.
/// </summary>
public sealed class EventChecks(EventSeal seal, IReadOnlyList<Anchor> anchors)
{
    public sealed record Outcome(IReadOnlyList<VerificationFinding> Findings, IReadOnlyList<string> Notes, int Streams, long Events, ChainHead Head);

    private readonly IReadOnlyList<Anchor> _anchors = anchors;
    private readonly Queue<long> _anchorSequences = new(anchors.Select(a => a.Head.Sequence).Distinct().Order());
    private readonly Dictionary<long, string> _headAt = [];
    private readonly GlobalChain.Walk _chain = new();
    private readonly Dictionary<Guid, string> _lastSealRead = [];
    private readonly HashSet<Guid> _streams = [];
    private readonly SealSet _seals = new();
    private readonly HashSet<long> _copies = [];
    private readonly Window _recent = new();
    private readonly Dictionary<Guid, StreamWalk> _walks = [];
    private readonly List<VerificationFinding> _unsealed = [], _copied = [], _archived = [];
    private readonly List<long> _placeholders = [];
    /// <summary>Witnesses that failed or wait for the end, each with the first row that recorded it (its finding names that row).</summary>
    private readonly Dictionary<Witness, EventRow> _failedWitnesses = [], _pendingWitnesses = [];
    private long _events, _v1;

    /// <summary>In sequence order, before <see cref="PreparedRow.Prepare"/>: each sealed row's predecessor in its stream as read.</summary>
    public void Chain(IReadOnlyList<PreparedRow> batch)
    {
        foreach (var r in batch)
        {
            if (r.Row.Seal is not { } stored) continue;
            r.ChainedTo = _lastSealRead.GetValueOrDefault(r.Row.StreamId);
            _lastSealRead[r.Row.StreamId] = stored;
        }
    }

    /// <summary>In sequence order, after <see cref="PreparedRow.Prepare"/>.</summary>
    public void Add(PreparedRow r)
    {
        var row = r.Row;
        while (_anchorSequences.TryPeek(out var upTo) && upTo < row.Sequence) _headAt[_anchorSequences.Dequeue()] = _chain.Hash;
        if (r.Placeholder)
        {
            _placeholders.Add(row.Sequence);
            _recent.Put(row.Sequence, row.StreamId, row.Version, authentic: false);
            return;
        }
        _events++;
        _streams.Add(row.StreamId);
        _chain.Add(row);
        var authentic = false;
        if (row.Seal is null) _unsealed.Add(new(ChangeKind.EventInserted, row.StreamId, row.Version, row.Sequence, "has no seal: written outside the application"));
        else if (!_seals.Add(r.SealPrint))
        {
            _copied.Add(new(ChangeKind.EventInserted, row.StreamId, row.Version, row.Sequence, "a copy of another event's seal"));
            _copies.Add(row.Sequence);
        }
        else authentic = true;
        var sealedVersion = r.Assigned?.Version ?? row.Version;
        _recent.Put(row.Sequence, row.StreamId, sealedVersion, authentic);
        if (!authentic) return;
        if (row.Archived)
            _archived.Add(new(ChangeKind.Archived, row.StreamId, row.Version, row.Sequence, "marked archived (is_archived); the application never archives an event"));
        if (!EventSeal.IsV2(row.Seal!)) _v1++;
        if (!_walks.TryGetValue(row.StreamId, out var walk)) _walks[row.StreamId] = walk = new StreamWalk();
        // A stream read out of the order its seals were made (only a change to the table does that) is walked again at the end, in that order.
        if (sealedVersion < walk.LastSealedVersion) walk.Unordered = true;
        if (!walk.Unordered) walk.Step(row, r.Assigned, previous => previous == r.ChainedTo ? r.SealHolds : Holds(row, r.Assigned, previous));
        walk.Length = Math.Max(walk.Length, sealedVersion);
        if (r.Assigned?.Witness is { } witness) See(witness, row);
    }

    private bool Holds(EventRow row, AssignedFacts? assigned, string? previous) => seal.Expected(row.Seal!, previous, row.Facts, assigned) == row.Seal;

    private void See(Witness witness, EventRow by)
    {
        if (_failedWitnesses.ContainsKey(witness) || _pendingWitnesses.ContainsKey(witness)) return;
        switch (_recent.Find(witness.Sequence))
        {
            case null:
                _pendingWitnesses[witness] = by;
                break;
            case var (found, stream, sealedVersion, authentic):
                if (!(found && authentic && stream == witness.StreamId && sealedVersion == witness.Version)) _failedWitnesses[witness] = by;
                break;
        }
    }

    public async Task<Outcome> Finish(IReadOnlyList<StreamRow> streamRows, IEventLookup lookup, CancellationToken ct)
    {
        while (_anchorSequences.TryDequeue(out var upTo)) _headAt[upTo] = _chain.Hash;
        var streamsRead = new Dictionary<Guid, IReadOnlyList<EventRow>>();
        async Task<IReadOnlyList<EventRow>> Authentic(Guid id)
        {
            if (!streamsRead.TryGetValue(id, out var rows))
                streamsRead[id] = rows = [.. (await lookup.Stream(id, ct)).Where(IsAuthentic)];
            return rows;
        }
        foreach (var (id, walk) in _walks.Where(w => w.Value.Unordered))
        {
            var again = new StreamWalk();
            foreach (var row in (await Authentic(id)).OrderBy(SealedVersion).ThenBy(r => r.Sequence))
                again.Step(row, row.Assigned, previous => Holds(row, row.Assigned, previous));
            (walk.Findings, walk.Sequences) = (again.Findings, again.Sequences);
        }
        await SettlePendingWitnesses(lookup, ct);

        var lengths = _walks.ToDictionary(w => w.Key, w => w.Value.Length);
        var known = streamRows.Select(s => s.StreamId).ToHashSet();
        var findings = new List<VerificationFinding>([.. _unsealed, .. _copied, .. _archived]);
        foreach (var walk in _walks.Values) findings.AddRange([.. walk.Findings, .. walk.Sequences]);
        foreach (var s in streamRows.Where(s => s.Version > lengths.GetValueOrDefault(s.StreamId)))
            findings.Add(new(ChangeKind.TailTruncated, s.StreamId, lengths.GetValueOrDefault(s.StreamId) + 1, null,
                $"mt_streams says version {s.Version}, the events end at {lengths.GetValueOrDefault(s.StreamId)}"));
        foreach (var (id, length) in lengths.Where(l => !known.Contains(l.Key)))
            findings.Add(new(ChangeKind.StreamDeleted, id, null, null, $"its mt_streams row is gone ({length} event(s) remain)"));
        // Every witnessed event must still be where the witness saw it; if not, say what became of its stream.
        foreach (var (witness, by) in _failedWitnesses.OrderBy(w => w.Value.Sequence))
        {
            var seenBy = $"seen by stream {by.StreamId} version {by.Version} at sequence {witness.Sequence} when it was sealed";
            var moved = lengths.ContainsKey(witness.StreamId) ? (await Authentic(witness.StreamId)).FirstOrDefault(r => SealedVersion(r) == witness.Version) : null;
            if (moved is not null)
                findings.Add(new(ChangeKind.SequenceMoved, moved.StreamId, moved.Version, moved.Sequence, $"now at sequence {moved.Sequence}; {seenBy}"));
            else if (!lengths.ContainsKey(witness.StreamId) && !known.Contains(witness.StreamId))
                findings.Add(new(ChangeKind.StreamDeleted, witness.StreamId, witness.Version, witness.Sequence, $"no event and no stream row remain; {seenBy}"));
            else if (lengths.GetValueOrDefault(witness.StreamId) < witness.Version)
                findings.Add(new(ChangeKind.TailTruncated, witness.StreamId, witness.Version, witness.Sequence, $"the stream now ends at {lengths.GetValueOrDefault(witness.StreamId)}; {seenBy}"));
            else
                findings.Add(new(ChangeKind.EventDeleted, witness.StreamId, witness.Version, witness.Sequence, seenBy));
        }

        var notes = new List<string>();
        if (_placeholders.Count > 0)
            notes.Add($"{_placeholders.Count} Marten placeholder event(s) at sequence {string.Join(", ", _placeholders)}: " +
                "numbers drawn by transactions that failed, a recognised gap with no clinical meaning.");
        if (_v1 > 0) notes.Add($"{_v1} event(s) carry the first seal format (before v2): their timestamp, version and sequence are covered by the global chain only.");
        var distinct = Distinct(findings);
        return new Outcome([.. distinct, .. CheckAnchors(distinct.Any(f => ChangeKind.IsAboutEvents(f.Kind)))], notes, _streams.Count, _events, _chain.Head);
    }

    /// <summary>Rows no honest write produced are left out of the walks: unsealed, a Marten placeholder, or a copy of an earlier row's seal.</summary>
    private bool IsAuthentic(EventRow r) => r.Seal is not null && !_copies.Contains(r.Sequence) && !r.IsMartenPlaceholder;

    /// <summary>Witnesses the window could not answer (older than it, or ahead of the row that recorded them): read those rows back.</summary>
    private async Task SettlePendingWitnesses(IEventLookup lookup, CancellationToken ct)
    {
        var unanswered = _pendingWitnesses.Keys.Where(w => _recent.Find(w.Sequence) is null).Select(w => w.Sequence).Distinct().ToList();
        var rows = unanswered.Count == 0 ? [] : (await lookup.AtSequences(unanswered, ct)).ToDictionary(r => r.Sequence);
        foreach (var (witness, by) in _pendingWitnesses)
        {
            var holds = _recent.Find(witness.Sequence) is var (found, stream, sealedVersion, authentic)
                ? found && authentic && stream == witness.StreamId && sealedVersion == witness.Version
                : rows.TryGetValue(witness.Sequence, out var at) && IsAuthentic(at) && at.StreamId == witness.StreamId && SealedVersion(at) == witness.Version;
            if (!holds) _failedWitnesses[witness] = by;
        }
    }

    private static long SealedVersion(EventRow r) => r.Assigned?.Version ?? r.Version;

    /// <summary>Each anchor's head must be reproduced by the chain over the rows as they are now.</summary>
    private IEnumerable<VerificationFinding> CheckAnchors(bool eventsChanged)
    {
        foreach (var anchor in _anchors)
        {
            if (_headAt[anchor.Head.Sequence] == anchor.Head.Hash) continue;
            yield return eventsChanged
                ? new(ChangeKind.ChainDiffers, anchor.StreamId, null, anchor.Head.Sequence,
                    $"the chain up to sequence {anchor.Head.Sequence} no longer reproduces {anchor.Source}, as the changes above explain")
                : new(ChangeKind.ForgedOrResealed, anchor.StreamId, null, anchor.Head.Sequence,
                    $"every event verifies, yet the chain up to sequence {anchor.Head.Sequence} no longer reproduces {anchor.Source}: " +
                    "events at or below it were forged or re-sealed with the key");
        }
    }

    /// <summary>The chain heads sealed into lock events: anchors inside the database, trusted as far as their own seals are.</summary>
    public static IEnumerable<Anchor> LockAnchors(IEnumerable<EventRow> rows) =>
        rows.Where(r => r.Type == "database_locked" && r.Seal is not null)
            .Select(r => (Row: r, Data: JsonNode.Parse(r.DataJson)))
            .Select(x => (x.Row, Name: x.Data?["name"]?.GetValue<string>(), Head: ChainHead.Parse(x.Data?["chainHead"]?.GetValue<string>())))
            .Where(x => x.Head is not null)
            .Select(x => new Anchor($"the chain head recorded by lock '{x.Name}' ({x.Head})", x.Row.StreamId, x.Head!));

    /// <summary>One finding per change: the same deletion may be seen by a gap, mt_streams and a witness.</summary>
    private static List<VerificationFinding> Distinct(IEnumerable<VerificationFinding> findings) =>
        findings.GroupBy(f => f.Kind is ChangeKind.TailTruncated or ChangeKind.StreamDeleted ? (f.Kind, f.StreamId, (long?)null) : (f.Kind, f.StreamId, f.Version))
            .Select(g => g.OrderBy(f => f.Sequence is null).ThenBy(f => f.Version).First())
            .OrderBy(f => f.StreamId).ThenBy(f => f.Version).ToList();

    /// <summary>
    /// One stream walked in the order its seals were made: each seal and each column against what was sealed, and
    /// (Marten draws sequence numbers at insert, after sealing) each predecessor's sequence against what the next seal recorded.
    /// </summary>
    private sealed class StreamWalk
    {
        private string? _previousSeal;
        private long _expectedVersion = 1;
        private bool _predecessorKnown = true;
        private EventRow? _last;
        public long LastSealedVersion { get; private set; }
        public long Length { get; set; }
        public bool Unordered { get; set; }
        public List<VerificationFinding> Findings { get; set; } = [];
        public List<VerificationFinding> Sequences { get; set; } = [];

        /// <param name="holds">Whether the row's seal holds after the given previous seal.</param>
        public void Step(EventRow r, AssignedFacts? assigned, Func<string?, bool> holds)
        {
            var sealedVersion = assigned?.Version ?? r.Version;
            if (_last is { } last && sealedVersion == LastSealedVersion + 1 && assigned is { PreviousSequence: > 0 } a && a.PreviousSequence != last.Sequence)
                Sequences.Add(new(ChangeKind.SequenceMoved, last.StreamId, last.Version, last.Sequence,
                    $"sealed at sequence {a.PreviousSequence} (as its successor's seal records), now at {last.Sequence}"));
            (_last, LastSealedVersion) = (r, sealedVersion);
            for (var missing = _expectedVersion; missing < sealedVersion; missing++)
            {
                _predecessorKnown = false;
                var sequence = missing == sealedVersion - 1 && assigned is { PreviousSequence: > 0 } ? assigned.PreviousSequence : (long?)null;
                Findings.Add(new(ChangeKind.EventDeleted, r.StreamId, missing, sequence, $"missing before version {sealedVersion}"));
            }
            if (sealedVersion < _expectedVersion)
            {
                Findings.Add(new(ChangeKind.EventInserted, r.StreamId, r.Version, r.Sequence, $"a second event sealed as version {sealedVersion}"));
                return;
            }
            if (assigned is not null)
            {
                if (assigned.Version != r.Version)
                    Findings.Add(new(ChangeKind.Reordered, r.StreamId, r.Version, r.Sequence, $"sealed as version {assigned.Version}, now version {r.Version}"));
                if (assigned.Timestamp != EventSeal.Microseconds(r.Timestamp))
                    Findings.Add(new(ChangeKind.TimestampChanged, r.StreamId, r.Version, r.Sequence,
                        $"sealed at {EventSeal.Format(assigned.Timestamp)}, now {EventSeal.Format(r.Timestamp)}"));
            }
            if (EventSeal.IsV2(r.Seal!) && assigned is null)
                Findings.Add(new(ChangeKind.MetadataChanged, r.StreamId, r.Version, r.Sequence, $"its '{EventSeal.FactsHeader}' header is missing or damaged"));
            // After a deletion the predecessor's seal is gone: the deletion is the finding, this seal cannot be checked.
            else if (_predecessorKnown && !holds(_previousSeal))
                Findings.Add(assigned is null
                    ? new(ChangeKind.PayloadChanged, r.StreamId, r.Version, r.Sequence, "does not match its seal (first format: payload or metadata changed)")
                    : EventSeal.PayloadDigest(r.DataJson) != assigned.PayloadDigest
                        ? new(ChangeKind.PayloadChanged, r.StreamId, r.Version, r.Sequence, "the payload is not the one sealed")
                        : new(ChangeKind.MetadataChanged, r.StreamId, r.Version, r.Sequence, "type, user, correlation, causation or reason is not the one sealed"));
            _previousSeal = r.Seal;
            _expectedVersion = sealedVersion + 1;
            _predecessorKnown = true;
        }
    }

    /// <summary>The last rows read (a power of two of them), by sequence number: a witness is almost always among them.</summary>
    private sealed class Window
    {
        private const int Size = 1 << 17;
        private readonly long[] _sequence = new long[Size];
        private readonly Guid[] _stream = new Guid[Size];
        private readonly long[] _sealedVersion = new long[Size];
        private readonly bool[] _authentic = new bool[Size];
        private long _newest;

        public void Put(long sequence, Guid stream, long sealedVersion, bool authentic)
        {
            var i = (int)(sequence & (Size - 1));
            (_sequence[i], _stream[i], _sealedVersion[i], _authentic[i]) = (sequence, stream, sealedVersion, authentic);
            _newest = Math.Max(_newest, sequence);
        }

        /// <summary>The row at a sequence number (Found false: no row has it), or null when the window cannot say.</summary>
        public (bool Found, Guid Stream, long SealedVersion, bool Authentic)? Find(long sequence)
        {
            // Rows come in sequence order, so every number in (newest - Size, newest] that has a row has it here.
            if (sequence > _newest || sequence <= _newest - Size) return null;
            var i = (int)(sequence & (Size - 1));
            return _sequence[i] == sequence ? (true, _stream[i], _sealedVersion[i], _authentic[i]) : (false, Guid.Empty, 0, false);
        }
    }

    /// <summary>Seal fingerprints seen: open addressing over two arrays, 16 bytes a seal at most half full.</summary>
    private sealed class SealSet
    {
        private ulong[] _high = new ulong[1 << 16], _low = new ulong[1 << 16];
        private int _count;

        /// <summary>False when the print was already there.</summary>
        public bool Add(UInt128 print)
        {
            var (high, low) = ((ulong)(print >> 64), (ulong)print | 1); // the low bit set: an all-zero slot is empty
            if (2 * (_count + 1) > _high.Length) Grow();
            if (!Insert(_high, _low, high, low)) return false;
            _count++;
            return true;
        }

        private static bool Insert(ulong[] highs, ulong[] lows, ulong high, ulong low)
        {
            var mask = highs.Length - 1;
            for (var i = (int)(high & (ulong)mask); ; i = (i + 1) & mask)
            {
                if (lows[i] == 0)
                {
                    (highs[i], lows[i]) = (high, low);
                    return true;
                }
                if (highs[i] == high && lows[i] == low) return false;
            }
        }

        private void Grow()
        {
            var (highs, lows) = (new ulong[_high.Length * 2], new ulong[_low.Length * 2]);
            for (var i = 0; i < _high.Length; i++)
                if (_low[i] != 0) Insert(highs, lows, _high[i], _low[i]);
            (_high, _low) = (highs, lows);
        }
    }
}
