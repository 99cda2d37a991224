using System.Text.Json;
using Marten;
using Marten.Storage;
using NpcEcrf.Api.DataQueries;
using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Infrastructure;

/// <summary>
/// With a database per study (docs/scaling.md), which tenant a request's sessions belong to: the study it names (route,
/// query string, then a JSON body's studyId), the study that holds the lock or data query it names, else the global tenant.
/// A study that is not placed on a server is a 404 here, before any endpoint runs. In the default mode it does nothing.
/// </summary>
public sealed class StudyRouting(IDocumentStore store, int capacity = StudyRouting.DefaultCapacity)
{
    private const string TenantItem = "npcecrf.tenant";
    /// <summary>How many lock and query ids a node remembers the study of (about 100 bytes each).</summary>
    public const int DefaultCapacity = 10_000;
    // A lock or a data query never moves study: where one was found by its id, it stays. (Not by a lock's name: another
    // study may later take the same name, which must then be a 409, not the first study's lock.) Never "found nowhere":
    // it may be created a moment later, and a flood of made-up ids must not fill the cache.
    private readonly BoundedCache<Guid, string> _found = new(capacity);

    /// <summary>How many ids' studies are remembered now (at most the capacity).</summary>
    public int Remembered => _found.Count;

    /// <summary>The tenant of this request's sessions; Marten's default tenant when none was chosen (or the mode is off).</summary>
    public static string TenantOf(HttpContext? context) =>
        context?.Items.TryGetValue(TenantItem, out var tenant) == true && tenant is string t ? t : JasperFx.StorageConstants.DefaultTenantId;

    public static IApplicationBuilder UseStudyDatabases(IApplicationBuilder app, NpcEcrfSettings settings)
    {
        if (settings.StudyDatabases is null) return app;
        return app.Use(async (context, next) =>
        {
            // Only a signed-in user's requests are routed: an anonymous one (a login, /health) is the global tenant's, and
            // must not learn which studies are placed.
            if (context.User.Identity?.IsAuthenticated != true)
            {
                await next();
                return;
            }
            var routing = context.RequestServices.GetRequiredService<StudyRouting>();
            if (await routing.Route(context) is { } refusal) await refusal.ExecuteAsync(context);
            else await next();
        });
    }

    /// <summary>Chooses the request's tenant; a refusal when it names no placed study (or must name one).</summary>
    private async Task<IResult?> Route(HttpContext context)
    {
        // The routing middleware has run (WebApplication puts it first): the endpoint's template and route values say what
        // the request is about, not the raw path.
        var template = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "";
        // Accounts live in the master only: a ?studyId= or a body's studyId (a site assignment) never sends them to a study's
        // database, where a logout would revoke nothing and a new account could never log in.
        if (Under(template, "/auth") || Under(template, "/users")) return null;
        // Every place a request can name its study: the endpoint acts on one of them, so they must agree.
        var named = new[] { context.GetRouteValue("studyId") as string, FirstNonEmpty(context.Request.Query["studyId"]) }.Concat(await BodyStudyIds(context))
            .Where(s => s is not null).Select(s => s!).Distinct(Studies.StableIds.Comparer).ToList();
        if (named.Count > 1)
            return Problems.Validation("studyId", $"The request names two studies ({string.Join(", ", named)}): the route, ?studyId= and the body must agree.");
        var given = named.SingleOrDefault();
        if (given is null)
        {
            if (Under(template, "/audit"))
                return Problems.Validation("studyId", "With a database per study the audit trail is kept per study: give ?studyId=.");
            // An ODM import creates a study: without its id it would land in the master database, not a placed one.
            if (Under(template, "/studies/import-odm") || Under(template, "/studies/import"))
                return Problems.Validation("studyId", "With a database per study an import names its (placed) study: give ?studyId=.");
            var located = await Locate(context, template, context.RequestAborted);
            if (located?.Refusal is { } refusal) return refusal;
            if (located?.Tenant is { } tenant) context.Items[TenantItem] = tenant;
            return null;
        }
        if (await PlacedTenant(store, given) is not { } studyId) return NotPlaced(given);
        context.Items[TenantItem] = studyId;
        return null;
    }

    /// <summary>
    /// The tenant of the study an id names, in whatever case it was written (study ids ignore case: StableIds); null when
    /// it is not placed. For a request and for a command-line verb alike (CliStudies).
    /// </summary>
    public static async Task<string?> PlacedTenant(IDocumentStore store, string studyId) =>
        await TenantOf(store, studyId) ?? (await PlacedStudies(store)).FirstOrDefault(placed => Studies.StableIds.Same(placed, studyId));

    private static IResult NotPlaced(string studyId) => Results.Problem(
        title: $"Study '{studyId}' is not placed on a database server.",
        detail: $"With a database per study, an administrator places each study first: ./npc-ecrf study place {studyId} --server NAME (docs/scaling.md).",
        statusCode: StatusCodes.Status404NotFound);

    /// <summary>
    /// The tenant whose sessions hold a study: Marten's default tenant in the default mode; with a database per study, the
    /// study itself, or null when it is not placed (or its id could not name a database).
    /// </summary>
    public static async Task<string?> TenantOf(IDocumentStore store, string studyId)
    {
        if (store.Options.Tenancy is not StudyTenancy) return JasperFx.StorageConstants.DefaultTenantId;
        if (!Studies.StudyIds.IsValid(studyId)) return null;
        try
        {
            await store.Options.Tenancy.GetTenantAsync(studyId);
            return studyId;
        }
        catch (JasperFx.MultiTenancy.UnknownTenantIdException)
        {
            return null;
        }
    }

    private sealed record Located(string? Tenant, IResult? Refusal);

    /// <summary>/locks/{lockRef}... and /data-queries/{id}...: the study database that holds it (asked once, then remembered).</summary>
    private async Task<Located?> Locate(HttpContext context, string template, CancellationToken ct)
    {
        Func<IQuerySession, Task<bool>> holds;
        Guid? id;
        if (Under(template, "/locks") && context.GetRouteValue("lockRef") is string { Length: > 0 } lockRef)
        {
            (id, holds) = (Guid.TryParse(lockRef, out var lockId) ? lockId : null, async s => await Locks.ReadLocks.Find(s, lockRef, ct) is not null);
        }
        else if (Under(template, "/data-queries") && context.GetRouteValue("id") is string text && Guid.TryParse(text, out var queryId))
        {
            (id, holds) = (queryId, async s => await s.LoadAsync<DataQuery>(queryId, ct) is not null);
        }
        else return null;
        if (id is { } known && _found.TryGet(known, out var study)) return new Located(study, null);
        // Every placed study at once (a study whose server is down does not stop the others being asked).
        var answers = await AskStudies(await PlacedStudies(store), async (studyId, _) =>
        {
            await using var session = store.QuerySession(studyId);
            return await holds(session);
        }, ct);
        var holders = answers.Where(a => a.Answer).Select(a => a.StudyId).ToList();
        if (holders.Count > 1)
            return new Located(null, Problems.Conflict($"'{context.Request.Path}' names something in {holders.Count} studies.", "Use its id, or give ?studyId=."));
        if (holders.Count == 1) return new Located(id is { } found ? _found.Remember(found, holders[0]) : holders[0], null);
        // Not found where we could look: if a server did not answer, it may be there (the exception handler answers 503).
        if (answers.FirstOrDefault(a => a.Unavailable is not null).Unavailable is { } unreachable) throw unreachable;
        return new Located(null, null); // the endpoint answers its own 404 from the global tenant, which holds none
    }

    /// <summary>
    /// For code that reads with its own SQL (the audit trail, verify): the request's tenant; null in the default mode,
    /// where such code keeps the installation's connection string.
    /// </summary>
    public static Func<string>? RequestTenant(IServiceProvider services)
    {
        if (services.GetRequiredService<NpcEcrfSettings>().StudyDatabases is null) return null;
        var http = services.GetRequiredService<IHttpContextAccessor>();
        return () => TenantOf(http.HttpContext);
    }

    /// <summary>A tenant's database (Marten's default tenant: the store's default database).</summary>
    public static IMartenDatabase DatabaseOf(IDocumentStore store, string tenant) =>
        tenant == JasperFx.StorageConstants.DefaultTenantId ? store.Options.Tenancy.Default.Database : store.Options.Tenancy.GetTenant(tenant).Database;

    /// <summary>One read of every study: the session's own database, or with a database per study every placed study's (asked in parallel, <see cref="MaxParallel"/> at once), in study order.</summary>
    public static async Task<List<T>> EveryStudy<T>(IQuerySession session, Func<IQuerySession, Task<IReadOnlyList<T>>> read)
    {
        var store = session.DocumentStore;
        if (store.Options.Tenancy is not StudyTenancy) return [.. await read(session)];
        var answers = await AskStudies(await PlacedStudies(store), async (studyId, _) =>
        {
            await using var study = store.QuerySession(studyId);
            return await read(study);
        }, CancellationToken.None);
        // A list that left a study out would look complete: a study whose server does not answer fails the whole list (503).
        if (answers.FirstOrDefault(a => a.Unavailable is not null) is { Unavailable: { } down }) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(down);
        return [.. answers.SelectMany(a => a.Answer!)];
    }

    /// <summary>How many study databases one request (or health check) asks at once: each is a connection from its own pool.</summary>
    public const int MaxParallel = 8;

    /// <summary>
    /// Asks each study in parallel, at most <see cref="MaxParallel"/> at once: each study's answer, in the order given, or
    /// the exception that says its server does not answer (any other failure is thrown).
    /// </summary>
    public static async Task<IReadOnlyList<(string StudyId, T? Answer, Exception? Unavailable)>> AskStudies<T>(
        IReadOnlyList<string> studies, Func<string, CancellationToken, Task<T>> ask, CancellationToken ct)
    {
        var answers = new (string, T?, Exception?)[studies.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, studies.Count), new ParallelOptions { MaxDegreeOfParallelism = MaxParallel, CancellationToken = ct }, async (i, token) =>
        {
            try
            {
                answers[i] = (studies[i], await ask(studies[i], token), null);
            }
            catch (Exception e) when (ProblemExceptionHandler.DatabaseUnavailable(e) is not null)
            {
                answers[i] = (studies[i], default, e);
            }
        });
        return answers;
    }

    /// <summary>Every placed study (Marten's table of tenants in the master database).</summary>
    public static async Task<IReadOnlyList<string>> PlacedStudies(IDocumentStore store)
    {
        var databases = await store.Options.Tenancy.BuildDatabases();
        // A tenant's database is named by its tenant id (Marten's master-table tenancy: one tenant per database).
#pragma warning disable CS0618
        return [.. databases.OfType<IMartenDatabase>().Select(d => d.Identifier).Where(id => id != StudyDatabases.GlobalTenant).Order(StringComparer.Ordinal)];
#pragma warning restore CS0618
    }

    /// <summary>Whether a route template is <paramref name="prefix"/> or below it ("/audit", "/audit/verify"; not "/auditors").</summary>
    private static bool Under(string template, string prefix) =>
        template.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && (template.Length == prefix.Length || template[prefix.Length] == '/');

    private static string? FirstNonEmpty(Microsoft.Extensions.Primitives.StringValues values) =>
        values.FirstOrDefault(v => !string.IsNullOrEmpty(v));

    /// <summary>
    /// Every top-level studyId of a JSON body (bodies are buffered: read, then rewound for the endpoint). Every one, since
    /// a body may repeat it and the endpoint binds the last: all must name the routed study.
    /// </summary>
    private static async Task<IReadOnlyList<string?>> BodyStudyIds(HttpContext context)
    {
        var request = context.Request;
        if (!request.Body.CanSeek || request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true) return [];
        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: context.RequestAborted);
            // Matched as the endpoint binds it: web JSON binding ignores the property's case.
            return doc.RootElement.ValueKind != JsonValueKind.Object ? []
                : [.. doc.RootElement.EnumerateObject().Where(p => p.Name.Equals("studyId", StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.String)
                    .Select(p => p.Value.GetString())];
        }
        catch (JsonException)
        {
            return []; // the endpoint refuses the body itself, naming where it broke
        }
        finally
        {
            request.Body.Position = 0;
        }
    }
}
