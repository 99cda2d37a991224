using System.Net;
using Marten;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Trust;

/// <summary>Each class has a host (and so a throttle) of its own: one class's failures never lock another's logins.</summary>
public class AccountLockoutTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task five_failures_lock_the_account_so_even_the_right_password_gets_429_and_all_of_it_is_audited()
    {
        await app.EnsureUser("lock-victim", ["cra"], ["site-1"]);
        for (var i = 0; i < LoginThrottle.AccountLimit; i++)
            await (await app.Anonymous().PostJson("/auth/token", new { username = "lock-victim", password = "guess-number-" + i })).ShouldBe(HttpStatusCode.Unauthorized);

        var locked = await app.Anonymous().PostJson("/auth/token", new { username = "lock-victim", password = AppFixture.Password });
        await locked.ShouldBe(HttpStatusCode.TooManyRequests);
        Assert.InRange(int.Parse(locked.Headers.GetValues("Retry-After").Single()), 1, (int)LoginThrottle.Lockout.TotalSeconds);

        await using var session = app.Store.QuerySession();
        var events = (await session.Events.FetchStreamAsync(UserAccount.IdFor("lock-victim"))).Select(e => e.Data).ToList();
        Assert.Equal(LoginThrottle.AccountLimit, events.Count(e => e is AuthenticationFailed { Purpose: "login" }));
        Assert.Single(events.OfType<LoginLockedOut>(), l => l.Scope == LoginThrottle.AccountScope);
        Assert.Single(events, e => e is AuthenticationFailed { Purpose: "login-locked-out" });
        Assert.DoesNotContain(events, e => e is LoginSucceeded);
    }

    [Fact]
    public async Task a_successful_login_is_audited_on_the_account()
    {
        await app.ClientFor("login-ok", ["cra"], "site-1");
        await using var session = app.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(UserAccount.IdFor("login-ok"));
        Assert.Contains(events, e => e.Data is LoginSucceeded { Via: "password" } && e.UserName == "login-ok");
    }
}

public class AddressLockoutTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task twenty_failures_from_one_address_lock_logins_from_it_for_every_user()
    {
        await app.EnsureUser("addr-user", ["cra"], ["site-1"]);
        for (var i = 0; i < LoginThrottle.AddressLimit; i++)
            await (await app.Anonymous().PostJson("/auth/token", new { username = "sprayed-" + i, password = "spray-password" })).ShouldBe(HttpStatusCode.Unauthorized);
        var locked = await app.Anonymous().PostJson("/auth/token", new { username = "addr-user", password = AppFixture.Password });
        await locked.ShouldBe(HttpStatusCode.TooManyRequests);
        Assert.True(locked.Headers.Contains("Retry-After"));
    }
}

/// <summary>A login tells nothing about which usernames exist: an unknown one is answered, counted and locked like a real one.</summary>
public class UnknownUsernameTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task an_unknown_username_gets_the_same_answers_as_a_wrong_password_including_the_lockout()
    {
        await app.EnsureUser("real-user", ["cra"], ["site-1"]);
        for (var i = 0; i < LoginThrottle.AccountLimit; i++)
        {
            var real = await app.Anonymous().PostJson("/auth/token", new { username = "real-user", password = "guess-number-" + i });
            var ghost = await app.Anonymous().PostJson("/auth/token", new { username = "no-such-user", password = "guess-number-" + i });
            Assert.Equal(real.StatusCode, ghost.StatusCode);
            Assert.Equal(Title(await real.Content.ReadAsStringAsync()), Title(await ghost.Content.ReadAsStringAsync()));
        }
        var realLocked = await app.Anonymous().PostJson("/auth/token", new { username = "real-user", password = "guess-again-1" });
        var ghostLocked = await app.Anonymous().PostJson("/auth/token", new { username = "no-such-user", password = "guess-again-1" });
        Assert.Equal(HttpStatusCode.TooManyRequests, realLocked.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, ghostLocked.StatusCode);
    }

    [Fact]
    public async Task no_refusal_is_answered_before_the_floor_whether_or_not_the_user_exists()
    {
        // A lower bound the server guarantees (it waits), not a measurement of speed: it cannot be flaky.
        await app.EnsureUser("floor-user", ["cra"], ["site-1"]);
        foreach (var username in new[] { "floor-user", "floor-ghost" })
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await (await app.Anonymous().PostJson("/auth/token", new { username, password = "not-the-password" })).ShouldBe(HttpStatusCode.Unauthorized);
            Assert.True(watch.Elapsed >= IssueToken.RefusalFloor, $"{username} was refused after {watch.Elapsed.TotalMilliseconds} ms");
        }
    }

    private static string? Title(string body) => System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("title").GetString();
}
