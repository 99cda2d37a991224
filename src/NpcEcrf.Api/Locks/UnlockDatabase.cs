using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Locks;

/// <summary>Unlocking needs a reason and is itself an audited event; the lock's snapshot stays as it was.</summary>
public sealed record UnlockDatabase(string Reason, Guid? CommandId = null) : IRetryableCommand
{
    public sealed class Validator : AbstractValidator<UnlockDatabase>
    {
        public Validator() => RuleFor(c => c.Reason).NotEmpty().WithMessage("Unlocking needs a reason.").MaximumLength(500);
    }

    public static Decision Decide(DatabaseLock l, UnlockDatabase c, DateTimeOffset now) =>
        l.InForce ? Decision.Accept(new DatabaseUnlocked(c.Reason, now)) : Rejection.Conflict($"Lock '{l.Name}' is not in force.");

    public static async Task<CommandOutcome> Run(IDocumentSession session, Actor actor, string lockRef, UnlockDatabase c, DateTimeOffset now, CancellationToken ct) =>
        await ReadLocks.Find(session, lockRef, ct) is not { } found
            ? Rejection.NotFound($"Lock '{lockRef}'")
            : await CommandPipeline.Run(session, actor, new WriteRequest<DatabaseLock>
            {
                StreamId = found.Id, What = $"Lock '{lockRef}'", Roles = [Roles.DataManager], Command = CommandKey.Of(c),
                Decide = l => Decide(l!, c, now), ReasonForChange = c.Reason, Answer = l => l,
            }, ct);

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/locks/{lockRef}/unlock", async (string lockRef, UnlockDatabase c, HttpContext http, IDocumentSession session, TimeProvider clock) =>
            (await Run(session, Actor.From(http.User), lockRef, c, clock.GetUtcNow(), http.RequestAborted)).ToHttp())
        .Validated<UnlockDatabase>()
        .Command<DatabaseLock>(underLocks: false)
        .Operation("unlockDatabase", "Unlock a database lock, with the reason", "Locks");
}
