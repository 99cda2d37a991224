using Marten;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Locks;

/// <param name="EarlierFormat">The lock was taken by an earlier version: the replay (in today's format, so with another hash)
/// was compared on the fields that version stored (<see cref="CohortSnapshot.ReplaysAsStored"/>).</param>
public sealed record LockVerification(string Lock, string StoredHash, string SnapshotHash, string ReplayedHash, bool Verified, bool EarlierFormat = false);

public static class ReadLocks
{
    public static readonly string[] LockReaders = [Roles.DataManager, Roles.Statistician, Roles.Auditor, Roles.Admin, Roles.Monitor];
    /// <summary>Who reads whole-study outputs (snapshots as hashed, analyses): their work is the whole study.</summary>
    public static readonly string[] StudyWideReaders = [Roles.Statistician, Roles.Auditor, Roles.Admin];

    /// <summary>A lock by id, or by name when the name is unique across studies.</summary>
    public static async Task<DatabaseLock?> Find(IQuerySession session, string lockRef, CancellationToken ct)
    {
        if (Guid.TryParse(lockRef, out var id)) return await session.LoadAsync<DatabaseLock>(id, ct);
        var named = await session.Query<DatabaseLock>().Where(l => l.Name == lockRef).ToListAsync(ct);
        return named.Count == 1 ? named[0] : null;
    }

    /// <summary>The lock in force on a date: the latest declared by then and not unlocked by then.</summary>
    public static async Task<DatabaseLock?> InForceOn(IQuerySession session, string? studyId, DateTimeOffset at, CancellationToken ct)
    {
        var locks = await session.Query<DatabaseLock>().ToListAsync(ct);
        return locks.Where(l => (studyId is null || Studies.StableIds.Same(l.StudyId, studyId)) && l.InForceAt(at)).MaxBy(l => l.LockedAt);
    }

    /// <summary>
    /// The lock's stored snapshot, only if it is still exactly what was hashed at locking: whatever is cut from a lock
    /// (an analysis, SDTM, ADaM) is cut from the frozen data or not at all.
    /// </summary>
    public static async Task<(CohortSnapshot? Snapshot, Rejection? Problem)> FrozenSnapshot(IQuerySession session, DatabaseLock l, CancellationToken ct)
    {
        var stored = await session.LoadAsync<LockSnapshot>(l.Id, ct);
        if (stored is null || CohortSnapshot.FromJson(stored.CanonicalJson) is not { } snapshot) return (null, Rejection.NotFound($"The snapshot of lock '{l.Name}'"));
        return CohortSnapshot.Hash(stored.CanonicalJson) == l.SnapshotHash ? (snapshot, null)
            : (null, Rejection.Conflict($"The stored snapshot of lock '{l.Name}' no longer matches the hash recorded at locking; it was changed. Nothing was read from it."));
    }

    /// <summary>
    /// Replays the events up to the lock's high-water mark and compares the hash with the one recorded at locking. The
    /// replay is hashed as it is made, and the stored snapshot is hashed by PostgreSQL: neither is held here.
    /// </summary>
    public static async Task<LockVerification> Verify(IQuerySession session, DatabaseLock l, CancellationToken ct)
    {
        string? replayedHash;
        using (var hashing = new HashingWriter())
            replayedHash = await CohortReplay.Freeze(session, l.StudyId, l.Cutoff, l.HighWaterMark, hashing, ct) is null ? null : hashing.Hex();
        var snapshotHash = await StoredHash(session, l.Id, ct) ?? "";
        var intact = l.SnapshotHash == snapshotHash;
        if (!intact || replayedHash == l.SnapshotHash || replayedHash is null)
            return new LockVerification(l.Name, l.SnapshotHash, snapshotHash, replayedHash ?? "", intact && replayedHash == l.SnapshotHash);
        // Another hash from an intact snapshot: a lock an earlier version took, if the replay holds what it stored.
        var replayed = (await CohortReplay.Snapshot(session, l.StudyId, l.Cutoff, l.HighWaterMark, ct))!;
        var asStored = CohortSnapshot.ReplaysAsStored(replayed.CanonicalJson(), (await session.LoadAsync<LockSnapshot>(l.Id, ct))!.CanonicalJson);
        return new LockVerification(l.Name, l.SnapshotHash, snapshotHash, replayedHash, asStored, EarlierFormat: asStored);
    }

    /// <summary>The SHA-256 of a lock's stored snapshot text, as <see cref="CohortSnapshot.Hash"/> takes it (null if there is none).</summary>
    private static async Task<string?> StoredHash(IQuerySession session, Guid lockId, CancellationToken ct)
    {
        var table = LockSnapshotFile.Table(session);
        await using var connection = (Npgsql.NpgsqlConnection)session.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new Npgsql.NpgsqlCommand($"select encode(sha256(convert_to(data->>'canonicalJson', 'UTF8')), 'hex') from {table} where id = @id", connection);
        command.Parameters.AddWithValue("id", lockId);
        try
        {
            return await command.ExecuteScalarAsync(ct) as string;
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.UndefinedTable)
        {
            return null; // no snapshot was ever stored
        }
    }

    public static void Map(IEndpointRouteBuilder app)
    {
        var locks = app.MapGroup("/locks")
            .RequireAuthorization(p => p.RequireRole(LockReaders));
        // Of one study, or of all: with a database per study, "all" is every placed study's database.
        locks.MapGet("", async (string? studyId, IQuerySession session, CancellationToken ct) =>
            Results.Json((studyId is null ? await StudyRouting.EveryStudy(session, s => s.Query<DatabaseLock>().ToListAsync(ct)) : await session.Query<DatabaseLock>().ToListAsync(ct))
                .Where(l => studyId is null || Studies.StableIds.Same(l.StudyId, studyId)).OrderBy(l => l.LockedAt), CasebookJson.Options))
            .Produces<DatabaseLock[]>().Refuses(403).Operation("listLocks", "List database locks (of one study, or all)", "Locks");
        locks.MapGet("/{lockRef}", async (string lockRef, IQuerySession session, CancellationToken ct) =>
            await Find(session, lockRef, ct) is { } l ? Results.Json(l, CasebookJson.Options) : Problems.NotFound($"Lock '{lockRef}'"))
            .Produces<DatabaseLock>().Refuses(403, 404).Operation("getLock", "Read a database lock (by name or id)", "Locks");
        // A study-wide reader gets the snapshot exactly as hashed; a monitor or data manager only their sites' part of it.
        locks.MapGet("/{lockRef}/snapshot", async (string lockRef, HttpContext http, IQuerySession session, CancellationToken ct) =>
        {
            if (await Find(session, lockRef, ct) is not { } l || await session.LoadAsync<LockSnapshot>(l.Id, ct) is not { } s) return Problems.NotFound($"Lock '{lockRef}'");
            var actor = Actor.From(http.User);
            if (actor.Has(StudyWideReaders)) return Results.Text(s.CanonicalJson, "application/json");
            var snapshot = CohortSnapshot.FromJson(s.CanonicalJson)!;
            return Results.Json(snapshot with
            {
                Sites = [.. snapshot.Sites.Where(site => actor.CanSeeSite(snapshot.StudyId, site.SiteId))],
                Subjects = [.. snapshot.Subjects.Where(subject => actor.CanSeeSite(snapshot.StudyId, subject.SiteId))],
            }, CasebookJson.Options);
        }).Produces<CohortSnapshot>().Refuses(403, 404).Operation("getLockSnapshot", "Read a lock's frozen snapshot (only your sites' part, unless you read study-wide)", "Locks");
        locks.MapGet("/{lockRef}/verify", async (string lockRef, IQuerySession session, CancellationToken ct) =>
            await Find(session, lockRef, ct) is { } l ? Results.Json(await Verify(session, l, ct), CasebookJson.Options) : Problems.NotFound($"Lock '{lockRef}'"))
            .Produces<LockVerification>().Refuses(403, 404).Operation("verifyLock", "Replay a lock's events and compare its snapshot hash", "Locks");
    }
}
