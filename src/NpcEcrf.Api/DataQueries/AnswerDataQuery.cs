using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.DataQueries;

/// <summary>Site staff answer in words; answering with a correction goes through POST .../corrections with dataQueryId.</summary>
public sealed record AnswerDataQuery(string Text, Guid? CommandId = null) : IRetryableCommand
{
    public sealed class Validator : AbstractValidator<AnswerDataQuery>
    {
        public Validator() => RuleFor(c => c.Text).NotEmpty().MaximumLength(2000);
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/data-queries/{id:guid}/answer", (Guid id, AnswerDataQuery c, HttpContext http, IDocumentSession session) =>
            DataQueryCommands.Run(http, session, id, DataQueryCommands.SiteRoles, c, q => DataQueryTransitions.Answer(q, c.Text)))
        .Validated<AnswerDataQuery>()
        .Command<DataQuery>()
        .Operation("answerDataQuery", "Answer a data query", "Data queries");
}
