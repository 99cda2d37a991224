using System.Globalization;
using NpcEcrf.Analysis;
using static NpcEcrf.Api.Analyses.Figures.SvgCanvas;

namespace NpcEcrf.Api.Analyses.Figures;

/// <summary>One row of a forest plot: what is compared, with how many subjects, and its hazard ratio.</summary>
public sealed record ForestRow(string Label, int N, double Hr, double Lower, double Upper, double P);

/// <summary>
/// A forest plot as R's forestplot lays one out: a labelled row per comparison, columns n, HR (95% CI) and P beside the
/// plot, squares and interval lines on a log axis with the line of no effect at 1 and a full axis label.
/// </summary>
public static class ForestFigure
{
    private const int RowHeight = 22, Header = 30, Right = 10;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The univariate screen: each factor fitted alone, one row per comparison.</summary>
    public static IReadOnlyList<ForestRow> Univariate(StudyAnalysisResult r) =>
        r.CoxUnivariate.Select(c => new ForestRow($"{c.Label}: {c.Comparison}", c.N, c.Hr, c.HrLower, c.HrUpper, c.P)).ToList();

    /// <summary>The plan's multivariate model, each column under its label from the catalogue (<see cref="CoxModel.CoefficientLabels"/>).</summary>
    public static IReadOnlyList<ForestRow> Multivariate(CoxModel model) =>
        model.Coefficients.Select((c, i) => new ForestRow(model.CoefficientLabels[i], model.N, c.Hr, c.HrLower, c.HrUpper, c.P)).ToList();

    public static string Hr(ForestRow row) => double.IsFinite(row.Hr)
        ? $"{row.Hr.ToString("0.00", Inv)} ({Bound(row.Lower)}-{Bound(row.Upper)})"
        : "NA";

    public static string P(double p) => !double.IsFinite(p) ? "NA" : p < 0.001 ? "<0.001" : p.ToString("0.000", Inv);

    private static string Bound(double b) => double.IsFinite(b) ? b.ToString("0.00", Inv) : "NA";

    /// <param name="endpoint">What the hazard is of, for the axis label ("progression or death").</param>
    public static string Draw(IReadOnlyList<ForestRow> rows, string endpoint)
    {
        var labelWidth = Math.Clamp(rows.Select(r => EstimatedWidth(r.Label)).DefaultIfEmpty(100).Max() + 8, 140, 320);
        double nRight = 4 + labelWidth + 36, pRight = Width - Right, hrLeft = pRight - 60 - 120;
        double plotLeft = nRight + 16, plotRight = hrLeft - 16;
        var (min, max, ticks) = FigureGeometry.HazardAxis(rows.SelectMany(r => new[] { r.Lower, r.Upper }));
        var x = new LogScale(min, max, plotLeft, plotRight);
        var bottom = Header + RowHeight * Math.Max(1, rows.Count);
        var svg = new SvgCanvas("forest", bottom + 58);

        svg.Raw("<g class=\"forest-header\">")
            .Text(4, 18, "Factor: comparison", bold: true, cls: "col-label")
            .Text(nRight, 18, "n", "end", "col-n", bold: true)
            .Text((plotLeft + plotRight) / 2, 18, "Hazard ratio", "middle", bold: true)
            .Text(hrLeft, 18, "HR (95% CI)", cls: "col-hr", bold: true)
            .Text(pRight, 18, "P", "end", "col-p", bold: true)
            .Raw("</g>")
            .Line(4, Header - 6, pRight, Header - 6, "#999");
        svg.Line(x[1], Header - 4, x[1], bottom, "#777", "no-effect", "4 3");
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var y = Header + RowHeight * i + RowHeight / 2.0;
            svg.Raw("<g class=\"forest-row\">")
                .Text(4, y + 4, row.Label, cls: "row-label")
                .Text(nRight, y + 4, row.N.ToString(Inv), "end", "n")
                .Text(hrLeft, y + 4, Hr(row), cls: "hr-ci")
                .Text(pRight, y + 4, P(row.P), "end", "p");
            if (double.IsFinite(row.Hr) && row.Hr > 0)
            {
                double lo = double.IsNaN(row.Lower) ? min : Math.Clamp(row.Lower, min, max), hi = double.IsNaN(row.Upper) ? max : Math.Clamp(row.Upper, min, max);
                svg.Line(x[lo], y, x[hi], y, "#000", "ci", width: 1.5);
                // An interval beyond the axis ends in an arrow at its edge, not silently cut.
                if (double.IsNaN(row.Lower) || row.Lower < min) svg.Path($"M{Px(x[min])},{Px(y)} l7,-4 v8 z", "ci-arrow", "#000");
                if (double.IsNaN(row.Upper) || row.Upper > max) svg.Path($"M{Px(x[max])},{Px(y)} l-7,-4 v8 z", "ci-arrow", "#000");
                if (row.Hr >= min && row.Hr <= max) svg.Rect(x[row.Hr] - 5, y - 5, 10, 10, "#0072B2", "hr", $"{row.Label}: HR {Hr(row)}, P {P(row.P)}");
            }
            svg.Raw("</g>");
        }
        svg.Line(plotLeft, bottom + 4, plotRight, bottom + 4);
        foreach (var t in ticks)
            svg.Line(x[t], bottom + 4, x[t], bottom + 8).Text(x[t], bottom + 20, TickLabel(t), "middle", "x-tick");
        svg.Text((plotLeft + plotRight) / 2, bottom + 36, $"Hazard ratio of {endpoint} (95% CI), log scale", "middle", "x-label");
        svg.Text(x[1] - 6, bottom + 52, "← lower hazard", "end", fill: "#555", size: 10).Text(x[1] + 6, bottom + 52, "higher hazard →", fill: "#555", size: 10);
        return svg.ToString();
    }

    /// <summary>1/4 as 0.25, 1/64 as 0.016.</summary>
    public static string TickLabel(double t) => t.ToString(t >= 1 ? "0" : "0.###", Inv);
}
