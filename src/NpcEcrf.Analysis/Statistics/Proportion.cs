using MathNet.Numerics.Distributions;

namespace NpcEcrf.Analysis;

public enum ProportionMethod { T, Wald, Wilson, ClopperPearson }

public sealed record ProportionEstimate(int K, int N, double Estimate, double Lower, double Upper, ProportionMethod Method);

/// <summary>k successes in n, with a 95% interval (../shared/docs/statistics.md, "Proportions").</summary>
public static class Proportion
{
    public static ProportionEstimate Estimate(int k, int n, ProportionMethod method, double level = 0.95)
    {
        if (n <= 0 || k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), "Need 0 <= k <= n and n > 0.");
        var p = (double)k / n;
        var alpha = 1 - level;
        var z = Normal.InvCDF(0, 1, 1 - alpha / 2);
        var (lower, upper) = method switch
        {
            // SPSS "mean of a 0/1 variable": SD with n-1, t quantile; not clipped to [0, 1].
            ProportionMethod.T => n < 2 ? (double.NaN, double.NaN) : Around(p, StudentT.InvCDF(0, 1, n - 1, 1 - alpha / 2) * Math.Sqrt(p * (1 - p) / (n - 1))),
            ProportionMethod.Wald => Around(p, z * Math.Sqrt(p * (1 - p) / n)),
            ProportionMethod.Wilson => Wilson(p, n, z),
            ProportionMethod.ClopperPearson => (k == 0 ? 0 : Beta.InvCDF(k, n - k + 1, alpha / 2), k == n ? 1 : Beta.InvCDF(k + 1, n - k, 1 - alpha / 2)),
            _ => throw new ArgumentOutOfRangeException(nameof(method)),
        };
        return new ProportionEstimate(k, n, p, lower, upper, method);
    }

    private static (double, double) Around(double p, double half) => (p - half, p + half);

    private static (double, double) Wilson(double p, int n, double z)
    {
        var z2 = z * z;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return (centre - half, centre + half);
    }
}
