using System.Text.Json.Nodes;

namespace NpcEcrf.Api.TamperEvidence;

/// <summary>An anchor to check the global chain against: where it came from and the head it recorded.</summary>
public sealed record Anchor(string Source, Guid? StreamId, ChainHead Head);

/// <summary>
/// The checks over the stored events themselves: pure functions of the rows, the mt_streams rows and the seal key.
/// Each finding names a change a database administrator made; Marten's own placeholders are notes, never findings.
/// </summary>
public static class EventChecks
{
    public sealed record Outcome(IReadOnlyList<VerificationFinding> Findings, IReadOnlyList<string> Notes);

    public static Outcome Check(IReadOnlyList<EventRow> rows, IReadOnlyList<StreamRow> streamRows, EventSeal seal, IEnumerable<Anchor> anchors)
    {
        var findings = new List<VerificationFinding>();
        var notes = new List<string>();
        var placeholders = rows.Where(r => r.IsMartenPlaceholder).ToList();
        if (placeholders.Count > 0)
            notes.Add($"{placeholders.Count} Marten placeholder event(s) at sequence {string.Join(", ", placeholders.Select(p => p.Sequence))}: " +
                "numbers drawn by transactions that failed, a recognised gap with no clinical meaning.");
        var events = rows.Where(r => !r.IsMartenPlaceholder).ToList();
        var inserted = Inserted(events);
        foreach (var r in inserted)
            findings.Add(new(ChangeKind.EventInserted, r.StreamId, r.Version, r.Sequence,
                r.Seal is null ? "has no seal: written outside the application" : "a copy of another event's seal"));
        var authentic = events.Except(inserted).ToList();
        findings.AddRange(authentic.Where(r => r.Archived).Select(r => new VerificationFinding(ChangeKind.Archived, r.StreamId, r.Version, r.Sequence,
            "marked archived (is_archived); the application never archives an event")));
        foreach (var stream in authentic.GroupBy(r => r.StreamId))
        {
            var ordered = stream.OrderBy(SealedVersion).ThenBy(r => r.Sequence).ToList();
            findings.AddRange(CheckStream(ordered, seal));
            findings.AddRange(CheckSequences(ordered));
        }
        findings.AddRange(CheckStreamRows(authentic, streamRows));
        findings.AddRange(CheckWitnesses(authentic, streamRows));
        var v1 = authentic.Count(r => r.Seal is { } s && !EventSeal.IsV2(s));
        if (v1 > 0) notes.Add($"{v1} event(s) carry the first seal format (before v2): their timestamp, version and sequence are covered by the global chain only.");
        var distinct = Distinct(findings);
        return new Outcome([.. distinct, .. CheckAnchors(rows, anchors, distinct.Any(f => ChangeKind.IsAboutEvents(f.Kind)))], notes);
    }

    /// <summary>Rows no honest write produced: unsealed, or carrying a seal that belongs to an earlier row (a copy).</summary>
    private static List<EventRow> Inserted(IReadOnlyList<EventRow> events) =>
    [
        .. events.Where(r => r.Seal is null),
        .. events.Where(r => r.Seal is not null).GroupBy(r => r.Seal).SelectMany(g => g.OrderBy(r => r.Sequence).Skip(1)),
    ];

    /// <summary>Walks one stream in the order its seals were made and checks each seal and each column against what was sealed.</summary>
    private static IEnumerable<VerificationFinding> CheckStream(IEnumerable<EventRow> stream, EventSeal seal)
    {
        string? previousSeal = null;
        var expectedVersion = 1L;
        var predecessorKnown = true;
        foreach (var r in stream)
        {
            var assigned = r.Assigned;
            var sealedVersion = SealedVersion(r);
            for (var missing = expectedVersion; missing < sealedVersion; missing++)
            {
                predecessorKnown = false;
                var sequence = missing == sealedVersion - 1 && assigned is { PreviousSequence: > 0 } ? assigned.PreviousSequence : (long?)null;
                yield return new(ChangeKind.EventDeleted, r.StreamId, missing, sequence, $"missing before version {sealedVersion}");
            }
            if (sealedVersion < expectedVersion)
            {
                yield return new(ChangeKind.EventInserted, r.StreamId, r.Version, r.Sequence, $"a second event sealed as version {sealedVersion}");
                continue;
            }
            if (assigned is not null)
            {
                if (assigned.Version != r.Version)
                    yield return new(ChangeKind.Reordered, r.StreamId, r.Version, r.Sequence, $"sealed as version {assigned.Version}, now version {r.Version}");
                if (assigned.Timestamp != EventSeal.Microseconds(r.Timestamp))
                    yield return new(ChangeKind.TimestampChanged, r.StreamId, r.Version, r.Sequence,
                        $"sealed at {EventSeal.Format(assigned.Timestamp)}, now {EventSeal.Format(r.Timestamp)}");
            }
            if (EventSeal.IsV2(r.Seal!) && assigned is null)
                yield return new(ChangeKind.MetadataChanged, r.StreamId, r.Version, r.Sequence, $"its '{EventSeal.FactsHeader}' header is missing or damaged");
            // After a deletion the predecessor's seal is gone: the deletion is the finding, this seal cannot be checked.
            else if (predecessorKnown && seal.Expected(r.Seal!, previousSeal, r.Facts, assigned) != r.Seal)
                yield return assigned is null
                    ? new(ChangeKind.PayloadChanged, r.StreamId, r.Version, r.Sequence, "does not match its seal (first format: payload or metadata changed)")
                    : EventSeal.PayloadDigest(r.DataJson) != assigned.PayloadDigest
                        ? new(ChangeKind.PayloadChanged, r.StreamId, r.Version, r.Sequence, "the payload is not the one sealed")
                        : new(ChangeKind.MetadataChanged, r.StreamId, r.Version, r.Sequence, "type, user, correlation, causation or reason is not the one sealed");
            previousSeal = r.Seal;
            expectedVersion = sealedVersion + 1;
            predecessorKnown = true;
        }
    }

    /// <summary>
    /// Marten draws sequence numbers at insert, after sealing, so an event's own seal cannot hold its number; the
    /// next event of its stream (sealed in a later save) records where its predecessor sat, and so names a move.
    /// </summary>
    private static IEnumerable<VerificationFinding> CheckSequences(IReadOnlyList<EventRow> stream) =>
        stream.Zip(stream.Skip(1))
            .Where(p => SealedVersion(p.Second) == SealedVersion(p.First) + 1 && p.Second.Assigned is { PreviousSequence: > 0 } a && a.PreviousSequence != p.First.Sequence)
            .Select(p => new VerificationFinding(ChangeKind.SequenceMoved, p.First.StreamId, p.First.Version, p.First.Sequence,
                $"sealed at sequence {p.Second.Assigned!.PreviousSequence} (as its successor's seal records), now at {p.First.Sequence}"));

    private static long SealedVersion(EventRow r) => r.Assigned?.Version ?? r.Version;

    /// <summary>mt_streams remembers how long each stream was: a longer memory than the events means its tail was removed.</summary>
    private static IEnumerable<VerificationFinding> CheckStreamRows(IReadOnlyList<EventRow> authentic, IReadOnlyList<StreamRow> streamRows)
    {
        var lengths = authentic.GroupBy(r => r.StreamId).ToDictionary(g => g.Key, g => g.Max(SealedVersion));
        foreach (var s in streamRows.Where(s => s.Version > lengths.GetValueOrDefault(s.StreamId)))
            yield return new(ChangeKind.TailTruncated, s.StreamId, lengths.GetValueOrDefault(s.StreamId) + 1, null,
                $"mt_streams says version {s.Version}, the events end at {lengths.GetValueOrDefault(s.StreamId)}");
        var known = streamRows.Select(s => s.StreamId).ToHashSet();
        foreach (var (id, length) in lengths.Where(l => !known.Contains(l.Key)))
            yield return new(ChangeKind.StreamDeleted, id, null, null, $"its mt_streams row is gone ({length} event(s) remain)");
    }

    /// <summary>Every witnessed event must still be where the witness saw it; if not, say what became of its stream.</summary>
    private static IEnumerable<VerificationFinding> CheckWitnesses(IReadOnlyList<EventRow> authentic, IReadOnlyList<StreamRow> streamRows)
    {
        var bySequence = authentic.ToDictionary(r => r.Sequence);
        var byStreamVersion = authentic.GroupBy(r => (r.StreamId, SealedVersion(r))).ToDictionary(g => g.Key, g => g.First());
        var lengths = authentic.GroupBy(r => r.StreamId).ToDictionary(g => g.Key, g => g.Max(SealedVersion));
        var known = streamRows.Select(s => s.StreamId).ToHashSet();
        foreach (var (witness, by) in authentic.Where(r => r.Assigned?.Witness is not null).Select(r => (r.Assigned!.Witness!, r)))
        {
            if (bySequence.TryGetValue(witness.Sequence, out var at) && at.StreamId == witness.StreamId && SealedVersion(at) == witness.Version) continue;
            var seenBy = $"seen by stream {by.StreamId} version {by.Version} at sequence {witness.Sequence} when it was sealed";
            if (byStreamVersion.TryGetValue((witness.StreamId, witness.Version), out var moved))
                yield return new(ChangeKind.SequenceMoved, moved.StreamId, moved.Version, moved.Sequence, $"now at sequence {moved.Sequence}; {seenBy}");
            else if (!lengths.ContainsKey(witness.StreamId) && !known.Contains(witness.StreamId))
                yield return new(ChangeKind.StreamDeleted, witness.StreamId, witness.Version, witness.Sequence, $"no event and no stream row remain; {seenBy}");
            else if (lengths.GetValueOrDefault(witness.StreamId) < witness.Version)
                yield return new(ChangeKind.TailTruncated, witness.StreamId, witness.Version, witness.Sequence, $"the stream now ends at {lengths.GetValueOrDefault(witness.StreamId)}; {seenBy}");
            else
                yield return new(ChangeKind.EventDeleted, witness.StreamId, witness.Version, witness.Sequence, seenBy);
        }
    }

    /// <summary>Each anchor's head must be reproduced by the chain over the rows as they are now.</summary>
    private static IEnumerable<VerificationFinding> CheckAnchors(IReadOnlyList<EventRow> rows, IEnumerable<Anchor> anchors, bool eventsChanged)
    {
        foreach (var anchor in anchors)
        {
            var now = GlobalChain.HeadAt(rows, anchor.Head.Sequence);
            if (now.Hash == anchor.Head.Hash) continue;
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
}
