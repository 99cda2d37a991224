using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Studies;

/// <summary>An admin or data manager creates a study with its first definition (the protocol as data).</summary>
public sealed record CreateStudy(string StudyId, string Title, StudyDefinition Definition, bool SegregationOfDuties = true, Guid? CommandId = null) : IRetryableCommand
{
    public sealed class Validator : AbstractValidator<CreateStudy>
    {
        public Validator()
        {
            RuleFor(c => c.StudyId).NotEmpty().MaximumLength(StudyIds.MaxLength).Matches(StudyIds.Pattern);
            RuleFor(c => c.Title).NotEmpty().MaximumLength(300);
        }
    }

    public static Decision Decide(CreateStudy c, DateOnly today) => DefinitionRules.Problems(c.Definition) is { Count: > 0 } problems
        ? Rejection.Invalid(problems.ToDictionary(p => "definition." + p.Key, p => p.Value), "The study definition contradicts itself.")
        : Decision.Accept(new StudyCreated(c.StudyId, c.Title, c.SegregationOfDuties), new StudyDefinitionVersioned(1, today, c.Definition, null, false));

    public static readonly string[] Builders = [Roles.Admin, Roles.DataManager];

    /// <summary>The one way to create a study, over HTTP and from the command line; an import answers more than the study (<paramref name="answer"/>).</summary>
    public static Task<CommandOutcome> Run(IDocumentSession session, Actor actor, DateTimeOffset now, CreateStudy c, CancellationToken ct, Func<Study, object>? answer = null) =>
        CommandPipeline.Run(session, actor, new WriteRequest<Study>
        {
            StreamId = Study.IdFor(c.StudyId), What = $"Study '{c.StudyId}'", Roles = Builders, Command = CommandKey.Of(c),
            StartsStream = true, AlreadyExists = $"Study '{c.StudyId}' already exists.", CreatedAt = $"/studies/{c.StudyId}",
            Decide = _ => Decide(c, DateOnly.FromDateTime(now.UtcDateTime)), Answer = answer ?? (study => study),
        }, ct);

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/studies", async (CreateStudy c, HttpContext http, IDocumentSession session, TimeProvider clock) =>
            (await Run(session, Actor.From(http.User), clock.GetUtcNow(), c, http.RequestAborted)).ToHttp())
        .Validated<CreateStudy>()
        .Command<Study>(creates: true, underLocks: false, ofExisting: false)
        .Operation("createStudy", "Create a study with its definition", "Studies");
}
