using Marten;

namespace NpcEcrf.Api.Locks;

/// <summary>
/// A lock's snapshot on its way to the database: its canonical JSON in a temporary file (deleted when closed), stored as
/// the <see cref="LockSnapshot"/> document by SQL that PostgreSQL fills from the file, in the lock's own transaction.
/// The document is what Marten would store (<c>{"id": ..., "canonicalJson": ...}</c>), so every reader loads it as before.
/// </summary>
internal static class LockSnapshotFile
{
    /// <summary>
    /// A temporary file of the system's, deleted when closed; on Unix its name is removed at once (the open file lives on),
    /// so a process killed during a lock leaves nothing in the temporary folder.
    /// </summary>
    public static FileStream Create()
    {
        var path = Path.Combine(Path.GetTempPath(), $"npcecrf-lock-{Guid.NewGuid():N}.tmp");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        if (!OperatingSystem.IsWindows()) File.Delete(path);
        return file;
    }

    /// <summary>Queues the document's insert in the session's save, its text read from <paramref name="file"/> then.</summary>
    public static async Task Store(IDocumentSession session, Guid lockId, FileStream file, CancellationToken ct)
    {
        file.Position = 0;
        // Marten creates a document's table at its first store where it may change the schema; this insert is not Marten's.
        await session.Database.EnsureStorageExistsAsync(typeof(LockSnapshot), ct);
        session.QueueSqlCommand($"insert into {Table(session)} (id, data, mt_dotnet_type) values (?, jsonb_build_object('id', ?::uuid, 'canonicalJson', ?::text), ?)",
            lockId, lockId, file, typeof(LockSnapshot).FullName!);
    }

    /// <summary>The <see cref="LockSnapshot"/> documents' table, schema-qualified.</summary>
    public static string Table(IQuerySession session) =>
        ((IReadOnlyStoreOptions)session.DocumentStore.Options).FindOrResolveDocumentType(typeof(LockSnapshot)).TableName.QualifiedName;
}
