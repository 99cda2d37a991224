namespace NpcEcrf.Api.Infrastructure;

/// <summary>How HTTP says a command's outcome: 200/201 with the answer and its ETag, or problem details.</summary>
public static class HttpOutcomes
{
    public static IResult ToHttp(this CommandOutcome outcome) => outcome switch
    {
        CommandOutcome.Accepted a => new Answer(a.Answer, a.Version, a.CreatedAt),
        CommandOutcome.Rejected r => r.Rejection.ToHttp(),
        CommandOutcome.Stale s => Problems.StaleVersion(s.Expected, s.Current),
        CommandOutcome.Locked l => Problems.Locked(l.Lock),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    public static IResult ToHttp(this Rejection rejection) => rejection.Kind switch
    {
        RejectionKind.Invalid => Results.ValidationProblem(rejection.Errors ?? new Dictionary<string, string[]>(), title: rejection.Message),
        RejectionKind.NotFound => Problems.NotFound(rejection.Message),
        RejectionKind.Forbidden => Problems.Forbidden(rejection.Message),
        _ => Problems.Conflict(rejection.Message),
    };

    /// <summary>A JSON answer with the version as its ETag (and Location when it created the record).</summary>
    public sealed class Answer(object value, long version, string? createdAt) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.Headers.ETag = $"\"{version}\"";
            if (createdAt is not null) http.Response.Headers.Location = createdAt;
            return Results.Json(value, Casebooks.CasebookJson.Options, statusCode: createdAt is null ? StatusCodes.Status200OK : StatusCodes.Status201Created).ExecuteAsync(http);
        }
    }
}
