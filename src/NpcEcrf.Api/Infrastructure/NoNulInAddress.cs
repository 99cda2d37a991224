namespace NpcEcrf.Api.Infrastructure;

/// <summary>A NUL character in a path or query value cannot name anything stored: 400, before any endpoint reads it.</summary>
public sealed class NoNulInAddress(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var hasNul = context.Request.Path.Value?.Contains('\0') == true
            || context.Request.Query.Any(q => q.Key.Contains('\0') || q.Value.Any(v => v?.Contains('\0') == true))
            || context.Request.RouteValues.Values.OfType<string>().Any(v => v.Contains('\0'));
        return hasNul
            ? Results.Problem(title: "The address contains a NUL character.", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context)
            : next(context);
    }
}
