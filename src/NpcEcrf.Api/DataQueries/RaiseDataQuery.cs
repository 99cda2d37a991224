using FluentValidation;
using Marten;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.DataQueries;

public sealed record RaiseDataQuery(string StudyId, string SubjectNumber, string Form, string Field, string Text)
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
    public static Decision Decide(Casebook casebook, RaiseDataQuery c)
    {
        var (_, error) = CasebookForms.Read(casebook, c.Form, c.Field);
        if (error is not null) return Rejection.Invalid("field", error);
        var valueVersion = casebook.FormVersions.First(f => f.Form == c.Form).Version;
        return Decision.Accept(new DataQueryRaised(casebook.StudyId, casebook.SiteId, casebook.SubjectNumber, c.Form, c.Field, valueVersion,
            c.Text, DataQueryOrigin.Manual, null));
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/data-queries", async (RaiseDataQuery c, HttpContext http, IDocumentSession session) =>
        {
            var actor = Actor.From(http.User);
            if (!actor.Has(DataQueryCommands.ReviewerRoles)) return Problems.Forbidden("Monitors and data managers raise data queries.");
            var casebook = await session.LoadAsync<Casebook>(Casebook.IdFor(c.StudyId, c.SubjectNumber), http.RequestAborted);
            if (casebook is null || !actor.CanSeeSite(casebook.SiteId)) return Problems.NotFound($"Subject {c.SubjectNumber} of study {c.StudyId}");
            if (await Locks.LockGuard.Check(session, c.StudyId, Locks.WriteKind.Review, http.RequestAborted) is { } locked) return locked;
            var decision = Decide(casebook, c);
            if (decision.Rejection is { } rejection) return rejection.ToProblem();
            var id = Guid.NewGuid();
            session.Events.StartStream<DataQuery>(id, decision.Events.ToArray());
            await session.SaveChangesAsync(http.RequestAborted);
            return Results.Json(await session.LoadAsync<DataQuery>(id, http.RequestAborted), CasebookForms.Json, statusCode: StatusCodes.Status201Created);
        })
        .Validated<RaiseDataQuery>()
        .WithTags("Data queries");
}
