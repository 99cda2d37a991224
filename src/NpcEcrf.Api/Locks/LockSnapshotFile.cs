using Marten;

namespace NpcEcrf.Api.Locks;

/// <summary>
/// A lock's snapshot on its way to the database: its canonical JSON in a temporary file (deleted when closed), stored as
/// the <see cref="LockSnapshot"/> document by SQL that PostgreSQL fills from the file, in the lock's own transaction.
/// The document is what Marten would store (<c>{"id": ..., "canonicalJson": ...}</c>), so every reader loads it as before.
/// </summary>
internal static class LockSnapshotFile
{
    /// <summary>A temporary file of the system's, deleted when closed.</summary>
    public static FileStream Create() => new(Path.Combine(Path.GetTempPath(), $"npcecrf-lock-{Guid.NewGuid():N}.tmp"), FileMode.CreateNew,
        FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);

    /// <summary>Queues the document's insert in the session's save, its text read from <paramref name="file"/> then.</summary>
    public static void Store(IDocumentSession session, Guid lockId, FileStream file)
    {
        file.Position = 0;
        var table = ((IReadOnlyStoreOptions)session.DocumentStore.Options).FindOrResolveDocumentType(typeof(LockSnapshot)).TableName.QualifiedName;
        session.QueueSqlCommand($"insert into {table} (id, data, mt_dotnet_type) values (?, jsonb_build_object('id', ?::uuid, 'canonicalJson', ?::text), ?)",
            lockId, lockId, file, typeof(LockSnapshot).FullName!);
    }
}
