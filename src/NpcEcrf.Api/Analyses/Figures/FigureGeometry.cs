using NpcEcrf.Analysis;

namespace NpcEcrf.Api.Analyses.Figures;

/// <summary>A linear map from data to pixels.</summary>
public sealed record LinearScale(double DomainMin, double DomainMax, double PixelMin, double PixelMax)
{
    public double this[double value] => PixelMin + (value - DomainMin) / (DomainMax - DomainMin) * (PixelMax - PixelMin);
}

/// <summary>A log map from hazard ratios to pixels.</summary>
public sealed record LogScale(double DomainMin, double DomainMax, double PixelMin, double PixelMax)
{
    public double this[double value] =>
        PixelMin + (Math.Log(value) - Math.Log(DomainMin)) / (Math.Log(DomainMax) - Math.Log(DomainMin)) * (PixelMax - PixelMin);
}

/// <summary>A time axis: its end and the interval of its ticks (which are also the times of the numbers at risk).</summary>
public sealed record TimeAxis(double Max, double Step)
{
    public IReadOnlyList<double> Ticks => Enumerable.Range(0, (int)Math.Round(Max / Step) + 1).Select(i => i * Step).ToList();
}

/// <summary>A waterfall's y axis, in % change: from -100 (every lesion gone) to <paramref name="Top"/>; bars above are drawn truncated.</summary>
public sealed record WaterfallAxis(double Top, IReadOnlyList<double> Ticks)
{
    public bool Truncates(double percent) => percent > Top;
}

/// <summary>The geometry of the figures as pure functions: scales, ticks, numbers at risk, bands, truncation.</summary>
public static class FigureGeometry
{
    private static readonly double[] TimeSteps = [1, 2, 3, 6, 12, 24, 36, 60, 120];

    /// <summary>
    /// Ticks at a regular interval, in whole months a reader expects (1, 2, 3, 6, 12, ...): the smallest interval that
    /// covers the longest time in at most <paramref name="maxIntervals"/> steps (survminer's break.time.by, chosen for you).
    /// </summary>
    public static TimeAxis TimeAxisFor(double longest, int maxIntervals = 8)
    {
        var end = Math.Max(longest, 1);
        var step = TimeSteps.FirstOrDefault(s => Math.Ceiling(end / s - 1e-9) <= maxIntervals, TimeSteps[^1]);
        return new TimeAxis(Math.Max(step, Math.Ceiling(end / step - 1e-9) * step), step);
    }

    /// <summary>Numbers at risk at a time: everyone whose time is at or after it (R's n.risk of summary.survfit at that time).</summary>
    public static int AtRisk(IReadOnlyList<SurvivalRow> table, double time) =>
        table.FirstOrDefault(r => r.Time >= time)?.NRisk ?? 0;

    /// <summary>
    /// The pointwise confidence band as step polygons (time, survival), in the band the analysis computed (each row's
    /// lower and upper hold until the next distinct time). Where the band is undefined (S = 1 before the first event,
    /// S = 0, or the log-log band at 1) there is a gap, not an invented interval.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<(double Time, double Survival)>> BandPolygons(IReadOnlyList<SurvivalRow> table)
    {
        var polygons = new List<IReadOnlyList<(double, double)>>();
        var run = new List<(double From, double To, double Lower, double Upper)>();
        void Close()
        {
            if (run.Count == 0) return;
            var upper = run.SelectMany(s => new[] { (s.From, s.Upper), (s.To, s.Upper) });
            var lower = run.AsEnumerable().Reverse().SelectMany(s => new[] { (s.To, s.Lower), (s.From, s.Lower) });
            polygons.Add(upper.Concat(lower).ToList());
            run.Clear();
        }
        for (var i = 0; i + 1 < table.Count; i++)
        {
            var row = table[i];
            if (row is { Lower: { } lo, Upper: { } hi } && hi > lo) run.Add((row.Time, table[i + 1].Time, lo, hi));
            else Close();
        }
        Close();
        return polygons;
    }

    /// <summary>The dashed median line, survminer's "hv": across from 0.5 to the median, then down to the time axis.</summary>
    public static IReadOnlyList<(double Time, double Survival)>? MedianLine(double? median) =>
        median is { } m && double.IsFinite(m) ? [(0, 0.5), (m, 0.5), (m, 0)] : null;

    /// <summary>
    /// The log axis of a forest plot: powers of two around 1 that hold every finite interval, within 1/64 to 64;
    /// intervals beyond it are drawn to its edge with an arrow.
    /// </summary>
    public static (double Min, double Max, IReadOnlyList<double> Ticks) HazardAxis(IEnumerable<double> bounds)
    {
        var finite = bounds.Where(b => double.IsFinite(b) && b > 0).ToList();
        double lo = finite.Count == 0 ? 0.5 : finite.Min(), hi = finite.Count == 0 ? 2 : finite.Max();
        var min = Math.Pow(2, Math.Clamp(Math.Floor(Math.Log2(Math.Min(lo, 0.5)) + 1e-9), -6, -1));
        var max = Math.Pow(2, Math.Clamp(Math.Ceiling(Math.Log2(Math.Max(hi, 2)) - 1e-9), 1, 6));
        var ticks = new List<double>();
        for (var t = min; t <= max * 1.0001; t *= 2) ticks.Add(t);
        // More than 7 labels crowd the axis: every other power of two, 1 always kept.
        if (ticks.Count > 7) ticks = ticks.Where(t => Math.Abs(Math.Round(Math.Log2(t))) % 2 == 0).ToList();
        return (min, max, ticks);
    }

    /// <summary>
    /// The waterfall's top: the largest best change rounded up to 20 (at least +40, so that the +20% line shows), but
    /// never above +100: a bar beyond it is truncated, and marked so, rather than squashing every other bar.
    /// </summary>
    public static WaterfallAxis WaterfallAxisFor(IEnumerable<double> percents, double cap = 100)
    {
        var largest = percents.DefaultIfEmpty(0).Max();
        var top = Math.Min(cap, Math.Max(40, Math.Ceiling(largest / 20 - 1e-9) * 20));
        var ticks = new List<double>();
        for (var t = -100.0; t <= top + 1e-9; t += 20) ticks.Add(t);
        return new WaterfallAxis(top, ticks);
    }
}
