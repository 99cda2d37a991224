using System.CommandLine;
using NpcEcrf.Analysis.Cli;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NpcEcrf.Analysis;
using Npgsql;
using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Cli;

/// <summary>./npc-ecrf bench: benchmarks measured against a baseline in the same run, reported as ratios.</summary>
public static partial class BenchCommand
{
    public static Command Create()
    {
        var n = new Option<int>("--n") { Description = "Rows.", DefaultValueFactory = _ => 1_000_000, CustomParser = CliValues.Whole(1) };
        var stats = new Command("stats", "Cox (Efron, 3 covariates, tied times) and Kaplan-Meier on n rows, against R survival on the same data.") { n };
        stats.SetAction(async (parse, ct) => await Stats(parse.GetValue(n), ct));
        return new Command("bench", "Benchmarks against a baseline measured in the same run.") { stats, AsOf(), Import(), Audit(), Ingest(), Locks(), VerifyBench(), Rebuild() };
    }

    private static async Task<int> Stats(int n, CancellationToken ct)
    {
        var repo = Environment.GetEnvironmentVariable("NPCECRF_REPO") ?? Environment.CurrentDirectory;
        var script = Path.Combine(repo, "tests", "reference", "r", "bench.R");
        var csv = Path.Combine(Path.GetTempPath(), $"npcecrf-bench-{n}.csv");
        Console.WriteLine($"R: Rscript {script} {n} {csv}");
        var psi = new ProcessStartInfo("Rscript") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, n.ToString(CultureInfo.InvariantCulture), csv }) psi.ArgumentList.Add(a);
        Process? r;
        try { r = Process.Start(psi); }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine("Rscript is not installed (apt-get install r-base-core r-cran-survival): the baseline cannot run.");
            return 1;
        }
        var rOutput = await r!.StandardOutput.ReadToEndAsync(ct);
        await r.WaitForExitAsync(ct);
        if (r.ExitCode != 0) { Console.Error.WriteLine(await r.StandardError.ReadToEndAsync(ct)); return 1; }
        var rJson = JsonDocument.Parse(rOutput.Trim().Split('\n')[^1]).RootElement;

        var lines = File.ReadLines(csv).Skip(1).Select(l => l.Split(',')).ToList();
        double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        var time = lines.Select(c => D(c[0])).ToList();
        var died = lines.Select(c => c[1] == "1").ToList();
        var x = lines.Select(c => new[] { D(c[2]), D(c[3]), D(c[4]) }).ToList();
        lines = null;
        GC.Collect();

        var (cox, coxSeconds) = Best(() => Cox.Fit(time, died, x, ["x1", "x2", "x3"], Ties.Efron));
        var (km, kmSeconds) = Best(() => KaplanMeier.Fit(time, died));
        var rCox = rJson.GetProperty("coxSeconds").GetDouble();
        var rKm = rJson.GetProperty("kmSeconds").GetDouble();
        var worst = Enumerable.Range(0, 3).Max(j => Math.Max(
            Math.Abs(cox.Coefficients[j].Coef - rJson.GetProperty("coef")[j].GetDouble()) / Math.Abs(rJson.GetProperty("coef")[j].GetDouble()),
            Math.Abs(cox.Coefficients[j].Se - rJson.GetProperty("se")[j].GetDouble()) / rJson.GetProperty("se")[j].GetDouble()));
        Console.WriteLine($"n = {n:N0}, {died.Count(d => d):N0} events, {time.Distinct().Count()} distinct times");
        Console.WriteLine($"Cox (Efron, 3 covariates): R {rCox:0.000} s, NpcEcrf {coxSeconds:0.000} s: {rCox / coxSeconds:0.0}x faster; largest relative difference in coef/SE {worst:E1}");
        Console.WriteLine($"Kaplan-Meier:              R {rKm:0.000} s, NpcEcrf {kmSeconds:0.000} s: {rKm / kmSeconds:0.0}x faster; median {km.Median(MedianMethod.R).Value} (R {rJson.GetProperty("kmMedian").GetDouble()})");
        Console.WriteLine($"Managed memory after the fits: {GC.GetTotalMemory(false) / 1048576.0:0} MB");
        return worst < 1e-6 ? 0 : 1;
    }

    /// <summary>The best of three runs (after a warm-up), as R's single timing is on a warm interpreter.</summary>
    private static (T Result, double Seconds) Best<T>(Func<T> work)
    {
        var result = work();
        var best = double.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            result = work();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return (result, best);
    }

    /// <summary>The benchmark's own schema, dropped with whatever a previous run left and readied as every verb readies one.</summary>
    internal static async Task FreshSchema(NpcEcrfSettings settings, CancellationToken ct)
    {
        await using (var drop = new NpgsqlConnection(settings.SchemaChangeConnectionString))
        {
            await drop.OpenAsync(ct);
            await new NpgsqlCommand($"drop schema if exists \"{settings.Schema}\" cascade", drop).ExecuteNonQueryAsync(ct);
        }
        await SchemaPreparation.PrepareAsync(settings, Console.Error.WriteLine, ct);
    }
}
