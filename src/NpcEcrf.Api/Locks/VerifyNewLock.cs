using Marten;

namespace NpcEcrf.Api.Locks;

/// <summary>A lock was committed; its snapshot is to be checked against a replay of the events.</summary>
public sealed record LockDeclared(Guid LockId);

/// <summary>The system replayed the events up to the lock's high-water mark and compared the hash.</summary>
public sealed record DatabaseLockVerified(bool Verified, string ReplayedHash);

/// <summary>
/// A Wolverine handler: the lock's transaction publishes <see cref="LockDeclared"/> through the Marten outbox, so the
/// check of the frozen snapshot runs after the commit, durably (it survives a crash in between), as the system user.
/// </summary>
public static class VerifyNewLockHandler
{
    public const string SystemUser = "system";

    public static async Task Handle(LockDeclared message, IDocumentSession session, CancellationToken ct)
    {
        // Fetched for writing: an unlock committed meanwhile makes this save fail and the message retry, never overwrite it.
        var stream = await session.Events.FetchForWriting<DatabaseLock>(message.LockId, ct);
        if (stream.Aggregate is not { ReplayVerified: null } declared) return;
        var result = await ReadLocks.Verify(session, declared, ct);
        session.LastModifiedBy = SystemUser;
        stream.AppendOne(new DatabaseLockVerified(result.Verified, result.ReplayedHash));
        await session.SaveChangesAsync(ct);
    }
}
