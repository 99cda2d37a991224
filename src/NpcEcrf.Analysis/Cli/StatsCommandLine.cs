using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NpcEcrf.Analysis.Cli;

/// <summary>
/// ./npc-ecrf stats km|cox|logrank|proportion: the statistics engine on any CSV. With --json, stdout carries exactly
/// one JSON document (the contract in docs/statistics.md); without, a table in the style of R's print methods.
/// Bad input: one line on stderr and exit code 2.
/// </summary>
public static class StatsCommandLine
{
    public const int UsageError = 2;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Converters = { new NonFiniteAsNull() } };

    public const string Usage = """
        Usage: ./npc-ecrf stats <command> [options] [--json]
          km          --csv FILE --time COL --event COL [--group COL] [--conf-type log|log-log|plain] [--median-method r|spss] [--times T1,T2,...]
          cox         --csv FILE --time COL --event COL --covariates A,B,... [--factor COL[:REF]]... [--ties efron|breslow]
          logrank     --csv FILE --time COL --event COL --group COL
          proportion  --k K --n N [--method t|wald|wilson|clopper-pearson]
        Events are 0/1; empty cells and NA are missing (rows with any used column missing are dropped).
        km --times: survival at landmark times, as R's summary(survfit(...), times = ..., extend = TRUE), but NA past the
        last follow-up and no band where S is 0 or 1 (docs/analysis.md, "Edge cases").
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args is ["--help" or "-h" or "help", ..]) { stdout.WriteLine(Usage); return 0; }
        if (args.Length == 0) { stderr.WriteLine(Usage); return UsageError; }
        try
        {
            var options = Options.Parse(args[1..]);
            if (options.Flags.Contains("help")) { stdout.WriteLine(Usage); return 0; }
            var (json, text) = args[0] switch
            {
                "km" => Km(options),
                "cox" => CoxCommand(options),
                "logrank" => LogRankCommand(options),
                "proportion" => ProportionCommand(options),
                _ => throw new StatsInputException($"unknown command '{args[0]}' (km, cox, logrank, proportion)"),
            };
            options.EnsureAllUsed();
            stdout.WriteLine(options.Flags.Contains("json") ? JsonNodes.WithoutNonFinite(json).ToJsonString(Pretty) : text);
            return 0;
        }
        catch (StatsInputException e)
        {
            stderr.WriteLine($"stats: {e.Message}");
            return UsageError;
        }
    }

    private sealed class Options
    {
        private readonly Dictionary<string, List<string>> _values = new();
        private readonly HashSet<string> _used = [];
        public HashSet<string> Flags { get; } = [];

        public static Options Parse(string[] args)
        {
            var options = new Options();
            for (var i = 0; i < args.Length; i++)
            {
                if (!args[i].StartsWith("--")) throw new StatsInputException($"unexpected argument '{args[i]}'");
                var name = args[i][2..];
                if (name is "json" or "help") { options.Flags.Add(name); continue; }
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--")) throw new StatsInputException($"--{name} needs a value");
                if (!options._values.TryGetValue(name, out var list)) options._values[name] = list = [];
                list.Add(args[++i]);
            }
            return options;
        }

        public string? Optional(string name)
        {
            _used.Add(name);
            return _values.TryGetValue(name, out var v) ? v[^1] : null;
        }

        public string Required(string name) => Optional(name) ?? throw new StatsInputException($"--{name} is required");

        public IReadOnlyList<string> All(string name)
        {
            _used.Add(name);
            return _values.TryGetValue(name, out var v) ? v : [];
        }

        public void EnsureAllUsed()
        {
            if (_values.Keys.FirstOrDefault(k => !_used.Contains(k)) is { } unknown) throw new StatsInputException($"unknown option --{unknown}");
        }
    }

    private sealed record Survival(double[] Time, bool[] Event, int Dropped, CsvTable Table);

    /// <summary>Reads time, event and the other used columns; complete cases only, as R does.</summary>
    private static Survival Load(Options o, params CsvColumn[] otherColumns) => Load(o, true, otherColumns);

    /// <summary>As <see cref="Load(Options, CsvColumn[])"/>; a Kaplan-Meier curve needs no event (it stays at 1), a model or test does.</summary>
    private static Survival Load(Options o, bool needEvents, params CsvColumn[] otherColumns)
    {
        var timeName = o.Required("time");
        var eventName = o.Required("event");
        var table = CsvTable.Read(o.Required("csv"), [
            CsvColumn.Number(timeName, t => t < 0 ? $"negative time {t.ToString(Inv)}" : null),
            CsvColumn.Number(eventName, e => e is not (0 or 1) ? $"event must be 0 or 1, found {e.ToString(Inv)}" : null),
            .. otherColumns]);
        var died = Array.ConvertAll(table.Numbers(eventName), e => e == 1);
        if (died.Length == 0) throw new StatsInputException("no complete rows in the data: nothing to estimate");
        if (needEvents && !died.Any(d => d)) throw new StatsInputException("no events in the data: nothing to estimate");
        return new Survival(table.Numbers(timeName), died, table.Dropped, table);
    }

    private static ConfType ConfTypeOf(string? s) => s switch
    {
        null or "log" => ConfType.Log, "log-log" => ConfType.LogLog, "plain" => ConfType.Plain,
        _ => throw new StatsInputException($"--conf-type must be log, log-log or plain, not '{s}'"),
    };

    private static MedianMethod MedianOf(string? s) => s switch
    {
        null or "r" => MedianMethod.R, "spss" => MedianMethod.Spss,
        _ => throw new StatsInputException($"--median-method must be r or spss, not '{s}'"),
    };

    private static (JsonObject, string) Km(Options o)
    {
        var group = o.Optional("group");
        var confType = ConfTypeOf(o.Optional("conf-type"));
        var median = MedianOf(o.Optional("median-method"));
        var times = Times(o.Optional("times"));
        var data = Load(o, false, group is null ? [] : [CsvColumn.Text(group)]);
        var confName = confType switch { ConfType.Log => "log", ConfType.LogLog => "log-log", _ => "plain" };
        var medianName = median == MedianMethod.R ? "r" : "spss";
        JsonObject Fit(IReadOnlyList<int> idx, int dropped)
        {
            var km = KaplanMeier.Fit(idx.Select(i => data.Time[i]).ToList(), idx.Select(i => data.Event[i]).ToList(), confType);
            var m = km.Median(median);
            return new JsonObject
            {
                ["n"] = km.N, ["events"] = km.Events, ["nDropped"] = dropped, ["confType"] = confName, ["medianMethod"] = medianName,
                ["median"] = m.Value, ["medianLower"] = m.Lower, ["medianUpper"] = m.Upper,
                ["table"] = new JsonArray(km.Table.Select(r => (JsonNode)new JsonObject
                {
                    ["time"] = r.Time, ["nRisk"] = r.NRisk, ["nEvent"] = r.NEvent, ["nCensor"] = r.NCensor, ["survival"] = r.Survival,
                    ["stdErr"] = r.StdErr, ["lower"] = r.Lower, ["upper"] = r.Upper,
                }).ToArray()),
                ["landmarks"] = new JsonArray(times.Select(km.Landmark).Select(e => (JsonNode)new JsonObject
                {
                    ["time"] = e.Time, ["nRisk"] = e.NRisk, ["survival"] = e.Survival, ["stdErr"] = e.StdErr, ["lower"] = e.Lower, ["upper"] = e.Upper,
                    ["note"] = Printed.Landmark(e).Note switch { Footnote.NotEstimable => "notEstimable", Footnote.BandUndefined => "bandUndefined", _ => null },
                }).ToArray()),
            };
        }
        var all = Enumerable.Range(0, data.Time.Length).ToList();
        if (group is null)
        {
            var single = Fit(all, data.Dropped);
            return (single, KmText([("", single)], null));
        }
        if (!data.Event.Any(d => d)) throw new StatsInputException("no events in the data: the log-rank test of the groups needs one");
        var labels = data.Table.Texts(group);
        var groups = labels.Distinct().Order(StringComparer.Ordinal).Select(l =>
        {
            var fit = Fit(all.Where(i => labels[i] == l).ToList(), data.Dropped);
            fit.Insert(0, "group", l);
            return (l, fit);
        }).ToList();
        var test = LogRank.Test(data.Time, data.Event, labels);
        var json = new JsonObject
        {
            ["groups"] = new JsonArray(groups.Select(x => (JsonNode)x.fit).ToArray()),
            ["logRank"] = new JsonObject { ["chisq"] = test.ChiSquare, ["df"] = test.Df, ["p"] = test.P },
        };
        return (json, KmText(groups, test));
    }

    private static string KmText(IReadOnlyList<(string Group, JsonObject Fit)> fits, LogRankResult? test)
    {
        var w = new StringWriter();
        var level = "0.95";
        w.WriteLine($"{"",-12} {"n",6} {"events",7} {"median",9} {level + "LCL",9} {level + "UCL",9}");
        foreach (var (group, fit) in fits)
            w.WriteLine($"{(group.Length == 0 ? "" : group),-12} {fit["n"],6} {fit["events"],7} {Num(fit["median"]),9} {Num(fit["medianLower"]),9} {Num(fit["medianUpper"]),9}");
        foreach (var (group, fit) in fits)
        {
            w.WriteLine();
            if (group.Length > 0) w.WriteLine($"group={group}");
            w.WriteLine($"{"time",9} {"n.risk",7} {"n.event",8} {"n.censor",9} {"survival",9} {"std.err",9} {"lower",9} {"upper",9}");
            foreach (var row in fit["table"]!.AsArray())
                w.WriteLine($"{Num(row!["time"]),9} {row["nRisk"],7} {row["nEvent"],8} {row["nCensor"],9} {Num(row["survival"]),9} {Num(row["stdErr"]),9} {Num(row["lower"]),9} {Num(row["upper"]),9}");
            if (fit["landmarks"]!.AsArray() is { Count: > 0 } landmarks)
            {
                w.WriteLine($"\n{"landmark",9} {"n.risk",7} {"survival",9} {"std.err",9} {"lower",9} {"upper",9}");
                var notes = new SortedSet<Footnote>();
                foreach (var row in landmarks)
                {
                    var note = row!["note"]?.GetValue<string>() switch { "notEstimable" => Footnote.NotEstimable, "bandUndefined" => Footnote.BandUndefined, _ => (Footnote?)null };
                    if (note is { } n) notes.Add(n);
                    w.WriteLine($"{Num(row["time"]),9} {row["nRisk"],7} {Num(row["survival"]),9} {Num(row["stdErr"]),9} {Num(row["lower"]),9} {Num(row["upper"]),9}{(note is { } m ? " " + Printed.Mark(m) : "")}");
                }
                foreach (var note in notes) w.WriteLine($"{Printed.Mark(note)} {Printed.Explanation(note)}");
            }
        }
        if (test is not null) w.WriteLine($"\nLog-rank: Chisq = {test.ChiSquare.ToString("0.###", Inv)} on {test.Df} degrees of freedom, p = {test.P.ToString("G3", Inv)}");
        return w.ToString().TrimEnd();
    }

    private static IReadOnlyList<double> Times(string? list) => list is null ? [] : list.Split(',', StringSplitOptions.TrimEntries).Select(t =>
        double.TryParse(t, NumberStyles.Float, Inv, out var v) && double.IsFinite(v) && v >= 0 ? v : throw new StatsInputException($"--times must be non-negative numbers separated by commas, not '{t}'")).ToList();

    private static string Num(JsonNode? n) => n is null ? "NA" : n.GetValue<double>().ToString("G4", Inv);

    private static (JsonObject, string) CoxCommand(Options o)
    {
        var covariates = (o.Optional("covariates") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var factors = o.All("factor").Select(f => f.Split(':', 2)).Select(p => (Column: p[0], Reference: p.Length > 1 ? p[1] : null)).ToList();
        if (covariates.Length == 0 && factors.Count == 0) throw new StatsInputException("--covariates (or --factor) is required");
        var ties = o.Optional("ties") switch
        {
            null or "efron" => Ties.Efron, "breslow" => Ties.Breslow,
            var t => throw new StatsInputException($"--ties must be efron or breslow, not '{t}'"),
        };
        var data = Load(o, [.. covariates.Select(c => CsvColumn.Number(c)), .. factors.Select(f => CsvColumn.Text(f.Column))]);
        var names = new List<string>();
        var columns = new List<double[]>();
        foreach (var c in covariates)
        {
            names.Add(c);
            columns.Add(data.Table.Numbers(c));
        }
        foreach (var (column, reference) in factors)
        {
            var values = data.Table.Texts(column);
            var levels = values.Distinct().Order(StringComparer.Ordinal).ToList();
            var refLevel = reference ?? levels[0];
            if (!levels.Contains(refLevel)) throw new StatsInputException($"reference level '{refLevel}' not found in column {column}");
            foreach (var level in levels.Where(l => l != refLevel))
            {
                names.Add($"{column}{level}");
                columns.Add(Array.ConvertAll(values, v => v == level ? 1.0 : 0.0));
            }
        }
        for (var j = 0; j < names.Count; j++)
            if (columns[j].All(v => v == columns[j][0])) throw new StatsInputException($"covariate {names[j]} is constant: it cannot be estimated");
        // Rows for Cox.Fit, in a plain loop: LINQ per row cost more than the fit's own Newton steps at 1e6 rows.
        var x = new double[data.Time.Length][];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = new double[columns.Count];
            for (var j = 0; j < columns.Count; j++) x[i][j] = columns[j][i];
        }
        var fit = Cox.Fit(data.Time, data.Event, x, names, ties);
        JsonObject Test(TestResult t) => new() { ["chisq"] = t.ChiSquare, ["df"] = t.Df, ["p"] = t.P };
        var json = new JsonObject
        {
            ["n"] = fit.N, ["events"] = fit.Events, ["nDropped"] = data.Dropped, ["ties"] = ties == Ties.Efron ? "efron" : "breslow",
            ["iterations"] = fit.Iterations, ["converged"] = fit.Converged, ["logLik"] = fit.LogLik, ["logLikNull"] = fit.LogLikNull,
            ["coefficients"] = new JsonArray(fit.Coefficients.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name, ["coef"] = c.Coef, ["se"] = c.Se, ["hr"] = c.Hr, ["hrLower"] = c.HrLower, ["hrUpper"] = c.HrUpper, ["z"] = c.Z, ["p"] = c.P,
            }).ToArray()),
            ["lrTest"] = Test(fit.LrTest), ["waldTest"] = Test(fit.WaldTest), ["scoreTest"] = Test(fit.ScoreTest),
            ["warnings"] = new JsonArray(fit.Warnings.Select(w => (JsonNode?)w).ToArray()),
        };
        var text = new StringWriter();
        text.WriteLine($"  n= {fit.N}, number of events= {fit.Events}{(data.Dropped > 0 ? $"\n   ({data.Dropped} observations deleted due to missingness)" : "")}\n");
        text.WriteLine($"{"",-16} {"coef",10} {"exp(coef)",10} {"se(coef)",10} {"z",8} {"Pr(>|z|)",10}");
        foreach (var c in fit.Coefficients)
            text.WriteLine($"{c.Name,-16} {c.Coef.ToString("0.####", Inv),10} {c.Hr.ToString("0.####", Inv),10} {c.Se.ToString("0.####", Inv),10} {c.Z.ToString("0.###", Inv),8} {c.P.ToString("G3", Inv),10}");
        text.WriteLine($"\n{"",-16} {"exp(coef)",10} {"lower .95",10} {"upper .95",10}");
        foreach (var c in fit.Coefficients)
            text.WriteLine($"{c.Name,-16} {c.Hr.ToString("0.####", Inv),10} {c.HrLower.ToString("0.####", Inv),10} {c.HrUpper.ToString("0.####", Inv),10}");
        text.WriteLine($"\nLikelihood ratio test= {fit.LrTest.ChiSquare:0.##}  on {fit.LrTest.Df} df,   p={fit.LrTest.P.ToString("G3", Inv)}");
        text.WriteLine($"Wald test            = {fit.WaldTest.ChiSquare:0.##}  on {fit.WaldTest.Df} df,   p={fit.WaldTest.P.ToString("G3", Inv)}");
        text.WriteLine($"Score (logrank) test = {fit.ScoreTest.ChiSquare:0.##}  on {fit.ScoreTest.Df} df,   p={fit.ScoreTest.P.ToString("G3", Inv)}");
        text.WriteLine($"Ties: {ties}; iterations: {fit.Iterations}; converged: {fit.Converged}");
        foreach (var warning in fit.Warnings) text.WriteLine($"Warning: {warning}");
        return (json, text.ToString().TrimEnd());
    }

    private static (JsonObject, string) LogRankCommand(Options o)
    {
        var group = o.Required("group");
        var data = Load(o, CsvColumn.Text(group));
        var labels = data.Table.Texts(group);
        if (labels.Distinct().Count() < 2) throw new StatsInputException($"column {group} has a single group: the log-rank test needs two or more");
        var test = LogRank.Test(data.Time, data.Event, labels);
        var json = new JsonObject
        {
            ["n"] = test.N, ["chisq"] = test.ChiSquare, ["df"] = test.Df, ["p"] = test.P,
            ["groups"] = new JsonArray(test.Groups.Select(x => (JsonNode)new JsonObject { ["group"] = x.Group, ["n"] = x.N, ["observed"] = x.Observed, ["expected"] = x.Expected }).ToArray()),
        };
        var text = new StringWriter();
        text.WriteLine($"{"",-14} {"N",5} {"Observed",9} {"Expected",9}");
        foreach (var x in test.Groups) text.WriteLine($"{group + "=" + x.Group,-14} {x.N,5} {x.Observed,9:0.##} {x.Expected,9:0.##}");
        text.Write($"\n Chisq= {test.ChiSquare.ToString("0.#", Inv)}  on {test.Df} degrees of freedom, p= {test.P.ToString("G3", Inv)}");
        return (json, text.ToString());
    }

    private static (JsonObject, string) ProportionCommand(Options o)
    {
        int Int(string name) => int.TryParse(o.Required(name), NumberStyles.Integer, Inv, out var v) ? v : throw new StatsInputException($"--{name} must be a whole number");
        var k = Int("k");
        var n = Int("n");
        if (n <= 0 || k < 0 || k > n) throw new StatsInputException("need 0 <= k <= n and n > 0");
        var methodName = o.Optional("method") ?? "t";
        var method = methodName switch
        {
            "t" => ProportionMethod.T, "wald" => ProportionMethod.Wald, "wilson" => ProportionMethod.Wilson, "clopper-pearson" => ProportionMethod.ClopperPearson,
            _ => throw new StatsInputException($"--method must be t, wald, wilson or clopper-pearson, not '{methodName}'"),
        };
        var e = Proportion.Estimate(k, n, method);
        var json = new JsonObject { ["k"] = k, ["n"] = n, ["estimate"] = e.Estimate, ["lower"] = e.Lower, ["upper"] = e.Upper, ["method"] = methodName };
        var printed = Printed.PercentBounds(e.Lower * 100, e.Upper * 100);
        var text = $"{k}/{n} = {(e.Estimate * 100).ToString("0.0", Inv)}% (95% CI {printed.Text}; {methodName})";
        return (json, printed.Note is { } note ? $"{text}\n{Printed.Mark(note)} {Printed.Explanation(note)}" : text);
    }
}
