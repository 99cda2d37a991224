using System.Globalization;

namespace NpcEcrf.Analysis.Tests;

/// <summary>
/// Agreement with R's survival package (values made by tests/reference/r/make-reference.R; see expected/VERSION)
/// within 1e-6 relative, for every table column, both tie methods, all three bands, and the global tests.
/// </summary>
public class RReferenceTests
{
    private const double Tolerance = 1e-6;
    public static readonly string[] Datasets = ["lung", "ovarian", "veteran", "heavy_ties", "censor_at_event_times", "single_group", "flat_median"];
    public static TheoryData<string> All => new(Datasets);

    internal static string Dir => Path.Combine(RepoRoot(), "tests", "reference", "r");

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NpcEcrf.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("NpcEcrf.sln");
    }

    internal static List<Dictionary<string, double?>> Csv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',').Select(h => h.Trim()).ToArray();
        return lines.Skip(1).Select(l => l.Split(',').Select(v => v.Trim()).ToArray())
            .Select(v => header.Select((h, i) => (h, i)).ToDictionary(x => x.h, x => v[x.i] == "NA" || !double.TryParse(v[x.i], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? (double?)null : d))
            .ToList();
    }

    internal static List<string[]> Raw(string path) => File.ReadAllLines(path).Skip(1).Select(l => l.Split(',').Select(v => v.Trim()).ToArray()).ToList();

    private static (List<double> Time, List<bool> Event, List<double[]> X, List<string> Group) Data(string name)
    {
        var rows = Csv(Path.Combine(Dir, "data", name + ".csv"));
        return (rows.Select(r => r["time"]!.Value).ToList(), rows.Select(r => r["status"] == 1).ToList(),
            rows.Select(r => new[] { r["x1"]!.Value, r["x2"]!.Value }).ToList(), rows.Select(r => r["group"]!.Value.ToString(CultureInfo.InvariantCulture)).ToList());
    }

    internal static void Close(double? expected, double? actual, string what)
    {
        if (expected is null || !double.IsFinite(expected.Value)) { Assert.True(actual is null || !double.IsFinite(actual.Value) || expected is null && actual is null, $"{what}: R has NA, we have {actual}"); return; }
        Assert.True(actual is not null, $"{what}: R has {expected}, we have null");
        var scale = Math.Max(Math.Abs(expected.Value), 1e-12);
        Assert.True(Math.Abs(expected.Value - actual!.Value) / scale <= Tolerance || Math.Abs(expected.Value - actual.Value) < 1e-12,
            $"{what}: R {expected.Value:R}, we {actual.Value:R}");
    }

    [Theory]
    [MemberData(nameof(All))]
    public void kaplan_meier_tables_and_bands(string name)
    {
        var (time, died, _, _) = Data(name);
        foreach (var (conf, type) in new[] { ("plain", ConfType.Plain), ("log", ConfType.Log), ("log-log", ConfType.LogLog) })
        {
            var expected = Csv(Path.Combine(Dir, "expected", $"{name}_km_{conf}.csv"));
            var table = KaplanMeier.Fit(time, died, type).Table;
            Assert.Equal(expected.Count, table.Count);
            for (var i = 0; i < table.Count; i++)
            {
                var (e, a) = (expected[i], table[i]);
                var at = $"{name} {conf} row {i}";
                Close(e["time"], a.Time, at + " time");
                Assert.Equal((e["n_risk"], e["n_event"], e["n_censor"]), ((double?)a.NRisk, (double?)a.NEvent, (double?)a.NCensor));
                Close(e["surv"], a.Survival, at + " surv");
                if (a.Survival > 0) Close(e["std_err"], a.StdErr, at + " std.err");
                if (a.Survival > 0) { Close(e["lower"], a.Lower, at + " lower"); Close(e["upper"], a.Upper, at + " upper"); }
            }
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public void medians_and_quartiles_by_the_r_rule(string name)
    {
        var (time, died, _, _) = Data(name);
        foreach (var row in Raw(Path.Combine(Dir, "expected", $"{name}_quantiles.csv")))
        {
            var type = row[0] switch { "plain" => ConfType.Plain, "log" => ConfType.Log, _ => ConfType.LogLog };
            var p = double.Parse(row[1], CultureInfo.InvariantCulture);
            double? V(string s) => s == "NA" ? null : double.Parse(s, CultureInfo.InvariantCulture);
            var q = KaplanMeier.Fit(time, died, type).Quantile(p, MedianMethod.R);
            var at = $"{name} {row[0]} p={p}";
            Assert.Equal(V(row[2]), q.Value);
            Assert.True(V(row[3]) == q.Lower, $"{at} lower: R {row[3]}, we {q.Lower}");
            Assert.True(V(row[4]) == q.Upper, $"{at} upper: R {row[4]}, we {q.Upper}");
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public void cox_coefficients_and_global_tests(string name)
    {
        var (time, died, x, _) = Data(name);
        foreach (var (label, ties) in new[] { ("efron", Ties.Efron), ("breslow", Ties.Breslow) })
        {
            var fit = Cox.Fit(time, died, x, ["x1", "x2"], ties);
            if (name == "flat_median")
            {
                // R: "Ran out of iterations and did not converge" (x1 separates the events): we must say so too.
                Assert.NotEmpty(fit.Warnings);
                continue;
            }
            Assert.True(fit.Converged, $"{name} {label}");
            var coefs = Csv(Path.Combine(Dir, "expected", $"{name}_cox_{label}.csv"));
            for (var j = 0; j < 2; j++)
            {
                Close(coefs[j]["coef"], fit.Coefficients[j].Coef, $"{name} {label} coef {j}");
                Close(coefs[j]["se"], fit.Coefficients[j].Se, $"{name} {label} se {j}");
            }
            var tests = Csv(Path.Combine(Dir, "expected", $"{name}_cox_{label}_tests.csv"));
            Close(tests[0]["chisq"], fit.LrTest.ChiSquare, $"{name} {label} LR");
            Close(tests[1]["chisq"], fit.WaldTest.ChiSquare, $"{name} {label} Wald");
            Close(tests[2]["chisq"], fit.ScoreTest.ChiSquare, $"{name} {label} score");
            Close(tests[3]["chisq"], fit.LogLik, $"{name} {label} loglik");
            Close(tests[4]["chisq"], fit.LogLikNull, $"{name} {label} loglik null");
            Close(tests[0]["p"], fit.LrTest.P, $"{name} {label} LR p");
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public void log_rank(string name)
    {
        var path = Path.Combine(Dir, "expected", $"{name}_logrank.csv");
        if (!File.Exists(path)) return; // one group: no test (R refuses too)
        var (time, died, _, group) = Data(name);
        var expected = Csv(path)[0];
        var test = LogRank.Test(time, died, group);
        Close(expected["chisq"], test.ChiSquare, $"{name} log-rank");
        Assert.Equal((int)expected["df"]!.Value, test.Df);
    }
}
