extern alias JsonSchemaNet;
using System.Text.Json.Nodes;
using JsonSchemaNet::Json.Schema;

namespace NpcEcrf.Api.Tests.Analyses;

/// <summary>The published schema of the analysis JSON (docs/analysis.schema.json): every analysis JSON the suite writes goes through AssertValid.</summary>
public static class AnalysisSchema
{
    public static readonly string Path = System.IO.Path.Combine(RepositoryRoot(), "docs", "analysis.schema.json");
    private static readonly JsonSchema Schema = JsonSchema.FromFile(Path);

    public static IReadOnlyList<string> Errors(JsonNode json)
    {
        var result = Schema.Evaluate(json, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        return result.IsValid ? [] : (result.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} {e.Key}: {e.Value}")).ToList();
    }

    public static void AssertValid(JsonNode json)
    {
        var errors = Errors(json);
        Assert.True(errors.Count == 0, "Not valid against docs/analysis.schema.json: " + string.Join("; ", errors.Take(20)));
    }

    public static void AssertValid(System.Text.Json.JsonElement json) => AssertValid(JsonNode.Parse(json.GetRawText())!);

    /// <summary>An HTTP or file body: parsed, validated, returned.</summary>
    public static JsonObject Valid(string body)
    {
        var json = JsonNode.Parse(body)!.AsObject();
        AssertValid(json);
        return json;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "NpcEcrf.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("NpcEcrf.sln not found above the test assembly.");
    }
}
