using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using NpcEcrf.Analysis;

namespace NpcEcrf.Api.Analyses;

/// <summary>Markdown and self-contained HTML (inline SVG figures) renderings of an analysis.</summary>
public static class ReportWriter
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Converters = { new NonFiniteAsNull() } };
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static string F(double? x, string format = "0.0") => x is { } v && double.IsFinite(v) ? v.ToString(format, Inv) : "NA";
    private static string Pct(Count c) => $"{c.N} ({F(c.Percent)}%)";
    private static string P(double p) => p < 0.001 ? "<0.001" : p.ToString("0.000", Inv);

    // ---- Provenance (content): what was analysed, in what state, when and by which version ----

    /// <summary>The provenance lines every rendering starts with: the lock, the definition version, the data status at the lock, the generation, the methods and the plan.</summary>
    public static IReadOnlyList<string> Provenance(AnalysisReport r)
    {
        var lines = new List<string>
        {
            r.Source.LockName is { } name
                ? $"Lock: {name}, {r.Source.LockKind ?? "unknown"} lock (SHA-256 {r.Source.LockHash})"
                : $"As of {r.Source.AsOf:O} (unpersisted snapshot, no lock; SHA-256 {r.Source.LockHash})",
            $"Data cut-off: {r.Source.Cutoff:yyyy-MM-dd}; event high-water mark: {r.Source.HighWaterMark}; study definition version: {(r.DefinitionVersion is { } v ? v.ToString(Inv) : "not known")}",
            DataStatusLine(r.Status),
        };
        if (r.Source.LockKind == "soft")
            lines.Add($"Interim analysis of a soft lock: queries may still be answered and casebooks signed; the data status above is as it was at the lock.");
        lines.Add($"Generated {r.GeneratedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC by NpcEcrf {AnalysisReport.SoftwareVersion}");
        lines.Add($"Profile: {Labels.Profile(r.Profile.Name)}. {Labels.Methods(r.Profile, r.Plan?.Ties ?? r.Profile.Ties)}");
        lines.Add(r.Plan is { } plan
            ? $"Analysis plan: {plan.Name}: PFS ~ {string.Join(" + ", plan.PfsCovariates.Select(c => Labels.Factor(c, r.Result.Covariates)))}, {Labels.TiesMethod(plan.Ties)} ties. {plan.Rationale}"
            : "Analysis plan: none (no multivariate model is fitted without one; the default populations apply).");
        lines.Add($"Populations: {string.Join("; ", r.Result.Populations.Select(p => $"{p.Label}: {p.Definition}"))}. Survival on the {Labels.Population(r.Result.Rules.SurvivalSet).ToLowerInvariant()}.");
        lines.Add($"Treatment-emergent adverse events: {Labels.Emergence(r.Result.Rules.TreatmentEmergence)}.");
        lines.Add("Time to event: origin first dose; days = date - origin + 1; months = days / 30.4375");
        return lines;
    }

    private static string DataStatusLine(DataStatus? s) => s is null ? "Data status at the lock: not known"
        : $"Data status at the lock ({s.Subjects} casebooks): {s.OpenQueries} open {(s.OpenQueries == 1 ? "query" : "queries")} in {s.SubjectsWithOpenQueries} {(s.SubjectsWithOpenQueries == 1 ? "casebook" : "casebooks")}; "
          + $"{s.UnsignedCasebooks} unsigned and {s.VoidedCasebooks} voided (signature voided by a later change) casebooks; "
          + $"{(s.UnverifiedForms is { } u ? u.ToString(Inv) : "not known")} unverified forms"
          + (s.Clean ? " (clean)" : "");

    public static string Markdown(AnalysisReport report)
    {
        var r = report.Result;
        var md = new StringBuilder();
        md.AppendLine($"# Analysis: {report.Source.LockName ?? "as-of snapshot"}").AppendLine();
        foreach (var line in Provenance(report)) md.AppendLine($"- {line}");
        foreach (var (title, header, rows, notes) in Tables(report))
        {
            md.AppendLine().AppendLine($"## {title}").AppendLine();
            md.AppendLine("| " + string.Join(" | ", header) + " |").AppendLine("|" + string.Concat(header.Select(_ => "---|")));
            foreach (var row in rows) md.AppendLine("| " + string.Join(" | ", row) + " |");
            if (notes.Count > 0) md.AppendLine();
            foreach (var note in notes) md.AppendLine(note).AppendLine();
        }
        if (r.ScreenCandidates.Count > 0)
            md.AppendLine().AppendLine($"Screen helper (P < {StudyAnalysis.ScreenThreshold}): {string.Join(", ", r.ScreenCandidates.Select(c => Labels.Factor(c, r.Covariates)))}. A suggestion for building a plan, not a model.");
        return md.ToString();
    }

    // ---- Tables (content): each titled with its population and n ----

    /// <summary>A table's title with the set it is computed on: "Survival in months (Safety set, n = 28)".</summary>
    private static string Titled(StudyAnalysisResult r, string title, string table) =>
        r.TablePopulations.Single(t => t.Table == table) is var p ? $"{title} ({Labels.Set(p.Population, p.N)})" : title;

    /// <summary>Every table of the report with its footnotes (printed after its rows), shared by Markdown and HTML.</summary>
    public static IEnumerable<(string Title, string[] Header, IReadOnlyList<string[]> Rows, IReadOnlyList<string> Notes)> Tables(AnalysisReport report)
    {
        var r = report.Result;
        yield return ("Analysis populations", ["Population", "Definition", "n", "Left out from the step before"],
            [.. r.Flow.Select(step => new[]
            {
                step.Label, r.Populations.Single(p => p.Population == step.Population).Definition, step.N.ToString(Inv),
                step.Excluded.Count == 0 ? "" : string.Join("; ", step.Excluded.Select(e => $"{e.Reason}: {e.N}")),
            })], []);
        var measures = r.Covariates.Where(c => r.BaselineMeasures.GetValueOrDefault(c.Name) is { N: > 0 })
            .Select(c => (Label: c.Unit is null ? c.Label : $"{c.Label}, {c.Unit}", Measure: r.BaselineMeasures[c.Name]))
            .Select(m => new[] { m.Label, $"median (range), n = {m.Measure.N}", $"{F(m.Measure.Median, "0.#")} ({F(m.Measure.Min, "0.#")}-{F(m.Measure.Max, "0.#")})" });
        yield return (Titled(r, "Baseline characteristics", StudyAnalysis.BaselineTable), ["Characteristic", "Level", "n (%)"],
            [.. (r.Age is { } age ? [new[] { "Age, years", "median (range)", $"{F(age.Median, "0.#")} ({F(age.Min, "0")}-{F(age.Max, "0")})" }] : Array.Empty<string[]>())
            .Concat(measures)
            .Concat(r.Baseline.Select(b => new[] { b.Characteristic, b.Level, $"{b.N} ({F(b.Percent)}%)" }))], []);
        var response = new Footnotes();
        yield return (Titled(r, "Tumour response, RECIST 1.1", StudyAnalysis.ResponseTable), [.. StudyAnalysis.Responses.Select(Labels.Response), "ORR % (95% CI)", "DCR % (95% CI)"],
            [[.. StudyAnalysis.Responses.Select(x => r.BestOverallResponse[x].ToString(Inv)), response.Use(Rate(r.Orr)), response.Use(Rate(r.Dcr))]], response.Lines);
        var survival = new Footnotes();
        yield return (Titled(r, "Survival in months", StudyAnalysis.SurvivalTable), ["Endpoint", "n", "Events", "Censored", "Median (95% CI)", .. StudyAnalysis.Landmarks.Select(m => $"{F(m, "0.#")}-month rate % (95% CI)"), "Median follow-up"],
            [.. new[] { ("PFS", r.PfsMonths), ("OS", r.OsMonths) }.Select(x => new[]
                {
                    Labels.Endpoint(x.Item1), x.Item2.N.ToString(Inv), x.Item2.Events.ToString(Inv), x.Item2.Censored.ToString(Inv), survival.Use(Median(x.Item2)),
                }
                .Concat(x.Item2.Rates.Select(rate => survival.Use(Printed.Landmark(rate.ToLandmark()))))
                .Append(F(x.Item2.MedianFollowUp)).ToArray())], survival.Lines);
        if (r.ByArm is { } byArm)
            foreach (var table in ByArmTables(r, byArm)) yield return table;
        yield return (Titled(r, "Cox proportional hazards, PFS: univariate screen", StudyAnalysis.CoxTable), ["Factor", "Comparison", "n", "HR (95% CI)", "P", "Note"],
            [.. r.CoxUnivariate.Select(c => new[] { c.Label, c.Comparison, c.N.ToString(Inv), Hr(c), P(c.P), string.Join("; ", c.Warnings) })], []);
        if (r.CoxPfsMultivariate is { } model)
            yield return (Titled(r, $"Cox proportional hazards, PFS: multivariate, plan {model.Plan}, {model.Ties} ties", StudyAnalysis.CoxTable), ["Covariate", "HR (95% CI)", "P", "Note"],
                model.Coefficients.Count == 0 ? [["not fitted", "", "", string.Join("; ", model.Warnings)]]
                    : [.. model.Coefficients.Select((c, i) => new[] { model.CoefficientLabels[i], $"{F(c.Hr, "0.000")} ({F(c.HrLower, "0.000")}-{F(c.HrUpper, "0.000")})", P(c.P), string.Join("; ", model.Warnings) })], []);
        yield return AdverseEventTable(report);
        yield return (Titled(r, "Dose exposure", StudyAnalysis.ExposureTable), ["Cycles, median (range)", ">= 3 cycles", "Dose reduced", "Mean dose intensity"],
            [[$"{F(r.Exposure.Cycles.Median, "0.#")} ({F(r.Exposure.Cycles.Min, "0")}-{F(r.Exposure.Cycles.Max, "0")})", Pct(r.Exposure.AtLeastThreeCycles), Pct(r.Exposure.DoseReduced), F(r.Exposure.MeanDoseIntensity * 100) + "%"]], []);
    }

    private static PrintedValue Rate(Rate rate) => Printed.Percent(rate.Percent, rate.Ci95[0], rate.Ci95[1]);

    private static string Hr(CoxScreenRow c) => $"{F(c.Hr, "0.000")} ({F(c.HrLower, "0.000")}-{F(c.HrUpper, "0.000")})";
    private static PrintedValue Median(SurvivalSummary s) => Printed.Median(s.Median, s.Ci95[0], s.Ci95[1]);

    /// <summary>
    /// Treatment-emergent adverse events over the safety set, grouped by MedDRA system organ class (each class a row of its
    /// own, a subject counted once at the worst grade of its terms) with the preferred terms under it; terms the
    /// definition does not code are listed last, by their verbatim name.
    /// </summary>
    private static (string Title, string[] Header, IReadOnlyList<string[]> Rows, IReadOnlyList<string> Notes) AdverseEventTable(AnalysisReport report)
    {
        var r = report.Result;
        string[] Cells(string label, string code, AdverseEventRow a) => [label, code, Pct(a.AnyGrade), .. a.ByGrade().Select(Pct), Pct(a.Grade3OrMore)];
        const string Indent = "\u2003";
        var rows = new List<string[]>();
        foreach (var soc in r.AdverseEventSocTable)
        {
            rows.Add(Cells(soc.Term, "", soc));
            rows.AddRange(r.AdverseEventTable.Where(a => a.Soc == soc.Soc).Select(a => Cells(Indent + TermLabel(a), a.MeddraCode ?? "", a)));
        }
        var uncoded = r.AdverseEventTable.Where(a => a.Soc is null).ToList();
        if (uncoded.Count > 0)
        {
            rows.Add(["Not coded (verbatim terms)", "", .. Enumerable.Repeat("", AdverseEventRow.Grades.Length + 2)]);
            rows.AddRange(uncoded.Select(a => Cells(Indent + a.Term, a.MeddraCode ?? "", a)));
        }
        return (Titled(r, $"Treatment-emergent adverse events, CTCAE {report.CtcaeVersion}, worst grade per patient", StudyAnalysis.AdverseEventsTable),
            ["System organ class / preferred term", "MedDRA code", "Any grade", .. AdverseEventRow.Grades.Select(g => $"Grade {g}"), "Grade >= 3"], rows,
            [$"Treatment-emergent: {Labels.Emergence(r.Rules.TreatmentEmergence)}. A subject is counted once per term and once per class, at the worst grade."]);
    }

    /// <summary>The preferred term, and the study's own term beside it where that differs ("Palmar-plantar erythrodysesthesia syndrome (Hand-foot syndrome)").</summary>
    private static string TermLabel(AdverseEventRow a) => a.PreferredTerm is { } pt && !string.Equals(pt, a.Term, StringComparison.OrdinalIgnoreCase) ? $"{pt} ({a.Term})" : a.Term;

    /// <summary>The comparison of the arms: response and survival per arm, the log-rank tests, and the arm's hazard ratios.</summary>
    private static IEnumerable<(string Title, string[] Header, IReadOnlyList<string[]> Rows, IReadOnlyList<string> Notes)> ByArmTables(StudyAnalysisResult r, ByArm byArm)
    {
        var notes = new Footnotes();
        var response = r.TablePopulations.Single(t => t.Table == StudyAnalysis.ResponseTable).Population;
        var survival = r.TablePopulations.Single(t => t.Table == StudyAnalysis.SurvivalTable).Population;
        yield return ($"By arm: response ({Labels.Population(response)}) and survival in months ({Labels.Population(survival)})", ["Arm", "n enrolled", "n evaluable", "ORR % (95% CI)", "DCR % (95% CI)", "n survival", "PFS events", "PFS median (95% CI)", "OS events", "OS median (95% CI)"],
            [.. byArm.Arms.Select(a => new[]
            {
                $"{a.Name} ({a.Arm})", a.N.ToString(Inv), a.BestOverallResponse.Values.Sum().ToString(Inv), notes.Use(Rate(a.Orr)), notes.Use(Rate(a.Dcr)),
                a.PfsMonths.N.ToString(Inv), a.PfsMonths.Events.ToString(Inv), notes.Use(Median(a.PfsMonths)), a.OsMonths.Events.ToString(Inv), notes.Use(Median(a.OsMonths)),
            })], notes.Lines);
        yield return ($"By arm: log-rank tests ({Labels.Population(survival)})", ["Endpoint", "Chi-square", "df", "P", "Observed / expected events"],
            [.. new[] { ("PFS", byArm.PfsLogRank), ("OS", byArm.OsLogRank) }.Select(x => x.Item2 is { } test
                ? new[] { x.Item1, F(test.ChiSquare, "0.000"), test.Df.ToString(Inv), P(test.P), string.Join("; ", test.Groups.Select(g => $"{g.Group} {F(g.Observed, "0")} / {F(g.Expected, "0.0")}")) }
                : [x.Item1, "NA", "", "", "not testable: fewer than two arms with subjects, or no events"])], []);
        yield return ($"By arm: Cox proportional hazards, univariate ({Labels.Population(survival)})", ["Endpoint", "Comparison", "n", "HR (95% CI)", "P", "Note"],
            [.. byArm.PfsCox.Select(c => ("PFS", c)).Concat(byArm.OsCox.Select(c => ("OS", c)))
                .Select(x => new[] { x.Item1, x.c.Comparison, x.c.N.ToString(Inv), Hr(x.c), P(x.c.P), string.Join("; ", x.c.Warnings) })], []);
    }

    public static string Html(AnalysisReport report)
    {
        var html = new StringBuilder();
        string E(string s) => WebUtility.HtmlEncode(s);
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(E($"NpcEcrf analysis: {report.Source.LockName ?? "as-of"}"))
            .Append("</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;font-size:14px}th{background:#eee}figure{margin:1.5em 0}figcaption{font-weight:bold}.footnote{font-size:12px;margin:0 0 .4em}svg text{font-family:sans-serif}</style>")
            .Append(PdfReport.PrintCss(report))
            .Append("</head><body>");
        html.Append($"<h1>{E($"Analysis: {report.Source.LockName ?? "as-of snapshot"}")}</h1><ul>");
        foreach (var line in Provenance(report)) html.Append($"<li>{E(line)}</li>");
        html.Append("</ul>");
        foreach (var (title, header, rows, notes) in Tables(report))
        {
            // A heading, its table and its footnotes are one block: printing never leaves the heading alone at a page's foot.
            html.Append($"<section class=\"table-block\"><h2>{E(title)}</h2><table><tr>{string.Concat(header.Select(h => $"<th>{E(h)}</th>"))}</tr>");
            foreach (var row in rows) html.Append($"<tr>{string.Concat(row.Select(c => $"<td>{E(c)}</td>"))}</tr>");
            html.Append("</table>");
            foreach (var note in notes) html.Append($"<p class=\"footnote\">{E(note)}</p>");
            html.Append("</section>");
        }
        html.Append(Figures.ReportFigures.Html(report));
        html.Append("</body></html>");
        return html.ToString();
    }
}
