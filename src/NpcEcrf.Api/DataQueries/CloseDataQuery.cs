using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.DataQueries;

public sealed record CloseDataQuery(string? Text = null, Guid? CommandId = null)
{
    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/data-queries/{id:guid}/close", (Guid id, CloseDataQuery c, HttpContext http, IDocumentSession session) =>
            DataQueryCommands.Run(http, session, id, DataQueryCommands.ReviewerRoles, c.CommandId, q => DataQueryTransitions.Close(q, c.Text)))
        .Validated<CloseDataQuery>()
        .WithTags("Data queries");
}
