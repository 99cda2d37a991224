using System.Text.Json.Nodes;

namespace NpcEcrf.Api.Analyses;

/// <summary>
/// Reads the analysis JSON (docs/analysis.schema.json) by the data's names: its lists hold objects with fixed keys, so
/// a covariate, a coefficient or a term is found by its "name" or "term", never used as a key.
/// </summary>
public static class AnalysisJson
{
    private static JsonObject? Find(JsonNode? list, string key, string value) =>
        list?.AsArray().OfType<JsonObject>().FirstOrDefault(o => o[key]?.GetValue<string>() == value);

    /// <summary>A coefficient of the multivariate PFS model, by its name in the plan ("metastatic-sites.liver").</summary>
    public static JsonObject? Coefficient(JsonObject analysis, string name) => Find(analysis["coxPfsMultivariate"]?["coefficients"], "name", name);

    /// <summary>The number of subjects at a level of a binary or categorical baseline item ("true"/"false", or the code).</summary>
    public static JsonNode? BaselineLevel(JsonObject analysis, string item, string code) => Find(Find(analysis["baselineItems"], "name", item)?["levels"], "code", code)?["n"];

    /// <summary>A term's row of the adverse-event counts: [all, g1, ..., g5] as "columns" names them; null where nobody had it.</summary>
    public static JsonArray? AdverseEventCounts(JsonObject analysis, string term) => Find(analysis["adverseEvents"]?["rows"], "term", term)?["counts"]?.AsArray();

    /// <summary>The terms of the adverse-event table, in its order.</summary>
    public static IReadOnlyList<string> AdverseEventTerms(JsonObject analysis) =>
        analysis["adverseEvents"]?["rows"]?.AsArray().OfType<JsonObject>().Select(r => r["term"]!.GetValue<string>()).ToList() ?? [];
}
