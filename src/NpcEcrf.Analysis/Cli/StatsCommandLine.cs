using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NpcEcrf.Analysis.Cli;

/// <summary>
/// ./npc-ecrf stats km|cox|logrank|proportion: the statistics engine on any CSV. With --json, stdout carries exactly
/// one JSON document (the contract in docs/statistics.md); without, a table in the style of R's print methods.
/// A wrong command line (an unknown option, a bad value): one line on stderr and exit code 2; bad data (a missing file
/// or column, a non-numeric value, nothing to estimate): one line on stderr and exit code 1.
/// </summary>
public static class StatsCommandLine
{
    public const int UsageError = CommandLineRunner.UsageError;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Converters = { new NonFiniteAsNull() } };

    /// <summary>The stats verb and its subcommands; the Api's root adds it beside the other verbs.</summary>
    public static Command Create() => new("stats", """
        Kaplan-Meier, Cox, log-rank and proportions on any CSV (docs/statistics.md). Events are 0/1; empty cells and NA
        are missing (rows with any used column missing are dropped). With --json, stdout is exactly one JSON document.
        """)
    {
        Km(), CoxVerb(), LogRankVerb(), ProportionVerb(),
    };

    /// <summary>./npc-ecrf stats ARGS on its own, with the same parser and messages as through ./npc-ecrf.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) =>
        CommandLineRunner.RunAsync(new RootCommand { Create() }, ["stats", .. args], stdout, stderr, _ => null).GetAwaiter().GetResult();

    /// <summary>The options every survival subcommand takes.</summary>
    private sealed class Survival
    {
        public readonly Option<string> Csv = new("--csv") { Required = true, Description = "The CSV file (a header row, commas, quotes allowed)." };
        public readonly Option<string> Time = new("--time") { Required = true, Description = "The column of follow-up times (non-negative)." };
        public readonly Option<string> Event = new("--event") { Required = true, Description = "The column of events (1 = event, 0 = censored)." };
        public readonly Option<bool> Json = JsonOption();

        public Command Command(string name, string description, Func<ParseResult, (JsonObject Json, string Text)> run, params Option[] more)
        {
            var command = new Command(name, description) { Csv, Time, Event };
            foreach (var option in more) command.Options.Add(option);
            command.Options.Add(Json);
            Print(command, Json, run);
            return command;
        }

        /// <summary>Reads time, event and the other used columns; complete cases only, as R does. A Kaplan-Meier curve needs no event (it stays at 1), a model or test does.</summary>
        public Data Load(ParseResult parse, bool needEvents, params CsvColumn[] otherColumns)
        {
            var timeName = parse.GetValue(Time)!;
            var eventName = parse.GetValue(Event)!;
            var table = CsvTable.Read(parse.GetValue(Csv)!, [
                CsvColumn.Number(timeName, t => t < 0 ? $"negative time {t.ToString(Inv)}" : null),
                CsvColumn.Number(eventName, e => e is not (0 or 1) ? $"event must be 0 or 1, found {e.ToString(Inv)}" : null),
                .. otherColumns]);
            var died = Array.ConvertAll(table.Numbers(eventName), e => e == 1);
            if (died.Length == 0) throw new StatsInputException("no complete rows in the data: nothing to estimate");
            if (needEvents && !died.Any(d => d)) throw new StatsInputException("no events in the data: nothing to estimate");
            return new Data(table.Numbers(timeName), died, table.Dropped, table);
        }
    }

    private static Option<bool> JsonOption() => new("--json") { Description = "Print one JSON document (the contract in docs/statistics.md) instead of the table." };

    /// <summary>Prints the JSON (--json) or the table; bad data is a <see cref="StatsInputException"/> (exit 1).</summary>
    private static void Print(Command command, Option<bool> json, Func<ParseResult, (JsonObject Json, string Text)> run) => command.SetAction(parse =>
    {
        var (document, text) = run(parse);
        parse.InvocationConfiguration.Output.WriteLine(parse.GetValue(json) ? JsonNodes.WithoutNonFinite(document).ToJsonString(Pretty) : text);
        return 0;
    });

    private sealed record Data(double[] Time, bool[] Event, int Dropped, CsvTable Table);

    private static ConfType ConfTypeOf(string s) => s switch { "log" => ConfType.Log, "log-log" => ConfType.LogLog, _ => ConfType.Plain };

    private static Command Km()
    {
        var survival = new Survival();
        var group = new Option<string?>("--group") { Description = "A column of group labels: one curve per group and the log-rank test." };
        var confType = new Option<string>("--conf-type") { Description = "The confidence band: log (R's default), log-log or plain." }.Choice("log", "log-log", "plain");
        var median = new Option<string>("--median-method") { Description = "The median's confidence interval: r (R's) or spss." }.Choice("r", "spss");
        var times = new Option<IReadOnlyList<double>>("--times")
        {
            Description = "Survival at landmark times T1,T2,..., as R's summary(survfit(...), times = ..., extend = TRUE), but NA past the last " +
                "follow-up and no band where S is 0 or 1 (docs/analysis.md, \"Edge cases\").",
            CustomParser = r => Times(r),
        };
        return survival.Command("km", "Kaplan-Meier curves with their median and its confidence interval (and the log-rank test with --group).",
            parse => KmFit(survival.Load(parse, false, parse.GetValue(group) is { } g ? [CsvColumn.Text(g)] : []), parse.GetValue(group),
                ConfTypeOf(parse.GetValue(confType)!), parse.GetValue(median) == "spss" ? MedianMethod.Spss : MedianMethod.R, parse.GetValue(times) ?? []),
            group, confType, median, times);
    }

    private static (JsonObject, string) KmFit(Data data, string? group, ConfType confType, MedianMethod median, IReadOnlyList<double> times)
    {
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

    private static IReadOnlyList<double> Times(System.CommandLine.Parsing.ArgumentResult r)
    {
        var list = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        var times = new List<double>();
        foreach (var t in list.Split(',', StringSplitOptions.TrimEntries))
        {
            if (double.TryParse(t, NumberStyles.Float, Inv, out var v) && double.IsFinite(v) && v >= 0) times.Add(v);
            else
            {
                r.AddError($"--times must be non-negative numbers separated by commas, not '{t}'");
                break;
            }
        }
        return times;
    }

    private static string Num(JsonNode? n) => n is null ? "NA" : n.GetValue<double>().ToString("G4", Inv);

    private static Command CoxVerb()
    {
        var survival = new Survival();
        var covariates = new Option<string?>("--covariates") { Description = "Numeric covariate columns A,B,..." };
        var factors = new Option<string[]>("--factor") { Description = "A categorical covariate COL[:REF] (repeatable), dummy-coded against REF (default: its first level)." };
        var ties = new Option<string>("--ties") { Description = "Tied event times: efron (R's default) or breslow (SPSS, SAS)." }.Choice("efron", "breslow");
        var command = survival.Command("cox", "A Cox proportional hazards model, printed as R's summary(coxph).", parse =>
        {
            var names = (parse.GetValue(covariates) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var factorList = (parse.GetValue(factors) ?? []).Select(f => f.Split(':', 2)).Select(p => (Column: p[0], Reference: p.Length > 1 ? p[1] : null)).ToList();
            var data = survival.Load(parse, true, [.. names.Select(c => CsvColumn.Number(c)), .. factorList.Select(f => CsvColumn.Text(f.Column))]);
            return CoxFit(data, names, factorList, parse.GetValue(ties) == "breslow" ? Ties.Breslow : Ties.Efron);
        }, covariates, factors, ties);
        command.Validators.Add(r =>
        {
            if (r.GetResult(covariates) is null && r.GetResult(factors) is null) r.AddError("--covariates (or --factor) is required");
        });
        return command;
    }

    private static (JsonObject, string) CoxFit(Data data, string[] covariates, List<(string Column, string? Reference)> factors, Ties ties)
    {
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

    private static Command LogRankVerb()
    {
        var survival = new Survival();
        var group = new Option<string>("--group") { Required = true, Description = "The column of group labels (two or more groups)." };
        return survival.Command("logrank", "The log-rank test of two or more groups, printed as R's survdiff.",
            parse => LogRankTest(survival.Load(parse, true, CsvColumn.Text(parse.GetValue(group)!)), parse.GetValue(group)!), group);
    }

    private static (JsonObject, string) LogRankTest(Data data, string group)
    {
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

    private static Command ProportionVerb()
    {
        var k = new Option<int>("--k") { Required = true, Description = "Responders (0 to N).", CustomParser = CliValues.Whole(0) };
        var n = new Option<int>("--n") { Required = true, Description = "Patients (at least 1).", CustomParser = CliValues.Whole(1) };
        var method = new Option<string>("--method") { Description = "The interval: t (SPSS's, the paper's), wald, wilson or clopper-pearson." }
            .Choice("t", "wald", "wilson", "clopper-pearson");
        var json = JsonOption();
        var command = new Command("proportion", "A proportion K/N with its 95% confidence interval.") { k, n, method, json };
        command.Validators.Add(r =>
        {
            // Each value alone is checked by its parser; here only how they relate, once both are whole numbers.
            if (r.GetResult(k) is { } kr && r.GetResult(n) is { } nr && int.TryParse(kr.Tokens[^1].Value, Inv, out var kv) && int.TryParse(nr.Tokens[^1].Value, Inv, out var nv) && kv >= 0 && nv >= 1 && kv > nv)
                r.AddError($"--k ({kv}) must not be more than --n ({nv})");
        });
        Print(command, json, parse => ProportionOf(parse.GetValue(k), parse.GetValue(n), parse.GetValue(method)!));
        return command;
    }

    private static (JsonObject, string) ProportionOf(int k, int n, string methodName)
    {
        var method = methodName switch
        {
            "wald" => ProportionMethod.Wald, "wilson" => ProportionMethod.Wilson, "clopper-pearson" => ProportionMethod.ClopperPearson, _ => ProportionMethod.T,
        };
        var e = Proportion.Estimate(k, n, method);
        var json = new JsonObject { ["k"] = k, ["n"] = n, ["estimate"] = e.Estimate, ["lower"] = e.Lower, ["upper"] = e.Upper, ["method"] = methodName };
        var printed = Printed.PercentBounds(e.Lower * 100, e.Upper * 100);
        var text = $"{k}/{n} = {(e.Estimate * 100).ToString("0.0", Inv)}% (95% CI {printed.Text}; {methodName})";
        return (json, printed.Note is { } note ? $"{text}\n{Printed.Mark(note)} {Printed.Explanation(note)}" : text);
    }
}
