using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Locks;

/// <summary>Data changes are refused under any lock; review work (queries, SDV, signatures) only under a hard lock.</summary>
public enum WriteKind { Data, Review }

public static class LockGuard
{
    public static async Task<IResult?> Check(IQuerySession session, string studyId, WriteKind kind, CancellationToken ct)
    {
        var locks = await session.Query<DatabaseLock>().Where(l => l.StudyId == studyId && l.UnlockedAt == null).ToListAsync(ct);
        var blocking = locks.FirstOrDefault(l => l.Kind == LockKind.Hard || kind == WriteKind.Data);
        return blocking is null ? null : Results.Problem(
            title: $"The database is locked ({blocking.Kind.ToString().ToLowerInvariant()} lock '{blocking.Name}').",
            detail: blocking.Kind == LockKind.Soft
                ? "Under a soft lock no data may change; data queries can still be answered and closed. A data manager unlocks with a reason."
                : "Under a hard lock nothing may change. A data manager unlocks with a reason.",
            statusCode: StatusCodes.Status423Locked,
            extensions: new Dictionary<string, object?> { ["lock"] = blocking.Name, ["lockId"] = blocking.Id });
    }
}
