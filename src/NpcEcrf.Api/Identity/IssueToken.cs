using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

public sealed record IssueToken(string Username, string Password)
{
    public sealed class Validator : AbstractValidator<IssueToken>
    {
        public Validator()
        {
            RuleFor(c => c.Username).NotEmpty();
            RuleFor(c => c.Password).NotEmpty();
        }
    }

    public sealed record TokenResponse(string AccessToken, string TokenType, DateTimeOffset ExpiresAt);

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/auth/token", async (IssueToken c, IDocumentSession session, Tokens tokens, CancellationToken ct) =>
        {
            var account = await session.LoadAsync<UserAccount>(UserAccount.IdFor(c.Username), ct);
            if (account is null || !account.Active || !Passwords.Verify(account, c.Password))
            {
                // Failed logins on a real account are part of its audit trail.
                if (account is not null)
                    await SharedStreamAppend.Append(session.DocumentStore, account.Id, new AuthenticationFailed("login"), account.Username, session.CorrelationId, ct);
                return Results.Problem(title: "Unknown user or wrong password.", statusCode: StatusCodes.Status401Unauthorized);
            }
            var (token, expires) = tokens.Issue(account);
            return Results.Ok(new TokenResponse(token, "Bearer", expires));
        })
        .Validated<IssueToken>()
        .AllowAnonymous()
        .WithTags("Auth");
}
