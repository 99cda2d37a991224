using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Hosting.OpenApi;

/// <summary>
/// Completes the generated document with what every endpoint shares, so that a client can be generated from it
/// without reading our code: the bearer scheme, one problem-details schema (with the extensions the server sends),
/// 401 and 503 on every operation, X-Correlation-Id and If-Match, ETag and Location headers, the casebook schema,
/// and JSON schemas as the server really reads and writes them (strings, enumerations by name, numbers).
/// </summary>
public static class ContractTransformer
{
    public const string DocumentVersion = "1.0";
    public const string BearerScheme = "bearer";
    private const string ProblemSchema = "ProblemDetails";
    private const string CasebookSchema = "Casebook";
    private const string ProblemJson = "application/problem+json";

    public static void AddContract(this OpenApiOptions options)
    {
        // Free-form JSON (a form's data, a corrected value) is said inline as any value or any object, not as a
        // component named after a .NET type that generated clients would copy.
        options.CreateSchemaReferenceId = type =>
            typeof(System.Text.Json.Nodes.JsonNode).IsAssignableFrom(type.Type) || type.Type == typeof(System.Text.Json.JsonElement)
                ? null : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
        options.AddSchemaTransformer((schema, context, _) =>
        {
            Complete(schema, context.JsonTypeInfo.Type, context.JsonPropertyInfo is { } p && (p.IsGetNullable || p.IsSetNullable));
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            Describe(operation, context.Description, context.Document);
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            Complete(document);
            return Task.CompletedTask;
        });
    }

    /// <summary>What HTTP says of each refusal; the body is always <see cref="ProblemSchema"/>.</summary>
    public static readonly IReadOnlyDictionary<string, string> Refusals = new Dictionary<string, string>
    {
        ["400"] = "The request is not valid: `errors` names each field (or query parameter) and what is wrong with it.",
        ["401"] = "No valid bearer token: missing, expired, revoked, or its account deactivated.",
        ["403"] = "Your role, or your site assignment, may not do this (`detail` says why).",
        ["404"] = "It does not exist, or it is not yours to see (another site's subject answers 404 too).",
        ["409"] = "A conflict: the record changed since you read it (`currentVersion` is its current version; reload and " +
                  "send again), it already exists, the command id was used for another command, or its state does not allow this.",
        ["423"] = "The study's database is locked: `lock` names the lock, `lockId` identifies it. Nothing was saved.",
        ["429"] = "Too many failed attempts from this address; wait before trying again.",
        ["503"] = "The database is not reachable right now. Nothing was saved; try again after `Retry-After` seconds.",
    };

    /// <summary>
    /// Whether the framework itself answers 400 before the endpoint runs: a body that is not JSON of the form, a query
    /// parameter that is required and missing, or one that is not of its type (a date, a number, a uuid, true/false).
    /// </summary>
    private static bool MayBeUnreadable(Microsoft.AspNetCore.Mvc.ApiExplorer.ApiDescription description) =>
        description.ParameterDescriptions.Any(p => p.Source == Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Body
            || p.Source == Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Query && (p.IsRequired || p.Type != typeof(string)));

    /// <summary>Whether authorization itself refuses some authenticated callers (a role or policy beyond being logged in).</summary>
    private static bool NeedsRoles(IList<object> metadata) =>
        metadata.OfType<IAuthorizeData>().Any(a => a.Roles is not null || a.Policy is not null)
        || metadata.OfType<AuthorizationPolicy>().Any(p => p.Requirements.Any(r => r is Microsoft.AspNetCore.Authorization.Infrastructure.RolesAuthorizationRequirement));

    private static void Describe(OpenApiOperation operation, Microsoft.AspNetCore.Mvc.ApiExplorer.ApiDescription description, OpenApiDocument? document)
    {
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = CorrelationIds.Header, In = ParameterLocation.Header, Required = false,
            Description = "Ties requests together: echoed on the response and stored on every event the request writes (at most 128 characters; one is made when absent).",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 128 },
        });
        if (metadata.OfType<HonoursIfMatch>().Any())
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "If-Match", In = ParameterLocation.Header, Required = false,
                Description = "The casebook version you read (its ETag, \"12\"), instead of `version` in the body: a 409 with `currentVersion` when a form this command touches changed since.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });

        operation.Responses ??= [];
        if (MayBeUnreadable(description)) operation.Responses.TryAdd("400", new OpenApiResponse());
        if (!anonymous) operation.Responses.TryAdd("401", new OpenApiResponse());
        if (!anonymous && NeedsRoles(metadata)) operation.Responses.TryAdd("403", new OpenApiResponse());
        operation.Responses.TryAdd("503", new OpenApiResponse());
        foreach (var (status, response) in operation.Responses.ToList())
        {
            if (response is not OpenApiResponse r) continue;
            r.Headers ??= new Dictionary<string, IOpenApiHeader>();
            r.Headers[CorrelationIds.Header] = Header("The request's correlation id (the one sent, or the one made for it).");
            if (status[0] is '4' or '5')
            {
                r.Description = Refusals.GetValueOrDefault(status, r.Description ?? status);
                r.Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, document) } };
                if (status is "503" or "429") r.Headers["Retry-After"] = Header("Seconds to wait before trying again.", JsonSchemaType.Integer);
                continue;
            }
            if (status == "201") r.Headers["Location"] = Header("Where the created record is read.");
            if (status[0] == '2' && metadata.OfType<VersionedAnswer>().Any())
                r.Headers["ETag"] = Header("The record's version, quoted (\"12\"): send it back as If-Match or `version`.");
            if (status[0] == '2' && metadata.OfType<CasebookAnswer>().Any())
                r.Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(CasebookSchema, document) } };
        }
        // An anonymous operation overrides the document-wide bearer requirement with none.
        if (anonymous) operation.Security = [];
    }

    private static OpenApiHeader Header(string description, JsonSchemaType type = JsonSchemaType.String) =>
        new() { Description = description, Schema = new OpenApiSchema { Type = type } };

    private static void Complete(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "NpcEcrf API",
            Version = DocumentVersion,
            Description = "The electronic case report form of NpcEcrf: studies defined as data, enrolment, casebooks and their forms, " +
                          "corrections with reasons, source data verification, data queries, signatures, database locks, analyses and " +
                          "standards exports, and a tamper-evident audit trail. Authenticate with `POST /auth/token` and send the token " +
                          "as `Authorization: Bearer ...`. Every refusal is an RFC 9457 problem details document (`ProblemDetails`).",
            License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-NpcEcrf-Proprietary" },
        };
        // Relative: the document is served by the installation it describes, wherever that is.
        document.Servers = [new OpenApiServer { Url = "/", Description = "The installation that serves this document." }];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT",
            Description = "An access token from POST /auth/token.",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];

        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        // The framework's own problem schemas are replaced by the one that names our extensions.
        document.Components.Schemas.Remove("HttpValidationProblemDetails");
        document.Components.Schemas[ProblemSchema] = Problem();
        document.Components.Schemas[CasebookSchema] = Casebook(document);

        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
            tag.Description ??= TagDescriptions.GetValueOrDefault(tag.Name ?? "");
    }

    private static OpenApiSchema String(string description, string? format = null, bool nullable = false) =>
        new() { Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String, Format = format, Description = description };

    private static OpenApiSchema Integer(string description, bool nullable = false) =>
        new() { Type = nullable ? JsonSchemaType.Integer | JsonSchemaType.Null : JsonSchemaType.Integer, Format = "int64", Description = description };

    /// <summary>RFC 9457 problem details with the extensions this server sends.</summary>
    private static OpenApiSchema Problem() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details: every refusal. Extensions: `errors` (400), `currentVersion` (409 on a stale version), `lock` and `lockId` (423).",
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = String("A URI reference that identifies the problem type.", "uri-reference"),
            ["title"] = String("A short summary of the problem."),
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status code." },
            ["detail"] = String("What happened, and what to do about it.", nullable: true),
            ["instance"] = String("The request the problem is about.", nullable: true),
            ["traceId"] = String("The server's trace identifier of the request."),
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object, Description = "400: each field (a JSON path such as `eligibility.I1` or `dose-change/DC1.date`, or a query parameter) and what is wrong with it.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
            ["currentVersion"] = Integer("409 on a stale version: the record's current version (reload, then send it as If-Match or `version`)."),
            ["lock"] = String("423: the name of the database lock in force."),
            ["lockId"] = String("423: the lock's id.", "uuid"),
        },
        Required = new HashSet<string> { "title", "status" },
    };

    /// <summary>
    /// The casebook as <see cref="Casebooks.CasebookView"/> writes it: these properties on every study, and each form of
    /// the study's catalogue under its answer property (demographics, ecog, ...), which varies by study.
    /// </summary>
    private static OpenApiSchema Casebook(OpenApiDocument document)
    {
        static OpenApiSchema Array(string description) => new() { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.Object }, Description = description };
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A subject's casebook. Besides these properties, each form of the study's catalogue appears under its answer property " +
                          "(an object, or an array for a repeating form); `forms` holds the study's own forms by name.",
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["id"] = String("The casebook's id.", "uuid"),
                ["version"] = Integer("The casebook's version (its ETag)."),
                ["studyId"] = String("The study."),
                ["siteId"] = String("The subject's site."),
                ["subjectNumber"] = String("The subject's number in the study."),
                ["arm"] = String("The arm the subject was enrolled to (none for a subject imported without an enrolment).", nullable: true),
                ["forms"] = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "The study's own forms, by name." },
                ["flags"] = Array("Soft-check flags raised on the data."),
                ["corrections"] = Array("Every correction, with its old and new value and the reason."),
                ["formVersions"] = Array("Each form instance's version and who entered or changed it (`form`, `version`, `enteredBy`)."),
                ["verifications"] = Array("Source data verifications."),
                ["signatures"] = Array("Investigator signatures."),
                ["importedSignatures"] = Array("Signatures imported from another EDC."),
                ["annotations"] = Array("Annotations imported from another EDC."),
                ["lastDataVersion"] = Integer("The version of the last change to the data (signatures stand while it does not move)."),
                ["status"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String, Description = "The subject's status, derived from the forms.",
                    Enum = [.. Enum.GetNames<Casebooks.SubjectStatus>().Select(n => (JsonNode)n)],
                },
                ["currentDose"] = new OpenApiSchema { Type = JsonSchemaType.Number | JsonSchemaType.Null, Format = "double", Description = "The dose in force, in `doseUnit`." },
                ["doseUnit"] = String("The study's dose unit."),
                ["currentDoseTotalMg"] = new OpenApiSchema { Type = JsonSchemaType.Number | JsonSchemaType.Null, Format = "double", Description = "A dose per body size as the total the pharmacy prepares." },
                ["definitionVersion"] = Integer("The study definition version in force at the subject's site."),
                ["signatureStatus"] = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "Signed, unsigned, or voided by a later change of the data." },
                ["missingForms"] = Array("Forms the schedule expects and that are not entered."),
                ["missedForms"] = Array("Forms recorded as missed, with the reason."),
                ["responses"] = Array("RECIST responses, one per tumour assessment."),
                ["bestOverallResponse"] = new OpenApiSchema { Description = "The best overall response (RECIST 1.1), when one is known." },
                ["lastKnownAlive"] = String("The last date the subject was known alive.", "date", nullable: true),
            },
            Required = new HashSet<string> { "id", "version", "studyId", "siteId", "subjectNumber", "forms", "status", "definitionVersion" },
        };
    }

    /// <summary>
    /// JSON schemas as the server reads and writes JSON (<see cref="StrictJson"/>): its own string and enumeration
    /// converters hide the type from the schema generator, so strings are said to be strings and enumerations to be
    /// their names; a number is a number (the server also reads one written as a string, a leniency not advertised).
    /// </summary>
    private static void Complete(OpenApiSchema schema, Type type, bool nullable)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        var isNullable = nullable || underlying is not null;
        type = underlying ?? type;
        if (type == typeof(string)) schema.Type = isNullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
        else if (type.IsEnum)
        {
            schema.Type = isNullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
            schema.Enum = [.. Enum.GetNames(type).Select(n => (JsonNode)n)];
        }
        else if (schema.Type is { } t && t.HasFlag(JsonSchemaType.String) && (t.HasFlag(JsonSchemaType.Integer) || t.HasFlag(JsonSchemaType.Number)))
        {
            schema.Type = t & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
        if (schema.Type is { } array && array.HasFlag(JsonSchemaType.Array) && schema.Items is null && ElementType(type) is { } element)
        {
            var items = new OpenApiSchema();
            Complete(items, element, false);
            if (items.Type is not null) schema.Items = items;
        }
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    /// <summary>What each tag (a feature) is about.</summary>
    private static readonly IReadOnlyDictionary<string, string> TagDescriptions = new Dictionary<string, string>
    {
        ["Health"] = "Whether this node's databases answer: for load balancers and monitoring.",
        ["Identity"] = "Tokens and accounts: log in and out, create users, roles, site assignments, passwords.",
        ["Studies"] = "Studies as data: create a study with its definition, revise or amend it, sites, ODM study import and export.",
        ["Screening"] = "Screen failures: people screened and not enrolled.",
        ["Enrolment"] = "Enrol subjects (eligibility, consent, arm) and record their baseline demographics and ECOG.",
        ["Tumour assessments"] = "Baseline lesions and RECIST 1.1 tumour assessments.",
        ["Dosing"] = "First dose, cycles, dose changes, interruptions, resumptions and discontinuation.",
        ["Adverse events"] = "Adverse events, their grade changes and resolution.",
        ["Survival"] = "Follow-up contacts, death and loss to follow-up.",
        ["Study forms"] = "Forms the study's definition adds: one route for all of them.",
        ["Corrections"] = "Corrections of entered data, each with its reason for change.",
        ["Source data verification"] = "Monitors' verifications and the progress of verification.",
        ["Signatures"] = "Investigators' signatures of casebooks.",
        ["Casebooks"] = "Reading casebooks: now, as of a moment or version, their history, per site, and the study's quality summary.",
        ["Schedule tracking"] = "Forms the schedule expects, and forms recorded as missed.",
        ["Data queries"] = "Queries on data: raise, answer, close, cancel, reopen; per site and per study.",
        ["Locks"] = "Database locks (soft and hard), their frozen snapshots and their verification.",
        ["Analyses"] = "Statistical analysis plans and the analyses of a lock or of a moment.",
        ["Standards"] = "CDISC SDTM and ADaM datasets of a lock or of a moment.",
        ["Exports"] = "ODM 1.3.2 clinical data exports of a study or of a lock.",
        ["ODM import"] = "Importing a study's clinical data from another EDC's ODM file.",
        ["Audit"] = "The audit trail (paged, filtered, CSV) and the verification of every event's seal.",
    };
}
