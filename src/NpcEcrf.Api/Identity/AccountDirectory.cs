using System.Collections.Concurrent;
using Marten;
using Microsoft.Extensions.Caching.Memory;

namespace NpcEcrf.Api.Identity;

/// <summary>
/// The accounts every authenticated request is checked against, cached in memory. Any commit that appends to an
/// account stream forgets that account (AccountChangeListener), so a change holds from the very next request on
/// this node; other nodes and the command line are told through PostgreSQL (AccountChangeFeed), and the short
/// lifetime bounds how long a node can be behind if that message is lost.
/// </summary>
public sealed class AccountDirectory(IMemoryCache cache)
{
    public static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(15);

    // Bumped on every change, so a load that raced a change is not cached over it.
    private readonly ConcurrentDictionary<Guid, long> _generations = new();

    // Bumped when every account must be read again (the change feed was interrupted: changes may have been missed).
    private long _epoch;

    private sealed record Cached(UserAccount? Account, long Generation, long Epoch);

    // The store is passed in, not injected: the store's own listener (below) depends on this directory.
    public async Task<UserAccount?> Find(IDocumentStore store, string username, CancellationToken ct)
    {
        var id = UserAccount.IdFor(username);
        var (generation, epoch) = (_generations.GetValueOrDefault(id), Interlocked.Read(ref _epoch));
        if (cache.TryGetValue(Key(id), out Cached? cached) && cached!.Generation == generation && cached.Epoch == epoch) return cached.Account;
        await using var session = store.QuerySession();
        var account = await session.LoadAsync<UserAccount>(id, ct);
        if (_generations.GetValueOrDefault(id) == generation && Interlocked.Read(ref _epoch) == epoch) cache.Set(Key(id), new Cached(account, generation, epoch), SafetyNet);
        return account;
    }

    public void ForgetAll() => Interlocked.Increment(ref _epoch);

    public void Forget(Guid accountId)
    {
        _generations.AddOrUpdate(accountId, 1, (_, g) => g + 1);
        cache.Remove(Key(accountId));
    }

    /// <summary>How many accounts changes were recorded for (for tests: other streams must not be tracked).</summary>
    internal int TrackedAccounts => _generations.Count;

    private static (string, Guid) Key(Guid id) => ("account", id);
}

/// <summary>Forgets every account whose stream a commit appended to, whichever code path appended.</summary>
public sealed class AccountChangeListener(AccountDirectory accounts) : DocumentSessionListenerBase
{
    public override Task AfterCommitAsync(IDocumentSession session, Marten.Services.IChangeSet commit, CancellationToken token)
    {
        foreach (var account in AccountStreams(session)) accounts.Forget(account);
        return Task.CompletedTask;
    }

    /// <summary>The account streams a save appends to (their events live beside UserAccount); no other write concerns the directory.</summary>
    public static IEnumerable<Guid> AccountStreams(IDocumentSession session) =>
        session.PendingChanges.Streams().Where(s => s.Events.Any(e => e.Data.GetType().Namespace == typeof(UserAccount).Namespace)).Select(s => s.Id).Distinct();
}
