using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Marten;
using Npgsql;
using NpcEcrf.Api.Audit;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.TamperEvidence;

namespace NpcEcrf.Api.Cli;

/// <summary>One filter's pages: entries on the first, each page's time over the baseline's, and the rows each plan read.</summary>
public sealed record AuditBenchRow(string Filter, int Entries, double FirstRatio, double MiddleRatio, long FirstRowsRead, long MiddleRowsRead);

public static partial class BenchCommand
{
    private const string AuditSchema = "bench_audit";
    private const string AuditStudy = "BENCH-AUDIT";
    private const int AuditSites = 20, AuditUsers = 20;

    /// <summary>A filtered page of a large audit trail, for each filter, against a plain read of a page of events by primary key.</summary>
    private static Command Audit()
    {
        var events = new Option<int>("--events") { Description = "Events in the trail (about 105 a subject).", DefaultValueFactory = _ => 1_000_000 };
        var pageSize = new Option<int>("--page") { Description = "Entries a page.", DefaultValueFactory = _ => 100 };
        var plans = new Option<bool>("--plans") { Description = "Print each page's query plans (EXPLAIN ANALYZE) too." };
        var reuse = new Option<bool>("--reuse") { Description = "Time the trail the last run built (in the schema bench_audit) instead of building one." };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("audit", "The audit trail: a filtered page for each filter, against a plain indexed SQL read of a page of events.") { events, pageSize, plans, reuse, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            var (n, limit) = (parse.GetValue(events), parse.GetValue(pageSize));
            if (n < 1000 || limit is < 1 or > AuditTrail.MaxPageSize) throw new CommandLineError($"--events is at least 1000 and --page 1 to {AuditTrail.MaxPageSize}.");
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            var settings = installation.Settings(AuditSchema);
            long written;
            if (parse.GetValue(reuse))
            {
                await using var count = new NpgsqlConnection(settings.ConnectionString);
                await count.OpenAsync(ct);
                written = (long)(await new NpgsqlCommand($"select count(*) from \"{AuditSchema}\".mt_events", count).ExecuteScalarAsync(ct))!;
                Console.WriteLine($"Reusing the trail of {written:N0} events in {AuditSchema}.");
            }
            else
            {
                await FreshSchema(settings, ct);
                await using var store = AppHost.Store(settings);
                var building = Stopwatch.StartNew();
                written = await BuildTrail(store, n, ct);
                Console.WriteLine($"Trail of {written:N0} events ({AuditSites} sites, {AuditUsers} users) written, sealed and indexed in {building.Elapsed.TotalSeconds:0.0} s " +
                                  $"({written / building.Elapsed.TotalSeconds:N0} events/s, the bulk import's COPY path).");
            }
            await AuditBench(settings, written, limit, parse.GetValue(plans), Console.WriteLine, ct);
            Console.WriteLine($"Best of 3 after a warm-up each; nproc {Environment.ProcessorCount}, load average {LoadAverage()}.");
            return 0;
        });
        return command;
    }

    /// <summary>Each filter's first page and a page from the middle, timed against the plain read, with what each plan read.</summary>
    public static async Task<IReadOnlyList<AuditBenchRow>> AuditBench(NpcEcrfSettings settings, long written, int limit, bool plans, Action<string> log, CancellationToken ct)
    {
        var schema = settings.Schema;
        var rows = new List<AuditBenchRow>();
        await using (var analyze = new NpgsqlConnection(settings.SchemaChangeConnectionString))
        {
            await analyze.OpenAsync(ct);
            // What autovacuum would do soon after a load this size; the planner needs the statistics.
            await new NpgsqlCommand($"analyze \"{schema}\".mt_events; analyze \"{schema}\".{AuditIndex.Events}; analyze \"{schema}\".{AuditIndex.Fields}", analyze)
                { CommandTimeout = 0 }.ExecuteNonQueryAsync(ct);
            log($"Sizes: mt_events {await Size(analyze, schema, "mt_events", ct)}, index table {await Size(analyze, schema, AuditIndex.Events, ct)}, " +
                $"field index {await Size(analyze, schema, AuditIndex.Fields, ct)} (each with its indexes).");
        }

        var trail = new AuditTrail(settings);
        var (early, middle, late) = (await Position(settings, 0.4, ct), await Position(settings, 0.5, ct), await Position(settings, 0.6, ct));
        var subject = $"B{written / 105 / 2:00000}";
        var cases = new (string Name, AuditFilter Filter)[]
        {
            ("none", new AuditFilter()),
            ("study", new AuditFilter(StudyId: AuditStudy)),
            ("subject", new AuditFilter(StudyId: AuditStudy, SubjectNumber: subject)),
            ("site", new AuditFilter(SiteId: "S7")),
            ("user", new AuditFilter(User: "cra.3")),
            ("field (rare: a correction's)", new AuditFilter(Field: "priorSystemicLines")),
            ("field (common)", new AuditFilter(Field: "grade")),
            ("event type (rare)", new AuditFilter(EventType: "data_point_corrected")),
            ("event type (common)", new AuditFilter(EventType: "cycle_recorded")),
            ("time window (40%-60%)", new AuditFilter(From: early.Timestamp, To: late.Timestamp)),
            ("site + event type + field", new AuditFilter(SiteId: "S7", EventType: "data_point_corrected", Field: "priorSystemicLines")),
            ("monitor of 2 sites", new AuditFilter(AllowedSites: [$"{AuditStudy}/S3", $"{AuditStudy}/S4"])),
        };

        var (baseFirstRows, baseFirst) = await BestAsync(() => PlainPage(settings, null, limit, ct));
        var (_, baseDeep) = await BestAsync(() => PlainPage(settings, middle.Sequence, limit, ct));
        log($"Baseline, a plain indexed SQL read of {limit} events (mt_events by primary key, the same columns): first page {Ms(baseFirst)}, " +
            $"a page from the middle {Ms(baseDeep)} ({baseFirstRows} rows).");
        log($"| filter | entries on the page | first page | ratio | page from the middle | ratio | rows the plan read (first / middle) | buffers (first / middle) |");
        log("|---|---|---|---|---|---|---|---|");
        foreach (var (name, filter) in cases)
        {
            var (first, firstSeconds) = await BestAsync(() => trail.Page(filter, null, limit, ct));
            var (_, deepSeconds) = await BestAsync(() => trail.Page(filter, middle, limit, ct));
            var (firstRows, firstBuffers) = await Explain(settings, filter, null, limit, ct);
            if (plans)
                log($"  {name}, first page:\n{await Plan(settings, filter, null, limit, ct)}\n  {name}, from the middle:\n{await Plan(settings, filter, middle, limit, ct)}");
            var (deepRows, deepBuffers) = await Explain(settings, filter, middle, limit, ct);
            rows.Add(new AuditBenchRow(name, first.Entries.Count, firstSeconds / baseFirst, deepSeconds / baseDeep, firstRows, deepRows));
            log($"| {name} | {first.Entries.Count} | {Ms(firstSeconds)} | {firstSeconds / baseFirst:0.0}x | {Ms(deepSeconds)} | {deepSeconds / baseDeep:0.0}x | " +
                $"{firstRows:N0} / {deepRows:N0} | {firstBuffers:N0} / {deepBuffers:N0} |");
        }
        return rows;
    }

    private static string Ms(double seconds) => $"{seconds * 1000:0.0} ms";

    /// <summary>
    /// A study and enough subjects for <paramref name="events"/> events (the asof benchmark's history, 20 sites), written
    /// by the bulk import's sealed COPY 500 subjects a transaction, each batch by one of 20 users; the trigger indexes them.
    /// </summary>
    public static async Task<long> BuildTrail(IDocumentStore store, int events, CancellationToken ct)
    {
        List<object> History(int i)
        {
            var history = SubjectHistory(AuditStudy, i, cycles: 40, visits: 25, adverseEvents: 20, contacts: 11, correction: true);
            history[0] = (SubjectEnrolled)history[0] with { SiteId = $"S{i % AuditSites + 1}" };
            return history;
        }
        var subjects = (int)Math.Ceiling(events / (double)History(0).Count);
        await using (var session = store.LightweightSession())
        {
            session.LastModifiedBy = "bench";
            session.Events.StartStream<Study>(Study.IdFor(AuditStudy), [new StudyCreated(AuditStudy, "Audit benchmark"),
                new StudyDefinitionVersioned(1, new DateOnly(2019, 1, 1), Demo.StudyDefinitions.Load(Demo.StudyDefinitions.Reference), null, false),
                .. Enumerable.Range(1, AuditSites).Select(s => new SiteAdded($"S{s}", $"Site {s}"))]);
            await session.SaveChangesAsync(ct);
        }
        const int batchSize = 500;
        for (var batch = 0; batch < subjects; batch += batchSize)
        {
            await using var session = store.LightweightSession();
            session.LastModifiedBy = $"cra.{batch / batchSize % AuditUsers}";
            var streams = Enumerable.Range(batch, Math.Min(batchSize, subjects - batch))
                .Select(i => (Casebook.IdFor(AuditStudy, $"B{i:00000}"), (IReadOnlyList<object>)History(i))).ToList();
            await SealedBulkAppend.StartStreams(session, streams, CasebookEvolution.Build, ct);
            // SaveChanges commits the transaction the COPYs ran in only when it has something to do.
            session.QueueSqlCommand("select 1");
            await session.SaveChangesAsync(ct);
            Console.Error.Write($"\r{Math.Min(subjects, batch + batchSize):N0} / {subjects:N0} subjects");
        }
        Console.Error.WriteLine();
        await using var count = store.QuerySession();
        return await count.Events.QueryAllRawEvents().LongCountAsync(ct);
    }

    /// <summary>The (timestamp, sequence) of the event at this fraction of the trail: a cursor for a page from the middle.</summary>
    private static async Task<AuditCursor> Position(NpcEcrfSettings settings, double fraction, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"""
            select ts, seq_id from "{settings.Schema}".{AuditIndex.Events} order by ts, seq_id
            offset (select (count(*) * {fraction.ToString(System.Globalization.CultureInfo.InvariantCulture)})::bigint from "{settings.Schema}".{AuditIndex.Events}) limit 1
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new AuditCursor(reader.GetFieldValue<DateTimeOffset>(0), reader.GetInt64(1));
    }

    /// <summary>The baseline: a page of events by primary-key range, the columns the trail shows, every value read.</summary>
    private static async Task<int> PlainPage(NpcEcrfSettings settings, long? after, int limit, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"""
            select e.seq_id, e.timestamp, e.user_name, e.type, e.stream_id, e.version,
                   e.data->>'form', e.data->>'field', e.data->>'oldValue', coalesce(e.data->>'newValue', (e.data - 'passwordHash')::text),
                   e.headers->>'reasonForChange', e.correlation_id, e.causation_id,
                   e.data->'audit'->>'user', e.data->'audit'->>'at', e.data->'audit'->>'reason', e.data->'audit'->>'sourceFile', e.data->'audit'->>'fileSha256'
            from "{settings.Schema}".mt_events e where e.seq_id > @after order by e.seq_id limit {limit}
            """, connection);
        command.Parameters.AddWithValue("after", after ?? 0);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var values = new object[reader.FieldCount];
        var rows = 0;
        while (await reader.ReadAsync(ct))
        {
            reader.GetValues(values);
            rows++;
        }
        return rows;
    }

    /// <summary>How many rows the page's plan read from tables and indexes, and the buffers it touched (EXPLAIN ANALYZE).</summary>
    private static async Task<(long Rows, long Buffers)> Explain(NpcEcrfSettings settings, AuditFilter filter, AuditCursor? after, int limit, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = AuditTrail.PageCommand(settings.Schema, filter, after, limit);
        command.Connection = connection;
        command.CommandText = "explain (analyze, buffers, format json) " + command.CommandText;
        using var plan = JsonDocument.Parse((string)(await command.ExecuteScalarAsync(ct))!);
        var root = plan.RootElement[0].GetProperty("Plan");
        long rows = 0;
        void Walk(JsonElement node)
        {
            // Rows each scan produced, plus those its filter removed: what was read from a table or an index.
            if (node.GetProperty("Node Type").GetString()!.Contains("Scan"))
                rows += (long)(node.GetProperty("Actual Rows").GetDouble() * node.GetProperty("Actual Loops").GetDouble())
                        + (node.TryGetProperty("Rows Removed by Filter", out var removed) ? (long)removed.GetDouble() : 0);
            if (node.TryGetProperty("Plans", out var children)) foreach (var child in children.EnumerateArray()) Walk(child);
        }
        Walk(root);
        return (rows, root.GetProperty("Shared Hit Blocks").GetInt64() + root.GetProperty("Shared Read Blocks").GetInt64());
    }

    private static async Task<string> Plan(NpcEcrfSettings settings, AuditFilter filter, AuditCursor? after, int limit, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = AuditTrail.PageCommand(settings.Schema, filter, after, limit);
        command.Connection = connection;
        command.CommandText = "explain (analyze, buffers, costs off, timing off) " + command.CommandText;
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) lines.Add("    " + reader.GetString(0));
        return string.Join('\n', lines);
    }

    private static async Task<string> Size(NpgsqlConnection connection, string schema, string table, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select pg_size_pretty(pg_total_relation_size('\"{schema}\".{table}'))", connection);
        return (string)(await command.ExecuteScalarAsync(ct))!;
    }
}
