using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;

namespace NpcEcrf.Analysis;

public enum Ties { Efron, Breslow }

public sealed record CoxCoefficient(string Name, double Coef, double Se, double Hr, double HrLower, double HrUpper, double Z, double P);

public sealed record CoxResult(
    int N, int Events, Ties Ties, int Iterations, bool Converged, double LogLik, double LogLikNull,
    IReadOnlyList<CoxCoefficient> Coefficients, TestResult LrTest, TestResult WaldTest, TestResult ScoreTest, IReadOnlyList<string> Warnings);

/// <summary>
/// Cox proportional hazards by Newton-Raphson with step-halving (R's coxph.fit): one sort by time, then risk-set
/// sums accumulated from the latest time backwards, O((n + d) p^2) per iteration with no per-row allocation.
/// </summary>
public static class Cox
{
    public const double Eps = 1e-9;
    public const int MaxIterations = 20;

    /// <param name="x">Covariates by row: x[i][j] is covariate j of subject i.</param>
    public static CoxResult Fit(IReadOnlyList<double> time, IReadOnlyList<bool> died, IReadOnlyList<double[]> x, IReadOnlyList<string> names, Ties ties = Ties.Efron, double level = 0.95)
    {
        var n = time.Count;
        var p = names.Count;
        // Latest first, events before censorings at a tie is irrelevant: the whole tie group joins the risk set together.
        var order = Enumerable.Range(0, n).ToArray();
        var keys = time.Select(t => -t).ToArray();
        Array.Sort(keys, order);
        var centred = new double[n * p];
        for (var j = 0; j < p; j++)
        {
            var mean = 0.0;
            for (var i = 0; i < n; i++) mean += x[i][j];
            mean /= n;
            for (var r = 0; r < n; r++) centred[r * p + j] = x[order[r]][j] - mean;
        }
        var sortedTime = order.Select(i => time[i]).ToArray();
        var sortedDied = order.Select(i => died[i]).ToArray();
        var data = new Data(n, p, sortedTime, sortedDied, centred, ties);

        var beta = new double[p];
        var zero = data.Evaluate(beta);
        var current = zero;
        var warnings = new List<string>();
        var iterations = 0;
        var converged = false;
        while (iterations < MaxIterations)
        {
            iterations++;
            var step = Solve(current.Information, current.Score);
            if (step is null) { warnings.Add("The information matrix is singular (a covariate is constant or collinear)."); break; }
            var candidate = beta.Zip(step, (b, s) => b + s).ToArray();
            var next = data.Evaluate(candidate);
            var halvings = 0;
            while ((double.IsNaN(next.LogLik) || next.LogLik < current.LogLik - 1e-12) && halvings++ < 30)
            {
                candidate = beta.Zip(candidate, (b, c) => (b + c) / 2).ToArray();
                next = data.Evaluate(candidate);
            }
            var change = Math.Abs(1 - current.LogLik / next.LogLik);
            (beta, current) = (candidate, next);
            if (change <= Eps) { converged = true; break; }
        }
        if (!converged && warnings.Count == 0) warnings.Add($"Ran out of iterations ({MaxIterations}) and did not converge.");

        var variance = Invert(current.Information) ?? Matrix<double>.Build.Dense(p, p, double.NaN);
        // R's check: where the remaining Newton step is still large against the coefficient, it runs to infinity.
        var remaining = variance * Vector<double>.Build.DenseOfArray(current.Score);
        for (var j = 0; j < p; j++)
            if (Math.Abs(remaining[j]) > Eps && Math.Abs(remaining[j]) > Math.Sqrt(Eps) * Math.Abs(beta[j]) || !double.IsFinite(beta[j]))
                warnings.Add($"Loglik converged before variable {j + 1} ({names[j]}); coefficient may be infinite.");

        var z = Normal.InvCDF(0, 1, 1 - (1 - level) / 2);
        var coefficients = Enumerable.Range(0, p).Select(j =>
        {
            var se = Math.Sqrt(variance[j, j]);
            var wald = beta[j] / se;
            return new CoxCoefficient(names[j], beta[j], se, Math.Exp(beta[j]), Math.Exp(beta[j] - z * se), Math.Exp(beta[j] + z * se), wald, 2 * (1 - Normal.CDF(0, 1, Math.Abs(wald))));
        }).ToList();
        var b = Vector<double>.Build.DenseOfArray(beta);
        var u0 = Vector<double>.Build.DenseOfArray(zero.Score);
        var i0 = Invert(zero.Information);
        var info = Matrix<double>.Build.DenseOfArray(current.Information);
        return new CoxResult(n, data.Events, ties, iterations, converged, current.LogLik, zero.LogLik, coefficients,
            Test(2 * (current.LogLik - zero.LogLik), p), Test(b * info * b, p), Test(i0 is null ? double.NaN : u0 * i0 * u0, p), warnings);
    }

    private static TestResult Test(double chisq, int df) => new(chisq, df, double.IsFinite(chisq) ? 1 - ChiSquared.CDF(df, Math.Max(0, chisq)) : double.NaN);

    private static Matrix<double>? Invert(double[,] information)
    {
        var m = Matrix<double>.Build.DenseOfArray(information);
        var inverse = m.Inverse();
        return inverse.Enumerate().All(double.IsFinite) && Math.Abs(m.Determinant()) > 1e-300 ? inverse : null;
    }

    private static double[]? Solve(double[,] information, double[] score) =>
        Invert(information) is { } inverse ? (inverse * Vector<double>.Build.DenseOfArray(score)).ToArray() : null;

    private sealed record Evaluation(double LogLik, double[] Score, double[,] Information);

    /// <summary>Sorted, centred data; evaluates log partial likelihood, score and information at a beta.</summary>
    private sealed class Data(int n, int p, double[] time, bool[] died, double[] x, Ties ties)
    {
        public int Events { get; } = died.Count(d => d);
        private readonly double[] _s1 = new double[p], _d1 = new double[p], _mean = new double[p];
        private readonly double[] _s2 = new double[p * p], _d2 = new double[p * p];

        public Evaluation Evaluate(double[] beta)
        {
            var logLik = 0.0;
            var score = new double[p];
            var info = new double[p, p];
            double s0 = 0;
            Array.Clear(_s1); Array.Clear(_s2);
            for (var i = 0; i < n;)
            {
                var t = time[i];
                double d0 = 0, deaths = 0;
                Array.Clear(_d1); Array.Clear(_d2);
                // Everyone with this time joins the risk set; the deaths among them are also tallied apart (Efron).
                for (; i < n && time[i] == t; i++)
                {
                    var eta = 0.0;
                    for (var j = 0; j < p; j++) eta += beta[j] * x[i * p + j];
                    var risk = Math.Exp(eta);
                    s0 += risk;
                    for (var j = 0; j < p; j++)
                    {
                        var xj = x[i * p + j];
                        _s1[j] += risk * xj;
                        for (var k = 0; k <= j; k++) _s2[j * p + k] += risk * xj * x[i * p + k];
                    }
                    if (!died[i]) continue;
                    deaths++;
                    d0 += risk;
                    logLik += eta;
                    for (var j = 0; j < p; j++)
                    {
                        var xj = x[i * p + j];
                        score[j] += xj;
                        _d1[j] += risk * xj;
                        for (var k = 0; k <= j; k++) _d2[j * p + k] += risk * xj * x[i * p + k];
                    }
                }
                if (deaths == 0) continue;
                var steps = ties == Ties.Efron ? (int)deaths : 1;
                var weight = ties == Ties.Efron ? 1.0 : deaths;
                for (var l = 0; l < steps; l++)
                {
                    var frac = ties == Ties.Efron ? l / deaths : 0.0;
                    var denominator = s0 - frac * d0;
                    logLik -= weight * Math.Log(denominator);
                    for (var j = 0; j < p; j++)
                    {
                        _mean[j] = (_s1[j] - frac * _d1[j]) / denominator;
                        score[j] -= weight * _mean[j];
                    }
                    for (var j = 0; j < p; j++)
                        for (var k = 0; k <= j; k++)
                            info[j, k] += weight * ((_s2[j * p + k] - frac * _d2[j * p + k]) / denominator - _mean[j] * _mean[k]);
                }
            }
            for (var j = 0; j < p; j++)
                for (var k = 0; k < j; k++) info[k, j] = info[j, k];
            return new Evaluation(logLik, score, info);
        }
    }
}
