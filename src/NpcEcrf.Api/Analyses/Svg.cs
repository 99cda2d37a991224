using System.Globalization;
using System.Net;
using System.Text;
using NpcEcrf.Analysis;

namespace NpcEcrf.Api.Analyses;

/// <summary>Hand-written SVG for the report's figures: no scripts, no external resources.</summary>
public static class Svg
{
    private const int Width = 720, Left = 60, Right = 20, Top = 20;
    private static string N(double x) => x.ToString("0.##", CultureInfo.InvariantCulture);
    private static string T(string s) => WebUtility.HtmlEncode(s);

    private static readonly string[] Colours = ["#1f5fa8", "#b33", "#2a7f3f", "#8a5a00", "#6a3d9a", "#333"];

    /// <summary>Step curves with censor marks (+) and the numbers at risk under the time axis; one curve per group, with a legend where there are several.</summary>
    public static string KaplanMeier(IReadOnlyList<(string Label, SurvivalSummary Summary)> curves)
    {
        const int plotHeight = 240, riskRow = 14;
        var atRiskHeight = 26 + riskRow * curves.Count;
        var longest = curves.SelectMany(c => c.Summary.Table).Select(r => r.Time).DefaultIfEmpty(6).Max();
        var maxTime = Math.Max(6, Math.Ceiling(longest / 6) * 6);
        double X(double t) => Left + t / maxTime * (Width - Left - Right);
        double Y(double surv) => Top + (1 - surv) * plotHeight;
        var svg = Open(Top + plotHeight + 30 + atRiskHeight, "kaplan-meier");
        Axes(svg, plotHeight);
        svg.Append($"<text x=\"{Left - 55}\" y=\"{Top + plotHeight + 50}\">At risk</text>");
        for (var tick = 0.0; tick <= maxTime; tick += 6)
        {
            svg.Append($"<line x1=\"{N(X(tick))}\" y1=\"{Top + plotHeight}\" x2=\"{N(X(tick))}\" y2=\"{Top + plotHeight + 4}\" stroke=\"#000\"/><text x=\"{N(X(tick))}\" y=\"{Top + plotHeight + 16}\" text-anchor=\"middle\">{tick}</text>");
            for (var i = 0; i < curves.Count; i++)
                svg.Append($"<text class=\"at-risk\" x=\"{N(X(tick))}\" y=\"{Top + plotHeight + 50 + riskRow * i}\" text-anchor=\"middle\" fill=\"{Colour(i)}\">{AtRisk(curves[i].Summary, tick)}</text>");
        }
        foreach (var y in new[] { 0, 0.25, 0.5, 0.75, 1 })
            svg.Append($"<text x=\"{Left - 8}\" y=\"{N(Y(y) + 4)}\" text-anchor=\"end\">{N(y)}</text>");
        for (var i = 0; i < curves.Count; i++)
        {
            var (label, s) = curves[i];
            var path = new StringBuilder($"M{N(X(0))},{N(Y(1))}");
            foreach (var row in s.Table)
            {
                path.Append($" H{N(X(row.Time))}");
                if (row.NEvent > 0) path.Append($" V{N(Y(row.Survival))}");
            }
            svg.Append($"<path class=\"curve\" d=\"{path}\" fill=\"none\" stroke=\"{Colour(i)}\" stroke-width=\"2\"/>");
            foreach (var row in s.Table.Where(r => r.NCensor > 0))
                svg.Append($"<path class=\"censor\" d=\"M{N(X(row.Time) - 4)},{N(Y(row.Survival))} h8 M{N(X(row.Time))},{N(Y(row.Survival) - 4)} v8\" stroke=\"{Colour(i)}\"/>");
            if (curves.Count > 1)
                svg.Append($"<text class=\"legend\" x=\"{Width - Right - 4}\" y=\"{Top + 12 + riskRow * i}\" text-anchor=\"end\" fill=\"{Colour(i)}\">{T(label)} (n = {s.N}, median {N(s.Median ?? double.NaN)})</text>");
        }
        var caption = curves.Count == 1 ? $"Months since first dose (median {N(curves[0].Summary.Median ?? double.NaN)})" : "Months since first dose";
        svg.Append($"<text x=\"{Width / 2}\" y=\"{Top + plotHeight + 30}\" text-anchor=\"middle\">{caption}</text>");
        return svg.Append("</svg>").ToString();
    }

    private static string Colour(int i) => Colours[i % Colours.Length];

    private static int AtRisk(SurvivalSummary s, double t) =>
        s.Table.Where(r => r.Time >= t).Select(r => r.NRisk).FirstOrDefault();

    /// <summary>Hazard ratios on a log axis with their 95% intervals; the multivariate model if there is one, else the screen.</summary>
    public static string Forest(StudyAnalysisResult r)
    {
        var rows = r.CoxPfsMultivariate is { Coefficients.Count: > 0 } m
            ? m.Coefficients.Select((c, i) => (Label: m.CoefficientLabels[i], c.Hr, Lo: c.HrLower, Hi: c.HrUpper)).ToList()
            : r.CoxUnivariate.Select(c => (Label: $"{c.Label} ({c.Comparison})", c.Hr, Lo: c.HrLower, Hi: c.HrUpper)).ToList();
        const int rowHeight = 26, labelWidth = 290;
        var height = Top * 2 + rowHeight * Math.Max(1, rows.Count) + 30;
        var finite = rows.SelectMany(x => new[] { x.Lo, x.Hi }).Where(v => double.IsFinite(v) && v > 0).DefaultIfEmpty(1).ToList();
        double lo = Math.Log10(Math.Min(0.1, finite.Min())), hi = Math.Log10(Math.Max(10, finite.Max()));
        double X(double hr) => labelWidth + (Math.Log10(Math.Clamp(hr, 1e-6, 1e6)) - lo) / (hi - lo) * (Width - labelWidth - Right);
        var svg = Open(height, "forest");
        svg.Append($"<line x1=\"{N(X(1))}\" y1=\"{Top}\" x2=\"{N(X(1))}\" y2=\"{height - 30}\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>");
        for (var i = 0; i < rows.Count; i++)
        {
            var (label, hr, l, h) = rows[i];
            var y = Top + rowHeight * i + rowHeight / 2;
            svg.Append($"<text x=\"4\" y=\"{y + 4}\">{T(label)}</text>");
            if (!double.IsFinite(hr)) continue;
            svg.Append($"<line class=\"ci\" x1=\"{N(X(l))}\" y1=\"{y}\" x2=\"{N(X(h))}\" y2=\"{y}\" stroke=\"#000\"/>")
               .Append($"<rect class=\"hr\" x=\"{N(X(hr) - 4)}\" y=\"{y - 4}\" width=\"8\" height=\"8\" fill=\"#b33\"/>");
        }
        foreach (var tick in new[] { 0.1, 0.5, 1, 2, 5, 10, 20 }.Where(t => Math.Log10(t) >= lo && Math.Log10(t) <= hi))
            svg.Append($"<text x=\"{N(X(tick))}\" y=\"{height - 12}\" text-anchor=\"middle\">{N(tick)}</text>");
        svg.Append($"<text x=\"{N(X(1))}\" y=\"{height}\" text-anchor=\"middle\">Hazard ratio (log scale)</text>");
        return svg.Append("</svg>").ToString();
    }

    /// <summary>One bar per subject with a measured best change, largest growth first; RECIST's -30% and +20% lines.</summary>
    public static string Waterfall(IReadOnlyList<AnalysisSubject> subjects)
    {
        var bars = subjects.Where(s => s.BestPercentChange is not null).OrderByDescending(s => s.BestPercentChange).ToList();
        const int plotHeight = 240;
        double Y(double pct) => Top + (60 - Math.Clamp(pct, -100, 60)) / 160 * plotHeight;
        var svg = Open(Top + plotHeight + 40, "waterfall");
        Axes(svg, plotHeight);
        var barWidth = (Width - Left - Right) / Math.Max(1.0, bars.Count);
        foreach (var (pct, label) in new[] { (20.0, "+20%"), (0.0, "0"), (-30.0, "-30%") })
            svg.Append($"<line x1=\"{Left}\" y1=\"{N(Y(pct))}\" x2=\"{Width - Right}\" y2=\"{N(Y(pct))}\" stroke=\"#888\" stroke-dasharray=\"{(pct == 0 ? "0" : "4 3")}\"/><text x=\"{Left - 6}\" y=\"{N(Y(pct) + 4)}\" text-anchor=\"end\">{label}</text>");
        for (var i = 0; i < bars.Count; i++)
        {
            var v = bars[i].BestPercentChange!.Value;
            var colour = bars[i].BestOverallResponse switch { "PR" or "CR" => "#2a7f3f", "SD" => "#1f5fa8", "PD" => "#b33", _ => "#888" };
            svg.Append($"<rect class=\"bar\" x=\"{N(Left + i * barWidth + 1)}\" y=\"{N(Math.Min(Y(v), Y(0)))}\" width=\"{N(Math.Max(1, barWidth - 2))}\" height=\"{N(Math.Abs(Y(v) - Y(0)))}\" fill=\"{colour}\"><title>{T(bars[i].SubjectNumber)}: {N(v)}% ({bars[i].BestOverallResponse})</title></rect>");
        }
        svg.Append($"<text x=\"{Width / 2}\" y=\"{Top + plotHeight + 30}\" text-anchor=\"middle\">Subjects (green PR/CR, blue SD, red PD)</text>");
        return svg.Append("</svg>").ToString();
    }

    /// <summary>Time on treatment per subject, longest first; a red mark where progression ended it, an arrow if ongoing.</summary>
    public static string Swimmer(IReadOnlyList<AnalysisSubject> subjects)
    {
        var lanes = subjects.OrderByDescending(s => s.TreatmentMonths).ToList();
        const int lane = 14;
        var height = Top + lane * Math.Max(1, lanes.Count) + 40;
        var maxMonths = Math.Max(6, Math.Ceiling(lanes.Select(s => s.TreatmentMonths).DefaultIfEmpty(6).Max() / 6) * 6);
        double X(double m) => Left + m / maxMonths * (Width - Left - Right);
        var svg = Open(height, "swimmer");
        for (var i = 0; i < lanes.Count; i++)
        {
            var s = lanes[i];
            var y = Top + lane * i;
            svg.Append($"<text x=\"{Left - 4}\" y=\"{y + 10}\" text-anchor=\"end\">{T(s.SubjectNumber)}</text>")
               .Append($"<rect class=\"lane\" x=\"{Left}\" y=\"{y + 2}\" width=\"{N(X(s.TreatmentMonths) - Left)}\" height=\"{lane - 4}\" fill=\"#9bb7d9\"><title>{T(s.SubjectNumber)}: {N(s.TreatmentMonths)} months</title></rect>");
            if (s.OnTreatment) svg.Append($"<path d=\"M{N(X(s.TreatmentMonths) + 2)},{y + 2} l8,5 l-8,5 z\" fill=\"#1f5fa8\"/>");
            else if (s.EndOfTreatment == "Progression") svg.Append($"<rect x=\"{N(X(s.TreatmentMonths) - 2)}\" y=\"{y + 1}\" width=\"4\" height=\"{lane - 2}\" fill=\"#b33\"/>");
        }
        for (var tick = 0.0; tick <= maxMonths; tick += 6)
            svg.Append($"<text x=\"{N(X(tick))}\" y=\"{height - 22}\" text-anchor=\"middle\">{tick}</text>");
        svg.Append($"<text x=\"{Width / 2}\" y=\"{height - 6}\" text-anchor=\"middle\">Months on treatment (red: progression; arrow: ongoing)</text>");
        return svg.Append("</svg>").ToString();
    }

    private static StringBuilder Open(int height, string name) =>
        new($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{name}\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\">");

    private static void Axes(StringBuilder svg, int plotHeight) =>
        svg.Append($"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + plotHeight}\" stroke=\"#000\"/><line x1=\"{Left}\" y1=\"{Top + plotHeight}\" x2=\"{Width - Right}\" y2=\"{Top + plotHeight}\" stroke=\"#000\"/>");
}
