using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpcEcrf.Analysis.Cli;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.TamperEvidence;

namespace NpcEcrf.Api.Cli;

/// <summary>One timed verify beside its baselines, on one store.</summary>
public sealed record VerifyBenchRun(int Subjects, long Events, double Md5Seconds, double ReadSeconds, double VerifySeconds, double CpuSeconds, double PeakWorkingSetMb, double PeakManagedMb)
{
    public double Ratio => VerifySeconds / Md5Seconds;
}

public static partial class BenchCommand
{
    /// <summary>The whole seal-chain verify at several sizes, against an SQL md5 of the same rows in the same run.</summary>
    private static Command VerifyBench()
    {
        var sizes = new Option<string>("--subjects") { Description = "Study sizes in subjects, comma-separated (105 events a subject).", DefaultValueFactory = _ => "1000,10000" };
        var runs = new Option<int>("--runs") { Description = "Timed runs a size (after a warm-up).", DefaultValueFactory = _ => 3, CustomParser = CliValues.Whole(1) };
        var reuse = new Option<bool>("--reuse") { Description = "Time the stores an earlier run seeded (schemas bench_verify_N) instead of seeding them again." };
        var profile = new Option<bool>("--profile") { Description = "Also time each step of the work on the rows, one thread, on the rows held in memory (CPU per event)." };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("verify", "The whole seal-chain verify (what ./npc-ecrf verify runs), against an SQL md5 of the same rows and columns.") { sizes, runs, reuse, profile, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            var subjects = parse.GetValue(sizes)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n
                    : throw new CommandLineError($"--subjects takes whole numbers of at least 1, comma-separated, not '{s}'.")).ToList();
            if (subjects.Count == 0) throw new CommandLineError("--subjects names at least one size.");
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            var results = new List<VerifyBenchRun>();
            Console.WriteLine("| subjects | events | run | md5 read | plain read | verify | events/s | verify / md5 | CPU / wall | peak working set | peak managed heap |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var n in subjects)
            {
                var settings = installation.Settings($"bench_verify_{n}");
                if (!parse.GetValue(reuse) || await EventCount(settings, ct) == 0) await SeedVerifyStore(settings, n, ct);
                await using var store = AppHost.Store(settings);
                var verifier = new StoreVerifier(settings, store);
                // A warm-up of each (the rows in PostgreSQL's cache, the code jitted), then runs taken turn about.
                await Md5Read(settings, ct);
                await TimedVerify(verifier, ct);
                for (var run = 1; run <= parse.GetValue(runs); run++)
                {
                    var (events, md5) = await Timed(() => Md5Read(settings, ct));
                    var (_, read) = await Timed(() => PlainEventRead(settings, ct));
                    var (verified, seconds, cpu, workingSet, managed) = await TimedVerify(verifier, ct);
                    if (verified.Events != events) throw new InvalidOperationException($"verify saw {verified.Events} events, the md5 read {events}.");
                    var result = new VerifyBenchRun(n, events, md5, read, seconds, cpu, workingSet, managed);
                    results.Add(result);
                    Console.WriteLine($"| {n:N0} | {events:N0} | {run} | {md5:0.00} s | {read:0.00} s | {seconds:0.00} s | {events / seconds:N0} | {result.Ratio:0.00}x | " +
                                      $"{cpu / seconds:0.0} | +{workingSet:N0} MB | {managed:N0} MB |");
                }
            }
            if (parse.GetValue(profile))
                foreach (var n in subjects) await ProfileVerify(installation.Settings($"bench_verify_{n}"), ct);
            foreach (var size in results.GroupBy(r => r.Subjects))
                Console.WriteLine($"{size.Key:N0} subjects: verify / md5 best {size.Min(r => r.Ratio):0.00}x, median {Median(size.Select(r => r.Ratio)):0.00}x; " +
                                  $"{size.Max(r => r.Events / r.VerifySeconds):N0} events/s at best.");
            Console.WriteLine($"nproc {Environment.ProcessorCount}, load average {LoadAverage()}.");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Where verify's own work goes: each step over every row, on one thread, with the rows already in memory, as CPU
    /// time per event (process CPU, so the machine's other load does not count). The steps overlap as verify nests them:
    /// the seal includes the canonical payload.
    /// </summary>
    private static async Task ProfileVerify(NpcEcrfSettings settings, CancellationToken ct)
    {
        IReadOnlyList<EventRow> rows;
        await using (var connection = new NpgsqlConnection(settings.ConnectionString))
        {
            await connection.OpenAsync(ct);
            rows = await EventRows.Read(connection, settings.Schema, null, ct);
        }
        var seal = new EventSeal(settings.SigningKey);
        void Step(string what, Action<EventRow> work)
        {
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            foreach (var row in rows) work(row);
            process.Refresh();
            Console.WriteLine($"| {what} | {(process.TotalProcessorTime - cpu).TotalMilliseconds * 1000 / rows.Count:0.0} µs |");
        }
        Console.WriteLine($"Profile of {rows.Count:N0} events in {settings.Schema}, CPU per event, one thread:");
        Console.WriteLine("| step | CPU per event |");
        Console.WriteLine("|---|---|");
        Step("sealed header parsed", r => _ = r.Assigned);
        Step("canonical payload", r => _ = EventSeal.Write(r.DataJson));
        var prepared = rows.Select(r => new PreparedRow(r)).ToList();
        var checks = new EventChecks(seal, []);
        checks.Chain(prepared);
        var byRow = prepared.ToDictionary(p => p.Row);
        Step("row prepared: header, seal fingerprint, canonical payload, HMAC", r => byRow[r].Prepare(seal));
        Step("global chain step (SHA-256)", new GlobalChain.Walk().Add);
        var payloads = new Dictionary<EventRow, object?>();
        Step("payload deserialised", r => payloads[r] = RebuiltCasebooks.Payload(r));
        Step("checks in order (copies, stream walks, witnesses, chain)", r => checks.Add(byRow[r]));
        var casebooks = new RebuiltCasebooks(new Dictionary<Guid, long>()); // none handed out: all compared below
        Step("casebook folded", r => casebooks.Add(r, payloads[r]));
        var (_, rebuilt) = await casebooks.Finish(null!, ct); // a clean store has no stream out of order to read back
        var stored = new Dictionary<Guid, string>();
        await using (var connection = new NpgsqlConnection(settings.ConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var reader = await new NpgsqlCommand($"select id, data::text from \"{settings.Schema}\".mt_doc_casebook", connection).ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) stored[reader.GetGuid(0)] = reader.GetString(1);
        }
        await using var store = AppHost.Store(settings);
        var serializer = store.Options.Serializer();
        var kb = stored.Values.Sum(j => (long)j.Length) / rebuilt.Count / 1024;
        double Casebooks(string what, Func<(Guid Id, Casebook Casebook), bool> work)
        {
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var count = rebuilt.Count(work);
            process.Refresh();
            var seconds = (process.TotalProcessorTime - cpu).TotalSeconds;
            Console.WriteLine($"| {what} ({seconds * 1e3 / rebuilt.Count:0.00} ms a casebook of {kb:N0} KB) | {seconds * 1e6 / rows.Count:0.0} µs |");
            return count;
        }
        Casebooks("casebook serialised", c => serializer.ToJson(c.Casebook).Length > 0);
        Casebooks("stored casebook parsed", c => System.Text.Json.JsonDocument.Parse(stored[c.Id]).RootElement.ValueKind != System.Text.Json.JsonValueKind.Undefined);
        var equal = Casebooks("casebook compared with the stored one (serialised, both parsed and walked)", c => EventSeal.SameCanonical(stored[c.Id], serializer.ToJson(c.Casebook)));
        if (equal != rebuilt.Count) throw new InvalidOperationException("A rebuilt casebook differs from the stored one.");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>A fresh schema with one study of <paramref name="subjects"/> subjects, seeded as bench asof seeds (sealed like any write), then vacuumed.</summary>
    private static async Task SeedVerifyStore(NpcEcrfSettings settings, int subjects, CancellationToken ct)
    {
        await FreshSchema(settings, ct);
        await using (var store = AppHost.Store(settings))
        {
            var seeding = Stopwatch.StartNew();
            await Seed(store, "BENCH", subjects, (study, i) => SubjectHistory(study, i, cycles: 40, visits: 25, adverseEvents: 20, contacts: 11, correction: true), ct);
            Console.Error.WriteLine($"Seeded {subjects:N0} subjects in {settings.Schema} in {seeding.Elapsed.TotalSeconds:0} s.");
        }
        await using var vacuum = new NpgsqlConnection(settings.SchemaChangeConnectionString);
        await vacuum.OpenAsync(ct);
        // What autovacuum would do soon after a load this size: both sides then read settled pages.
        foreach (var table in new[] { "mt_events", "mt_doc_casebook" })
            await new NpgsqlCommand($"vacuum analyze \"{settings.Schema}\".{table}", vacuum) { CommandTimeout = 0 }.ExecuteNonQueryAsync(ct);
    }

    private static async Task<long> EventCount(NpcEcrfSettings settings, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        try
        {
            return (long)(await new NpgsqlCommand($"select count(*) from \"{settings.Schema}\".mt_events", connection).ExecuteScalarAsync(ct))!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    /// <summary>The baseline: an md5 of each row over the columns verify reads, in the order it reads them, each digest read by the client.</summary>
    private static async Task<long> Md5Read(NpcEcrfSettings settings, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"""
            select md5(concat_ws('|', seq_id, stream_id, version, type, data::text, user_name, correlation_id, causation_id, headers::text,
                                 timestamp, is_archived, mt_dotnet_type))
            from "{settings.Schema}".mt_events order by seq_id
            """, connection) { CommandTimeout = 0 };
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = 0L;
        while (await reader.ReadAsync(ct))
            if (reader.GetString(0).Length == 32) rows++;
        return rows;
    }

    /// <summary>The floor under verify: the same rows and columns read into memory row by row, nothing done with them.</summary>
    private static async Task<long> PlainEventRead(NpcEcrfSettings settings, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        var rows = 0L;
        await EventRows.Stream(connection, settings.Schema, "true", [], _ => { rows++; return ValueTask.CompletedTask; }, ct);
        return rows;
    }

    private static async Task<(T Result, double Seconds)> Timed<T>(Func<Task<T>> work)
    {
        var watch = Stopwatch.StartNew();
        var result = await work();
        return (result, watch.Elapsed.TotalSeconds);
    }

    /// <summary>One verify, clean or an error: its time, the CPU it used, and its peak memory (working set above where it started, and managed heap), sampled.</summary>
    private static async Task<(VerificationReport Report, double Seconds, double CpuSeconds, double PeakWorkingSetMb, double PeakManagedMb)> TimedVerify(StoreVerifier verifier, CancellationToken ct)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var process = Process.GetCurrentProcess();
        var (startSet, startCpu) = (Environment.WorkingSet, process.TotalProcessorTime);
        var (peakSet, peakManaged) = (startSet, GC.GetTotalMemory(false));
        using var done = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                (peakSet, peakManaged) = (Math.Max(peakSet, Environment.WorkingSet), Math.Max(peakManaged, GC.GetTotalMemory(false)));
                try { await Task.Delay(10, done.Token); } catch (OperationCanceledException) { }
            }
        });
        var watch = Stopwatch.StartNew();
        var report = await verifier.Verify(null, ct);
        var seconds = watch.Elapsed.TotalSeconds;
        await done.CancelAsync();
        await sampling;
        process.Refresh();
        if (!report.Clean) throw new InvalidOperationException($"The seeded store does not verify clean: {report.Findings[0]}");
        return (report, seconds, (process.TotalProcessorTime - startCpu).TotalSeconds, (peakSet - startSet) / 1048576.0, peakManaged / 1048576.0);
    }
}
