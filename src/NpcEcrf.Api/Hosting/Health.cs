using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Hosting;

/// <summary>
/// GET /health, anonymous, for load balancers and monitoring (docs/operations.md): 200 "Healthy"; 200 "Degraded: ..."
/// when some study databases do not answer (a database per study: the node still serves the others, so it stays in
/// rotation); 503 problem details titled "Unhealthy" when the (master) database does not answer. An anonymous caller
/// learns how many study databases are down, never which: only an admin's token adds their ids.
/// </summary>
public static class Health
{
    public const string UnavailableStudies = "unavailable";

    public static void AddChecks(IServiceCollection services, NpcEcrfSettings settings)
    {
        var checks = services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        if (settings.StudyDatabases is not null) checks.AddCheck<StudyDatabasesHealthCheck>("study databases");
    }

    public static void Map(WebApplication app) =>
        app.MapGet("/health", async (HealthCheckService checks, HttpContext context, CancellationToken ct) =>
            {
                var (status, why) = Answer(await checks.CheckHealthAsync(ct), context.User.IsInRole(Roles.Admin));
                if (status != HealthStatus.Unhealthy) return Results.Text(why is null ? $"{status}" : $"{status}: {why}", "text/plain");
                context.Response.Headers.RetryAfter = "5";
                return Results.Problem(title: "Unhealthy", detail: why, statusCode: StatusCodes.Status503ServiceUnavailable);
            })
            .AllowAnonymous()
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .Operation("getHealth", "Whether this node's databases answer: Healthy, Degraded (some study databases do not; an admin's token names them), or 503 Unhealthy", "Health");

    /// <summary>
    /// A report's status and what each failing check says (counts only; null when none fails); with
    /// <paramref name="details"/> (an admin) also the ids of the study databases that do not answer.
    /// </summary>
    public static (HealthStatus Status, string? Why) Answer(HealthReport report, bool details)
    {
        var failing = report.Entries.Values.Where(e => e.Status != HealthStatus.Healthy).Select(e =>
            details && e.Data.TryGetValue(UnavailableStudies, out var ids) && ids is IEnumerable<string> studies
                ? $"{e.Description} Not answering: {string.Join(", ", studies)}."
                : e.Description).ToList();
        return (report.Status, failing.Count == 0 ? null : string.Join(" ", failing));
    }
}

/// <summary>The installation's database (the master, with a database per study) answers a query.</summary>
public sealed class DatabaseHealthCheck(NpcEcrfSettings settings) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(settings.ConnectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("select 1", connection);
            await command.ExecuteScalarAsync(ct);
            return HealthCheckResult.Healthy("PostgreSQL answers.");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer.", e);
        }
    }
}

/// <summary>
/// With a database per study: every placed study's database answers a query (asked in parallel, each within
/// <see cref="Timeout"/>). Degraded, not Unhealthy, when some do not: their studies answer 503, the others work. The
/// description gives counts only (it reaches anonymous callers); the ids are in the data, for an admin.
/// </summary>
public sealed class StudyDatabasesHealthCheck(IDocumentStore store) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        IReadOnlyList<string> studies;
        try
        {
            studies = await StudyRouting.PlacedStudies(store);
        }
        catch (Exception e) when (ProblemExceptionHandler.DatabaseUnavailable(e) is not null)
        {
            return HealthCheckResult.Unhealthy("The study databases were not checked: the master database does not answer.", e);
        }
        var answers = await StudyRouting.AskStudies(studies, async (studyId, token) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(Timeout);
            try
            {
                await using var connection = (await store.Options.Tenancy.GetTenantAsync(studyId)).Database.CreateConnection();
                await connection.OpenAsync(timeout.Token);
                await using var command = new NpgsqlCommand("select 1", connection);
                await command.ExecuteScalarAsync(timeout.Token);
                return true;
            }
            catch (Exception) when (!token.IsCancellationRequested)
            {
                // Not only an outage: a dropped database or a refused login is that study's alone too (Degraded, never the node's
                // Unhealthy), and its text, which may name the database, is not shown to anonymous callers.
                return false;
            }
        }, ct);
        var down = answers.Where(a => a.Unavailable is not null || !a.Answer).Select(a => a.StudyId).ToList();
        return down.Count == 0
            ? HealthCheckResult.Healthy($"{studies.Count} study databases answer.")
            : HealthCheckResult.Degraded($"{down.Count} of {studies.Count} study databases do not answer.",
                data: new Dictionary<string, object> { [Health.UnavailableStudies] = down });
    }
}
