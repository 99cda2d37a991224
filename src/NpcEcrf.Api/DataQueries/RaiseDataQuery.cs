using FluentValidation;
using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.DataQueries;

public sealed record RaiseDataQuery(string StudyId, string SubjectNumber, string Form, string Field, string Text, Guid? CommandId = null) : IRetryableCommand
{
    public sealed class Validator : AbstractValidator<RaiseDataQuery>
    {
        public Validator()
        {
            RuleFor(c => c.StudyId).NotEmpty();
            RuleFor(c => c.SubjectNumber).NotEmpty();
            RuleFor(c => c.Form).NotEmpty();
            RuleFor(c => c.Field).NotEmpty();
            RuleFor(c => c.Text).NotEmpty().MaximumLength(2000);
        }
    }

    /// <summary>A query targets a data point that exists; it records the version of the event holding the value.</summary>
    public static Decision Decide(Casebook casebook, Studies.Study study, RaiseDataQuery c)
    {
        var form = FormRef.Parse(c.Form);
        var (_, field, error) = FormValues.Read(casebook, study, form, c.Field);
        if (error is not null) return Rejection.Invalid("field", error);
        return Decision.Accept(new DataQueryRaised(casebook.StudyId, casebook.SiteId, casebook.SubjectNumber, form.ToString(), field,
            casebook.Entry(form)!.Version, c.Text, DataQueryOrigin.Manual, null));
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/data-queries", async (RaiseDataQuery c, HttpContext http, IDocumentSession session) =>
        {
            var actor = Actor.From(http.User);
            var ct = http.RequestAborted;
            var casebook = await session.LoadAsync<Casebook>(Casebook.IdFor(c.StudyId, c.SubjectNumber), ct);
            if (casebook is null || !actor.CanSeeSite(casebook.StudyId, casebook.SiteId))
                return actor.Has(DataQueryCommands.ReviewerRoles) ? Problems.NotFound($"Subject {c.SubjectNumber} of study {c.StudyId}") : Problems.Forbidden("Monitors and data managers raise data queries.");
            var id = c.CommandId ?? Guid.NewGuid();
            var study = (await session.LoadAsync<Studies.Study>(Studies.Study.IdFor(casebook.StudyId), ct))!;
            return (await CommandPipeline.Run(session, actor, new WriteRequest<DataQuery>
            {
                StreamId = id, What = "Data query", Roles = DataQueryCommands.ReviewerRoles, Command = CommandKey.Of(c),
                StartsStream = true, CreatedAt = $"/data-queries/{id}", LockedStudy = _ => casebook.StudyId, Kind = Locks.WriteKind.Review,
                Decide = _ => Decide(casebook, study, c), Answer = q => q,
            }, ct)).ToHttp();
        })
        .Validated<RaiseDataQuery>()
        .Command<DataQuery>(creates: true)
        .Operation("raiseDataQuery", "Raise a data query on a field", "Data queries");
}
