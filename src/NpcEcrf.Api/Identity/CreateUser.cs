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
    /// <param name="sites">The assignments resolved to STUDY/SITE.</param>
    public IReadOnlyList<object> Events(IReadOnlyList<string> sites) =>
    [
        new UserAccountCreated(Username.Trim(), PrintedName.Trim()),
        .. (Roles ?? []).Distinct().Select(r => new RoleGranted(r)),
        .. sites.Select(s => new SiteAssigned(s)),
    ];

    /// <summary>Through the one pipeline: of concurrent creations of one username, one answers 201 and the others 409.</summary>
    public static async Task<CommandOutcome> Run(IDocumentSession session, Actor actor, CreateUser command, CancellationToken ct)
    {
        var id = UserAccount.IdFor(command.Username);
        return await CommandPipeline.Run(session, actor, new WriteRequest<UserAccount>
        {
            StreamId = id, What = $"User '{command.Username}'", Roles = [Infrastructure.Roles.Admin], StartsStream = true, Command = null, // a user carries no command id: a second creation is "already exists"
            AlreadyExists = $"User '{command.Username}' already exists.", CreatedAt = $"/users/{command.Username.Trim()}",
            DecideAsync = async (s, _) => await Studies.SiteAssignments.ResolveAll(s, command.Sites ?? [], "sites", ct) is var (sites, refusal) && refusal is not null
                ? refusal
                : new Decision(command.Events(sites)),
            Alongside = (s, _, _) =>
            {
                s.Store(Passwords.Credential(id, command.Password));
                return Task.FromResult<Rejection?>(null);
            },
            Answer = UserView.Of,
        }, ct);
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/users", async (CreateUser command, HttpContext http, IDocumentSession session) =>
            (await Run(session, Actor.From(http.User), command, http.RequestAborted)).ToHttp())
        .Validated<CreateUser>()
        .RequireAuthorization(Policies.Admin)
        .Command<UserView>(creates: true, underLocks: false, ofExisting: false)
        .Operation("createUser", "Create a user", "Identity");
}
