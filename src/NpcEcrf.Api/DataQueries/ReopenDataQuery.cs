using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.DataQueries;

public sealed record ReopenDataQuery(string Reason, Guid? CommandId = null) : IRetryableCommand
{
    public sealed class Validator : AbstractValidator<ReopenDataQuery>
    {
        public Validator() => RuleFor(c => c.Reason).NotEmpty().MaximumLength(2000);
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/data-queries/{id:guid}/reopen", (Guid id, ReopenDataQuery c, HttpContext http, IDocumentSession session) =>
            DataQueryCommands.Run(http, session, id, DataQueryCommands.ReviewerRoles, c, q => DataQueryTransitions.Reopen(q, c.Reason)))
        .Validated<ReopenDataQuery>()
        .Command<DataQuery>()
        .Operation("reopenDataQuery", "Reopen an answered data query", "Data queries");
}
