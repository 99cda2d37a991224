using FluentValidation;
using Marten;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Studies;

public sealed record AddSite(string SiteId, string Name)
{
    public sealed class Validator : AbstractValidator<AddSite>
    {
        public Validator()
        {
            RuleFor(c => c.SiteId).NotEmpty().MaximumLength(64).Matches("^[A-Za-z0-9_-]+$");
            RuleFor(c => c.Name).NotEmpty().MaximumLength(300);
        }
    }

    public static Decision Decide(Study study, AddSite c) =>
        study.HasSite(c.SiteId) ? Rejection.Conflict($"Site '{c.SiteId}' is already part of the study.") : Decision.Accept(new SiteAdded(c.SiteId, c.Name));

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/studies/{studyId}/sites", async (string studyId, AddSite c, IDocumentSession session, CancellationToken ct) =>
        {
            var stream = await session.Events.FetchForWriting<Study>(Study.IdFor(studyId), ct);
            if (stream.Aggregate is null) return Problems.NotFound($"Study '{studyId}'");
            var decision = Decide(stream.Aggregate, c);
            if (decision.Rejection is { } r) return r.ToProblem();
            stream.AppendMany(decision.Events);
            await session.SaveChangesAsync(ct);
            return Results.Ok(await session.LoadAsync<Study>(stream.Id, ct));
        })
        .Validated<AddSite>()
        .RequireAuthorization(Policies.Admin)
        .WithTags("Studies");
}
