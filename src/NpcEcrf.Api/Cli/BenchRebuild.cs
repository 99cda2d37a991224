using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Marten.Events;
using Npgsql;
using NpcEcrf.Analysis.Cli;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.TamperEvidence;

namespace NpcEcrf.Api.Cli;

/// <summary>One rebuild of the asynchronous projection from scratch, and the documents it left (equal to the catch-up's, or the run failed).</summary>
public sealed record RebuildBenchRun(double RebuildSeconds, int Documents);

/// <summary>
/// The log's size, the catch-up that built the documents first, the baselines (a plain read of the whole log and of the
/// events the projection takes, each deserialised; a bulk insert of the same documents) and every rebuild.
/// </summary>
public sealed record RebuildBenchReport(long Events, long ProjectedEvents, int Documents, double CatchUpSeconds,
    double PlainReadSeconds, double PlainProjectedReadSeconds, double BulkInsertSeconds, IReadOnlyList<RebuildBenchRun> Runs)
{
    public double MedianRebuildSeconds => ImportBenchReport.Median(Runs.Select(r => r.RebuildSeconds));
    public double RebuildRate => Events / MedianRebuildSeconds;
    public double PlainReadRate => Events / PlainReadSeconds;
    /// <summary>The rebuild's time over the plain read of the same log: 1 would be a rebuild as fast as reading the events.</summary>
    public double Ratio => MedianRebuildSeconds / PlainReadSeconds;
    /// <summary>The rebuild's time over the plain read of only the events it applies (it skips the other types in SQL).</summary>
    public double ProjectedRatio => MedianRebuildSeconds / PlainProjectedReadSeconds;
}

public static partial class BenchCommand
{
    private const string RebuildSchema = "bench_rebuild";

    /// <summary>The asynchronous projection rebuilt from scratch by Marten's daemon, against a plain SQL read of the same events.</summary>
    private static Command Rebuild()
    {
        var events = new Option<int>("--events") { Description = "Events in the log (about 105 a subject).", DefaultValueFactory = _ => 1_000_000, CustomParser = CliValues.Whole(1000) };
        var runs = new Option<int>("--runs") { Description = "Rebuilds (the median is reported).", DefaultValueFactory = _ => 3, CustomParser = CliValues.Whole(1) };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("rebuild", "The asynchronous projection (quality summary) rebuilt from scratch by Marten's daemon, against a plain SQL read of the same events.") { events, runs, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            var settings = installation.Settings(RebuildSchema);
            await FreshSchema(settings, ct);
            await using (var seeding = AppHost.Store(settings))
            {
                var watch = Stopwatch.StartNew();
                var written = await BuildTrail(seeding, parse.GetValue(events), ct);
                Console.WriteLine($"Seeded {written:N0} events (the audit benchmark's trail, sealed COPY) in {watch.Elapsed.TotalSeconds:0} s.");
            }
            var report = await RebuildBench(settings, parse.GetValue(runs), Console.WriteLine, ct);
            Console.WriteLine($"Median of {report.Runs.Count} rebuild(s): {report.MedianRebuildSeconds:0.00} s, {report.RebuildRate:N0} events/s; " +
                              $"plain SQL read + deserialise {report.PlainReadSeconds:0.00} s, {report.PlainReadRate:N0} events/s; ratio {report.Ratio:0.00}x; " +
                              $"against the read of only the {report.ProjectedEvents:N0} events it applies {report.ProjectedRatio:0.0}x");
            Console.WriteLine($"nproc {Environment.ProcessorCount}, load average {LoadAverage()}.");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// On a schema holding events but no quality summaries yet: the daemon catches up once (the documents the running
    /// system would hold), then each run deletes those documents and rebuilds the projection from scratch; a run whose
    /// documents differ from the catch-up's throws, so a rebuild that did nothing cannot be timed.
    /// </summary>
    public static async Task<RebuildBenchReport> RebuildBench(NpcEcrfSettings settings, int runs, Action<string> log, CancellationToken ct)
    {
        // Configured as the web host's, asynchronous projection included: the daemon runs here instead of under Wolverine.
        await using var store = DocumentStore.For(opts => AppHost.ConfigureStore(opts, settings));
        var daemon = await store.BuildProjectionDaemonAsync();
        var timeout = TimeSpan.FromMinutes(30);

        var watch = Stopwatch.StartNew();
        await daemon.StartAllAsync();
        // Against the event sequence in the database: the daemon's own idea of the high-water mark may not have moved yet.
        await store.WaitForNonStaleProjectionDataAsync(timeout);
        await daemon.StopAllAsync();
        var catchUpSeconds = watch.Elapsed.TotalSeconds;
        var expected = await Summaries(store, ct);

        var projected = ProjectedAliases();
        var (events, plainSeconds) = await BestAsync(() => PlainLogRead(settings, null, ct));
        var (projectedEvents, projectedSeconds) = await BestAsync(() => PlainLogRead(settings, projected, ct));
        var enrolments = await PlainLogRead(settings, [EventTypes.Alias(typeof(Enrolment.SubjectEnrolled)), EventTypes.Alias(typeof(OdmImport.SubjectImported))], ct);
        if (expected.Count != enrolments || expected.Count == 0)
            throw new InvalidOperationException($"The catch-up left {expected.Count:N0} quality summaries for {enrolments:N0} enrolled subjects.");
        log($"{events:N0} events, {projectedEvents:N0} of them of the {projected.Length} types the projection takes; {expected.Count:N0} quality summaries.");
        log($"Catch-up of the daemon from an empty projection: {catchUpSeconds:0.00} s ({events / catchUpSeconds:N0} events/s).");
        log($"Plain SQL read + deserialise, the whole log: {plainSeconds:0.00} s ({events / plainSeconds:N0} events/s); " +
            $"only the projection's event types: {projectedSeconds:0.000} s.");

        // What writing the documents alone costs: Marten's bulk insert (COPY) of the very same documents.
        await store.Advanced.Clean.DeleteDocumentsByTypeAsync(typeof(QualitySummary), ct);
        watch.Restart();
        await store.BulkInsertDocumentsAsync(expected, Weasel.Core.BulkInsertMode.InsertsOnly, cancellation: ct);
        var bulkSeconds = watch.Elapsed.TotalSeconds;
        log($"Bulk insert (COPY) of the {expected.Count:N0} documents: {bulkSeconds:0.000} s.");

        var results = new List<RebuildBenchRun>();
        for (var run = 1; run <= runs; run++)
        {
            await store.Advanced.Clean.DeleteDocumentsByTypeAsync(typeof(QualitySummary), ct);
            watch.Restart();
            await daemon.RebuildProjectionAsync<QualitySummaryProjection>(timeout, ct);
            var seconds = watch.Elapsed.TotalSeconds;
            var rebuilt = await Summaries(store, ct);
            if (!rebuilt.SequenceEqual(expected))
                throw new InvalidOperationException($"Rebuild {run} left {rebuilt.Count:N0} quality summaries that differ from the catch-up's {expected.Count:N0}.");
            results.Add(new RebuildBenchRun(seconds, rebuilt.Count));
            log($"Rebuild {run}: {seconds:0.00} s ({events / seconds:N0} events/s, {seconds / plainSeconds:0.00}x the plain read); {rebuilt.Count:N0} documents, equal to the catch-up's.");
        }
        // Where the time goes: the round trips of one more rebuild, untimed, by statement.
        var (_, statements, _) = await CountStatements(async () => { await daemon.RebuildProjectionAsync<QualitySummaryProjection>(timeout, ct); return 0; }, requestsOnly: false);
        log($"One more rebuild made {statements.Values.Sum():N0} round trips:");
        foreach (var (sql, count) in statements.OrderByDescending(s => s.Value).Take(8)) log($"  {count,6:N0}  {sql}");
        return new RebuildBenchReport(events, projectedEvents, expected.Count, catchUpSeconds, plainSeconds, projectedSeconds, bulkSeconds, results);
    }

    private static async Task<List<QualitySummary>> Summaries(IDocumentStore store, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return [.. await session.Query<QualitySummary>().OrderBy(q => q.Id).ToListAsync(ct)];
    }

    /// <summary>The event types the projection takes, from its Create and Apply methods (their IEvent&lt;T&gt; parameter).</summary>
    private static string[] ProjectedAliases() =>
        typeof(QualitySummaryProjection).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name is "Create" or "Apply")
            .Select(m => m.GetParameters()[0].ParameterType)
            .Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IEvent<>))
            .Select(t => EventTypes.Alias(t.GetGenericArguments()[0]))
            .Distinct().ToArray();

    /// <summary>The baseline: the log's events (of these types, or all) by plain SQL in order, each deserialised to its .NET type.</summary>
    private static async Task<long> PlainLogRead(NpcEcrfSettings settings, string[]? types, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"select type, data::text from \"{settings.Schema}\".mt_events {(types is null ? "" : "where type = any(@types)")} order by seq_id", connection) { CommandTimeout = 0 };
        if (types is not null) command.Parameters.AddWithValue("types", types);
        await using var reader = await command.ExecuteReaderAsync(ct);
        long count = 0;
        while (await reader.ReadAsync(ct))
        {
            if (StoredEvents.TypeFor(reader.GetString(0)) is { } type && JsonSerializer.Deserialize(reader.GetString(1), type, CasebookJson.Options) is not null) count++;
        }
        return count;
    }
}
