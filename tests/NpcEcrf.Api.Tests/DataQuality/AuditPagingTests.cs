using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpcEcrf.Api.Audit;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.DataQuality;

/// <summary>
/// Every filter of GET /audit, walked a page of two at a time by its cursor, gives exactly the entries a plain query
/// of mt_events (joined to the casebook and data-query documents, as the trail was read before its index) gives: no
/// entry twice, none missing, in (timestamp, sequence) order; and a statement that runs too long answers 503.
/// </summary>
public class AuditPagingTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private static readonly Dictionary<StudyFixture, Task> Seeds = [];

    /// <summary>Two subjects at two sites, a correction and a data query (once per fixture); the auditor's client.</summary>
    private async Task<HttpClient> Seeded()
    {
        Task seed;
        lock (Seeds) seed = Seeds.TryGetValue(app, out var s) ? s : Seeds[app] = Seed();
        await seed;
        return await app.ClientFor("auditor.paging", ["auditor"]);
    }

    private async Task Seed()
    {
        var p1 = await app.Enrolled("P-01", "S1");
        await p1.Post("/ecog", new { assessmentDate = "2021-03-02", score = 3 });
        await p1.Post("/corrections", new { form = "ecog", field = "score", newValue = 2, reason = "Wrong box" });
        var p2 = await app.Enrolled("P-02", "S2");
        await p2.Post("/ecog", new { assessmentDate = "2021-03-04", score = 1 });
        var monitor = await app.ClientFor("monitor.s2", ["monitor"], $"{StudyFixture.StudyId}/S2");
        await (await monitor.PostJson("/data-queries", new { studyId = StudyFixture.StudyId, subjectNumber = "P-02", form = "ecog", field = "score", text = "Source says 2?" }))
            .ShouldBe(HttpStatusCode.Created);
    }

    /// <summary>The entries a filter must show, from mt_events and the documents, in page order; no index involved.</summary>
    private async Task<List<long>> Expected(string where, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            select e.seq_id from "{app.Schema}".mt_events e
            left join "{app.Schema}".mt_doc_casebook c on c.id = e.stream_id
            left join "{app.Schema}".mt_doc_dataquery q on q.id = e.stream_id
            where {where} order by e.timestamp, e.seq_id
            """, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        var seqs = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) seqs.Add(reader.GetInt64(0));
        return seqs;
    }

    /// <summary>Walks every page of a query by its cursor; each page's entries in order.</summary>
    private static async Task<List<List<JsonElement>>> Walk(HttpClient client, string query, int limit = 2)
    {
        var pages = new List<List<JsonElement>>();
        for (string? cursor = null; ;)
        {
            var page = await (await client.GetAsync($"/audit?{query}&limit={limit}" + (cursor is null ? "" : $"&cursor={cursor}"))).ShouldBe(HttpStatusCode.OK);
            pages.Add(page.GetProperty("entries").EnumerateArray().ToList());
            Assert.True(pages.Count < 500, $"{query}: the cursor does not advance");
            if (page.GetProperty("next").ValueKind == JsonValueKind.Null) return pages;
            cursor = page.GetProperty("next").GetString();
            Assert.Equal(pages[^1][^1].GetProperty("sequence").GetInt64(), page.GetProperty("nextAfter").GetInt64());
        }
    }

    private static List<long> Sequences(IEnumerable<List<JsonElement>> pages) => pages.SelectMany(p => p).Select(e => e.GetProperty("sequence").GetInt64()).ToList();

    [Fact]
    public async Task every_filter_pages_through_exactly_its_entries_in_order_and_no_others()
    {
        var auditor = await Seeded();
        var middle = (await Expected("true")).Count / 2;
        var times = await Expected("true");
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        async Task<DateTimeOffset> TimeOf(long seq)
        {
            await using var c = new NpgsqlCommand($"select timestamp from \"{app.Schema}\".mt_events where seq_id = {seq}", connection);
            return new DateTimeOffset((DateTime)(await c.ExecuteScalarAsync())!, TimeSpan.Zero);
        }
        var from = await TimeOf(times[middle - 2]);
        var to = await TimeOf(times[middle + 2]);
        var fromP1 = await TimeOf((await Expected("coalesce(c.data->>'subjectNumber', q.data->>'subjectNumber') = 'P-01'"))[1]);
        string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("yyyy-MM-ddTHH:mm:ss.ffffffzzz"));

        var cases = new (string Query, string Where, (string, object)[] Parameters)[]
        {
            ($"studyId={StudyFixture.StudyId}", "coalesce(c.data->>'studyId', q.data->>'studyId') = @v", [("v", StudyFixture.StudyId)]),
            ("subjectNumber=P-01", "coalesce(c.data->>'subjectNumber', q.data->>'subjectNumber') = 'P-01'", []),
            ("subjectNumber=P-02", "coalesce(c.data->>'subjectNumber', q.data->>'subjectNumber') = 'P-02'", []),
            ("siteId=S2", "coalesce(c.data->>'siteId', q.data->>'siteId') = 'S2'", []),
            ("user=cra.s1", "e.user_name = 'cra.s1'", []),
            ("field=score", "(e.data->>'field' = 'score' or e.data ? 'score')", []),
            ("eventType=data_point_corrected", "e.type = 'data_point_corrected'", []),
            ("user=cra.s1&field=score&siteId=S1", "e.user_name = 'cra.s1' and (e.data->>'field' = 'score' or e.data ? 'score') and coalesce(c.data->>'siteId', q.data->>'siteId') = 'S1'", []),
            ("eventType=data_query_raised&siteId=S2&field=score", "e.type = 'data_query_raised' and coalesce(c.data->>'siteId', q.data->>'siteId') = 'S2' and (e.data->>'field' = 'score' or e.data ? 'score')", []),
            ($"from={Iso(from)}&to={Iso(to)}", "e.timestamp >= @from and e.timestamp <= @to", [("from", from), ("to", to)]),
            ($"subjectNumber=P-01&from={Iso(fromP1)}", "coalesce(c.data->>'subjectNumber', q.data->>'subjectNumber') = 'P-01' and e.timestamp >= @from", [("from", fromP1)]),
        };
        foreach (var (query, where, parameters) in cases)
        {
            var expected = await Expected(where, parameters);
            Assert.True(expected.Count > 0, $"{query} matches nothing: the case shows nothing");
            var pages = await Walk(auditor, query);
            Assert.All(pages.SkipLast(1), p => Assert.Equal(2, p.Count));
            Assert.Equal(expected, Sequences(pages)); // the same entries, each once, in (timestamp, sequence) order
        }

        // Filters narrow: nothing of another subject, site or user shows.
        Assert.All((await Walk(auditor, "subjectNumber=P-01")).SelectMany(p => p), e => Assert.Equal("P-01", e.GetProperty("subjectNumber").GetString()));
        Assert.All((await Walk(auditor, "siteId=S1")).SelectMany(p => p), e => Assert.Equal("S1", e.GetProperty("siteId").GetString()));
        Assert.DoesNotContain(Sequences(await Walk(auditor, "user=cra.s1")), (await Expected("e.user_name = 'cra.s2'")).Contains);
        Assert.Empty((await (await auditor.GetAsync("/audit?subjectNumber=P-99")).ShouldBe(HttpStatusCode.OK)).GetProperty("entries").EnumerateArray());
        // A monitor of S2 sees S2 only, whatever the filter.
        var monitor = await app.ClientFor("monitor.s2", ["monitor"], $"{StudyFixture.StudyId}/S2");
        Assert.Equal(await Expected("coalesce(c.data->>'siteId', q.data->>'siteId') = 'S2' and (e.data->>'field' = 'score' or e.data ? 'score')"),
            Sequences(await Walk(monitor, "field=score")));
        Assert.Equal(await Expected("coalesce(c.data->>'siteId', q.data->>'siteId') = 'S2' and coalesce(c.data->>'subjectNumber', q.data->>'subjectNumber') = 'P-02'"),
            Sequences(await Walk(monitor, "subjectNumber=P-02")));
        Assert.Empty(Sequences(await Walk(monitor, "subjectNumber=P-01")));
    }

    [Fact]
    public async Task a_write_between_pages_shows_once_at_the_end_and_nothing_is_skipped_or_repeated()
    {
        var auditor = await Seeded();
        var cra = await app.Enrolled("W-01", "S1");
        await cra.Post("/ecog", new { assessmentDate = "2021-03-02", score = 3 });
        var before = await Expected("coalesce(c.data->>'subjectNumber', q.data->>'subjectNumber') = 'W-01'");

        var first = await (await auditor.GetAsync("/audit?subjectNumber=W-01&limit=1")).ShouldBe(HttpStatusCode.OK);
        await cra.Post("/corrections", new { form = "ecog", field = "score", newValue = 1, reason = "Re-read the source" });
        var seen = first.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        for (var cursor = first.GetProperty("next").GetString(); cursor is not null;)
        {
            var page = await (await auditor.GetAsync($"/audit?subjectNumber=W-01&limit=1&cursor={cursor}")).ShouldBe(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()));
            Assert.True(seen.Count < 500, "the cursor does not advance");
            cursor = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
        }
        var after = await Expected("coalesce(c.data->>'subjectNumber', q.data->>'subjectNumber') = 'W-01'");
        Assert.Equal(before.Count + 1, after.Count);
        Assert.Equal(after, seen);
        Assert.Equal(before, seen.Take(before.Count));
    }

    [Fact]
    public async Task the_older_after_still_pages_and_a_cursor_or_after_that_names_nothing_is_a_400()
    {
        var auditor = await Seeded();
        var first = await (await auditor.GetAsync("/audit?subjectNumber=P-01&limit=2")).ShouldBe(HttpStatusCode.OK);
        var byAfter = await (await auditor.GetAsync($"/audit?subjectNumber=P-01&limit=2&after={first.GetProperty("nextAfter").GetInt64()}")).ShouldBe(HttpStatusCode.OK);
        var byCursor = await (await auditor.GetAsync($"/audit?subjectNumber=P-01&limit=2&cursor={first.GetProperty("next").GetString()}")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(byCursor.GetProperty("entries").GetRawText(), byAfter.GetProperty("entries").GetRawText());

        await (await auditor.GetAsync("/audit?cursor=not-a-cursor")).ShouldBe(HttpStatusCode.BadRequest);
        await (await auditor.GetAsync("/audit?after=999999999")).ShouldBe(HttpStatusCode.BadRequest);
        await (await auditor.GetAsync($"/audit?after=1&cursor={first.GetProperty("next").GetString()}")).ShouldBe(HttpStatusCode.BadRequest);
        var cursor = new AuditCursor(new DateTimeOffset(2026, 11, 24, 20, 1, 2, TimeSpan.Zero).AddTicks(1230), 42);
        Assert.Equal(cursor, AuditCursor.Decode(cursor.Encode()));
    }

    [Fact]
    public async Task the_index_holds_every_event_and_is_rebuilt_from_the_events_when_missing()
    {
        await Seeded();
        var owner = (await TestDatabase.ConnectionsAsync()).Owner ?? app.ConnectionString;
        async Task<string> Index() => string.Join(";", await Rows(owner, $"""
            select a.seq_id || '|' || a.ts || '|' || a.type || '|' || coalesce(a.subject_number, '') || '|' || coalesce(a.site_id, '') || '|' ||
                   coalesce((select string_agg(f.field, ',' order by f.field) from "{app.Schema}".{AuditIndex.Fields} f where f.seq_id = a.seq_id), '')
            from "{app.Schema}".{AuditIndex.Events} a order by a.seq_id
            """));
        var written = await Index();
        Assert.Equal(await Rows(owner, $"select count(*)::text from \"{app.Schema}\".mt_events"), await Rows(owner, $"select count(*)::text from \"{app.Schema}\".{AuditIndex.Events}"));
        await TestDatabase.ExecuteAsync(owner, $"drop table \"{app.Schema}\".{AuditIndex.Events}, \"{app.Schema}\".{AuditIndex.Fields}, \"{app.Schema}\".{AuditIndex.Streams}");
        await SchemaPreparation.PrepareAsync(app.Settings, _ => { }, CancellationToken.None);
        Assert.Equal(written, await Index());
    }

    private static async Task<List<string>> Rows(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }

    [Fact]
    public async Task a_statement_past_the_timeout_answers_503_with_problem_details_and_frees_the_database()
    {
        await Seeded();
        await using var node = await NodeWithShortStatements();
        var client = await AuditorOf(node);
        await (await client.GetAsync("/audit?subjectNumber=P-01")).ShouldBe(HttpStatusCode.OK);

        // Another transaction holds the index: the read waits, and PostgreSQL cancels it at 300 ms.
        await using var holder = new NpgsqlConnection((await TestDatabase.ConnectionsAsync()).Owner ?? app.ConnectionString);
        await holder.OpenAsync();
        await using var tx = await holder.BeginTransactionAsync();
        await new NpgsqlCommand($"lock table \"{app.Schema}\".{AuditIndex.Events} in access exclusive mode", holder, tx).ExecuteNonQueryAsync();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var response = await client.GetAsync("/audit?subjectNumber=P-01");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("longer than the database allows", (await response.Content.ReadAsStringAsync()));
        Assert.True(response.Headers.RetryAfter is not null);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"took {started.Elapsed}");
        await tx.RollbackAsync();
        await (await client.GetAsync("/audit?subjectNumber=P-01")).ShouldBe(HttpStatusCode.OK);
        await node.StopAsync();
    }

    [Fact]
    public async Task verifying_the_whole_store_may_run_longer_than_a_requests_statement_timeout()
    {
        await Seeded();
        await using var node = await NodeWithShortStatements();
        var client = await AuditorOf(node);

        // The events are held for 1.5 s: a read bound by the request's 300 ms would be cancelled (503); verify waits and answers.
        await using var holder = new NpgsqlConnection((await TestDatabase.ConnectionsAsync()).Owner ?? app.ConnectionString);
        await holder.OpenAsync();
        var tx = await holder.BeginTransactionAsync();
        await new NpgsqlCommand($"lock table \"{app.Schema}\".mt_events in access exclusive mode", holder, tx).ExecuteNonQueryAsync();
        var release = Task.Delay(1500).ContinueWith(_ => tx.RollbackAsync()).Unwrap();
        var report = await (await client.GetAsync("/audit/verify")).ShouldBe(HttpStatusCode.OK);
        await release;
        Assert.True(report.GetProperty("events").GetInt64() > 0);
        await node.StopAsync();
    }

    /// <summary>A second node on the same schema whose statements may run 300 ms.</summary>
    private async Task<WebApplication> NodeWithShortStatements()
    {
        var node = TestHosts.Build(app.Settings with { StatementTimeout = TimeSpan.FromMilliseconds(300) }, level: LogLevel.Warning);
        await node.StartAsync();
        return node;
    }

    private static async Task<HttpClient> AuditorOf(WebApplication node)
    {
        var client = node.GetTestClient();
        var token = await (await client.PostJson("/auth/token", new { username = "auditor.paging", password = AppFixture.Password })).ShouldBe(HttpStatusCode.OK);
        client.DefaultRequestHeaders.Authorization = new("Bearer", token.GetProperty("accessToken").GetString());
        return client;
    }
}
