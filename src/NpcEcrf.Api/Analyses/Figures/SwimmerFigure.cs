using NpcEcrf.Analysis;
using static NpcEcrf.Api.Analyses.Figures.SvgCanvas;

namespace NpcEcrf.Api.Analyses.Figures;

/// <summary>
/// A swimmer plot: one lane per subject, the bar its time on treatment coloured by best overall response, with markers
/// for the first response, progression, death and treatment ongoing at the cut-off (an arrow), and a legend.
/// </summary>
public static class SwimmerFigure
{
    private const int Left = 70, Right = 24, Lane = 16;

    public static string Draw(IReadOnlyList<AnalysisSubject> subjects)
    {
        var lanes = subjects.OrderByDescending(s => s.TreatmentMonths).ThenBy(s => s.SubjectNumber, StringComparer.Ordinal).ToList();
        var longest = lanes.SelectMany(s => new[] { s.TreatmentMonths, s.FirstResponseMonths ?? 0, s.ProgressionMonths ?? 0, s.OsEvent ? s.OsMonths ?? 0 : 0 }).DefaultIfEmpty(1).Max();
        var axis = FigureGeometry.TimeAxisFor(longest);

        var legend = SvgCanvas.Fragment().Raw("<g class=\"legend\">");
        double lx = Left, ly = 14;
        foreach (var response in WaterfallFigure.Responses.Where(r => lanes.Any(s => (s.BestOverallResponse ?? "NE") == r)))
            lx = legend.LegendEntry(lx, ly, BoxSwatch(ResponseColour(response), 0.8), $"{response}");
        lx = Left; ly += 18;
        lx = legend.LegendEntry(lx, ly, $"<g transform=\"translate(8,0)\">{ResponseMark}</g>", "First response (CR/PR)");
        lx = legend.LegendEntry(lx, ly, $"<g transform=\"translate(8,0)\">{ProgressionMark}</g>", "Progression");
        lx = legend.LegendEntry(lx, ly, $"<g transform=\"translate(8,0)\">{DeathMark}</g>", "Death");
        legend.LegendEntry(lx, ly, $"<g transform=\"translate(2,0)\">{OngoingMark}</g>", "On treatment at the cut-off");
        legend.Raw("</g>");

        const int top = 48;
        var bottom = top + Lane * Math.Max(1, lanes.Count);
        var x = new LinearScale(0, axis.Max, Left, Width - Right);
        var svg = new SvgCanvas("swimmer", bottom + 44).Raw(legend.ToString());
        for (var i = 0; i < lanes.Count; i++)
        {
            var s = lanes[i];
            var mid = top + Lane * i + Lane / 2.0;
            svg.Raw("<g class=\"swim-lane\">").Text(Left - 6, mid + 4, s.SubjectNumber, "end", size: 10)
                .Rect(Left, mid - 5, x[s.TreatmentMonths] - Left, 10, ResponseColour(s.BestOverallResponse), "lane",
                    FormattableString.Invariant($"{s.SubjectNumber}: {s.TreatmentMonths:0.0} months on treatment, best response {s.BestOverallResponse ?? "NE"}"), " fill-opacity=\"0.8\"");
            if (s.FirstResponseMonths is { } r) svg.Raw(Marker(x[r], mid, "response", ResponseMark));
            if (s.ProgressionMonths is { } p) svg.Raw(Marker(x[p], mid, "progression", ProgressionMark));
            if (s.OsEvent && s.OsMonths is { } d) svg.Raw(Marker(x[d], mid, "death", DeathMark));
            if (s.OnTreatment) svg.Raw(Marker(x[s.TreatmentMonths] + 2, mid, "ongoing", OngoingMark));
            svg.Raw("</g>");
        }
        svg.Line(Left, bottom + 2, Width - Right, bottom + 2);
        foreach (var t in axis.Ticks)
            svg.Line(x[t], bottom + 2, x[t], bottom + 6).Text(x[t], bottom + 18, Px(t), "middle", "x-tick");
        svg.Text((Left + Width - Right) / 2.0, bottom + 36, "Time since first dose (months)", "middle", "x-label");
        return svg.ToString();
    }

    private const string ResponseMark = "<path d=\"M0,-5 l5,9 h-10 z\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"1.2\"/>";
    private const string ProgressionMark = "<path d=\"M0,-6 l5,6 l-5,6 l-5,-6 z\" fill=\"#F0E442\" stroke=\"#000\" stroke-width=\"1.2\"/>";
    private const string DeathMark = "<path d=\"M-4,-4 l8,8 M-4,4 l8,-8\" stroke=\"#000\" stroke-width=\"2\"/>";
    private const string OngoingMark = "<path d=\"M0,-5 l10,5 l-10,5 z\" fill=\"#000\"/>";

    private static string Marker(double x, double y, string cls, string mark) => $"<g class=\"{cls}\" transform=\"translate({Px(x)},{Px(y)})\">{mark}</g>";
}
