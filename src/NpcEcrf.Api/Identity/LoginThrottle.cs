using System.Collections.Concurrent;

namespace NpcEcrf.Api.Identity;

/// <summary>
/// Failed logins, counted per username (whether or not the account exists, so the answers do not reveal which do)
/// and per client address. Failures slow the answers down, then lock out: 5 failures for a username, or 20 from
/// an address, lock logins for 15 minutes, right password included. Counts are in memory, per node; an account's
/// lockout is also an event on its stream (UserAccount.LockedUntil), which every node and a restart honour.
/// </summary>
public sealed class LoginThrottle(TimeProvider clock)
{
    public const string AccountScope = "account";
    public const string AddressScope = "address";
    public const int AccountLimit = 5;
    public const int AddressLimit = 20;
    public static readonly TimeSpan Lockout = TimeSpan.FromMinutes(15);
    private const int MaxCounters = 100_000;

    public sealed record Lock(string Scope, DateTimeOffset Until, int Failures);

    /// <summary>What a failure leads to: how long to hold the answer back, and any lockout it started.</summary>
    public sealed record FailureOutcome(TimeSpan Backoff, IReadOnlyList<Lock> Started);

    private sealed class Counter
    {
        public int Failures;
        public DateTimeOffset LastFailure;
        public DateTimeOffset? LockedUntil;
    }

    private readonly ConcurrentDictionary<string, Counter> _counters = new();

    public DateTimeOffset? LockedUntil(string username, string address)
    {
        var now = clock.GetUtcNow();
        return new[] { Current(AccountKey(username), now), Current(AddressKey(address), now) }.Max();
    }

    public FailureOutcome RecordFailure(string username, string address)
    {
        var now = clock.GetUtcNow();
        if (_counters.Count > MaxCounters) Prune(now);
        var started = new List<Lock>();
        var accountFailures = Count(AccountKey(username), AccountLimit, AccountScope, now, started);
        Count(AddressKey(address), AddressLimit, AddressScope, now, started);
        // 2nd, 3rd, 4th failure: 0.25 s, 0.5 s, 1 s; the lockout takes over after that.
        var backoff = accountFailures is > 1 and < AccountLimit ? TimeSpan.FromMilliseconds(250 * (1 << (accountFailures - 2))) : TimeSpan.Zero;
        return new FailureOutcome(backoff, started);
    }

    /// <summary>A right password clears the username's count; an address's count is not cleared by one good login.</summary>
    public void RecordSuccess(string username) => _counters.TryRemove(AccountKey(username), out _);

    private int Count(string key, int limit, string scope, DateTimeOffset now, List<Lock> started)
    {
        var counter = _counters.GetOrAdd(key, _ => new Counter());
        lock (counter)
        {
            if (IsStale(counter, now)) (counter.Failures, counter.LockedUntil) = (0, null);
            counter.Failures++;
            counter.LastFailure = now;
            if (counter.Failures >= limit && counter.LockedUntil is null)
            {
                counter.LockedUntil = now + Lockout;
                started.Add(new Lock(scope, counter.LockedUntil.Value, counter.Failures));
            }
            return counter.Failures;
        }
    }

    private DateTimeOffset? Current(string key, DateTimeOffset now)
    {
        if (!_counters.TryGetValue(key, out var counter)) return null;
        lock (counter) return counter.LockedUntil > now ? counter.LockedUntil : null;
    }

    // A count starts again once its lockout has passed, or after a quiet spell as long as a lockout.
    private static bool IsStale(Counter c, DateTimeOffset now) =>
        c.LockedUntil is { } until ? until <= now : now - c.LastFailure >= Lockout;

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, counter) in _counters)
            lock (counter)
                if (IsStale(counter, now)) _counters.TryRemove(key, out _);
    }

    private static string AccountKey(string username) => "account:" + username.Trim().ToLowerInvariant();
    private static string AddressKey(string address) => "address:" + address;
}
