using JasperFx.Events;
using Marten;
using Marten.Services.BatchQuerying;

namespace NpcEcrf.Api.Infrastructure;

/// <summary>A retried command's first result, kept in the same transaction as its events.</summary>
/// <param name="Fingerprint">What the command carried (<see cref="CommandKey"/>); null in rows written before every command was fingerprinted.</param>
public sealed record ProcessedCommand(Guid Id, Guid StreamId, long Version, string User, string? CreatedAt, string? Fingerprint = null);

/// <summary>The events a decision produced, after the data checks: perhaps more (flags, revocations), or a refusal.</summary>
public sealed record CheckedEvents(IReadOnlyList<object> Events, Rejection? Refusal = null);

/// <summary>One write to one stream, described for <see cref="CommandPipeline"/>.</summary>
public sealed class WriteRequest<TState> where TState : class
{
    public required Guid StreamId { get; init; }
    /// <summary>Names the record in "not found" answers.</summary>
    public required string What { get; init; }
    /// <summary>Who may act; empty for a user's own account (the endpoint decides who that is).</summary>
    public required string[] Roles { get; init; }
    /// <summary>The pure decision (or <see cref="DecideAsync"/> when deciding needs a read, such as a lock's snapshot).</summary>
    public Func<TState?, Decision>? Decide { get; init; }
    public Func<IDocumentSession, TState?, Task<Decision>>? DecideAsync { get; init; }
    /// <summary>Called with each attempt's session (to enrol it in an outbox, say).</summary>
    public Action<IDocumentSession>? Enlist { get; init; }
    /// <summary>Whether the reader may know the record exists (other sites' records answer "not found").</summary>
    public Func<TState, bool> MaySee { get; init; } = _ => true;
    public bool StartsStream { get; init; }
    public string? AlreadyExists { get; init; }
    /// <summary>
    /// The client's command id with the fingerprint of what the command carried (<see cref="CommandKey.Of"/>); null for a
    /// command without an id. Required, so that no write forgets it: a retry answers the first answer only if it carries
    /// the same command; the same id with another command is refused.
    /// </summary>
    public required CommandKey? Command { get; init; }
    /// <summary>Given the state and the decided events: what the user saw changed since (nothing is written then).</summary>
    public Func<TState, IReadOnlyList<object>, CommandOutcome.Stale?>? Stale { get; init; }
    /// <summary>The study whose locks apply (its canonical id), once the state is known.</summary>
    public Func<TState?, string?>? LockedStudy { get; init; }
    public Locks.WriteKind Kind { get; init; } = Locks.WriteKind.Data;
    public Func<TState?, IReadOnlyList<object>, CheckedEvents>? Check { get; init; }
    /// <summary>More writes in the same transaction (other streams), given the events appended.</summary>
    public Func<IDocumentSession, TState?, IReadOnlyList<object>, Task<Rejection?>>? Alongside { get; init; }
    public string? ReasonForChange { get; init; }
    public required Func<TState, object> Answer { get; init; }
    /// <summary>Where a created record lives (answered as Location with 201).</summary>
    public string? CreatedAt { get; init; }
    /// <summary>The first attempt's reads, already made in the caller's batch (<see cref="CommandPipeline.Enlist{TState}"/>); null to read here.</summary>
    public FirstReads<TState>? Read { get; init; }
}

/// <summary>
/// What a write reads before it decides, enlisted in a caller's batch beside the caller's own reads (the study), so
/// that they all cost one round trip. Only the first attempt uses them: a retry after a conflict reads afresh.
/// </summary>
public sealed class FirstReads<TState> where TState : class
{
    public required Guid StreamId { get; init; }
    public required bool StartsStream { get; init; }
    public required Guid? CommandId { get; init; }
    internal Task<IEventStream<TState>>? Stream { get; init; }
    internal Task<StreamState>? Existing { get; init; }
    internal Task<ProcessedCommand?>? Done { get; init; }
    /// <summary>The spelling of the study id the locks were read for; the guard reads again for another spelling.</summary>
    internal string? LockedStudy { get; init; }
    internal Task<IReadOnlyList<Locks.DatabaseLock>>? Locks { get; init; }
    /// <summary>What the save's seal needs (the stream's last seal, the witness): <see cref="TamperEvidence.SealReads"/>.</summary>
    internal Task<IReadOnlyList<string>> Seal { get; init; } = null!;

    internal bool Fits(WriteRequest<TState> request) =>
        StreamId == request.StreamId && StartsStream == request.StartsStream && CommandId == request.Command?.Id;
}

/// <summary>
/// The one path of every write: authorise, idempotency, concurrency, lock guard, decide, checks, append, save.
/// It speaks domain outcomes; HTTP and the command line each translate them. A conflict with a concurrent writer is
/// retried from the start, so a change that does not touch what the other writer touched still goes through.
/// </summary>
public static class CommandPipeline
{
    public const string ReasonHeader = "reasonForChange";
    /// <summary>The answer to a command id reused for a command that carries other values: nothing of it was saved.</summary>
    public const string AnotherCommand = "That command id was already used for another command with other values; nothing was saved. " +
        "A retry sends the same command; a new command needs a new command id.";
    private const int Attempts = 3;

    /// <summary>Enlists a write's first reads in <paramref name="batch"/>; pass the result as <see cref="WriteRequest{TState}.Read"/>.</summary>
    /// <param name="lockedStudy">The study whose locks apply, as the caller names it (the guard reads again if the canonical id differs).</param>
    public static FirstReads<TState> Enlist<TState>(IQuerySession session, IBatchedQuery batch, Guid streamId, bool startsStream, CommandKey? command, string? lockedStudy)
        where TState : class => new()
    {
        Seal = TamperEvidence.SealReads.Enlist(batch, session.DocumentStore.Options.Events.DatabaseSchemaName, streamId),
        StreamId = streamId, StartsStream = startsStream, CommandId = command?.Id,
        Stream = startsStream ? null : batch.Events.FetchForWriting<TState>(streamId),
        Existing = startsStream ? batch.Events.FetchStreamState(streamId) : null,
        Done = command is { } key ? batch.Load<ProcessedCommand>(key.Id) : null,
        LockedStudy = lockedStudy,
        Locks = lockedStudy is null ? null : Locks.LockGuard.InForce(batch, lockedStudy),
    };

    public static async Task<CommandOutcome> Run<TState>(IDocumentSession session, Actor actor, WriteRequest<TState> request, CancellationToken ct)
        where TState : class
    {
        for (var attempt = 1; ; attempt++)
        {
            // A retry starts from what is committed, in a session of its own: the failed one still holds what it appended.
            var current = attempt == 1 ? session : Fresh(session);
            try
            {
                request.Enlist?.Invoke(current);
                return await Once(current, actor, request, attempt == 1 ? request.Read : null, ct);
            }
            catch (Exception e) when (Conflicts.IsConcurrencyConflict(e))
            {
                if (attempt == Attempts)
                    return Rejection.Conflict(request.StartsStream ? request.AlreadyExists ?? "That record already exists." : "The record changed while you were saving; nothing was saved. Try again.");
            }
            finally
            {
                if (current != session) await current.DisposeAsync();
            }
        }
    }

    private static async Task<Locks.DatabaseLock?> Blocking<TState>(IDocumentSession session, string studyId, Locks.WriteKind kind, FirstReads<TState>? read, CancellationToken ct)
        where TState : class =>
        read?.Locks is { } inForce && read.LockedStudy == studyId
            ? Locks.LockGuard.Blocking(await inForce, kind)
            : await Locks.LockGuard.Blocking(session, studyId, kind, ct);

    private static IDocumentSession Fresh(IDocumentSession like)
    {
        // The same tenant: with a database per study, the study's database, not the master's.
        var session = like.DocumentStore.LightweightSession(like.TenantId);
        session.LastModifiedBy = like.LastModifiedBy;
        session.CorrelationId = like.CorrelationId;
        session.CausationId = like.CausationId;
        return session;
    }

    private static async Task<CommandOutcome> Once<TState>(IDocumentSession session, Actor actor, WriteRequest<TState> request, FirstReads<TState>? read, CancellationToken ct)
        where TState : class
    {
        if (read is not null && !read.Fits(request)) throw new InvalidOperationException("The first reads were enlisted for another write.");
        if (read is not null) TamperEvidence.SealReads.Remember(session, request.StreamId, await read.Seal);
        if (request.Roles.Length > 0 && !actor.Has(request.Roles)) return Rejection.Forbidden($"This needs one of the roles: {string.Join(", ", request.Roles)}.");

        if (request.StreamId == Guid.Empty) return Rejection.NotFound(request.What);
        TState? state = null;
        JasperFx.Events.IEventStream<TState>? stream = null;
        if (!request.StartsStream)
        {
            stream = read?.Stream is { } fetched ? await fetched : await session.Events.FetchForWriting<TState>(request.StreamId, ct);
            state = stream.Aggregate;
            if (state is null || !request.MaySee(state)) return Rejection.NotFound(request.What);
        }

        if (request.Command is { } command && await (read?.Done ?? session.LoadAsync<ProcessedCommand>(command.Id, ct)) is { } done)
        {
            if (done.StreamId != request.StreamId || done.User != actor.Username)
                return Rejection.Conflict("That command id was already used for another command.");
            // A row without a fingerprint was written before every command had one (only file imports stored theirs): its
            // retry cannot be told from another command, and refusing it would turn a lost answer into an error, so it is
            // answered as it was then; a file import never matches one.
            if (done.Fingerprint is null ? !command.AnsweredByUnfingerprinted : done.Fingerprint != command.Fingerprint)
                return Rejection.Conflict(AnotherCommand);
            var then = await session.Events.AggregateStreamAsync<TState>(done.StreamId, done.Version, token: ct);
            return new CommandOutcome.Accepted(request.Answer(then!), done.Version, done.CreatedAt);
        }

        if (request.StartsStream && (read?.Existing is { } existing ? await existing : await session.Events.FetchStreamStateAsync(request.StreamId, ct)) is not null)
            return Rejection.Conflict(request.AlreadyExists ?? "That record already exists.");

        var decision = request.DecideAsync is { } decideAsync ? await decideAsync(session, state) : request.Decide!(state);
        if (state is not null && request.Stale?.Invoke(state, decision.Events) is { } stale) return stale;
        if (request.LockedStudy?.Invoke(state) is { } studyId && await Blocking(session, studyId, request.Kind, read, ct) is { } blocking)
            return new CommandOutcome.Locked(blocking);
        if (decision.Rejection is { } rejection) return rejection;

        var (events, refusal) = request.Check?.Invoke(state, decision.Events) ?? new CheckedEvents(decision.Events);
        if (refusal is not null) return refusal;

        if (stream is null) session.Events.StartStream<TState>(request.StreamId, events.ToArray());
        else stream.AppendMany(events);
        if (request.ReasonForChange is not null) session.SetHeader(ReasonHeader, request.ReasonForChange);
        // Before Alongside: what it writes in the same save is caused by the same command.
        if (request.Command is { } cause) session.CausationId = cause.Id.ToString();
        if (request.Alongside is not null && await request.Alongside(session, state, events) is { } alongsideRefusal) return alongsideRefusal;
        var version = (stream?.StartingVersion ?? 0) + events.Count;
        var createdAt = request.StartsStream ? request.CreatedAt : null;
        if (request.Command is { } key) session.Insert(new ProcessedCommand(key.Id, request.StreamId, version, actor.Username, createdAt, key.Fingerprint));
        await session.SaveChangesAsync(ct);
        var after = (await session.LoadAsync<TState>(request.StreamId, ct))!;
        return new CommandOutcome.Accepted(request.Answer(after), version, createdAt);
    }
}
