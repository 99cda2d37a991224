using JasperFx.Events;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Locks;

public sealed record DatabaseLock(
    Guid Id, string StudyId, string Name, DateOnly Cutoff, string Reason, LockKind Kind, long HighWaterMark, string SnapshotHash,
    DateTimeOffset LockedAt, string? LockedBy, DateTimeOffset? UnlockedAt, string? UnlockedBy, string? UnlockReason, long Version,
    bool? ReplayVerified = null, int? DefinitionVersion = null)
{
    public static DatabaseLock Create(IEvent<DatabaseLocked> e) => new(e.StreamId, e.Data.StudyId, e.Data.Name, e.Data.Cutoff, e.Data.Reason, e.Data.Kind,
        e.Data.HighWaterMark, e.Data.SnapshotHash, e.Data.LockedAtUtc, e.UserName, null, null, null, e.Version, null, e.Data.DefinitionVersion);

    public DatabaseLock Apply(IEvent<DatabaseUnlocked> e) => this with { UnlockedAt = e.Data.UnlockedAtUtc, UnlockedBy = e.UserName, UnlockReason = e.Data.Reason };

    /// <summary>The system's check after the commit: the replayed snapshot has the recorded hash (null until it ran).</summary>
    public DatabaseLock Apply(DatabaseLockVerified e) => this with { ReplayVerified = e.Verified };

    public bool InForce => UnlockedAt is null;

    /// <summary>In force at a moment: declared by then and not yet unlocked.</summary>
    public bool InForceAt(DateTimeOffset at) => LockedAt <= at && (UnlockedAt is null || UnlockedAt > at);

    public static Guid IdFor(string studyId, string name) => StableIds.For("lock", studyId, name);
}

/// <summary>The frozen snapshot, stored exactly as hashed.</summary>
public sealed record LockSnapshot(Guid Id, string CanonicalJson);
