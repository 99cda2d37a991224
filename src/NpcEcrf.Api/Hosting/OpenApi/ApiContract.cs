using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace NpcEcrf.Api.Hosting.OpenApi;

/// <summary>The answer carries the record's version as its ETag (reads and commands of a versioned record).</summary>
public sealed class VersionedAnswer
{
    public static readonly VersionedAnswer Instance = new();
}

/// <summary>The answer is a casebook (<see cref="Casebooks.CasebookView"/>): the contract's Casebook schema.</summary>
public sealed class CasebookAnswer
{
    public static readonly CasebookAnswer Instance = new();
}

/// <summary>The endpoint compares an If-Match version with the record's (<see cref="Casebooks.SubjectRoutes.IfMatch"/>).</summary>
public sealed class HonoursIfMatch
{
    public static readonly HonoursIfMatch Instance = new();
}

/// <summary>
/// What each endpoint tells the published contract (/openapi/v1.json) beyond its route: its stable operation id,
/// summary and tag (its feature), what it answers and every refusal it can give. What every endpoint shares (401,
/// 503, X-Correlation-Id, the problem-details schema, security) is added once by <see cref="ContractTransformer"/>.
/// </summary>
public static class ApiContract
{
    /// <summary>The operation id (camelCase verb and noun: what generated clients name the method), summary and tag.</summary>
    public static TBuilder Operation<TBuilder>(this TBuilder builder, string operationId, string summary, string tag)
        where TBuilder : IEndpointConventionBuilder => builder.WithName(operationId).WithSummary(summary).WithTags(tag);

    /// <summary>The problem-details refusals the endpoint itself can answer (401 and 503 are added for every endpoint).</summary>
    public static RouteHandlerBuilder Refuses(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses) builder.ProducesProblem(status);
        return builder;
    }

    /// <summary>
    /// A write through <see cref="Infrastructure.CommandPipeline"/>: its answer with the version as ETag (201 with
    /// Location when it creates the record), a body that can be invalid (400), a role or site that may not act
    /// (403), a record that is not there or not yours to see (404), a conflict (409) and, where a database lock
    /// applies, 423.
    /// </summary>
    /// <param name="ofExisting">Whether the command needs a record that may not exist (404): not when it only creates one.</param>
    public static RouteHandlerBuilder Command<TAnswer>(this RouteHandlerBuilder builder, bool creates = false, bool underLocks = true, bool ofExisting = true) =>
        builder.Command(typeof(TAnswer), creates, underLocks, ofExisting);

    private static RouteHandlerBuilder Command(this RouteHandlerBuilder builder, Type? answer, bool creates, bool underLocks, bool ofExisting = true) => builder
        .Produces(creates ? StatusCodes.Status201Created : StatusCodes.Status200OK, answer, "application/json")
        .WithMetadata(VersionedAnswer.Instance)
        .Refuses(new[] { 400, 403, ofExisting ? 404 : 0, 409, underLocks ? 423 : 0 }.Where(status => status != 0).ToArray());

    /// <summary>A command on a casebook: it answers the casebook; one on an existing casebook honours If-Match (the version the user read).</summary>
    public static RouteHandlerBuilder CasebookCommand(this RouteHandlerBuilder builder, bool creates = false) => builder
        .Command(null, creates, underLocks: true)
        .WithMetadata(creates ? [CasebookAnswer.Instance] : [CasebookAnswer.Instance, HonoursIfMatch.Instance]);

    /// <summary>A read answering one casebook (with its version as ETag).</summary>
    public static RouteHandlerBuilder CasebookRead(this RouteHandlerBuilder builder) => builder
        .Produces(StatusCodes.Status200OK, null, "application/json")
        .WithMetadata(CasebookAnswer.Instance, VersionedAnswer.Instance);

    /// <summary>
    /// A 200 answer that is a document to keep as it comes (XML, CSV, Markdown, HTML, a zip, a report's JSON), in one
    /// of these media types: binary, so that generated clients hand it over as a stream instead of parsing it as JSON.
    /// </summary>
    public static RouteHandlerBuilder ProducesDocument(this RouteHandlerBuilder builder, params string[] mediaTypes) => builder
        .Produces(StatusCodes.Status200OK, null, mediaTypes[0], mediaTypes[1..])
        .AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Responses?.GetValueOrDefault("200") is OpenApiResponse response)
                response.Content = mediaTypes.ToDictionary(t => t, _ => new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } });
            return Task.CompletedTask;
        });

    /// <summary>
    /// An ODM 1.3.2 file as the whole body (application/xml), or as the part "odm" of a multipart form whose part
    /// "base" is a study definition (JSON) the file's metadata builds on.
    /// </summary>
    public static RouteHandlerBuilder AcceptsOdm(this RouteHandlerBuilder builder) => builder
        .Accepts<string>("application/xml", "multipart/form-data")
        .AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/xml"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "An ODM 1.3.2 file." } },
                    ["multipart/form-data"] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Required = new HashSet<string> { "odm" },
                            Properties = new Dictionary<string, IOpenApiSchema>
                            {
                                ["odm"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "The ODM 1.3.2 file." },
                                ["base"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A study definition (JSON) the file's metadata builds on." },
                            },
                        },
                    },
                },
            };
            return Task.CompletedTask;
        });

    /// <summary>An example request body (for the forms): shown by the reference and by client generators.</summary>
    public static RouteHandlerBuilder RequestExample(this RouteHandlerBuilder builder, string json) => builder
        .AddOpenApiOperationTransformer((operation, _, _) =>
        {
            foreach (var content in operation.RequestBody?.Content?.Values ?? [])
                content.Example = JsonNode.Parse(json);
            return Task.CompletedTask;
        });
}
