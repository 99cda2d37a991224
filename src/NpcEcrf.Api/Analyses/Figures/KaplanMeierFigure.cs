using NpcEcrf.Analysis;
using static NpcEcrf.Api.Analyses.Figures.SvgCanvas;

namespace NpcEcrf.Api.Analyses.Figures;

/// <summary>One curve of a Kaplan-Meier figure: its label (the group) and the analysis' summary (table with bands, median).</summary>
public sealed record KaplanMeierCurve(string Label, SurvivalSummary Summary);

/// <summary>
/// A Kaplan-Meier figure as survminer draws one: step curves with the pointwise confidence band the analysis computed
/// (in the profile's band type), censor marks, a legend, the dashed median line, axis labels with units, the log-rank P
/// where there are several curves, and the numbers at risk under the axis at each tick, under the title "Number at risk".
/// </summary>
public static class KaplanMeierFigure
{
    private const int Right = 20, PlotHeight = 260, RiskRow = 16, MaxLeft = 200;

    /// <param name="endpoint">The y-axis label: "Progression-free survival probability", "Overall survival probability".</param>
    /// <param name="band">The band type of the analysis (the profile's), named in the legend.</param>
    public static string Draw(IReadOnlyList<KaplanMeierCurve> curves, string endpoint, ConfType band, LogRankResult? logRank = null)
    {
        var axis = FigureGeometry.TimeAxisFor(curves.SelectMany(c => c.Summary.Table).Select(r => r.Time).DefaultIfEmpty(1).Max());
        // The risk table's row labels sit left of the axis, as in survminer: the margin grows with the longest.
        var left = Math.Clamp(curves.Max(c => EstimatedWidth(c.Label)) + 16, 80, MaxLeft);
        var legend = Legend(curves, band, 12, curves.Count > 1 ? logRank : null);
        var top = legend.Height + 12;
        var x = new LinearScale(0, axis.Max, left, Width - Right);
        var y = new LinearScale(0, 1, top + PlotHeight, top);
        var bottom = top + PlotHeight;
        var height = bottom + 64 + RiskRow * curves.Count + 8;
        var svg = new SvgCanvas("kaplan-meier", height);
        svg.Raw(legend.Svg);

        // Axes, ticks, labels with units.
        svg.Line(left, top, left, bottom).Line(left, bottom, Width - Right, bottom);
        foreach (var t in axis.Ticks)
            svg.Line(x[t], bottom, x[t], bottom + 4).Text(x[t], bottom + 16, Px(t), "middle", "x-tick");
        foreach (var s in new[] { 0, 0.25, 0.5, 0.75, 1 })
            svg.Line(left - 4, y[s], left, y[s]).Text(left - 7, y[s] + 4, s.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), "end");
        svg.Text((left + Width - Right) / 2.0, bottom + 34, "Time (months)", "middle", "x-label");
        svg.Text(left - 42, (top + bottom) / 2.0, endpoint, "middle", "y-label", vertical: true);

        for (var i = 0; i < curves.Count; i++)
        {
            var (colour, table) = (Colour(i), curves[i].Summary.Table);
            foreach (var polygon in FigureGeometry.BandPolygons(table))
                svg.Path("M" + string.Join(" L", polygon.Select(p => $"{Px(x[p.Time])},{Px(y[p.Survival])}")) + " Z", "band", colour, extra: " fill-opacity=\"0.18\"");
        }
        for (var i = 0; i < curves.Count; i++)
        {
            var (colour, table) = (Colour(i), curves[i].Summary.Table);
            var path = $"M{Px(x[0])},{Px(y[1])}" + string.Concat(table.Select(r => $" H{Px(x[r.Time])}" + (r.NEvent > 0 ? $" V{Px(y[r.Survival])}" : "")));
            svg.Path(path, "curve", stroke: colour, width: 2);
            foreach (var r in table.Where(r => r.NCensor > 0))
                svg.Path($"M{Px(x[r.Time] - 4)},{Px(y[r.Survival])} h8 M{Px(x[r.Time])},{Px(y[r.Survival] - 4)} v8", "censor", stroke: colour, width: 1.5);
        }
        foreach (var c in curves)
            if (FigureGeometry.MedianLine(c.Summary.Median) is { } line)
                svg.Path("M" + string.Join(" L", line.Select(p => $"{Px(x[p.Time])},{Px(y[p.Survival])}")), "median-line", stroke: "#444", extra: " stroke-dasharray=\"5 4\"");

        // Numbers at risk, under the axis at the ticks, one row per curve in its colour.
        svg.Raw("<g class=\"risk-table\">");
        svg.Text(4, bottom + 58, "Number at risk", cls: "risk-table-title", bold: true);
        for (var i = 0; i < curves.Count; i++)
        {
            var rowY = bottom + 58 + RiskRow * (i + 1);
            // A label longer than the margin is shortened here (the legend above has it in full, in the same colour).
            svg.Text(4, rowY, Shorten(curves[i].Label, left - 14), cls: "risk-label", fill: Colour(i));
            foreach (var t in axis.Ticks)
                svg.Text(x[t], rowY, FigureGeometry.AtRisk(curves[i].Summary.Table, t).ToString(System.Globalization.CultureInfo.InvariantCulture), "middle", "at-risk", Colour(i));
        }
        svg.Raw("</g>");
        return svg.ToString();
    }

    /// <summary>The label, cut with an ellipsis to fit a width (in pixels of 11 px text).</summary>
    public static string Shorten(string label, double width)
    {
        var fits = (int)(width / (11 * 0.56));
        return label.Length <= fits ? label : label[..Math.Max(1, fits - 1)].TrimEnd() + "…";
    }

    /// <summary>"= 0.012", "&lt; 0.001": a P value as printed in a figure.</summary>
    public static string PValue(double p) => p < 0.001 ? "< 0.001" : $"= {p.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The band type as the legend names it.</summary>
    public static string BandName(ConfType band) => band switch { ConfType.LogLog => "log-log", ConfType.Plain => "plain", _ => "log" };

    private static (string Svg, int Height) Legend(IReadOnlyList<KaplanMeierCurve> curves, ConfType band, double left, LogRankResult? logRank)
    {
        var canvas = SvgCanvas.Fragment().Raw("<g class=\"legend\">");
        double lx = left, ly = 14;
        var rows = 1;
        void Entry(string swatch, string label)
        {
            if (lx + 28 + EstimatedWidth(label) > Width - Right && lx > left) { lx = left; ly += 16; rows++; }
            lx = canvas.LegendEntry(lx, ly, swatch, label);
        }
        for (var i = 0; i < curves.Count; i++)
        {
            var s = curves[i].Summary;
            var median = s.Median is { } m ? FormattableString.Invariant($"median {m:0.0} months") : "median not reached";
            Entry(LineSwatch(Colour(i)), $"{curves[i].Label} (n = {s.N}, {s.Events} events, {median})");
        }
        lx = left; ly += 16; rows++;
        Entry(CensorSwatch("#444"), "Censored");
        Entry(BoxSwatch(Colour(0), 0.25), $"95% confidence band ({BandName(band)})");
        Entry(LineSwatch("#444", "5 4"), "Median");
        // The test across the curves beside the key, where survminer prints it, clear of the curves and the median line.
        if (logRank is not null) canvas.Text(Width - Right, ly + 4, $"Log-rank P {PValue(logRank.P)}", "end", "log-rank", bold: true);
        return (canvas.Raw("</g>").ToString(), 16 * rows);
    }
}
