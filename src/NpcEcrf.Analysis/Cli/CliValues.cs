using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace NpcEcrf.Analysis.Cli;

/// <summary>
/// How every verb of ./npc-ecrf reads a typed value: dates, moments, whole numbers and choices. A bad value is a parse
/// error that names the option and says what was expected ("--cutoff: 2021-02-30 is not a date (YYYY-MM-DD)"), so it
/// is a usage error (exit 2) before any work, never a framework type name. Here, not in the Api, because the Api's
/// command tree includes this project's stats verb and both must read values alike.
/// </summary>
public static class CliValues
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static DateOnly Date(ArgumentResult r) =>
        One<DateOnly>(r, s => DateOnly.TryParseExact(s, "yyyy-MM-dd", Inv, DateTimeStyles.None, out var d) ? d : null, s => $"{s} is not a date (YYYY-MM-DD)");

    public static DateOnly? OptionalDate(ArgumentResult r) => Date(r);

    /// <summary>A date and time; with a date only, its midnight. Without an offset, the machine's time zone (as before).</summary>
    public static DateTimeOffset Moment(ArgumentResult r) =>
        // ISO 8601 only: "01/02/2021" means two different days to two readers.
        One<DateTimeOffset>(r, s => s.Length >= 10 && DateOnly.TryParseExact(s[..10], "yyyy-MM-dd", Inv, DateTimeStyles.None, out _)
                && DateTimeOffset.TryParse(s, Inv, DateTimeStyles.None, out var m) ? m : null,
            s => $"{s} is not a date and time (YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ)");

    public static DateTimeOffset? OptionalMoment(ArgumentResult r) => Moment(r);

    /// <summary>A whole number no smaller than <paramref name="min"/>.</summary>
    public static Func<ArgumentResult, T> Whole<T>(T min) where T : struct, IBinaryInteger<T> => r =>
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        if (!T.TryParse(text, NumberStyles.AllowLeadingSign, Inv, out var value)) r.AddError($"{Name(r)}: {text} is not a whole number");
        else if (value < min) r.AddError($"{Name(r)} must be at least {min}, not {value}");
        return value;
    };

    public static Func<ArgumentResult, T?> OptionalWhole<T>(T min) where T : struct, IBinaryInteger<T>
    {
        var whole = Whole(min);
        return r => whole(r);
    }

    /// <summary>One of the given words (default: the first), offered to completion too; the message lists them.</summary>
    public static Option<string> Choice(this Option<string> option, params string[] choices)
    {
        option.DefaultValueFactory = _ => choices[0];
        option.CustomParser = r =>
        {
            var value = r.Tokens.Count > 0 ? r.Tokens[^1].Value : choices[0];
            if (!choices.Contains(value)) r.AddError($"{Name(r)} must be {Listed(choices)}, not '{value}'");
            return value;
        };
        option.CompletionSources.Add(choices);
        return option;
    }

    /// <summary>Some of the given words, each at most once (default: <paramref name="defaults"/>), offered to completion too; the message lists them.</summary>
    public static Option<string[]> Choices(this Option<string[]> option, string[] defaults, params string[] choices)
    {
        option.DefaultValueFactory = _ => defaults;
        option.AllowMultipleArgumentsPerToken = true;
        option.CustomParser = r =>
        {
            var values = r.Tokens.Select(t => t.Value).ToArray();
            if (values.FirstOrDefault(v => !choices.Contains(v)) is { } bad) r.AddError($"{Name(r)} must be {Listed(choices)}, not '{bad}'");
            return values.Length == 0 ? defaults : values.Distinct().ToArray();
        };
        option.CompletionSources.Add(choices);
        return option;
    }

    /// <summary>An enum by its name in lower case (json, xpt, csv; default: the first); the message lists them.</summary>
    public static Option<T> Choice<T>(this Option<T> option) where T : struct, Enum
    {
        var names = Enum.GetNames<T>().Select(n => n.ToLowerInvariant()).ToArray();
        option.DefaultValueFactory ??= _ => Enum.GetValues<T>()[0];
        option.CustomParser = r =>
        {
            var value = r.Tokens.Count > 0 ? r.Tokens[^1].Value : names[0];
            if (Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !value.All(char.IsDigit)) return parsed;
            r.AddError($"{Name(r)} must be {Listed(names)}, not '{value}'");
            return default;
        };
        option.CompletionSources.Add(names);
        return option;
    }

    public static string Listed(IReadOnlyList<string> words) =>
        words.Count == 1 ? words[0] : $"{string.Join(", ", words.Take(words.Count - 1))} or {words[^1]}";

    private static T One<T>(ArgumentResult r, Func<string, T?> parse, Func<string, string> notA) where T : struct
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        if (parse(text) is { } value) return value;
        r.AddError($"{Name(r)}: {notA(text)}");
        return default;
    }

    /// <summary>The option's name (--cutoff), or the argument's (FILE).</summary>
    private static string Name(ArgumentResult r) => r.Parent is OptionResult o ? o.Option.Name : r.Argument.Name;
}
