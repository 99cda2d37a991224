using Marten;
using Marten.Services.BatchQuerying;

namespace NpcEcrf.Api.Locks;

/// <summary>Data changes are refused under any lock; review work (queries, SDV, signatures) only under a hard lock.</summary>
public enum WriteKind { Data, Review }

public static class LockGuard
{
    /// <summary>The lock that refuses this kind of write to the study, if any. Give the study's canonical id (Study.StudyId).</summary>
    public static async Task<DatabaseLock?> Blocking(IQuerySession session, string studyId, WriteKind kind, CancellationToken ct) =>
        Blocking(await session.Query<DatabaseLock>().Where(l => l.StudyId == studyId && l.UnlockedAt == null).ToListAsync(ct), kind);

    /// <summary>The study's locks in force, read in a caller's batch (the same round trip as the write's other reads).</summary>
    public static Task<IReadOnlyList<DatabaseLock>> InForce(IBatchedQuery batch, string studyId) =>
        batch.Query<DatabaseLock>().Where(l => l.StudyId == studyId && l.UnlockedAt == null).ToList();

    /// <summary>Of the study's locks in force, the one that refuses this kind of write.</summary>
    public static DatabaseLock? Blocking(IEnumerable<DatabaseLock> inForce, WriteKind kind) =>
        inForce.FirstOrDefault(l => l.Kind == LockKind.Hard || kind == WriteKind.Data);
}
