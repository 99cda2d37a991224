using MathNet.Numerics.Distributions;

namespace NpcEcrf.Analysis;

public enum ConfType { Plain, Log, LogLog }
public enum MedianMethod { R, Spss }

/// <summary>One distinct observed time: at risk, events, censored, S(t), Greenwood SE of S, and the pointwise band.</summary>
public sealed record SurvivalRow(double Time, int NRisk, int NEvent, int NCensor, double Survival, double? StdErr, double? Lower, double? Upper);

public sealed record QuantileEstimate(double? Value, double? Lower, double? Upper);

/// <summary>
/// S(t) at a landmark time, as R's <c>summary(survfit(...), times = t, extend = TRUE)</c> computes it, with two conventions
/// of ours (docs/analysis.md): past the last follow-up, where nobody is at risk and the curve has not reached 0, the
/// estimate is not available (R carries the last value forward with n.risk 0); and a band around S = 0 or S = 1 is
/// undefined (the Greenwood variance is 0 or infinite there; R prints NA at 0, and 1-1 at 1 for the log and plain bands).
/// </summary>
/// <param name="Survival">Null where not estimable.</param>
/// <param name="StdErr">The Greenwood SE of S, as R; null where R has none.</param>
/// <param name="Lower">Null where the band is undefined or the estimate not available.</param>
public sealed record LandmarkEstimate(double Time, int NRisk, double? Survival, double? StdErr, double? Lower, double? Upper)
{
    public bool Estimable => Survival is not null;
    /// <summary>An estimate without a band: S is 0 or 1, where a band is undefined.</summary>
    public bool BandUndefined => Survival is not null && Lower is null;
}

/// <summary>
/// A Kaplan-Meier fit with Greenwood variances and R's pointwise bands (survfit). Medians and quartiles by the
/// R rule (quantile.survfit) or the SPSS/Collett rule (../shared/docs/statistics.md).
/// </summary>
public sealed class KaplanMeier
{
    private const double Tolerance = 1e-8;
    public IReadOnlyList<SurvivalRow> Table { get; }
    public int N { get; }
    public int Events { get; }
    public ConfType ConfType { get; }
    public double Level { get; }
    // Greenwood's sum on the log scale, per row: the SE of log S.
    private readonly double[] _logSe;

    private KaplanMeier(IReadOnlyList<SurvivalRow> table, double[] logSe, int n, int events, ConfType confType, double level)
    {
        (Table, _logSe, N, Events, ConfType, Level) = (table, logSe, n, events, confType, level);
    }

    public static KaplanMeier Fit(IReadOnlyList<double> time, IReadOnlyList<bool> died, ConfType confType = ConfType.Log, double level = 0.95)
    {
        if (time.Count != died.Count) throw new ArgumentException("time and event differ in length.");
        var order = Enumerable.Range(0, time.Count).ToArray();
        var keys = time.ToArray();
        Array.Sort(keys, order);
        var z = Normal.InvCDF(0, 1, 1 - (1 - level) / 2);
        var rows = new List<SurvivalRow>();
        var logSe = new List<double>();
        double survival = 1, greenwood = 0;
        var atRisk = time.Count;
        for (var i = 0; i < order.Length;)
        {
            var t = keys[i];
            int events = 0, censored = 0;
            for (; i < order.Length && keys[i] == t; i++)
                if (died[order[i]]) events++; else censored++;
            if (events > 0)
            {
                survival *= 1 - (double)events / atRisk;
                greenwood += atRisk == events ? double.PositiveInfinity : (double)events / (atRisk * (double)(atRisk - events));
            }
            var se = Math.Sqrt(greenwood);
            var (lower, upper) = Band(survival, se, z, confType);
            rows.Add(new SurvivalRow(t, atRisk, events, censored, survival, Finite(survival * se), lower, upper));
            logSe.Add(se);
            atRisk -= events + censored;
        }
        return new KaplanMeier(rows, [.. logSe], time.Count, died.Count(d => d), confType, level);
    }

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;

    /// <summary>R's survfit bands; undefined where R gives NA (S = 0, or S = 1 for log-log).</summary>
    private static (double?, double?) Band(double s, double se, double z, ConfType type)
    {
        if (!double.IsFinite(se)) return (null, null);
        switch (type)
        {
            case ConfType.Plain:
                return (Math.Max(0, s - z * se * s), Math.Min(1, s + z * se * s));
            case ConfType.Log:
                if (s == 0) return (null, null);
                return (Math.Exp(Math.Log(s) - z * se), Math.Min(1, Math.Exp(Math.Log(s) + z * se)));
            default:
                // R's survfit gives NA for log-log at S = 0 and at S = 1.
                if (s == 0 || s == 1) return (null, null);
                var ll = Math.Log(-Math.Log(s));
                // log S < 0, so "- z se / log S" widens towards 0: that is the lower limit (R's survfit.ci).
                return (Math.Exp(-Math.Exp(ll - z * se / Math.Log(s))), Math.Exp(-Math.Exp(ll + z * se / Math.Log(s))));
        }
    }

    /// <summary>S(t): the survival just after the last distinct time at or before t.</summary>
    public double SurvivalAt(double t) => Table.LastOrDefault(r => r.Time <= t)?.Survival ?? 1.0;

    /// <summary>The survival rate at a landmark time (see <see cref="LandmarkEstimate"/>).</summary>
    public LandmarkEstimate Landmark(double t)
    {
        var row = Table.LastOrDefault(r => r.Time <= t);
        // At risk at t: everyone whose time is t or later (R's n.risk in summary.survfit).
        var nRisk = Table.FirstOrDefault(r => r.Time >= t)?.NRisk ?? 0;
        var s = row?.Survival ?? 1.0;
        if (nRisk == 0 && s > 0) return new LandmarkEstimate(t, 0, null, null, null, null);
        if (s is 0 or 1) return new LandmarkEstimate(t, nRisk, s, row is null ? 0 : row.StdErr, null, null);
        return new LandmarkEstimate(t, nRisk, s, row!.StdErr, row.Lower, row.Upper);
    }

    public QuantileEstimate Median(MedianMethod method) => Quantile(0.5, method);

    /// <summary>The time by which a fraction p has had the event (p = 0.5 is the median; 0.25 and 0.75 the quartiles).</summary>
    public QuantileEstimate Quantile(double p, MedianMethod method) => method switch
    {
        MedianMethod.R => new QuantileEstimate(
            QuantileR(Table.Select(r => (double?)r.Survival).ToList(), 1 - p),
            // The lower band reaches the target first: it gives the lower limit (Brookmeyer-Crowley style).
            QuantileR(Table.Select(r => r.Lower).ToList(), 1 - p),
            QuantileR(Table.Select(r => r.Upper).ToList(), 1 - p)),
        _ => Spss(1 - p),
    };

    /// <summary>
    /// R's rule (quantile.survfit): the first time the curve is at or below the target; where the curve sits on the
    /// target over an interval, the midpoint between that time and the next time the curve drops.
    /// </summary>
    private double? QuantileR(IReadOnlyList<double?> curve, double target)
    {
        for (var j = 0; j < Table.Count; j++)
        {
            if (curve[j] is not { } y || y > target + Tolerance) continue;
            if (Math.Abs(y - target) > Tolerance) return Table[j].Time;
            for (var k = j + 1; k < Table.Count; k++)
                if (curve[k] is { } next && next < y - Tolerance) return (Table[j].Time + Table[k].Time) / 2;
            return Table[j].Time;
        }
        return null;
    }

    /// <summary>
    /// SPSS (Collett): t = min{t_j : S(t_j) <= target} over event times; SE = SE(S(t)) / f with
    /// f = (S(u) - S(l)) / (l - u), u = max{t_j : S >= target + 0.05}, l = min{t_j : S <= target - 0.05}; CI t +- z SE.
    /// </summary>
    private QuantileEstimate Spss(double target)
    {
        var events = Table.Where(r => r.NEvent > 0).ToList();
        var at = events.FirstOrDefault(r => r.Survival <= target + Tolerance);
        if (at is null) return new QuantileEstimate(null, null, null);
        var upperRow = events.LastOrDefault(r => r.Survival >= target + 0.05 - Tolerance);
        var (u, su) = upperRow is null ? (0.0, 1.0) : (upperRow.Time, upperRow.Survival);
        var lowerRow = events.FirstOrDefault(r => r.Survival <= target - 0.05 + Tolerance);
        if (lowerRow is null || at.StdErr is not { } seS || lowerRow.Time == u) return new QuantileEstimate(at.Time, null, null);
        var f = (su - lowerRow.Survival) / (lowerRow.Time - u);
        var se = seS / f;
        var z = Normal.InvCDF(0, 1, 1 - (1 - Level) / 2);
        return new QuantileEstimate(at.Time, at.Time - z * se, at.Time + z * se);
    }

    /// <summary>Median follow-up by the reverse Kaplan-Meier: censoring is the event.</summary>
    public static QuantileEstimate MedianFollowUp(IReadOnlyList<double> time, IReadOnlyList<bool> died, MedianMethod method = MedianMethod.R) =>
        Fit(time, died.Select(d => !d).ToList()).Median(method);
}
