using System.Globalization;
using System.Net;
using System.Text;

namespace NpcEcrf.Api.Analyses.Figures;

/// <summary>
/// The few SVG primitives the report's figures share: no scripts, no external resources, text in the page's font.
/// Every element a check looks for carries a class (curve, band, censor, median-line, legend, risk-table, ...).
/// </summary>
public sealed class SvgCanvas
{
    public const int Width = 760;
    private readonly StringBuilder _svg = new();
    private readonly bool _fragment;

    /// <summary>Colour-blind-safe (Okabe-Ito) colours for groups, in order.</summary>
    public static readonly string[] Palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];

    public static string Colour(int i) => Palette[i % Palette.Length];

    /// <summary>Best overall response colours: responders green, stable blue, progression vermilion, not evaluable grey.</summary>
    public static string ResponseColour(string? response) => response switch
    {
        "CR" => "#00573A", "PR" => "#009E73", "SD" => "#0072B2", "PD" => "#D55E00", _ => "#999999",
    };

    public static string Px(double x) => x.ToString("0.##", CultureInfo.InvariantCulture);
    public static string T(string s) => WebUtility.HtmlEncode(s);

    public SvgCanvas(string name, int height) =>
        _svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{name}\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">");

    private SvgCanvas() => _fragment = true;

    /// <summary>Elements to place inside another figure (a legend, say): no svg element around them.</summary>
    public static SvgCanvas Fragment() => new();

    public SvgCanvas Raw(string element) { _svg.Append(element); return this; }

    public SvgCanvas Line(double x1, double y1, double x2, double y2, string stroke = "#000", string? cls = null, string? dash = null, double width = 1) =>
        Raw($"<line{Cls(cls)} x1=\"{Px(x1)}\" y1=\"{Px(y1)}\" x2=\"{Px(x2)}\" y2=\"{Px(y2)}\" stroke=\"{stroke}\" stroke-width=\"{Px(width)}\"{(dash is null ? "" : $" stroke-dasharray=\"{dash}\"")}/>");

    /// <summary>Text; anchor start, middle or end; bold for column headers; rotated -90 for a y-axis label.</summary>
    public SvgCanvas Text(double x, double y, string text, string anchor = "start", string? cls = null, string fill = "#222", bool bold = false, bool vertical = false, double? size = null) =>
        Raw($"<text{Cls(cls)} x=\"{Px(x)}\" y=\"{Px(y)}\" text-anchor=\"{anchor}\" fill=\"{fill}\"{(bold ? " font-weight=\"bold\"" : "")}{(size is { } s ? $" font-size=\"{Px(s)}\"" : "")}{(vertical ? $" transform=\"rotate(-90 {Px(x)} {Px(y)})\"" : "")}>{T(text)}</text>");

    public SvgCanvas Rect(double x, double y, double w, double h, string fill, string? cls = null, string? title = null, string? extra = null) =>
        Raw($"<rect{Cls(cls)} x=\"{Px(x)}\" y=\"{Px(y)}\" width=\"{Px(Math.Max(0, w))}\" height=\"{Px(Math.Max(0, h))}\" fill=\"{fill}\"{extra}>{(title is null ? "" : $"<title>{T(title)}</title>")}</rect>");

    public SvgCanvas Path(string d, string? cls = null, string fill = "none", string stroke = "none", double width = 1, string? extra = null) =>
        Raw($"<path{Cls(cls)} d=\"{d}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{Px(width)}\"{extra}/>");

    /// <summary>A legend entry: a swatch (line, box or marker path) and its label; returns the x after it.</summary>
    public double LegendEntry(double x, double y, string swatch, string label)
    {
        Raw($"<g class=\"legend-entry\" transform=\"translate({Px(x)},{Px(y)})\">{swatch}</g>");
        Text(x + 20, y + 4, label, cls: "legend");
        return x + 28 + EstimatedWidth(label);
    }

    /// <summary>An approximate width of 11 px sans-serif text, for laying out legends and columns.</summary>
    public static double EstimatedWidth(string text, double size = 11) => text.Length * size * 0.56;

    public static string LineSwatch(string colour, string? dash = null) =>
        $"<line x1=\"0\" y1=\"0\" x2=\"16\" y2=\"0\" stroke=\"{colour}\" stroke-width=\"2\"{(dash is null ? "" : $" stroke-dasharray=\"{dash}\"")}/>";

    public static string BoxSwatch(string colour, double opacity = 1) =>
        $"<rect x=\"2\" y=\"-5\" width=\"12\" height=\"10\" fill=\"{colour}\"{(opacity < 1 ? $" fill-opacity=\"{Px(opacity)}\"" : "")}/>";

    public static string CensorSwatch(string colour) => $"<path d=\"M4,0 h8 M8,-4 v8\" stroke=\"{colour}\" stroke-width=\"1.5\"/>";

    public override string ToString() => _fragment ? _svg.ToString() : _svg + "</svg>";

    private static string Cls(string? cls) => cls is null ? "" : $" class=\"{cls}\"";
}
