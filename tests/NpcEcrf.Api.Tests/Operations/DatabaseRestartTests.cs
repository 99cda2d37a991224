using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.TamperEvidence;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Operations;

/// <summary>
/// PostgreSQL restarted (pg_ctl stop -m fast) and killed (-m immediate) under a running host: while it is down every
/// command and read answers 503 with Retry-After and problem details (never a 500) and /health says Unhealthy; once it
/// is back the same host takes commands again, every acknowledged command is there and the store verifies clean.
/// Runs on a private, durable cluster of its own, since it stops it.
/// </summary>
public class DatabaseRestartTests : IAsyncLifetime
{
    private const string StudyId = "RESTART";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"npcecrf-restart-{Guid.NewGuid():N}"[..38]);
    private EmbeddedPostgres? _cluster;
    private WebApplication? _app;

    public async Task InitializeAsync() => _cluster = await EmbeddedPostgres.StartAsync(_dir, durable: true);

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            // Bounded: a test that failed with PostgreSQL halted leaves Wolverine's agents retrying against nothing.
            using (var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(30))) await _app.StopAsync(stopping.Token);
            await _app.DisposeAsync();
        }
        if (_cluster is not null) await _cluster.StopAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private NpcEcrfSettings Settings() => new()
    {
        ConnectionString = _cluster!.ApplicationConnectionString(),
        OwnerConnectionString = _cluster.OwnerConnectionString(),
        Schema = "restart",
        SigningKey = SHA256.HashData("restart-seal"u8).Concat(SHA256.HashData("restart-token"u8)).ToArray(),
    };

    [Fact]
    public async Task while_postgres_is_stopped_or_killed_requests_answer_503_and_after_the_restart_nothing_acknowledged_is_lost()
    {
        _app = TestHosts.Build(Settings());
        await _app.StartAsync();
        var store = _app.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession())
        {
            session.LastModifiedBy = "test-setup";
            session.Events.StartStream<Study>(Study.IdFor(StudyId), [.. TestStudies.Created(StudyId, "Restart drill"), new SiteAdded("S1", "Site")]);
            await session.SaveChangesAsync();
        }
        var client = await TestHosts.SignedIn(_app, "restart.cra", ["cra"], "RESTART/S1");
        var probe = _app.GetTestClient();

        // Each subject's casebook version after its last acknowledged (2xx) command.
        var acknowledged = new Dictionary<string, long>();
        var day = 0;
        async Task<HttpResponseMessage> Enrol(string subject) => await client.PostJson($"/studies/{StudyId}/subjects",
            new { subjectNumber = subject, siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible });
        async Task<HttpResponseMessage> Contact(string subject) => await client.PostJson($"/studies/{StudyId}/subjects/{subject}/contacts",
            new { date = new DateOnly(2021, 3, 4).AddDays(day++).ToString("yyyy-MM-dd"), method = "phone", version = acknowledged[subject] });
        async Task EnterData(string subject)
        {
            acknowledged[subject] = await Version(await Enrol(subject), HttpStatusCode.Created);
            for (var i = 0; i < 2; i++) acknowledged[subject] = await Version(await Contact(subject), HttpStatusCode.OK);
        }
        await EnterData("R-1");
        await EnterData("R-2");

        foreach (var immediate in new[] { false, true })
        {
            await _cluster!.HaltAsync(immediate);
            var mode = immediate ? "killed (-m immediate)" : "stopped (-m fast)";
            // Twice each: the first request may meet a pooled connection the shutdown broke, the second a refused one.
            for (var attempt = 0; attempt < 2; attempt++)
            {
                await Unavailable(await Enrol($"R-{(immediate ? 9 : 8)}"), $"an enrolment while PostgreSQL is {mode}");
                await Unavailable(await Contact("R-1"), $"a contact while PostgreSQL is {mode}");
                await Unavailable(await client.GetAsync($"/studies/{StudyId}/subjects/R-2"), $"a casebook read while PostgreSQL is {mode}");
            }
            // As a load balancer's probe asks: without a token (a token's account cannot be checked while PostgreSQL is down).
            var health = await probe.GetAsync("/health");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Equal("Unhealthy", (await health.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("title").GetString());
            Assert.NotNull(health.Headers.RetryAfter);

            await _cluster.ResumeAsync();
            (await probe.GetAsync("/health")).EnsureSuccessStatusCode();
            // The same host, with no restart of its own: new commands go through at once.
            await EnterData(immediate ? "R-4" : "R-3");
            acknowledged["R-1"] = await Version(await Contact("R-1"), HttpStatusCode.OK);
        }

        foreach (var (subject, version) in acknowledged)
            Assert.Equal(version, (await (await client.GetAsync($"/studies/{StudyId}/subjects/{subject}")).ShouldBe(HttpStatusCode.OK)).GetProperty("version").GetInt64());
        // Nothing refused was written: the enrolments tried while PostgreSQL was down are not there.
        await (await client.GetAsync($"/studies/{StudyId}/subjects/R-8")).ShouldBe(HttpStatusCode.NotFound);
        await (await client.GetAsync($"/studies/{StudyId}/subjects/R-9")).ShouldBe(HttpStatusCode.NotFound);
        var report = await new StoreVerifier(Settings(), store).Verify(null, default);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
    }

    /// <summary>The casebook version an acknowledged command answered (its ETag).</summary>
    private static async Task<long> Version(HttpResponseMessage response, HttpStatusCode expected)
    {
        await response.ShouldBe(expected);
        return long.Parse(response.Headers.ETag!.Tag.Trim('"'));
    }

    /// <summary>503, Retry-After and RFC 9457 problem details that say nothing was saved.</summary>
    private static async Task Unavailable(HttpResponseMessage response, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{what}: {(int)response.StatusCode} {body}");
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"{what}: no Retry-After");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Nothing was saved", body);
    }
}

/// <summary>Which failures are the database being unavailable (503, Retry-After) and which are not, however deeply wrapped.</summary>
public class DatabaseUnavailableTests
{
    private static Npgsql.PostgresException Postgres(string sqlState) => new("test", "FATAL", "FATAL", sqlState);
    private static Exception Wrapped(Exception inner) => new InvalidOperationException("Marten or Wolverine around it", inner);

    [Theory]
    [InlineData("57P01")] // admin_shutdown: pg_ctl stop -m fast
    [InlineData("57P02")] // crash_shutdown: another backend crashed
    [InlineData("57P03")] // cannot_connect_now: starting up or in recovery
    [InlineData("53300")] // too_many_connections
    [InlineData("08006")] // connection_failure
    [InlineData("08P01")] // protocol_violation: a connection cut mid-message (not transient to Npgsql)
    public void postgres_going_away_is_unavailable(string sqlState)
    {
        Assert.StartsWith("The database is not reachable", ProblemExceptionHandler.DatabaseUnavailable(Wrapped(Postgres(sqlState)))?.Title);
    }

    [Fact]
    public void a_refused_or_broken_connection_is_unavailable_and_a_timeout_says_so()
    {
        var refused = new Npgsql.NpgsqlException("Failed to connect to 127.0.0.1:5432", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));
        Assert.StartsWith("The database is not reachable", ProblemExceptionHandler.DatabaseUnavailable(Wrapped(refused))?.Title);
        var broken = new Npgsql.NpgsqlException("Exception while reading from stream", new EndOfStreamException());
        Assert.StartsWith("The database is not reachable", ProblemExceptionHandler.DatabaseUnavailable(broken)?.Title);
        Assert.StartsWith("The request took longer", ProblemExceptionHandler.DatabaseUnavailable(Wrapped(Postgres(Npgsql.PostgresErrorCodes.QueryCanceled)))?.Title);
    }

    [Fact]
    public void a_fault_of_the_request_or_a_bug_is_not()
    {
        Assert.Null(ProblemExceptionHandler.DatabaseUnavailable(Wrapped(Postgres("23505")))); // unique_violation
        Assert.Null(ProblemExceptionHandler.DatabaseUnavailable(Postgres("42P01"))); // undefined_table
        Assert.Null(ProblemExceptionHandler.DatabaseUnavailable(new InvalidOperationException("a bug")));
        Assert.Null(ProblemExceptionHandler.DatabaseUnavailable(null));
    }
}
