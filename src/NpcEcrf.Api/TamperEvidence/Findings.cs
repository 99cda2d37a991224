namespace NpcEcrf.Api.TamperEvidence;

/// <summary>The kinds of change verify names. Each is a direct change to the database, never an honest write.</summary>
public static class ChangeKind
{
    public const string PayloadChanged = "payload-changed";
    public const string MetadataChanged = "metadata-changed";
    public const string TimestampChanged = "timestamp-changed";
    public const string Archived = "archived";
    public const string EventDeleted = "event-deleted";
    public const string TailTruncated = "tail-truncated";
    public const string StreamDeleted = "stream-deleted";
    public const string EventInserted = "event-inserted";
    public const string Reordered = "reordered";
    public const string SequenceMoved = "sequence-moved";
    /// <summary>Every event verifies on its own, yet the chain no longer reproduces an anchor: someone with the key rewrote history.</summary>
    public const string ForgedOrResealed = "forged-or-resealed";
    /// <summary>The chain no longer reproduces an anchor, as the changes named elsewhere explain.</summary>
    public const string ChainDiffers = "chain-differs";
    public const string DocumentDiffers = "document-differs";
    public const string SnapshotDiffers = "snapshot-differs";

    /// <summary>Kinds that are about events themselves (documents are derived and can be rebuilt).</summary>
    public static bool IsAboutEvents(string kind) => kind is not (DocumentDiffers or SnapshotDiffers or ChainDiffers or ForgedOrResealed);
}

/// <summary>One change found: where (stream, version, global sequence number, each when known) and what kind.</summary>
public sealed record VerificationFinding(string Kind, Guid? StreamId, long? Version, long? Sequence, string Detail)
{
    public override string ToString() =>
        $"{Kind}: stream {StreamId?.ToString() ?? "-"} version {Version?.ToString() ?? "-"} sequence {Sequence?.ToString() ?? "-"}: {Detail}";
}

/// <param name="Notes">Things seen that are not tampering (Marten's placeholders, events sealed by an older format).</param>
/// <param name="Head">The chain head over every event verified (unsettled: for an anchor use verify --head).</param>
public sealed record VerificationReport(int Streams, long Events, IReadOnlyList<VerificationFinding> Findings, IReadOnlyList<string> Notes, ChainHead Head)
{
    public bool Clean => Findings.Count == 0;
}
