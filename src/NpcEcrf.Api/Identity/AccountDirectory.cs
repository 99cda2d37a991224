using System.Collections.Concurrent;
using Marten;
using Microsoft.Extensions.Caching.Memory;

namespace NpcEcrf.Api.Identity;

/// <summary>
/// The accounts every authenticated request is checked against, cached in memory. Any commit that appends to an
/// account stream forgets that account (AccountChangeListener), so a change holds from the very next request on
/// this node; the short lifetime bounds how long another node (or the command line) can be behind.
/// </summary>
public sealed class AccountDirectory(IMemoryCache cache)
{
    public static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(15);

    // Bumped on every change, so a load that raced a change is not cached over it.
    private readonly ConcurrentDictionary<Guid, long> _generations = new();

    private sealed record Cached(UserAccount? Account, long Generation);

    // The store is passed in, not injected: the store's own listener (below) depends on this directory.
    public async Task<UserAccount?> Find(IDocumentStore store, string username, CancellationToken ct)
    {
        var id = UserAccount.IdFor(username);
        var generation = _generations.GetValueOrDefault(id);
        if (cache.TryGetValue(Key(id), out Cached? cached) && cached!.Generation == generation) return cached.Account;
        await using var session = store.QuerySession();
        var account = await session.LoadAsync<UserAccount>(id, ct);
        if (_generations.GetValueOrDefault(id) == generation) cache.Set(Key(id), new Cached(account, generation), SafetyNet);
        return account;
    }

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
        // Only account streams (their events live beside UserAccount): every other write would grow the generations map.
        foreach (var stream in session.PendingChanges.Streams().Where(s => s.Events.Any(e => e.Data.GetType().Namespace == typeof(UserAccount).Namespace)))
            accounts.Forget(stream.Id);
        return Task.CompletedTask;
    }
}
