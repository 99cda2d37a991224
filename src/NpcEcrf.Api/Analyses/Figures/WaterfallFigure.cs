using NpcEcrf.Analysis;
using static NpcEcrf.Api.Analyses.Figures.SvgCanvas;

namespace NpcEcrf.Api.Analyses.Figures;

/// <summary>
/// A waterfall of each subject's best % change of the target-lesion sum from baseline, largest growth first, coloured by
/// best overall response with a legend; RECIST's -30% (partial response) and +20% (progression) lines. A bar beyond the
/// axis is drawn to its top with a break and its value: marked as truncated, never clamped silently.
/// </summary>
public static class WaterfallFigure
{
    private const int Left = 70, Right = 130, PlotHeight = 260;
    public static readonly string[] Responses = ["CR", "PR", "SD", "PD", "NE"];

    public static string Draw(IReadOnlyList<AnalysisSubject> subjects)
    {
        var bars = subjects.Where(s => s.BestPercentChange is not null).OrderByDescending(s => s.BestPercentChange).ThenBy(s => s.SubjectNumber, StringComparer.Ordinal).ToList();
        var axis = FigureGeometry.WaterfallAxisFor(bars.Select(b => b.BestPercentChange!.Value));
        var truncated = bars.Where(b => axis.Truncates(b.BestPercentChange!.Value)).ToList();

        var legend = SvgCanvas.Fragment().Raw("<g class=\"legend\">");
        double lx = Left;
        foreach (var response in Responses.Where(r => bars.Any(b => (b.BestOverallResponse ?? "NE") == r)))
            lx = legend.LegendEntry(lx, 14, BoxSwatch(ResponseColour(response)), $"{response} (n = {bars.Count(b => (b.BestOverallResponse ?? "NE") == response)})");
        if (truncated.Count > 0)
            legend.LegendEntry(lx, 14, BreakSwatch(), FormattableString.Invariant($"Truncated at +{axis.Top:0}% (value printed)"));
        legend.Raw("</g>");

        const int top = 40;
        var bottom = top + PlotHeight;
        var y = new LinearScale(-100, axis.Top, bottom, top);
        var svg = new SvgCanvas("waterfall", bottom + 40).Raw(legend.ToString());
        svg.Line(Left, top, Left, bottom);
        foreach (var t in axis.Ticks)
            svg.Line(Left - 4, y[t], Left, y[t]).Text(Left - 7, y[t] + 4, t > 0 ? FormattableString.Invariant($"+{t:0}") : FormattableString.Invariant($"{t:0}"), "end");
        svg.Text(18, (top + bottom) / 2.0, "Best change in target-lesion sum from baseline (%)", "middle", "y-label", vertical: true);

        var barWidth = (Width - Left - Right) / Math.Max(1.0, bars.Count);
        for (var i = 0; i < bars.Count; i++)
        {
            var (subject, value) = (bars[i], bars[i].BestPercentChange!.Value);
            var shown = Math.Min(value, axis.Top);
            double x0 = Left + i * barWidth + 1, w = Math.Max(1, barWidth - 2);
            // A change of 0% is still a bar a reader can see (1.5 px), not a gap.
            svg.Rect(x0, Math.Min(y[shown], y[0]) - (Math.Abs(y[shown] - y[0]) < 1.5 ? 0.75 : 0), w, Math.Max(1.5, Math.Abs(y[shown] - y[0])), ResponseColour(subject.BestOverallResponse),
                axis.Truncates(value) ? "bar truncated" : "bar", FormattableString.Invariant($"{subject.SubjectNumber}: {value:+0.0;-0.0;0}% ({subject.BestOverallResponse ?? "NE"})"));
            if (axis.Truncates(value))
                svg.Path($"M{Px(x0 - 1)},{Px(y[shown] + 10)} l{Px((w + 2) / 2)},-5 l{Px((w + 2) / 2)},5 v4 l-{Px((w + 2) / 2)},-5 l-{Px((w + 2) / 2)},5 z", "break", "#fff")
                   .Text(x0 + w / 2, y[shown] - 4, FormattableString.Invariant($"+{value:0}%"), "middle", "truncated-value", size: 10);
        }
        // Zero, then RECIST's thresholds, over the bars.
        svg.Line(Left, y[0], Width - Right, y[0], "#000");
        svg.Line(Left, y[20], Width - Right, y[20], "#444", "reference-line", "6 4").Text(Width - Right + 6, y[20] + 4, "+20%: progression", size: 10);
        svg.Line(Left, y[-30], Width - Right, y[-30], "#444", "reference-line", "6 4").Text(Width - Right + 6, y[-30] + 4, "-30%: partial response", size: 10);
        svg.Text((Left + Width - Right) / 2.0, bottom + 24, $"Subjects with a measured change (n = {bars.Count}), ordered by best change", "middle", "x-label");
        return svg.ToString();
    }

    private static string BreakSwatch() =>
        "<rect x=\"2\" y=\"-5\" width=\"12\" height=\"10\" fill=\"#888\"/><path d=\"M1,1 l7,-4 l7,4 v3 l-7,-4 l-7,4 z\" fill=\"#fff\"/>";
}
