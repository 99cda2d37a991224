using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

/// <summary>
/// Logging in. A locked-out username or address is refused (429, Retry-After) before the password is looked at;
/// otherwise the password is checked (against a stand-in hash when there is no account, so timing reveals
/// nothing), failures are slowed down and may start a lockout, and every failure, lockout and success on a real
/// account is an event on its stream.
/// </summary>
public sealed record IssueToken(string Username, string Password)
{
    public sealed class Validator : AbstractValidator<IssueToken>
    {
        public Validator()
        {
            RuleFor(c => c.Username).NotEmpty().MaximumLength(64);
            RuleFor(c => c.Password).NotEmpty().MaximumLength(PasswordPolicy.MaximumLength);
        }
    }

    public sealed record TokenResponse(string AccessToken, string TokenType, DateTimeOffset ExpiresAt);

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/auth/token", async (IssueToken c, HttpContext http, IDocumentSession session, Tokens tokens, LoginThrottle throttle,
            PasswordCredentials credentials, TimeProvider clock, CancellationToken ct) =>
        {
            var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            var arrived = clock.GetTimestamp();
            // A refusal is never answered sooner than the floor: whether the account exists (a hash read, an audit
            // write) must not show in the time it takes.
            // Timers count whole milliseconds and may fire a fraction early: wait until the floor has passed by this clock.
            async Task Floor(TimeSpan backoff)
            {
                var until = Max(RefusalFloor, clock.GetElapsedTime(arrived)) + backoff;
                for (TimeSpan left; (left = until - clock.GetElapsedTime(arrived)) > TimeSpan.Zero;)
                    await Task.Delay(Max(left, TimeSpan.FromMilliseconds(1)), clock, ct);
            }
            Task Audit(UserAccount? account, object @event) => account is null
                ? Task.CompletedTask
                : SharedStreamAppend.Append(session.DocumentStore, account.Id, @event, account.Username, session.CorrelationId, ct);

            var lockedUntil = throttle.LockedUntil(c.Username, address);
            var account = await session.LoadAsync<UserAccount>(UserAccount.IdFor(c.Username), ct);
            if (new[] { lockedUntil, account?.LockedUntil }.Max() is { } until && until > clock.GetUtcNow())
            {
                await Audit(account, new AuthenticationFailed("login-locked-out", address));
                await Floor(TimeSpan.Zero);
                return LockedOut(http, until - clock.GetUtcNow());
            }

            var hash = account is null ? null : await credentials.HashOfAsync(account.Id, ct);
            if (!Passwords.Matches(hash, c.Password) || account is not { Active: true })
            {
                var outcome = throttle.RecordFailure(c.Username, address);
                await Audit(account, new AuthenticationFailed("login", address));
                foreach (var started in outcome.Started)
                    await Audit(account, new LoginLockedOut(started.Scope, started.Until, started.Failures, address));
                await Floor(outcome.Backoff);
                return Results.Problem(title: "Unknown user or wrong password.", statusCode: StatusCodes.Status401Unauthorized);
            }

            throttle.RecordSuccess(c.Username);
            await Audit(account, new LoginSucceeded("password", address));
            var (token, expires) = tokens.Issue(account);
            return Results.Ok(new TokenResponse(token, "Bearer", expires));
        })
        .Validated<IssueToken>()
        .AllowAnonymous()
        .WithTags("Auth");

    /// <summary>Longer than a password check plus an audit write take here, so both kinds of refusal take the same time.</summary>
    public static readonly TimeSpan RefusalFloor = TimeSpan.FromMilliseconds(150);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static IResult LockedOut(HttpContext http, TimeSpan remaining)
    {
        http.Response.Headers.RetryAfter = Math.Ceiling(remaining.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(title: "Too many failed logins.", detail: "Logins for this user or from this address are locked for a while; see Retry-After.",
            statusCode: StatusCodes.Status429TooManyRequests);
    }
}
