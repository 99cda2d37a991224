namespace NpcEcrf.Api.Locks;

public enum LockKind { Soft, Hard }

/// <summary>
/// A database lock: the cohort as of the high-water mark and cut-off, frozen with its SHA-256, and the global chain
/// head at the high-water mark (SEQ:HASH, docs/security.md; null on locks declared before it was recorded).
/// </summary>
public sealed record DatabaseLocked(string StudyId, string Name, DateOnly Cutoff, string Reason, LockKind Kind, long HighWaterMark, string SnapshotHash, DateTimeOffset LockedAtUtc,
    string? ChainHead = null, int? DefinitionVersion = null);

/// <summary>The lock stops being in force; its snapshot stays analysable, unchanged.</summary>
public sealed record DatabaseUnlocked(string Reason, DateTimeOffset UnlockedAtUtc);
