using System.Text.Json;
using FluentValidation.Results;
using JasperFx.Events;
using Microsoft.AspNetCore.Diagnostics;

namespace NpcEcrf.Api.Infrastructure;

/// <summary>RFC 7807 answers for every sad path: a clear title, the field, never a stack trace.</summary>
public static class Problems
{
    public static IResult Validation(IEnumerable<ValidationFailure> failures) =>
        Results.ValidationProblem(failures.ToDictionary(), title: "The request is not valid.");

    public static IResult Validation(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request is not valid.");

    public static IResult NotFound(string what) => Results.Problem(title: $"{what} was not found.", statusCode: StatusCodes.Status404NotFound);

    public static IResult Forbidden(string why) => Results.Problem(title: "Forbidden.", detail: why, statusCode: StatusCodes.Status403Forbidden);

    public static IResult Conflict(string title, string? detail = null, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(title: title, detail: detail, statusCode: StatusCodes.Status409Conflict, extensions: extensions);

    public static IResult Locked(Locks.DatabaseLock blocking) => Results.Problem(
        title: $"The database is locked ({blocking.Kind.ToString().ToLowerInvariant()} lock '{blocking.Name}').",
        detail: blocking.Kind == Locks.LockKind.Soft
            ? "Under a soft lock no data may change; data queries can still be answered and closed. A data manager unlocks with a reason."
            : "Under a hard lock nothing may change. A data manager unlocks with a reason.",
        statusCode: StatusCodes.Status423Locked,
        extensions: new Dictionary<string, object?> { ["lock"] = blocking.Name, ["lockId"] = blocking.Id });

    public static IResult StaleVersion(long expected, long current) => Conflict(
        "The record changed since you read it.",
        $"You sent version {expected}; the current version is {current}. Reload and enter your change again.",
        new Dictionary<string, object?> { ["currentVersion"] = current });
}

/// <summary>Maps exceptions that escape an endpoint to problem details; unknown ones become a bare 500.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> log) : IExceptionHandler
{
    private static Type? RequestType(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.RequestType;

    /// <summary>The body as sent (bodies are buffered, so it can be read again), or null when it is not JSON.</summary>
    private static async Task<JsonElement?> Body(HttpContext context)
    {
        if (!context.Request.Body.CanSeek) return null;
        context.Request.Body.Position = 0;
        try
        {
            using var doc = await JsonDocument.ParseAsync(context.Request.Body);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>What the framework says of a request it could not bind, without .NET type names.</summary>
    private static string Readable(string message) =>
        System.Text.RegularExpressions.Regex.Match(message, "Required parameter \"\\S+ (\\w+)\" was not provided from ([\\w ]+)") is { Success: true } missing
            ? $"The {missing.Groups[2].Value} parameter '{missing.Groups[1].Value}' is required."
            : System.Text.RegularExpressions.Regex.Match(message, "Failed to bind parameter \"\\S+ (\\w+)\" from \"(.*)\"") is { Success: true } unbound
                ? $"'{unbound.Groups[2].Value}' is not a valid value for '{unbound.Groups[1].Value}'."
                : "Send a JSON body with the form's fields (Content-Type: application/json).";

    /// <summary>The database is down, restarting or refusing connections (not a fault of the request).</summary>
    internal static bool DatabaseUnavailable(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is System.Net.Sockets.SocketException or TimeoutException
                || e is Npgsql.PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" } || e is Npgsql.NpgsqlException { IsTransient: true })
                return true;
        return false;
    }

    /// <summary>PostgreSQL cancelled a statement (query_canceled): the statement timeout, since a request the client aborted answers no one.</summary>
    private static bool StatementTimedOut(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.QueryCanceled }) return true;
        return false;
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is BadHttpRequestException { InnerException: JsonException json })
        {
            context.Response.StatusCode = 400;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new HttpValidationProblemDetails(StrictJson.Describe(json, RequestType(context), await Body(context)))
                    { Status = 400, Title = "The request body is not valid JSON for this form." },
            });
        }
        if (StatementTimedOut(exception))
        {
            // PostgreSQL cancelled the statement at the host's statement_timeout: nothing was committed, and no backend is held.
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "5";
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = 503, Title = "The request took longer than the database allows. Nothing was saved.",
                    Detail = "Try again shortly; a read of many records can be narrowed by a filter or a smaller page.",
                },
            });
        }
        if (DatabaseUnavailable(exception))
        {
            // The record is safe (nothing was committed); the client may simply try again.
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "5";
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = 503, Title = "The database is not reachable right now. Nothing was saved; try again shortly." },
            });
        }
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (400, "The request could not be read.", Readable(bad.Message)),
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
