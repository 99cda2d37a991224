using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.DataQueries;

public sealed record CancelDataQuery(string Reason, Guid? CommandId = null) : IRetryableCommand
{
    public sealed class Validator : AbstractValidator<CancelDataQuery>
    {
        public Validator() => RuleFor(c => c.Reason).NotEmpty().MaximumLength(2000);
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/data-queries/{id:guid}/cancel", (Guid id, CancelDataQuery c, HttpContext http, IDocumentSession session) =>
            DataQueryCommands.Run(http, session, id, DataQueryCommands.ReviewerRoles, c, q => DataQueryTransitions.Cancel(q, c.Reason)))
        .Validated<CancelDataQuery>()
        .Command<DataQuery>()
        .Operation("cancelDataQuery", "Cancel a data query", "Data queries");
}
