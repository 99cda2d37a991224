using System.Text;
using System.Text.Json;
using Marten;
using NpcEcrf.Api.Demo;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.OdmImport;

namespace NpcEcrf.Api.Studies;

/// <summary>
/// An admin or data manager creates a study from a CDISC ODM 1.3.2 file: <see cref="DefinitionOdm.Import"/> reads its
/// definition (the parts a file of another EDC lacks from <paramref name="Base"/>), and the study is created exactly as
/// <see cref="CreateStudy"/> creates any study, so <see cref="DefinitionRules"/> still applies. The answer lists what
/// the file holds that could not be mapped.
/// </summary>
/// <param name="StudyId">The new study's id; the file's Study OID when not given.</param>
/// <param name="Title">The title; the file's StudyDescription (else StudyName) when not given.</param>
public sealed record ImportStudyOdm(string Odm, StudyDefinition? Base = null, string? StudyId = null, string? Title = null, Guid? CommandId = null)
{
    public sealed record Answer(Study Study, IReadOnlyList<OdmFinding> Unmapped);

    public static async Task<CommandOutcome> Run(IDocumentSession session, Actor actor, ImportStudyOdm c, DateTimeOffset now, CancellationToken ct)
    {
        var (imported, refused) = DefinitionOdm.Import(c.Odm, c.Base);
        if (refused is not null) return Rejection.Invalid(refused.Field, refused.Message);
        var studyId = c.StudyId ?? imported!.StudyId;
        if (string.IsNullOrWhiteSpace(studyId)) return Rejection.Invalid("studyId", "The file names no study (Study OID): say which study to create.");
        var create = new CreateStudy(studyId, c.Title ?? imported!.Title ?? studyId, imported!.Definition, CommandId: c.CommandId);
        if (new CreateStudy.Validator().Validate(create) is { IsValid: false } invalid)
            return Rejection.Invalid(invalid.Errors.ToDictionary(), c.StudyId is null ? "The study id the file names cannot be used: give one (studyId)." : "The request is not valid.");
        return await CreateStudy.Run(session, actor, now, create, ct, study => new Answer(study, imported.Unmapped));
    }

    /// <summary>A base definition as the data manager wrote it (JSON), read as strictly as a posted one; errors are keyed base.*.</summary>
    public static (StudyDefinition? Definition, Dictionary<string, string[]>? Errors) ReadBase(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<StudyDefinition>(json, StudyDefinitions.Strict) is { } definition
                ? (definition, null)
                : (null, new() { ["base"] = ["The base definition is empty."] });
        }
        catch (JsonException e)
        {
            JsonElement? body = null;
            try { body = JsonDocument.Parse(json).RootElement.Clone(); } catch (JsonException) { }
            return (null, StrictJson.Describe(e, typeof(StudyDefinition), body).ToDictionary(p => p.Key.Length == 0 ? "base" : "base." + p.Key, p => p.Value));
        }
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/studies/import-odm", async (HttpContext http, IDocumentSession session, TimeProvider clock, IConfiguration configuration, string? studyId, string? title, Guid? commandId) =>
        {
            var (upload, errors) = await OdmUpload.Read(http.Request, ImportOdm.MaxBytesFrom(configuration), http.RequestAborted);
            StudyDefinition? baseDefinition = null;
            if (errors is null && upload!.Base is { } baseJson) (baseDefinition, errors) = ReadBase(baseJson);
            if (errors is not null) return Results.ValidationProblem(errors, title: "The request is not valid.");
            var odm = Encoding.UTF8.GetString(upload!.Odm);
            return (await Run(session, Actor.From(http.User), new ImportStudyOdm(odm, baseDefinition, studyId, title, commandId), clock.GetUtcNow(), http.RequestAborted)).ToHttp();
        })
        .RequireAuthorization(p => p.RequireRole(CreateStudy.Builders))
        .Accepts<string>("application/xml", "multipart/form-data")
        .WithTags("Studies");
}
