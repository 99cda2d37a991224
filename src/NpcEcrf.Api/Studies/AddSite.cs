using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Studies;

/// <summary>A site joins a study, with the IANA time zone its clinic keeps ("Asia/Shanghai"); UTC when not given.</summary>
public sealed record AddSite(string SiteId, string Name, string? TimeZone = null, Guid? CommandId = null) : IRetryableCommand
{
    public sealed class Validator : AbstractValidator<AddSite>
    {
        public Validator()
        {
            RuleFor(c => c.SiteId).NotEmpty().MaximumLength(64).Matches("^[A-Za-z0-9_-]+$");
            RuleFor(c => c.Name).NotEmpty().MaximumLength(300);
            RuleFor(c => c.TimeZone).Must(z => z is null || TimeZoneInfo.TryFindSystemTimeZoneById(z, out _))
                .WithMessage(c => $"'{c.TimeZone}' is not a known time zone (use an IANA name such as Asia/Shanghai).");
        }
    }

    public static Decision Decide(Study study, AddSite c) =>
        study.Sites.Any(s => StableIds.Same(s.SiteId, c.SiteId))
            ? Rejection.Conflict($"Site '{c.SiteId}' is already part of the study.")
            : Decision.Accept(new SiteAdded(c.SiteId, c.Name, c.TimeZone));

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/studies/{studyId}/sites", async (string studyId, AddSite c, HttpContext http, IDocumentSession session) =>
            (await CommandPipeline.Run(session, Actor.From(http.User), new WriteRequest<Study>
            {
                StreamId = Study.IdFor(studyId), What = $"Study '{studyId}'", Roles = [Roles.Admin], Command = CommandKey.Of(c),
                Decide = study => Decide(study!, c), Answer = study => study,
            }, http.RequestAborted)).ToHttp())
        .Validated<AddSite>()
        .Command<Study>(underLocks: false)
        .Operation("addSite", "Add a site to a study", "Studies");
}
