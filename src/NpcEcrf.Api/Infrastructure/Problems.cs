using System.Text.Json;
using FluentValidation.Results;
using JasperFx.Events;
using Microsoft.AspNetCore.Diagnostics;

namespace NpcEcrf.Api.Infrastructure;

/// <summary>RFC 7807 answers for every sad path: a clear title, the field, never a stack trace.</summary>
public static class Problems
{
    public static IResult Validation(IEnumerable<ValidationFailure> failures) =>
        Results.ValidationProblem(failures.ToDictionary(), title: "The data failed its edit checks.");

    public static IResult Validation(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The data failed its edit checks.");

    public static IResult NotFound(string what) => Results.Problem(title: $"{what} was not found.", statusCode: StatusCodes.Status404NotFound);

    public static IResult Forbidden(string why) => Results.Problem(title: "Forbidden.", detail: why, statusCode: StatusCodes.Status403Forbidden);

    public static IResult Conflict(string title, string? detail = null, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(title: title, detail: detail, statusCode: StatusCodes.Status409Conflict, extensions: extensions);

    public static IResult StaleVersion(long expected, long current) => Conflict(
        "The record changed since you read it.",
        $"You sent version {expected}; the current version is {current}. Reload and enter your change again.",
        new Dictionary<string, object?> { ["currentVersion"] = current });
}

/// <summary>Maps exceptions that escape an endpoint to problem details; unknown ones become a bare 500.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } =>
                (400, "The request body is not valid JSON for this form.", $"{json.Message}"),
            BadHttpRequestException bad => (400, "The request could not be read.", bad.Message),
            ExistingStreamIdCollisionException => (409, "That record already exists.", (string?)null),
            _ when Conflicts.IsConcurrencyConflict(exception) =>
                (409, "The record changed while you were saving.", "Reload and enter your change again. Nothing was saved."),
            _ => (500, "An unexpected error occurred. Nothing was saved.", null),
        };
        if (status == 500) log.LogError(exception, "Unhandled error on {Path}", context.Request.Path);
        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
