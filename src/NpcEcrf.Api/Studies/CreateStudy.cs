using FluentValidation;
using Marten;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Studies;

public sealed record CreateStudy(string StudyId, string Title, int[] DoseLevelsMg)
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

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/studies", async (CreateStudy c, IDocumentSession session, CancellationToken ct) =>
        {
            var id = Study.IdFor(c.StudyId);
            if (await session.Events.FetchStreamStateAsync(id, ct) is not null) return Problems.Conflict($"Study '{c.StudyId}' already exists.");
            session.Events.StartStream<Study>(id, new StudyCreated(c.StudyId, c.Title, c.DoseLevelsMg.Distinct().ToArray()));
            await session.SaveChangesAsync(ct);
            return Results.Created($"/studies/{c.StudyId}", await session.LoadAsync<Study>(id, ct));
        })
        .Validated<CreateStudy>()
        .RequireAuthorization(Policies.Admin)
        .WithTags("Studies");
}
