using Marten;

using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Subjects;

public static class SubjectRoutes
{
    public const string Subject = "/studies/{studyId}/subjects/{subjectNumber}";

    /// <summary>POST {subject}{path}: validate the body, then run it through <see cref="SubjectCommands"/>.</summary>
    public static RouteHandlerBuilder MapSubjectCommand<T>(this IEndpointRouteBuilder app, string path,
        Func<SubjectContext, T, Infrastructure.Decision> decide, Func<T, string?>? reasonForChange = null, string tag = "Casebook")
        where T : ISubjectCommand => app
        .MapPost(Subject + path, (string studyId, string subjectNumber, T command, HttpContext http, IDocumentSession session) =>
            SubjectCommands.Run(http, session, studyId, subjectNumber, command, decide, reasonForChange?.Invoke(command)))
        .Validated<T>()
        .WithTags(tag);

    /// <summary>POST {subject}/adverse-events/{adverseEventId}{path}: commands on one adverse event.</summary>
    public static RouteHandlerBuilder MapAdverseEventCommand<T>(this IEndpointRouteBuilder app, string path, Func<SubjectContext, string, T, Decision> decide)
        where T : ISubjectCommand => app
        .MapPost(Subject + "/adverse-events/{adverseEventId}" + path, (string studyId, string subjectNumber, string adverseEventId, T command, HttpContext http, IDocumentSession session) =>
            SubjectCommands.Run(http, session, studyId, subjectNumber, command, (s, c) => decide(s, adverseEventId, c)))
        .Validated<T>()
        .WithTags("Adverse events");

    /// <summary>Forms entered once; later changes go through a correction, which keeps the old value and a reason.</summary>
    public static Infrastructure.Decision Once(object? existing, string form, object @event) => existing is null
        ? Infrastructure.Decision.Accept(@event)
        : Infrastructure.Rejection.Conflict($"The {form} form is already entered; send a correction (POST .../corrections) with a reason.");
}
