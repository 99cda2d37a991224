using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using NpcEcrf.Analysis.Cli;
using Marten;
using Npgsql;
using NpcEcrf.Api.Audit;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.TamperEvidence;

namespace NpcEcrf.Api.Cli;

/// <summary>One operation's time and the most managed memory it held.</summary>
public sealed record Timed(double Seconds, long PeakBytes);

/// <summary>One run at one size: lock creation, lock verification, the study as of a time, and the baselines.</summary>
public sealed record LockBenchRun(Timed Lock, Timed Verify, Timed AsOf, Timed PlainRead, double CopySeconds);

/// <summary>Where a lock's time goes, step by step (the steps <see cref="LockDatabase.Run"/> takes, each run alone).</summary>
/// <param name="Freeze">What a lock does to make its snapshot (<see cref="CohortReplay.Freeze"/>): the study's streams read and
/// folded, each casebook into its subject's canonical JSON in a temporary file as it arrives, then the snapshot's canonical
/// JSON written in subject order to another, and hashed.</param>
/// <param name="StudyRead">The read alone: the study's streams read and deserialised, not folded.</param>
/// <param name="LiveMegabytes">The most live managed memory the snapshot took, made as a lock makes it.</param>
/// <param name="InMemoryLiveMegabytes">The same, with every subject's snapshot and the canonical JSON held in memory
/// (<see cref="CohortReplay.Snapshot"/>, then <see cref="CohortSnapshot.CanonicalJson"/>): what an as-of analysis holds.</param>
/// <param name="WholeCohortLiveMegabytes">The same for the way locks made it before this session: every casebook replayed
/// and kept, then the snapshot built, serialised whole and canonicalised from that text.</param>
/// <param name="SnapshotMegabytes">The canonical JSON's size in UTF-8.</param>
public sealed record LockProfile(double HighWaterMark, double Freeze, double StudyRead, double ChainHead,
    double LiveMegabytes, double InMemoryLiveMegabytes, double WholeCohortLiveMegabytes, double SnapshotMegabytes);

/// <summary>Every run at one size, and their medians.</summary>
public sealed record LockBenchSize(int Subjects, int Events, int StoreEvents, IReadOnlyList<LockBenchRun> Runs, LockProfile Profile)
{
    public double Median(Func<LockBenchRun, double> of)
    {
        var sorted = Runs.Select(of).Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public double PeakMegabytes(Func<LockBenchRun, Timed> of) => Runs.Max(r => of(r).PeakBytes) / 1048576.0;
}

public static partial class BenchCommand
{
    private const string LocksSchema = "bench_locks";
    private const string LockedStudy = "LOCKS";
    /// <summary>A second study as large, written between the sizes: what a lock of <see cref="LockedStudy"/> must not read.</summary>
    private const string NoiseStudy = "NOISE";

    /// <summary>Lock creation, lock verification and the study as of a time at several sizes, against a plain read and a COPY of the study's events.</summary>
    private static Command Locks()
    {
        var subjects = new Option<int[]>("--subjects")
        {
            Description = "Sizes, in subjects of about 100 events each, comma-separated (the study grows from one to the next).",
            DefaultValueFactory = _ => [1_000, 3_000, 10_000], CustomParser = Sizes,
        };
        var runs = new Option<int>("--runs") { Description = "Runs per size (the median is reported).", DefaultValueFactory = _ => 3, CustomParser = CliValues.Whole(1) };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("locks", "Lock creation, lock verification and the study as of a time, at several sizes, beside a plain SQL read and a binary COPY of the study's events.") { subjects, runs, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            var settings = installation.Settings(LocksSchema);
            await FreshSchema(settings, ct);
            await using var store = AppHost.Store(settings);
            var sizes = new List<LockBenchSize>();
            foreach (var size in parse.GetValue(subjects)!) sizes.Add(await LockBench(store, settings, sizes.LastOrDefault()?.Subjects ?? 0, size, parse.GetValue(runs), Console.WriteLine, ct));
            Console.WriteLine();
            foreach (var line in LockBenchTable(sizes)) Console.WriteLine(line);
            Console.WriteLine($"\nnproc {Environment.ProcessorCount}, load average {LoadAverage()}");
            return 0;
        });
        return command;
    }

    private static int[] Sizes(ArgumentResult r)
    {
        var text = r.Tokens.Count == 0 ? "" : r.Tokens[0].Value;
        var sizes = text.Split(',', StringSplitOptions.TrimEntries).Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : 0).ToArray();
        if (sizes.Length == 0 || sizes.Contains(0) || !sizes.SequenceEqual(sizes.Order().Distinct()))
        {
            r.AddError($"--subjects: {text} is not a rising list of whole numbers of at least 1 (such as 1000,3000,10000)");
            return [];
        }
        return sizes;
    }

    /// <summary>
    /// Grows the locked study and the noise study from <paramref name="from"/> to <paramref name="subjects"/> subjects, then per
    /// run times what POST /locks runs (<see cref="LockDatabase.Run"/>), what GET /locks/{ref}/verify runs
    /// (<see cref="ReadLocks.Verify"/>), the study as of the moment after seeding (<see cref="TimeTravel.StudyAt"/>), a plain
    /// read of the same events and a binary COPY of them; the lock is ended after each run, so the next may be declared.
    /// </summary>
    public static async Task<LockBenchSize> LockBench(IDocumentStore store, NpcEcrfSettings settings, int from, int subjects, int runs, Action<string> log, CancellationToken ct)
    {
        var seeding = Stopwatch.StartNew();
        foreach (var study in new[] { LockedStudy, NoiseStudy })
            await Seed(store, study, subjects, (s, i) => SubjectHistory(s, i, cycles: 40, visits: 25, adverseEvents: 20, contacts: 11, correction: i % 10 == 0), ct, from);
        await Task.Delay(20, ct);
        var at = DateTimeOffset.UtcNow;
        var cutoff = DateOnly.FromDateTime(at.UtcDateTime);
        await using var query = store.QuerySession();
        var streams = await StudyStreamIds(query, LockedStudy, ct);
        var storeEvents = await StoreEvents(query, ct);
        log($"{subjects:N0} subjects in each of two studies ({storeEvents:N0} events in the store); seeded in {seeding.Elapsed.TotalSeconds:0} s; load average {LoadAverage()}.");

        var results = new List<LockBenchRun>();
        var events = 0;
        for (var run = 1; run <= runs; run++)
        {
            var name = $"bench-{subjects}-{run}";
            var (outcome, lockTime) = await Measure(async () =>
            {
                await using var session = store.LightweightSession();
                session.LastModifiedBy = "bench";
                return await LockDatabase.Run(session, Actor.Operator("bench"), new LockDatabase(LockedStudy, name, cutoff, "Benchmark"), DateTimeOffset.UtcNow, ct);
            });
            if (outcome is not CommandOutcome.Accepted { Answer: DatabaseLock locked }) throw new InvalidOperationException($"Not locked: {CliOutcomes.Describe(outcome)}");
            var (verification, verifyTime) = await Measure(() => ReadLocks.Verify(query, locked, ct));
            if (!verification.Verified) throw new InvalidOperationException($"Lock {name} does not verify: {verification}");
            await using (var session = store.LightweightSession())
            {
                session.LastModifiedBy = "bench";
                if (await UnlockDatabase.Run(session, Actor.Operator("bench"), name, new UnlockDatabase("Benchmark run over"), DateTimeOffset.UtcNow, ct) is not CommandOutcome.Accepted)
                    throw new InvalidOperationException($"Lock {name} was not ended.");
            }
            var (asOf, asOfTime) = await Measure(() => TimeTravel.StudyAt(query, LockedStudy, at, _ => true, ct));
            if (asOf.Casebooks.Count != subjects) throw new InvalidOperationException($"The study as of {at:O} has {asOf.Casebooks.Count} casebooks, not {subjects}.");
            (events, var plainTime) = await Measure(() => PlainRead(query, LockedStudy, at, ct));
            var (_, _, copy) = await CopyBaseline(settings, "", streams, ct, eventsOnly: true);
            var result = new LockBenchRun(lockTime, verifyTime, asOfTime, plainTime, copy);
            results.Add(result);
            log($"  run {run}: lock {lockTime.Seconds:0.00} s, verify {verifyTime.Seconds:0.00} s, as of {asOfTime.Seconds:0.00} s, plain read {plainTime.Seconds:0.00} s, " +
                $"COPY {copy:0.00} s ({events:N0} events); peak managed memory lock {lockTime.PeakBytes / 1048576.0:0} MB, verify {verifyTime.PeakBytes / 1048576.0:0} MB, " +
                $"as of {asOfTime.PeakBytes / 1048576.0:0} MB, plain read {plainTime.PeakBytes / 1048576.0:0} MB");
        }
        var profile = await ProfileLock(store, cutoff, ct);
        log($"  lock's snapshot: {profile.SnapshotMegabytes:0.0} MB of canonical JSON; peak live managed memory {profile.LiveMegabytes:0} MB made as a lock makes it, " +
            $"{profile.InMemoryLiveMegabytes:0} MB held in memory, {profile.WholeCohortLiveMegabytes:0} MB from the whole replayed cohort (the way before)");
        log($"  lock, step by step: high-water mark {profile.HighWaterMark:0.00} s, snapshot made (replay, canonical JSON, hash) {profile.Freeze:0.00} s (its read alone {profile.StudyRead:0.00} s), " +
            $"global chain head {profile.ChainHead:0.00} s");
        return new LockBenchSize(subjects, events, storeEvents, results, profile);
    }

    /// <summary>The steps of <see cref="LockDatabase.Run"/>'s decision, each timed alone; what the whole lock takes beyond them is the pipeline and the write.</summary>
    private static async Task<LockProfile> ProfileLock(IDocumentStore store, DateOnly cutoff, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var watch = Stopwatch.StartNew();
        double Lap() { var s = watch.Elapsed.TotalSeconds; watch.Restart(); return s; }
        var highWaterMark = await CohortReplay.HighWaterMark(session, null, ct);
        var hwm = Lap();
        async Task<long> Freeze()
        {
            await using var file = LockSnapshotFile.Create();
            using var written = new HashingWriter(file);
            _ = await CohortReplay.Freeze(session, LockedStudy, cutoff, highWaterMark, written, ct);
            return file.Length;
        }
        var snapshotBytes = await Freeze();
        var freeze = Lap();
        await foreach (var _ in StoredEvents.StudyStreams(session, LockedStudy, highWaterMark, null, ct)) { }
        var read = Lap();
        _ = await GlobalChain.SettledHeadAsync(session, highWaterMark, ct);
        var chainHead = Lap();
        // What each way holds at its most, above what is live here.
        var live = await PeakLive(Freeze);
        var inMemory = await PeakLive(async () => (await CohortReplay.Snapshot(session, LockedStudy, cutoff, highWaterMark, ct))!.CanonicalJson());
        var wholeCohort = await PeakLive(async () =>
        {
            var cohort = (await CohortReplay.Cohort(session, LockedStudy, highWaterMark, ct))!;
            return EventSeal.Canonical(System.Text.Json.JsonSerializer.Serialize(CohortSnapshot.Build(cohort.Study, cohort.Casebooks, cohort.Queries, cutoff, highWaterMark), CasebookJson.Options));
        });
        return new LockProfile(hwm, freeze, read, chainHead, live, inMemory, wholeCohort, snapshotBytes / 1048576.0);
    }

    /// <summary>The summary: medians per size, as events/s and as ratios to the baselines, and the seconds per 1,000 subjects.</summary>
    public static IEnumerable<string> LockBenchTable(IReadOnlyList<LockBenchSize> sizes)
    {
        yield return "| Subjects | Study events (store) | Plain read | Study as of | Lock verify | Lock create | COPY of the study's events | as-of / read | verify / read | lock / read | lock / COPY |";
        yield return "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
        foreach (var s in sizes)
        {
            string Rate(double seconds) => $"{seconds:0.00} s ({s.Events / seconds / 1000:N0}k/s)";
            // Each ratio is taken within a run (the same moment's load on both sides), then the median over the runs.
            string Ratio(Func<LockBenchRun, double> of, Func<LockBenchRun, double> to) => $"{s.Median(r => of(r) / to(r)):0.00}x";
            yield return $"| {s.Subjects:N0} | {s.Events:N0} ({s.StoreEvents:N0}) | {Rate(s.Median(r => r.PlainRead.Seconds))} | {Rate(s.Median(r => r.AsOf.Seconds))} | " +
                $"{Rate(s.Median(r => r.Verify.Seconds))} | {Rate(s.Median(r => r.Lock.Seconds))} | {Rate(s.Median(r => r.CopySeconds))} | " +
                $"{Ratio(r => r.AsOf.Seconds, r => r.PlainRead.Seconds)} | {Ratio(r => r.Verify.Seconds, r => r.PlainRead.Seconds)} | " +
                $"{Ratio(r => r.Lock.Seconds, r => r.PlainRead.Seconds)} | {Ratio(r => r.Lock.Seconds, r => r.CopySeconds)} |";
        }
        yield return "";
        yield return "| Subjects | Seconds per 1,000 subjects: read / as of / verify / lock / COPY | Peak managed MB: read / as of / verify / lock | Lock step by step (s): high-water mark / snapshot made: replay, canonical JSON, hash (its read alone) / global chain head | Lock's snapshot: canonical MB / peak live MB as a lock makes it / held in memory / the way before |";
        yield return "|---:|---|---|---|---|";
        foreach (var s in sizes)
        {
            string Per(Func<LockBenchRun, double> of) => $"{s.Median(of) * 1000 / s.Subjects:0.000}";
            var p = s.Profile;
            yield return $"| {s.Subjects:N0} | {Per(r => r.PlainRead.Seconds)} / {Per(r => r.AsOf.Seconds)} / {Per(r => r.Verify.Seconds)} / {Per(r => r.Lock.Seconds)} / {Per(r => r.CopySeconds)} | " +
                $"{s.PeakMegabytes(r => r.PlainRead):0} / {s.PeakMegabytes(r => r.AsOf):0} / {s.PeakMegabytes(r => r.Verify):0} / {s.PeakMegabytes(r => r.Lock):0} | " +
                $"{p.HighWaterMark:0.00} / {p.Freeze:0.00} ({p.StudyRead:0.00}) / {p.ChainHead:0.00} | " +
                $"{p.SnapshotMegabytes:0.0} / {p.LiveMegabytes:0} / {p.InMemoryLiveMegabytes:0} / {p.WholeCohortLiveMegabytes:0} |";
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> from a collected heap, sampling the managed heap (GC.GetTotalMemory, live and not yet
    /// collected) every few milliseconds: the peak is what the operation made the process hold, above what it held before.
    /// </summary>
    private static async Task<(T Result, Timed Time)> Measure<T>(Func<Task<T>> work)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var watch = new Stopwatch();
        var (result, peak) = await PeakHeap(async () => { watch.Start(); var r = await work(); watch.Stop(); return r; }, TimeSpan.FromMilliseconds(5), fullCollections: false);
        return (result, new Timed(watch.Elapsed.TotalSeconds, peak));
    }

    /// <summary>
    /// The most live managed memory <paramref name="work"/> held above what was live before, in MB: a full collection every
    /// 50 ms counts only what is reachable (slow, so never timed), where <see cref="Measure{T}"/> also counts garbage not yet collected.
    /// </summary>
    private static async Task<double> PeakLive<T>(Func<Task<T>> work) =>
        (await PeakHeap(work, TimeSpan.FromMilliseconds(50), fullCollections: true)).Bytes / 1048576.0;

    /// <summary>The heap's peak while <paramref name="work"/> runs (its result still held at the end), above where it started.</summary>
    private static async Task<(T Result, long Bytes)> PeakHeap<T>(Func<Task<T>> work, TimeSpan every, bool fullCollections)
    {
        var before = GC.GetTotalMemory(fullCollections);
        var peak = before;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(fullCollections));
                try { await Task.Delay(every, stop.Token); } catch (OperationCanceledException) { }
            }
        });
        var result = await work();
        await stop.CancelAsync();
        await sampler;
        return (result, Math.Max(peak, GC.GetTotalMemory(fullCollections)) - before);
    }


    /// <summary>The study's stream and the casebook and data-query streams the audit index assigns to it.</summary>
    private static async Task<IReadOnlyList<Guid>> StudyStreamIds(IQuerySession session, string studyId, CancellationToken ct)
    {
        await using var connection = (NpgsqlConnection)session.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"select stream_id from \"{session.DocumentStore.Options.Events.DatabaseSchemaName}\".{AuditIndex.Streams} where study_id = @study", connection);
        command.Parameters.AddWithValue("study", studyId);
        var ids = new List<Guid> { Study.IdFor(studyId) };
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetGuid(0));
        return ids;
    }

    private static async Task<int> StoreEvents(IQuerySession session, CancellationToken ct)
    {
        await using var connection = (NpgsqlConnection)session.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"select count(*) from \"{session.DocumentStore.Options.Events.DatabaseSchemaName}\".mt_events", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }
}
