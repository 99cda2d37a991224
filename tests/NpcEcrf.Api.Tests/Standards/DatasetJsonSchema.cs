extern alias JsonSchemaNet;
using System.Text.Json.Nodes;
using JsonSchemaNet::Json.Schema;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Standards;

/// <summary>The official CDISC Dataset-JSON 1.1 schema from ../shared: every Dataset-JSON the suite writes goes through AssertValid.</summary>
public static class DatasetJsonSchema
{
    public static readonly string Dir = Path.Combine(SharedFiles.Dir(), "standards", "dataset-json-1.1");
    private static readonly JsonSchema Schema = JsonSchema.FromFile(Path.Combine(Dir, "dataset.schema.json"));

    public static bool IsValid(JsonNode json) => Schema.Evaluate(json).IsValid;

    public static void AssertValid(JsonNode json)
    {
        var result = Schema.Evaluate(json, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var errors = (result.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} {e.Key}: {e.Value}"));
        Assert.True(result.IsValid, "Not valid Dataset-JSON 1.1: " + string.Join("; ", errors));
    }
}
