using Marten;

namespace NpcEcrf.Api.Infrastructure;

/// <summary>
/// Lightweight sessions stamped with who acts and in which request, so every event carries
/// user name and correlation id in Marten's metadata columns without handlers repeating it. With a database per study,
/// the sessions of the request's study (<see cref="StudyRouting"/>).
/// </summary>
public sealed class ActorSessionFactory(IDocumentStore store, IHttpContextAccessor http) : ISessionFactory
{
    public IQuerySession QuerySession() => store.QuerySession(StudyRouting.TenantOf(http.HttpContext));

    public IDocumentSession OpenSession()
    {
        var session = store.LightweightSession(StudyRouting.TenantOf(http.HttpContext));
        if (http.HttpContext is { } context)
        {
            if (context.User.Identity?.IsAuthenticated == true) session.LastModifiedBy = Actor.From(context.User).Username;
            session.CorrelationId = CorrelationIds.Of(context);
        }
        return session;
    }
}

public static class CorrelationIds
{
    public const string Header = "X-Correlation-Id";

    public static string Of(HttpContext context) =>
        context.Items.TryGetValue(Header, out var id) && id is string s ? s : context.TraceIdentifier;

    /// <summary>Takes the caller's correlation id (or makes one) and echoes it on the response.</summary>
    public static IApplicationBuilder UseCorrelationIds(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var given = context.Request.Headers[Header].ToString();
        var id = string.IsNullOrWhiteSpace(given) || given.Length > 128 ? Guid.NewGuid().ToString("N") : given;
        context.Items[Header] = id;
        context.Response.Headers[Header] = id;
        await next();
    });
}
