using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Casebooks;

public static class SubjectRoutes
{
    public const string Subject = "/studies/{studyId}/subjects/{subjectNumber}";

    /// <summary>POST {subject}{path}: validate the body, run it through <see cref="CasebookCommands"/>, answer in HTTP.</summary>
    public static RouteHandlerBuilder MapSubjectCommand<T>(this IEndpointRouteBuilder app, string path, Func<SubjectContext, T, Decision> decide,
        Func<T, CasebookWrite>? write = null)
        where T : ISubjectCommand => app
        .MapPost(Subject + path, async (string studyId, string subjectNumber, T command, HttpContext http, IDocumentSession session, TimeProvider clock) =>
            (await CasebookCommands.Run(session, Actor.From(http.User), clock.GetUtcNow(), studyId, subjectNumber, command, IfMatch(http), null, decide,
                write?.Invoke(command), http.RequestAborted)).ToHttp())
        .Validated<T>()
        .CasebookCommand();

    /// <summary>POST {subject}/adverse-events/{adverseEventId}{path}: commands on one adverse event.</summary>
    public static RouteHandlerBuilder MapAdverseEventCommand<T>(this IEndpointRouteBuilder app, string path, Func<SubjectContext, string, T, Decision> decide)
        where T : ISubjectCommand => app
        .MapPost(Subject + "/adverse-events/{adverseEventId}" + path, async (string studyId, string subjectNumber, string adverseEventId, T command, HttpContext http,
                IDocumentSession session, TimeProvider clock) =>
            (await CasebookCommands.Run(session, Actor.From(http.User), clock.GetUtcNow(), studyId, subjectNumber, command, IfMatch(http),
                new { adverseEventId }, (s, c) => decide(s, adverseEventId, c), null, http.RequestAborted)).ToHttp())
        .Validated<T>()
        .CasebookCommand();

    public static long? IfMatch(HttpContext http) =>
        long.TryParse(http.Request.Headers.IfMatch.ToString().Replace("W/", "").Trim('"'), out var v) ? v : null;
}
