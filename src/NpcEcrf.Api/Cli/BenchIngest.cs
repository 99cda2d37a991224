using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Npgsql;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Cli;

/// <summary>What one client count did in its time: commands answered 2xx, refused, and each command's latency.</summary>
public sealed record IngestRun(int Clients, double Seconds, int Done, int Failed, double[] LatenciesMs)
{
    public double PerSecond => Done / Seconds;
    public double Percentile(double p)
    {
        if (LatenciesMs.Length == 0) return double.NaN;
        var sorted = LatenciesMs.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

public static partial class BenchCommand
{
    private const string IngestSchema = "bench_ingest";
    private const string IngestStudy = "BENCH-INGEST";
    private const string IngestUser = "cra.bench";
    private const string IngestPassword = "bench-password-not-secret";
    private const string BaselineTable = "bench_rows";

    /// <summary>The write path over real HTTP, against single-row INSERTs of a comparable JSON document on the same cluster.</summary>
    private static Command Ingest()
    {
        var seconds = new Option<int>("--seconds") { Description = "Seconds each client count runs, for each side.", DefaultValueFactory = _ => 15 };
        var clients = new Option<string>("--clients") { Description = "Concurrent client counts, comma-separated.", DefaultValueFactory = _ => "1,4,16" };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("ingest", "HTTP commands (enrolment, then forms) by concurrent clients, against single-row INSERTs of a like JSON document.") { seconds, clients, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            var counts = parse.GetValue(clients)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
            var duration = TimeSpan.FromSeconds(parse.GetValue(seconds));
            if (counts.Length == 0 || counts.Any(c => c < 1) || duration <= TimeSpan.Zero) throw new CommandLineError("--clients are at least 1 and --seconds more than 0.");
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            var settings = installation.Settings(IngestSchema);
            await FreshSchema(settings, ct);
            var sites = Enumerable.Range(1, 16).Select(s => $"S{s}").ToArray();
            await using (var store = AppHost.Store(settings))
            {
                await using var session = store.LightweightSession();
                session.LastModifiedBy = "bench";
                session.Events.StartStream<Study>(Study.IdFor(IngestStudy), [new StudyCreated(IngestStudy, "Ingest benchmark"),
                    new StudyDefinitionVersioned(1, new DateOnly(2019, 1, 1), Demo.StudyDefinitions.Load(Demo.StudyDefinitions.Reference), null, false),
                    .. sites.Select(s => new SiteAdded(s, $"Site {s}"))]);
                await session.SaveChangesAsync(ct);
                await CreateUser.Run(session, Infrastructure.Actor.Operator("bench"),
                    new CreateUser(IngestUser, "Bench CRA", IngestPassword, ["cra"], [.. sites.Select(s => $"{IngestStudy}/{s}")]), ct);
            }
            // The baseline's table is the schema owner's, as are its INSERTs: the application's role creates no tables.
            await using (var baseline = new NpgsqlConnection(settings.SchemaChangeConnectionString))
            {
                await baseline.OpenAsync(ct);
                await new NpgsqlCommand($"create table \"{IngestSchema}\".{BaselineTable} (id bigint generated always as identity primary key, stream_id uuid not null, data jsonb not null)", baseline)
                    .ExecuteNonQueryAsync(ct);
            }

            var app = AppHost.Build(settings with { TokenLifetime = TimeSpan.FromHours(2) }, customise: b => b.Logging.AddFilter((_, level) => level >= LogLevel.Warning));
            app.Urls.Add("http://127.0.0.1:0");
            await app.StartAsync(ct);
            try
            {
                var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };
                var token = await (await http.PostAsJsonAsync("/auth/token", new { username = IngestUser, password = IngestPassword }, ct)).Content.ReadFromJsonAsync<IssueToken.TokenResponse>(ct);
                http.DefaultRequestHeaders.Authorization = new("Bearer", token!.AccessToken);
                var subjects = 0;
                var (_, statements, background) = await CountStatements(() => Subject(http, Interlocked.Increment(ref subjects), sites, new ConcurrentBag<double>(), ct));
                Console.WriteLine($"HTTP on {address}; one subject's {SubjectCommands} commands (enrolment, demographics, ECOG, baseline lesions, first dose, 3 cycles) ran " +
                                  $"{statements.Values.Sum()} SQL round trips (and background work, Wolverine's and the daemon's polling, {background} meanwhile):");
                foreach (var (kind, n) in statements.OrderByDescending(s => s.Value)) Console.WriteLine($"  {n,4}  {kind}");
                await RunHttp(http, 2, TimeSpan.FromSeconds(3), sites, () => Interlocked.Increment(ref subjects), ct); // warm-up: JIT, pools

                var document = JsonSerializer.Serialize(new { assessmentDate = "2021-03-02", score = 1, form = "ecog", version = 7, studyId = IngestStudy, siteId = "S1", subjectNumber = "B00001",
                    enteredBy = IngestUser, reasonForChange = (string?)null, correlationId = Guid.NewGuid().ToString() });
                Console.WriteLine($"Baseline: single-row INSERT (autocommit, a connection per client) of a {document.Length}-byte JSON document into {IngestSchema}.{BaselineTable}.");
                // The embedded cluster's postmaster (PostgreSQL's own postmaster.pid): its backends' CPU is the database's share.
                var postmaster = installation.Embedded is { } embedded && File.Exists(Path.Combine(embedded.ClusterDir, "postmaster.pid"))
                    ? int.Parse(File.ReadLines(Path.Combine(embedded.ClusterDir, "postmaster.pid")).First().Trim()) : (int?)null;
                Console.WriteLine("| clients | HTTP commands/s | p50 | p95 | p99 | failed | INSERTs/s | p50 | p95 | p99 | ratio HTTP/INSERT | CPU per command: process + PostgreSQL | per INSERT |");
                Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
                foreach (var n in counts)
                {
                    var before = CpuSeconds(postmaster);
                    var web = await RunHttp(http, n, duration, sites, () => Interlocked.Increment(ref subjects), ct);
                    var between = CpuSeconds(postmaster);
                    var sql = await RunInserts(settings, n, duration, document, ct);
                    var after = CpuSeconds(postmaster);
                    Console.WriteLine($"| {n} | {web.PerSecond:N0} | {web.Percentile(50):0.0} ms | {web.Percentile(95):0.0} ms | {web.Percentile(99):0.0} ms | {web.Failed} | " +
                                      $"{sql.PerSecond:N0} | {sql.Percentile(50):0.00} ms | {sql.Percentile(95):0.00} ms | {sql.Percentile(99):0.00} ms | {web.PerSecond / sql.PerSecond:0.00}x | " +
                                      $"{CpuPer(before, between, web.Done + web.Failed)} | {CpuPer(between, after, sql.Done)} |");
                }
                Console.WriteLine("CPU: this process (server and clients alike) + the embedded cluster's processes, from /proc, per command or INSERT answered.");
                Console.WriteLine($"{duration.TotalSeconds:0} s a client count a side; nproc {Environment.ProcessorCount}, load average {LoadAverage()}.");
                return 0;
            }
            finally
            {
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
            }
        });
        return command;
    }

    private const int SubjectCommands = 8;

    /// <summary>One subject's commands in order, each sent with the casebook version the last answer gave; false at the first refusal.</summary>
    private static async Task<bool> Subject(HttpClient http, int number, string[] sites, ConcurrentBag<double> latencies, CancellationToken ct)
    {
        var subject = $"I{number:000000}";
        var url = $"/studies/{IngestStudy}/subjects/{subject}";
        long version = 0;
        async Task<bool> Send(string path, object body)
        {
            var watch = Stopwatch.StartNew();
            using var response = await http.PostAsJsonAsync(path, body, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            latencies.Add(watch.Elapsed.TotalMilliseconds);
            if (!response.IsSuccessStatusCode) return false;
            using var casebook = JsonDocument.Parse(text);
            version = casebook.RootElement.GetProperty("version").GetInt64();
            return true;
        }
        if (!await Send($"/studies/{IngestStudy}/subjects", new
            {
                subjectNumber = subject, siteId = sites[number % sites.Length], consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = Demo.ReferenceStudyCrf.Eligible,
            })) return false;
        if (!await Send(url + "/demographics", new { sex = "M", yearOfBirth = 1966, ageAtEnrolment = 55, version })) return false;
        if (!await Send(url + "/ecog", new { assessmentDate = "2021-03-02", score = 1, version })) return false;
        if (!await Send(url + "/baseline-lesions", new { assessmentDate = "2021-02-25", method = "CT", targets = new[] { new { lesionId = "T1", organ = "lung", nodal = false, diameterMm = 30m } }, version }))
            return false;
        if (!await Send(url + "/first-dose", new { date = "2021-03-04", dose = 12, version })) return false;
        for (var c = 1; c <= 3; c++)
            if (!await Send(url + "/cycles", new { cycleNumber = c, startDate = new DateOnly(2021, 3, 4).AddDays(21 * (c - 1)).ToString("yyyy-MM-dd"), dose = 12, tabletsDispensed = 14, tabletsReturned = 0, version }))
                return false;
        return true;
    }

    /// <summary>Clients each enrolling subjects and entering their forms, one command after another, until the time is up.</summary>
    private static async Task<IngestRun> RunHttp(HttpClient http, int clients, TimeSpan duration, string[] sites, Func<int> nextSubject, CancellationToken ct)
    {
        var latencies = new ConcurrentBag<double>();
        var failed = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (watch.Elapsed < duration)
                if (!await Subject(http, nextSubject(), sites, latencies, ct)) Interlocked.Increment(ref failed);
        }, ct)));
        var seconds = watch.Elapsed.TotalSeconds;
        return new IngestRun(clients, seconds, latencies.Count - failed, failed, [.. latencies]);
    }

    /// <summary>The baseline: each client on its own connection INSERTs one row at a time (autocommit) until the time is up.</summary>
    private static async Task<IngestRun> RunInserts(NpcEcrfSettings settings, int clients, TimeSpan duration, string document, CancellationToken ct)
    {
        var latencies = new ConcurrentBag<double>();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(settings.SchemaChangeConnectionString);
            await connection.OpenAsync(ct);
            await using var insert = new NpgsqlCommand($"insert into \"{IngestSchema}\".{BaselineTable} (stream_id, data) values (@stream, @data::jsonb)", connection);
            var stream = new NpgsqlParameter<Guid>("stream", Guid.Empty);
            insert.Parameters.Add(stream);
            insert.Parameters.Add(new NpgsqlParameter<string>("data", document));
            while (watch.Elapsed < duration)
            {
                var one = Stopwatch.StartNew();
                stream.TypedValue = Guid.NewGuid();
                await insert.ExecuteNonQueryAsync(ct);
                latencies.Add(one.Elapsed.TotalMilliseconds);
            }
        }, ct)));
        return new IngestRun(clients, watch.Elapsed.TotalSeconds, latencies.Count, 0, [.. latencies]);
    }

    /// <summary>
    /// CPU seconds (user + system) used so far by this process and by the cluster's postmaster and its backends (null
    /// off Linux or on another database): what a command costs the machine, whatever else shares it.
    /// </summary>
    private static (double Process, double? Cluster) CpuSeconds(int? postmaster)
    {
        var process = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        if (postmaster is not { } root || !OperatingSystem.IsLinux()) return (process, null);
        var ticks = 0L;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; } // the process ended meanwhile
            // After the command name in parentheses: state, ppid, ... utime and stime are the 12th and 13th fields.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (pid == root || int.Parse(fields[1]) == root) ticks += long.Parse(fields[11]) + long.Parse(fields[12]);
        }
        return (process, ticks / 100.0); // USER_HZ, 100 on Linux
    }

    private static string CpuPer((double Process, double? Cluster) from, (double Process, double? Cluster) to, int count) =>
        count == 0 ? "-" : $"{(to.Process - from.Process) * 1000 / count:0.00}" + (to.Cluster - from.Cluster is { } cluster ? $" + {cluster * 1000 / count:0.00} ms" : " ms");

    /// <summary>
    /// The SQL round trips the server ran for the requests while <paramref name="work"/> did (every Npgsql command or
    /// batch under a request's activity, from Npgsql's and ASP.NET Core's tracing), by the first words of their
    /// statements; and how many ran meanwhile outside any request (Wolverine's and the daemon's polling).
    /// </summary>
    /// <param name="requestsOnly">Count by statement only what runs inside a request (the rest, polling, as background); false: everything.</param>
    private static async Task<(T Result, Dictionary<string, int> Statements, int Background)> CountStatements<T>(Func<Task<T>> work, bool requestsOnly = true)
    {
        var statements = new ConcurrentDictionary<string, int>();
        var background = 0;
        using var listener = new ActivityListener
        {
            // The host makes a request's activity only when someone listens to it.
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name != "Npgsql") return;
                if (requestsOnly && activity.Parent is null)
                {
                    Interlocked.Increment(ref background);
                    return;
                }
                var sql = (activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement"))?.ToString() ?? activity.DisplayName;
                statements.AddOrUpdate(Kind(sql), 1, (_, n) => n + 1);
            },
        };
        ActivitySource.AddActivityListener(listener);
        var result = await work();
        return (result, new Dictionary<string, int>(statements), background);
    }

    /// <summary>A statement's kind: its first line, whitespace folded, cut at 110 characters (enough to tell the tables apart).</summary>
    private static string Kind(string sql)
    {
        var folded = string.Join(' ', sql.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return folded.Length <= 110 ? folded : folded[..110] + "...";
    }
}
