using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

public sealed record CreateUser(string Username, string PrintedName, string Password, string[]? Roles = null, string[]? Sites = null)
{
    public sealed class Validator : AbstractValidator<CreateUser>
    {
        public Validator()
        {
            RuleFor(c => c.Username).NotEmpty().MaximumLength(64).Matches("^[a-zA-Z0-9._-]+$")
                .WithMessage("Usernames use letters, digits, '.', '_' and '-'.");
            RuleFor(c => c.PrintedName).NotEmpty().MaximumLength(200);
            RuleFor(c => c.Password).Custom((password, context) =>
            {
                foreach (var problem in PasswordPolicy.Check(password, context.InstanceToValidate.Username, currentHash: null)) context.AddFailure(problem);
            });
            RuleForEach(c => c.Roles).Must(Infrastructure.Roles.IsKnown)
                .WithMessage(r => $"Unknown role. Roles: {string.Join(", ", Infrastructure.Roles.All)}.");
            RuleForEach(c => c.Sites).NotEmpty().MaximumLength(64);
        }
    }

    /// <summary>New accounts start a stream; the events do not mention the password (its hash is a document of its own).</summary>
    public IReadOnlyList<object> Events() =>
    [
        new UserAccountCreated(Username.Trim(), PrintedName.Trim()),
        .. (Roles ?? []).Distinct().Select(r => new RoleGranted(r)),
        .. (Sites ?? []).Distinct().Select(s => new SiteAssigned(s)),
    ];

    public static async Task<UserAccount> Execute(IDocumentSession session, CreateUser command, CancellationToken ct)
    {
        var id = UserAccount.IdFor(command.Username);
        session.Events.StartStream<UserAccount>(id, command.Events().ToArray());
        session.Store(Passwords.Credential(id, command.Password));
        await session.SaveChangesAsync(ct);
        return (await session.LoadAsync<UserAccount>(id, ct))!;
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/users", async (CreateUser command, IDocumentSession session, CancellationToken ct) =>
        {
            if (await session.Events.FetchStreamStateAsync(UserAccount.IdFor(command.Username), ct) is not null)
                return Problems.Conflict($"User '{command.Username}' already exists.");
            var account = await Execute(session, command, ct);
            return Results.Created($"/users/{account.Username}", UserView.Of(account));
        })
        .Validated<CreateUser>()
        .RequireAuthorization(Policies.Admin)
        .WithTags("Users");
}
