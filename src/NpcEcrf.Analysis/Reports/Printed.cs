using System.Globalization;

namespace NpcEcrf.Analysis;

/// <summary>Why a printed value carries a footnote mark.</summary>
public enum Footnote { OutOfRange, BandUndefined, NotEstimable }

/// <summary>A value as printed in a table, and the footnote it needs (if any); the mark is already in <paramref name="Text"/>.</summary>
public sealed record PrintedValue(string Text, Footnote? Note = null);

/// <summary>
/// How reports and <c>stats</c> print estimates and intervals (docs/analysis.md, "Edge cases"): bounds as computed, but
/// never an impossible interval, an undefined band or a missing estimate without a footnote that says why.
/// </summary>
public static class Printed
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Mark(Footnote note) => note switch
    {
        Footnote.OutOfRange => "†",
        Footnote.BandUndefined => "‡",
        _ => "§",
    };

    public static string Explanation(Footnote note) => note switch
    {
        Footnote.OutOfRange => "A bound outside the possible range (0-100%, or below 0 months) is reported as computed: this method's interval (the paper profile's t interval of a 0/1 indicator, as SPSS; Wald; median +- 1.96 SE) is symmetric and is not clipped.",
        Footnote.BandUndefined => "No confidence band: the survival rate is 1 (no event yet) or 0 (everyone has had the event), where the Greenwood variance is 0 or undefined.",
        _ => "Not estimable: the landmark is past the last follow-up (nobody at risk, and the curve has not reached 0).",
    };

    public static string Number(double? x, string format = "0.0") => x is { } v && double.IsFinite(v) ? v.ToString(format, Inv) : "NA";

    /// <summary>
    /// "lower-upper"; "lower to upper" where a bound is negative, so that the minus sign cannot be read as the dash. A
    /// bound outside [<paramref name="min"/>, <paramref name="max"/>] is printed as computed, and the pair is marked.
    /// </summary>
    public static PrintedValue Bounds(double? lower, double? upper, double min = double.NegativeInfinity, double max = double.PositiveInfinity, string format = "0.0")
    {
        var outside = lower is { } l && double.IsFinite(l) && l < min || upper is { } u && double.IsFinite(u) && u > max;
        var separator = lower < 0 || upper < 0 ? " to " : "-";
        var text = $"{Number(lower, format)}{separator}{Number(upper, format)}";
        return outside ? new PrintedValue(text + Mark(Footnote.OutOfRange), Footnote.OutOfRange) : new PrintedValue(text);
    }

    /// <summary>"estimate (lower-upper)", the bounds as <see cref="Bounds"/> prints them.</summary>
    public static PrintedValue Interval(double? estimate, double? lower, double? upper, double min = double.NegativeInfinity, double max = double.PositiveInfinity, string format = "0.0")
    {
        var bounds = Bounds(lower, upper, min, max, format);
        return bounds with { Text = $"{Number(estimate, format)} ({bounds.Text})" };
    }

    /// <summary>A percentage (ORR, DCR) with its interval; the bounds, in percent, may leave [0, 100] (the t and Wald intervals).</summary>
    public static PrintedValue Percent(double percent, double lower, double upper) => Interval(percent, lower, upper, 0, 100);

    /// <summary>The bounds of a percentage alone.</summary>
    public static PrintedValue PercentBounds(double lower, double upper) => Bounds(lower, upper, 0, 100);

    /// <summary>A Kaplan-Meier median in months with its interval: "not reached" where the curve never falls to 0.5.</summary>
    public static PrintedValue Median(double? median, double? lower, double? upper) =>
        median is null ? new PrintedValue($"not reached ({Number(lower)}-{Number(upper)})") : Interval(median, lower, upper, 0);

    /// <summary>A landmark survival rate in percent.</summary>
    public static PrintedValue Landmark(LandmarkEstimate e)
    {
        if (e.Survival is not { } s) return new PrintedValue("not estimable" + Mark(Footnote.NotEstimable), Footnote.NotEstimable);
        if (e.BandUndefined) return new PrintedValue($"{Number(s * 100)} (no band){Mark(Footnote.BandUndefined)}", Footnote.BandUndefined);
        return Interval(s * 100, e.Lower * 100, e.Upper * 100, 0, 100);
    }
}

/// <summary>The footnotes one table uses: collects them as its cells are printed, in a fixed order.</summary>
public sealed class Footnotes
{
    private readonly SortedSet<Footnote> _used = [];

    public string Use(PrintedValue value)
    {
        if (value.Note is { } note) _used.Add(note);
        return value.Text;
    }

    public IReadOnlyList<string> Lines => _used.Select(n => $"{Printed.Mark(n)} {Printed.Explanation(n)}").ToList();
}
