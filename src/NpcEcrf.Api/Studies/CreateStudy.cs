using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Studies;

public sealed record CreateStudy(string StudyId, string Title, int[] DoseLevelsMg, bool SegregationOfDuties = true, Guid? CommandId = null)
{
    public sealed class Validator : AbstractValidator<CreateStudy>
    {
        public Validator()
        {
            RuleFor(c => c.StudyId).NotEmpty().MaximumLength(40).Matches("^[A-Za-z0-9_-]+$");
            RuleFor(c => c.Title).NotEmpty().MaximumLength(300);
            RuleFor(c => c.DoseLevelsMg).NotEmpty();
            RuleForEach(c => c.DoseLevelsMg).InclusiveBetween(1, 1000);
        }
    }

    public static Decision Decide(CreateStudy c) => Decision.Accept(new StudyCreated(c.StudyId, c.Title, c.DoseLevelsMg.Distinct().ToArray(), c.SegregationOfDuties));

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/studies", async (CreateStudy c, HttpContext http, IDocumentSession session) =>
            (await CommandPipeline.Run(session, Actor.From(http.User), new WriteRequest<Study>
            {
                StreamId = Study.IdFor(c.StudyId), What = $"Study '{c.StudyId}'", Roles = [Roles.Admin], CommandId = c.CommandId,
                StartsStream = true, AlreadyExists = $"Study '{c.StudyId}' already exists.", CreatedAt = $"/studies/{c.StudyId}",
                Decide = _ => Decide(c), Answer = study => study,
            }, http.RequestAborted)).ToHttp())
        .Validated<CreateStudy>()
        .WithTags("Studies");
}
