using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Locks;

/// <summary>Unlocking needs a reason and is itself an audited event; the lock's snapshot stays as it was.</summary>
public sealed record UnlockDatabase(string Reason)
{
    public sealed class Validator : AbstractValidator<UnlockDatabase>
    {
        public Validator() => RuleFor(c => c.Reason).NotEmpty().WithMessage("Unlocking needs a reason.").MaximumLength(500);
    }

    public static Decision Decide(DatabaseLock l, UnlockDatabase c, DateTimeOffset now) =>
        l.InForce ? Decision.Accept(new DatabaseUnlocked(c.Reason, now)) : Rejection.Conflict($"Lock '{l.Name}' is not in force.");

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/locks/{lockRef}/unlock", async (string lockRef, UnlockDatabase c, HttpContext http, IDocumentSession session, TimeProvider clock) =>
        {
            if (!Actor.From(http.User).Has(Roles.DataManager)) return Problems.Forbidden("Data managers unlock the database.");
            if (await ReadLocks.Find(session, lockRef, http.RequestAborted) is not { } found) return Problems.NotFound($"Lock '{lockRef}'");
            var stream = await session.Events.FetchForWriting<DatabaseLock>(found.Id, http.RequestAborted);
            var decision = Decide(stream.Aggregate!, c, clock.GetUtcNow());
            if (decision.Rejection is { } rejection) return rejection.ToProblem();
            stream.AppendMany(decision.Events);
            session.SetHeader(SubjectCommands.ReasonHeader, c.Reason);
            await session.SaveChangesAsync(http.RequestAborted);
            return Results.Json(await session.LoadAsync<DatabaseLock>(found.Id, http.RequestAborted), CasebookForms.Json);
        })
        .Validated<UnlockDatabase>()
        .WithTags("Locks");
}
