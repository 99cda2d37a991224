using System.Globalization;
using System.Text.Json.Nodes;

namespace NpcEcrf.Api.Demo;

/// <summary>One published number beside the product's reproduction, compared at the printed precision.</summary>
public sealed record FactCheck(string Table, string Item, string Published, string Reproduced)
{
    public bool Matches => Published == Reproduced;
}

/// <summary>
/// The seed paper's published numbers (abstract, Table 1 age row, adverse-event table), as printed, and the
/// comparison of an analysis JSON with them.
/// </summary>
public static class PublishedFacts
{
    public static readonly (string Term, int[] Counts)[] AdverseEvents =
    [
        ("Hand-foot syndrome", [15, 6, 5, 4, 0]), ("Hypertension", [12, 8, 3, 1, 0]), ("Oral mucositis", [11, 5, 2, 4, 0]),
        ("Hypothyroidism", [9, 7, 2, 0, 0]), ("Fatigue", [8, 5, 3, 0, 0]), ("Proteinuria", [5, 5, 0, 0, 0]),
        ("Positive urinary occult blood", [4, 4, 0, 0, 0]), ("Leukopenia", [3, 3, 0, 0, 0]), ("Nasal bleeding", [3, 0, 0, 3, 0]),
        ("Arthralgia", [2, 0, 1, 1, 0]),
    ];

    /// <summary>The reference study's items (its definition, anlo-npc.json) that the paper's numbers are about.</summary>
    public const string DiseasePattern = "disease-status.pattern", PlatinumRefractory = "prior-therapy.platinumRefractory", LiverMetastases = "metastatic-sites.liver";

    public static IReadOnlyList<FactCheck> Compare(JsonObject a)
    {
        static string F(JsonNode? n, string format) => n is null ? "missing" : n.GetValue<double>().ToString(format, CultureInfo.InvariantCulture);
        static string I(JsonNode? n) => n is null ? "missing" : n.GetValue<int>().ToString(CultureInfo.InvariantCulture);
        string Ci(JsonNode? node, string format) => $"{F(node?["ci95"]?[0], format)}-{F(node?["ci95"]?[1], format)}";
        var liver = Analyses.AnalysisJson.Coefficient(a, LiverMetastases);
        JsonNode? Pattern(string code) => Analyses.AnalysisJson.BaselineLevel(a, DiseasePattern, code);
        var checks = new List<FactCheck>
        {
            new("Baseline", "Patients", "30", I(a["n"])),
            new("Baseline", "Metastatic / recurrent / both", "13/10/7", $"{I(Pattern("Metastatic"))}/{I(Pattern("Recurrent"))}/{I(Pattern("Both"))}"),
            new("Baseline", "Platinum-refractory", "22", I(Analyses.AnalysisJson.BaselineLevel(a, PlatinumRefractory, "true"))),
            new("Baseline", ">= 3 cycles", "23", I(a["atLeastThreeCycles"])),
            new("Baseline", "Age, median (range)", "55 (35-76)", $"{F(a["age"]?["median"], "0")} ({F(a["age"]?["min"], "0")}-{F(a["age"]?["max"], "0")})"),
            new("Response", "CR/PR/SD/PD", "0/4/18/8", string.Join('/', new[] { "CR", "PR", "SD", "PD" }.Select(r => I(a["bestOverallResponse"]?[r])))),
            new("Response", "ORR % (95% CI)", "13.3 (0.4-26.2)", $"{F(a["orr"]?["percent"], "0.0")} ({Ci(a["orr"], "0.0")})"),
            new("Response", "DCR % (95% CI)", "73.3 (56.5-90.1)", $"{F(a["dcr"]?["percent"], "0.0")} ({Ci(a["dcr"], "0.0")})"),
            new("Survival", "PFS median, months (95% CI)", "5.7 (4.7-6.7)", $"{F(a["pfsMonths"]?["median"], "0.0")} ({Ci(a["pfsMonths"], "0.0")})"),
            new("Survival", "OS median, months (95% CI)", "11.5 (7.5-15.5)", $"{F(a["osMonths"]?["median"], "0.0")} ({Ci(a["osMonths"], "0.0")})"),
            new("Cox", "Liver metastases HR (95% CI)", "7.907 (2.613-23.923)", $"{F(liver?["hr"], "0.000")} ({Ci(liver, "0.000")})"),
            new("Cox", "Liver metastases P", "<0.001", liver?["p"] is { } p ? (p.GetValue<double>() < 0.001 ? "<0.001" : F(p, "0.000")) : "missing"),
        };
        // The paper's table has the columns all and grades 1 to 4 (it reported no grade 5): those columns, by name.
        var columns = a["adverseEvents"]?["columns"]?.AsArray().Select(c => c!.GetValue<string>()).ToList() ?? [];
        string[] published = ["all", "g1", "g2", "g3", "g4"];
        foreach (var (term, counts) in AdverseEvents)
            checks.Add(new("Adverse events", term + " (all/g1/g2/g3/g4)", string.Join('/', counts),
                Analyses.AnalysisJson.AdverseEventCounts(a, term) is { } row ? string.Join('/', published.Select(c => columns.IndexOf(c) is >= 0 and var i ? I(row[i]) : "missing")) : "0/0/0/0/0"));
        return checks;
    }
}
