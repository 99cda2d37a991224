using System.CommandLine;
using NpcEcrf.Analysis.Cli;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Marten;
using Npgsql;
using NpcEcrf.Api.Audit;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Exports;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.OdmImport;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Cli;

/// <summary>One run of the import benchmark: the import's write and parse+plan, the COPY of the same rows, and of its events alone.</summary>
public sealed record ImportBenchRun(int Events, double WriteSeconds, double ParsePlanSeconds, double CopySeconds, double EventsCopySeconds)
{
    public double ImportRate => Events / WriteSeconds;
    public double CopyRate => Events / CopySeconds;
    public double Ratio => ImportRate / CopyRate;
    public double EventsOnlyRatio => EventsCopySeconds / WriteSeconds;
}

/// <summary>Every run and their medians.</summary>
public sealed record ImportBenchReport(int Subjects, int FileBytes, IReadOnlyList<ImportBenchRun> Runs)
{
    public int Events => Runs[0].Events;
    public double MedianImportRate => Median(Runs.Select(r => r.ImportRate));
    public double MedianCopyRate => Median(Runs.Select(r => r.CopyRate));
    public double MedianRatio => Median(Runs.Select(r => r.Ratio));
    public double MedianEventsOnlyRatio => Median(Runs.Select(r => r.EventsOnlyRatio));
    public double MedianParsePlanSeconds => Median(Runs.Select(r => r.ParsePlanSeconds));

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

public static partial class BenchCommand
{
    private const string ImportSchema = "bench_import";
    /// <summary>The baseline's tables: this name for the events (and _streams, _casebooks), like the tables they copy (LIKE ... INCLUDING ALL).</summary>
    public const string CopyTable = "bench_copy_events";

    /// <summary>The ODM import's write against a binary COPY of the very same rows into tables like the ones it writes.</summary>
    private static Command Import()
    {
        var subjects = new Option<int>("--subjects") { Description = "Subjects (about 20 events each).", DefaultValueFactory = _ => 200, CustomParser = CliValues.Whole(1) };
        var runs = new Option<int>("--runs") { Description = "Runs (the median is reported).", DefaultValueFactory = _ => 3, CustomParser = CliValues.Whole(1) };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("import", "ODM import (parse, plan, write with seals and casebooks) against a binary COPY of the same rows (streams, events, casebooks, audit index).") { subjects, runs, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            var settings = installation.Settings(ImportSchema);
            await FreshSchema(settings, ct);
            await using var store = AppHost.Store(settings);
            var report = await ImportBench(store, settings, parse.GetValue(subjects), parse.GetValue(runs), Console.WriteLine, ct);
            Console.WriteLine($"Median over {report.Runs.Count} run(s), {report.Events:N0} events: import {report.MedianImportRate:N0} events/s, COPY {report.MedianCopyRate:N0} events/s, " +
                $"ratio import/COPY {report.MedianRatio:0.00}x (against the events' COPY alone {report.MedianEventsOnlyRatio:0.00}x); parse+plan {report.MedianParsePlanSeconds:0.00} s");
            Console.WriteLine($"nproc {Environment.ProcessorCount}, load average {LoadAverage()}");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Seeds a study, exports it (transactional ODM), then per run imports the file into a new study exactly as
    /// `import odm` does (parse+plan and the write timed apart) and, as the baseline, COPYs (binary) the rows the
    /// import wrote into empty tables like its own, on the same connection settings and cluster.
    /// </summary>
    public static async Task<ImportBenchReport> ImportBench(IDocumentStore store, NpcEcrfSettings settings, int subjects, int runs, Action<string> log, CancellationToken ct)
    {
        var source = $"BENCH-ODM-{Guid.NewGuid().ToString("N")[..6]}".ToUpperInvariant();
        var seeding = Stopwatch.StartNew();
        await Seed(store, source, subjects, (study, i) => SubjectHistory(study, i, cycles: 6, visits: 2, adverseEvents: 2, contacts: 0, correction: true), ct);
        byte[] file;
        await using (var query = store.QuerySession())
            file = Encoding.UTF8.GetBytes(await OdmExport.Write(query, source, DateTimeOffset.UtcNow, ct));
        log($"Seeded {subjects:N0} subjects and exported them ({file.Length / 1048576.0:0.0} MB transactional ODM) in {seeding.Elapsed.TotalSeconds:0.0} s.");
        log($"Baseline: binary COPY, in one transaction, of the rows the import wrote (mt_streams, mt_events, casebooks, audit index) into {settings.Schema}.{CopyTable}* " +
            "(LIKE ... INCLUDING ALL: same columns, defaults, checks and indexes, and the events' foreign key to their streams).");

        var results = new List<ImportBenchRun>();
        for (var run = 1; run <= runs; run++)
        {
            var studyId = $"{source}-R{run}";
            var parsing = Stopwatch.StartNew();
            var (odm, unreadable) = OdmFileReader.Read(file, "bench.xml", long.MaxValue);
            if (unreadable is not null) throw new InvalidOperationException($"The export does not read back: {unreadable.Message}");
            var (plan, refused) = OdmImportPlanner.Plan(odm!, studyId, null, DateOnly.FromDateTime(DateTime.UtcNow));
            if (refused is not null) throw new InvalidOperationException($"The export does not plan: {CliOutcomes.Describe(refused)}");
            var parsePlan = parsing.Elapsed.TotalSeconds;

            CommandOutcome outcome;
            var writing = Stopwatch.StartNew();
            await using (var session = store.LightweightSession())
            {
                session.LastModifiedBy = "bench";
                outcome = await ImportOdm.Write(session, Actor.Operator("bench"), plan!, ct);
            }
            var write = writing.Elapsed.TotalSeconds;
            if (outcome is not CommandOutcome.Accepted { Answer: ImportOdm.Summary summary }) throw new InvalidOperationException($"Not imported: {CliOutcomes.Describe(outcome)}");

            var streams = plan!.Subjects.Select(s => Casebook.IdFor(studyId, s.SubjectNumber)).Append(Study.IdFor(studyId)).ToList();
            var casebooks = ((IReadOnlyStoreOptions)store.Options).FindOrResolveDocumentType(typeof(Casebook)).TableName.Name;
            var (rows, copy, eventsCopy) = await CopyBaseline(settings, casebooks, streams, ct);
            if (rows != summary.EventsWritten) throw new InvalidOperationException($"The import answered {summary.EventsWritten} events but mt_events holds {rows} of its streams.");
            var result = new ImportBenchRun(rows, write, parsePlan, copy, eventsCopy);
            results.Add(result);
            log($"Run {run}: {rows:N0} events; import write {write:0.00} s ({result.ImportRate:N0} events/s), COPY {copy:0.00} s ({result.CopyRate:N0} events/s), " +
                $"ratio {result.Ratio:0.00}x; events alone COPY {result.EventsCopySeconds:0.00} s ({result.EventsOnlyRatio:0.00}x); parse+plan {parsePlan:0.00} s");
        }
        return new ImportBenchReport(subjects, file.Length, results);
    }

    /// <summary>
    /// Every row the import wrote for these streams (mt_streams, mt_events, the casebook documents and the audit trail's
    /// index rows) read out
    /// (binary, untimed), then COPYed (timed) into fresh empty tables like them, with mt_events' foreign key to its
    /// streams: the same rows into the same structure, in one transaction, as the import writes them. The events'
    /// COPY alone is timed apart too, the baseline of earlier runs.
    /// </summary>
    /// <param name="eventsOnly">Only the streams and their events (the baseline of a read of them, `bench locks`).</param>
    private static async Task<(int Rows, double Seconds, double EventsSeconds)> CopyBaseline(NpcEcrfSettings settings, string casebookTable, IReadOnlyList<Guid> streams, CancellationToken ct,
        bool eventsOnly = false)
    {
        var schema = settings.Schema;
        await using var connection = new NpgsqlConnection(settings.SchemaChangeConnectionString);
        await connection.OpenAsync(ct);
        // Guids only: safe to write into the statements, as COPY takes no parameters.
        var ids = string.Join(",", streams.Select(g => $"'{g}'"));
        string foreignKey;
        await using (var fk = new NpgsqlCommand($"select pg_get_constraintdef(oid) from pg_constraint where conrelid = '\"{schema}\".mt_events'::regclass and contype = 'f'", connection))
            foreignKey = (string)(await fk.ExecuteScalarAsync(ct) ?? throw new InvalidOperationException("mt_events has no foreign key to mt_streams."));
        var tables = new (string Source, string Copy, string Rows)[]
        {
            ("mt_streams", CopyTable + "_streams", $"id in ({ids})"),
            ("mt_events", CopyTable, $"stream_id in ({ids}) order by seq_id"),
            (casebookTable, CopyTable + "_casebooks", $"id in ({ids})"),
            // The audit trail's index rows, which a trigger writes with every event (docs/security.md, "Audit trail").
            (AuditIndex.Streams, CopyTable + "_audit_streams", $"stream_id in ({ids})"),
            (AuditIndex.Events, CopyTable + "_audit_index", $"stream_id in ({ids})"),
            (AuditIndex.Fields, CopyTable + "_audit_fields", $"seq_id in (select seq_id from \"{schema}\".mt_events where stream_id in ({ids}))"),
        };
        if (eventsOnly) tables = tables[..2];
        var buffers = new List<byte[]>();
        foreach (var (source, copy, rows) in tables)
        {
            await new NpgsqlCommand($"drop table if exists \"{schema}\".{copy} cascade; create table \"{schema}\".{copy} (like \"{schema}\".{source} including all)", connection).ExecuteNonQueryAsync(ct);
            using var buffer = new MemoryStream();
            await using (var export = await connection.BeginRawBinaryCopyAsync($"copy (select * from \"{schema}\".{source} where {rows}) to stdout (format binary)", ct))
                await export.CopyToAsync(buffer, ct);
            buffers.Add(buffer.ToArray());
        }
        var references = Regex.Replace(foreignKey, @"REFERENCES\s+\S*mt_streams", $"REFERENCES \"{schema}\".{tables[0].Copy}");
        await new NpgsqlCommand($"alter table \"{schema}\".{CopyTable} add {references}", connection).ExecuteNonQueryAsync(ct);
        int events;
        await using (var count = new NpgsqlCommand($"select count(*) from \"{schema}\".mt_events where stream_id in ({ids})", connection))
            events = Convert.ToInt32(await count.ExecuteScalarAsync(ct));

        var eventsSeconds = 0.0;
        var watch = Stopwatch.StartNew();
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            for (var t = 0; t < tables.Length; t++)
            {
                var started = watch.Elapsed.TotalSeconds;
                await using (var import = await connection.BeginRawBinaryCopyAsync($"copy \"{schema}\".{tables[t].Copy} from stdin (format binary)", ct))
                    await import.WriteAsync(buffers[t], ct);
                if (tables[t].Source == "mt_events") eventsSeconds = watch.Elapsed.TotalSeconds - started;
            }
            await transaction.CommitAsync(ct);
        }
        var seconds = watch.Elapsed.TotalSeconds;
        foreach (var (_, copy, _) in tables.Reverse()) await new NpgsqlCommand($"drop table \"{schema}\".{copy}", connection).ExecuteNonQueryAsync(ct);
        return (events, seconds, eventsSeconds);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
