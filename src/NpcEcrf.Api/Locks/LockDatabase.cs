using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.TamperEvidence;
using Wolverine.Marten;

namespace NpcEcrf.Api.Locks;

/// <summary>A data manager freezes the study: the cohort at this moment's high-water mark and the clinical cut-off, hashed.</summary>
public sealed record LockDatabase(string StudyId, string Name, DateOnly Cutoff, string Reason, LockKind Kind = LockKind.Hard, Guid? CommandId = null) : IRetryableCommand
{
    public sealed class Validator : AbstractValidator<LockDatabase>
    {
        public Validator()
        {
            RuleFor(c => c.StudyId).NotEmpty();
            RuleFor(c => c.Name).NotEmpty().MaximumLength(80).Matches("^[A-Za-z0-9._-]+$");
            RuleFor(c => c.Reason).NotEmpty().MaximumLength(500);
            RuleFor(c => c.Kind).IsInEnum();
        }
    }

    /// <param name="withoutEnrolment">Subjects with no enrolment form of ours (imported from another system): a lock's analysis
    /// snapshot is built from the enrolment, so it could not cover them, and a lock that leaves data out is refused.</param>
    public static Decision Decide(Study study, LockDatabase c, bool anotherInForce, DateTimeOffset now, long highWaterMark, string snapshotHash, string? chainHead = null,
        IReadOnlyList<string>? withoutEnrolment = null)
    {
        if (c.Cutoff > study.Today(study.Sites.FirstOrDefault()?.SiteId ?? "", now)) return Rejection.Invalid("cutoff", "The data cut-off cannot be in the future.");
        if (anotherInForce) return Rejection.Conflict("Another lock is in force; unlock it (with a reason) before declaring a new one.");
        if (withoutEnrolment is { Count: > 0 })
            return Rejection.Conflict($"Subject(s) {string.Join(", ", withoutEnrolment)} have no enrolment form (imported from another system); " +
                "a lock's snapshot is built from each subject's enrolment, so it would leave them out. Enter their enrolment first.");
        return Decision.Accept(new DatabaseLocked(study.StudyId, c.Name, c.Cutoff, c.Reason, c.Kind, highWaterMark, snapshotHash, now, chainHead,
            study.VersionOn(c.Cutoff).Version));
    }

    /// <summary>
    /// One lock in force per study, kept by the event store: every lock also appends to the study's stream at the version
    /// it read, so of two concurrent locks one commits and the other is retried and refused.
    /// </summary>
    /// <param name="outbox">Publishes <see cref="LockDeclared"/> in the lock's transaction (the web host's Wolverine); null on the command line.</param>
    public static async Task<CommandOutcome> Run(IDocumentSession session, Actor actor, LockDatabase c, DateTimeOffset now, CancellationToken ct,
        IMartenOutbox? outbox = null)
    {
        if (await session.LoadAsync<Study>(Study.IdFor(c.StudyId), ct) is null) return Rejection.NotFound($"Study '{c.StudyId}'");
        var id = DatabaseLock.IdFor(c.StudyId, c.Name);
        // The snapshot's canonical JSON goes to a temporary file as it is made, one per attempt (a conflict retries), and
        // PostgreSQL reads it from there at the save: the node never holds the snapshot.
        var attempts = new List<FileStream>();
        FileStream? snapshot = null;
        try
        {
            return await CommandPipeline.Run(session, actor, new WriteRequest<DatabaseLock>
            {
                StreamId = id, What = $"Lock '{c.Name}'", Roles = [Roles.DataManager], Command = CommandKey.Of(c), StartsStream = true,
                AlreadyExists = $"A lock named '{c.Name}' already exists; locks never change. Choose a new name.", CreatedAt = $"/locks/{id}",
                Enlist = s => outbox?.Enroll(s),
                DecideAsync = async (session, _) =>
                {
                    var studyStream = await session.Events.FetchForWriting<Study>(Study.IdFor(c.StudyId), ct);
                    var study = studyStream.Aggregate!;
                    var inForce = await session.Query<DatabaseLock>().AnyAsync(l => l.StudyId == study.StudyId && l.UnlockedAt == null, ct);
                    var highWaterMark = await CohortReplay.HighWaterMark(session, null, ct);
                    var file = LockSnapshotFile.Create();
                    attempts.Add(file);
                    string hash;
                    SnapshotHeader frozen;
                    using (var written = new HashingWriter(file))
                    {
                        frozen = (await CohortReplay.Freeze(session, study.StudyId, c.Cutoff, highWaterMark, written, ct))!;
                        hash = written.Hex();
                    }
                    var chainHead = await GlobalChain.SettledHeadAsync(session, highWaterMark, ct);
                    var decision = Decide(study, c, inForce, now, highWaterMark, hash, chainHead.ToString(), frozen.WithoutEnrolment);
                    if (decision.Rejection is null)
                    {
                        studyStream.AppendOne(new StudyLockDeclared(c.Name));
                        snapshot = file;
                    }
                    return decision;
                },
                Alongside = async (s, _, _) =>
                {
                    await LockSnapshotFile.Store(s, id, snapshot!, ct);
                    if (outbox is not null) await outbox.PublishAsync(new LockDeclared(id));
                    return null;
                },
                Answer = l => l,
            }, ct);
        }
        finally
        {
            foreach (var file in attempts) await file.DisposeAsync();
        }
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/locks", async (LockDatabase c, HttpContext http, IDocumentSession session, IMartenOutbox outbox, TimeProvider clock) =>
        {
            // With a database per study, the check runs in the lock's study database (Wolverine opens the envelope's tenant).
            if (session.TenantId != JasperFx.StorageConstants.DefaultTenantId) outbox.TenantId = session.TenantId;
            return (await Run(session, Actor.From(http.User), c, clock.GetUtcNow(), http.RequestAborted, outbox)).ToHttp();
        })
        .Validated<LockDatabase>()
        .Command<DatabaseLock>(creates: true)
        .Operation("lockDatabase", "Lock a study's database (soft or hard)", "Locks");
}
