using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Locks;

/// <summary>A data manager freezes the study: the cohort at this moment's high-water mark and the clinical cut-off, hashed.</summary>
public sealed record LockDatabase(string StudyId, string Name, DateOnly Cutoff, string Reason, LockKind Kind = LockKind.Hard)
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

    public static async Task<(DatabaseLock? Lock, IResult? Refusal)> Execute(IDocumentSession session, LockDatabase c, DateTimeOffset now, CancellationToken ct)
    {
        if (await session.LoadAsync<Study>(Study.IdFor(c.StudyId), ct) is null) return (null, Problems.NotFound($"Study '{c.StudyId}'"));
        if (c.Cutoff > DateOnly.FromDateTime(now.UtcDateTime)) return (null, Problems.Validation("cutoff", "The data cut-off cannot be in the future."));
        var id = DatabaseLock.IdFor(c.StudyId, c.Name);
        if (await session.Events.FetchStreamStateAsync(id, ct) is not null) return (null, Problems.Conflict($"A lock named '{c.Name}' already exists; locks never change. Choose a new name."));
        if (await session.Query<DatabaseLock>().AnyAsync(l => l.StudyId == c.StudyId && l.UnlockedAt == null, ct))
            return (null, Problems.Conflict("Another lock is in force; unlock it (with a reason) before declaring a new one."));

        var highWaterMark = await CohortReplay.HighWaterMark(session, null, ct);
        var snapshot = (await CohortReplay.Snapshot(session, c.StudyId, c.Cutoff, highWaterMark, ct))!;
        var json = snapshot.CanonicalJson();
        session.Events.StartStream<DatabaseLock>(id, new DatabaseLocked(c.StudyId, c.Name, c.Cutoff, c.Reason, c.Kind, highWaterMark, CohortSnapshot.Hash(json), now));
        session.Store(new LockSnapshot(id, json));
        await session.SaveChangesAsync(ct);
        return (await session.LoadAsync<DatabaseLock>(id, ct), null);
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/locks", async (LockDatabase c, HttpContext http, IDocumentSession session, TimeProvider clock) =>
        {
            if (!Actor.From(http.User).Has(Roles.DataManager)) return Problems.Forbidden("Data managers lock the database.");
            var (locked, refusal) = await Execute(session, c, clock.GetUtcNow(), http.RequestAborted);
            return refusal ?? Results.Json(locked, CasebookForms.Json, statusCode: StatusCodes.Status201Created);
        })
        .Validated<LockDatabase>()
        .WithTags("Locks");
}
