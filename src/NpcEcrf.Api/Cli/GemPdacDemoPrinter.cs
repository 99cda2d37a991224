using System.Globalization;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Demo;

namespace NpcEcrf.Api.Cli;

/// <summary>./npc-ecrf demo --study gem-pdac: runs the second study and prints what it shows.</summary>
public static class GemPdacDemoPrinter
{
    public static async Task<int> Run(HttpClient http, string outDir, string? jsonPath, DateTimeOffset started)
    {
        var result = await new GemPdacDemo(http, Console.WriteLine).Run("admin", outDir);
        var reports = new Dictionary<string, string>(result.Reports);
        if (jsonPath is not null)
        {
            await OutputFiles.WriteAsync(jsonPath, result.FinalAnalysis.ToJsonString(Analyses.ReportWriter.Indented), CancellationToken.None);
            reports["--json"] = jsonPath;
        }
        Print(result, reports, DateTimeOffset.UtcNow - started);
        return result.Succeeded ? 0 : 1;
    }

    public static void Print(GemPdacResult r, IReadOnlyDictionary<string, string> reports, TimeSpan elapsed)
    {
        var (interim, final) = (r.Interim, r.Final);
        Console.WriteLine();
        Console.WriteLine($"{GemPdacStudy.StudyId}: {r.Plan.Subjects.Count} subjects at {GemPdacStudy.Sites.Length} sites, entered through the API");
        Console.WriteLine($"  Arms recorded at enrolment: {string.Join(", ", final.SubjectsPerArm.Select(a => $"{a.Key} {a.Value}"))}");
        Console.WriteLine($"  Definition: version 1 at creation; version 2 (amendment 1) in force from {r.AmendmentEffectiveFrom:yyyy-MM-dd}, for every entry made since");
        Console.WriteLine($"  Automatic data queries: {r.Queries.Raised} raised ({r.QueriesBeforeAmendment.Raised} under version 1), {r.Queries.AnsweredAndClosed} answered by the site " +
                          $"and closed by the monitor, {r.Queries.ClosedByCorrection} closed by a correction, {r.Queries.Open} open");
        Console.WriteLine();
        Console.WriteLine("Locks and their analyses");
        Console.WriteLine($"    {"",-36} {interim.Outcome.Name,-24} {final.Outcome.Name,-24}");
        void Row(string label, Func<GemPdacLock, JsonObject, string> value) =>
            Console.WriteLine($"    {label,-36} {value(interim, r.InterimAnalysis),-24} {value(final, r.FinalAnalysis),-24}");
        Row("Cut-off", (l, _) => l.Outcome.Cutoff);
        Row("Definition version", (l, _) => l.DefinitionVersion.ToString(CultureInfo.InvariantCulture));
        Row("Subjects (by arm)", (l, a) => $"{a["n"]} ({string.Join(", ", l.SubjectsPerArm.Select(x => $"{x.Key} {x.Value}"))})");
        Row("Best response CR/PR/SD/PD/NE", (_, a) => string.Join("/", StudyResponses.Select(x => a["bestOverallResponse"]?[x]?.ToString() ?? "-")));
        Row("ORR % (95% CI)", (_, a) => Estimate(a["orr"], "percent"));
        Row("PFS median, months (95% CI)", (_, a) => Estimate(a["pfsMonths"], "median"));
        Row("OS median, months (95% CI)", (_, a) => Estimate(a["osMonths"], "median"));
        Row("Verified (snapshot replayed)", (l, _) => l.Outcome.Verified ? "ok" : "FAILED");

        Console.WriteLine();
        Console.WriteLine("Adverse events, final lock (subjects: any grade / grade 3-4)");
        foreach (var (term, counts) in Analyses.AnalysisJson.AdverseEventTerms(r.FinalAnalysis).Select(t => (t, Analyses.AnalysisJson.AdverseEventCounts(r.FinalAnalysis, t))))
            Console.WriteLine($"    {term,-36} {counts?[0]} / {(int?)counts?[3] + (int?)counts?[4]}");

        Console.WriteLine();
        if (r.FinalAnalysis["byArm"] is JsonObject byArm)
        {
            Console.WriteLine("By arm, final lock");
            foreach (var arm in byArm["arms"]?.AsArray() ?? [])
                Console.WriteLine($"    {arm?["arm"],-6} n={arm?["n"],-4} ORR {Estimate(arm?["orr"], "percent"),-24} PFS median {Estimate(arm?["pfsMonths"], "median"),-20} OS median {Estimate(arm?["osMonths"], "median")}");
            foreach (var (label, key) in new[] { ("PFS", "pfsLogRank"), ("OS", "osLogRank") })
                if (byArm[key] is JsonObject test) Console.WriteLine($"    Log-rank {label}: chi-square {Number(test["chiSquare"], "0.00")}, p = {Number(test["p"], "0.000")}");
            foreach (var (label, key) in new[] { ("PFS", "pfsCox"), ("OS", "osCox") })
                foreach (var row in byArm[key]?.AsArray() ?? [])
                    Console.WriteLine($"    Cox {label}, {row?["comparison"] ?? row?["label"]}: HR {Number(row?["hr"], "0.00")} ({Number(row?["hrLower"], "0.00")} to {Number(row?["hrUpper"], "0.00")}), p = {Number(row?["p"], "0.000")}");
        }
        else Console.WriteLine("By arm: this version's analysis has no by-arm section (Kaplan-Meier by arm, log-rank, Cox with the arm).");

        Console.WriteLine();
        Console.WriteLine("Reports:");
        foreach (var (name, path) in reports) Console.WriteLine($"    {name,-28} {path}");
        Console.WriteLine();
        Console.WriteLine(r.Succeeded
            ? $"{GemPdacStudy.StudyId} ran end to end: {r.Plan.Subjects.Count} subjects in {final.SubjectsPerArm.Count} arms, both locks verified (definition versions {interim.DefinitionVersion} and {final.DefinitionVersion}), no query open ({elapsed.TotalSeconds:0} s)."
            : $"{GemPdacStudy.StudyId} did not run through: a lock did not verify, froze the wrong definition version, the analysis missed subjects, or a query is still open.");
    }

    private static readonly string[] StudyResponses = ["CR", "PR", "SD", "PD", "NE"];

    /// <summary>"5.4 (3.6 to 7.3)": an estimate and its 95% CI, to one decimal (a CI by the t method can start below zero).</summary>
    private static string Estimate(JsonNode? node, string key)
    {
        if (node?[key] is null) return "-";
        var ci = node["ci95"]?.AsArray();
        return ci is { Count: 2 } ? $"{Number(node[key], "0.0")} ({Number(ci[0], "0.0")} to {Number(ci[1], "0.0")})" : Number(node[key], "0.0");
    }

    private static string Number(JsonNode? node, string format) =>
        node is JsonValue v && v.TryGetValue<double>(out var d) ? d.ToString(format, CultureInfo.InvariantCulture) : "NR";
}
