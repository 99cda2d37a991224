using Marten;

namespace NpcEcrf.Api.Locks;

/// <summary>Data changes are refused under any lock; review work (queries, SDV, signatures) only under a hard lock.</summary>
public enum WriteKind { Data, Review }

public static class LockGuard
{
    /// <summary>The lock that refuses this kind of write to the study, if any. Give the study's canonical id (Study.StudyId).</summary>
    public static async Task<DatabaseLock?> Blocking(IQuerySession session, string studyId, WriteKind kind, CancellationToken ct)
    {
        var locks = await session.Query<DatabaseLock>().Where(l => l.StudyId == studyId && l.UnlockedAt == null).ToListAsync(ct);
        return locks.FirstOrDefault(l => l.Kind == LockKind.Hard || kind == WriteKind.Data);
    }
}
