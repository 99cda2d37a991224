using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.DataQueries;

public sealed record CloseDataQuery(string? Text = null, Guid? CommandId = null) : IRetryableCommand
{
    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/data-queries/{id:guid}/close", (Guid id, CloseDataQuery c, HttpContext http, IDocumentSession session) =>
            DataQueryCommands.Run(http, session, id, DataQueryCommands.ReviewerRoles, c, async (s, q) =>
                await SegregationOfDutiesOf(s, q, Actor.From(http.User)) ?? DataQueryTransitions.Close(q, c.Text)))
        .Validated<CloseDataQuery>()
        .Command<DataQuery>()
        .Operation("closeDataQuery", "Close a data query", "Data queries");

    private static async Task<Decision?> SegregationOfDutiesOf(IDocumentSession session, DataQuery q, Actor actor)
    {
        var study = await session.LoadAsync<Study>(Study.IdFor(q.StudyId));
        var casebook = await session.LoadAsync<Casebook>(Casebook.IdFor(q.StudyId, q.SubjectNumber));
        if (study is null || casebook is null) return null;
        return SegregationOfDuties.ClosingQuery(study, casebook, FormRef.Parse(q.Form), actor) is { } refused ? Decision.Reject(refused) : null;
    }
}
