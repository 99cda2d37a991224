using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;

namespace NpcEcrf.Analysis;

public sealed record LogRankGroup(string Group, int N, double Observed, double Expected);
public sealed record TestResult(double ChiSquare, int Df, double P);
public sealed record LogRankResult(int N, double ChiSquare, int Df, double P, IReadOnlyList<LogRankGroup> Groups);

/// <summary>The k-group log-rank test with the hypergeometric variance (R's survdiff, rho = 0).</summary>
public static class LogRank
{
    public static LogRankResult Test(IReadOnlyList<double> time, IReadOnlyList<bool> died, IReadOnlyList<string> group)
    {
        var names = group.Distinct().Order(StringComparer.Ordinal).ToArray();
        var k = names.Length;
        if (k < 2) throw new ArgumentException("The log-rank test needs at least two groups.");
        var index = names.Select((g, i) => (g, i)).ToDictionary(x => x.g, x => x.i);
        var order = Enumerable.Range(0, time.Count).OrderBy(i => time[i]).ToArray();
        var atRisk = new double[k];
        foreach (var g in group) atRisk[index[g]]++;
        var observed = new double[k];
        var expected = new double[k];
        var variance = new double[k, k];
        for (var i = 0; i < order.Length;)
        {
            var t = time[order[i]];
            var deaths = new double[k];
            var leaving = new double[k];
            for (; i < order.Length && time[order[i]] == t; i++)
            {
                var g = index[group[order[i]]];
                leaving[g]++;
                if (died[order[i]]) deaths[g]++;
            }
            var n = atRisk.Sum();
            var d = deaths.Sum();
            if (d > 0)
            {
                for (var a = 0; a < k; a++)
                {
                    observed[a] += deaths[a];
                    expected[a] += d * atRisk[a] / n;
                    if (n <= 1) continue;
                    for (var b = 0; b < k; b++)
                        variance[a, b] += d * (n - d) / (n - 1) * atRisk[a] / n * ((a == b ? 1 : 0) - atRisk[b] / n);
                }
            }
            for (var a = 0; a < k; a++) atRisk[a] -= leaving[a];
        }
        // The k x k variance is singular; drop the last group.
        var diff = Vector<double>.Build.Dense(k - 1, a => observed[a] - expected[a]);
        var v = Matrix<double>.Build.Dense(k - 1, k - 1, (a, b) => variance[a, b]);
        var chisq = diff * v.Inverse() * diff;
        var groups = names.Select((g, a) => new LogRankGroup(g, group.Count(x => x == g), observed[a], expected[a])).ToList();
        return new LogRankResult(time.Count, chisq, k - 1, 1 - ChiSquared.CDF(k - 1, chisq), groups);
    }
}
