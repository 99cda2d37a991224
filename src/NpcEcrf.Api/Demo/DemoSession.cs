using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Client;

using JsonElement = System.Text.Json.JsonElement;
using JsonObject = System.Text.Json.Nodes.JsonObject;

namespace NpcEcrf.Api.Demo;

/// <summary>
/// How a demo talks to the API as the study's people: through the client generated from the published contract
/// (src/NpcEcrf.Client), each user with their own token; any refusal stops the demo, naming the request and what the
/// API said. Drift between the contract and the server breaks the demo.
/// </summary>
public abstract class DemoSession(HttpClient http, string studyId)
{
    public const string Password = "demo-password-1";
    protected static readonly JsonSerializerOptions Json = CasebookJson.Options;

    /// <summary>
    /// How a planned body becomes the contract's request type: a property the contract does not have is an error, so a
    /// field renamed or dropped from the contract fails here, not silently at the server.
    /// </summary>
    private static readonly JsonSerializerOptions ContractJson = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly Dictionary<string, NpcEcrfApiClient> _clients = new();
    private string? _admin;

    protected static string Cra(string siteId) => $"cra.{siteId.ToLowerInvariant()}";

    /// <summary>The API as this user (logged in before).</summary>
    protected NpcEcrfApiClient As(string user) => _clients[user];

    protected async Task CreateUser(string username, string printedName, string[] roles, string[] sites)
    {
        await Call("POST /users", () => As(_admin!).CreateUserAsync(new CreateUser { Username = username, PrintedName = printedName, Password = Password, Roles = roles, Sites = sites }));
        await Login(username);
    }

    protected async Task Login(string username)
    {
        var token = await Call("POST /auth/token", () => new NpcEcrfApiClient(http).IssueTokenAsync(new IssueToken { Username = username, Password = Password }));
        _clients[username] = new NpcEcrfApiClient(http) { AccessToken = token.AccessToken, CorrelationId = () => $"demo-{Guid.NewGuid():N}" };
        _admin ??= username;
    }

    /// <summary>A planned body (an anonymous object, a definition) as the contract's request type <typeparamref name="T"/>.</summary>
    protected static T Body<T>(object body, long? version = null)
    {
        var json = JsonSerializer.SerializeToNode(body, body.GetType(), Json)!.AsObject();
        if (version is not null) json["version"] = version;
        return json.Deserialize<T>(ContractJson) ?? throw new DemoFailedException($"The planned body is not a {typeof(T).Name}.");
    }

    /// <summary>A command on a subject's casebook, by the route the plan names it by (/demographics, /forms/labs, ...), with the version the user read.</summary>
    protected Task<NpcEcrf.Client.Casebook> SubjectPost(string user, string subjectNumber, string path, object body, long version)
    {
        var api = As(user);
        return Call($"POST {path} ({subjectNumber})", () => path.Trim('/').Split('/') switch
        {
            ["demographics"] => api.RecordDemographicsAsync(studyId, subjectNumber, Body<RecordDemographics>(body, version)),
            ["ecog"] => api.RecordEcogAsync(studyId, subjectNumber, Body<RecordEcog>(body, version)),
            ["baseline-lesions"] => api.RecordBaselineLesionsAsync(studyId, subjectNumber, Body<RecordBaselineLesions>(body, version)),
            ["first-dose"] => api.GiveFirstDoseAsync(studyId, subjectNumber, Body<GiveFirstDose>(body, version)),
            ["cycles"] => api.RecordCycleAsync(studyId, subjectNumber, Body<RecordCycle>(body, version)),
            ["dose-changes"] => api.ChangeDoseAsync(studyId, subjectNumber, Body<ChangeDose>(body, version)),
            ["interruptions"] => api.InterruptDosingAsync(studyId, subjectNumber, Body<InterruptDosing>(body, version)),
            ["resumptions"] => api.ResumeDosingAsync(studyId, subjectNumber, Body<ResumeDosing>(body, version)),
            ["discontinuation"] => api.DiscontinueTreatmentAsync(studyId, subjectNumber, Body<DiscontinueTreatment>(body, version)),
            ["tumour-assessments"] => api.RecordTumourAssessmentAsync(studyId, subjectNumber, Body<RecordTumourAssessment>(body, version)),
            ["adverse-events"] => api.ReportAdverseEventAsync(studyId, subjectNumber, Body<ReportAdverseEvent>(body, version)),
            ["adverse-events", var id, "grade-changes"] => api.ChangeAdverseEventGradeAsync(studyId, subjectNumber, id, Body<ChangeAdverseEventGrade>(body, version)),
            ["adverse-events", var id, "resolution"] => api.ResolveAdverseEventAsync(studyId, subjectNumber, id, Body<ResolveAdverseEvent>(body, version)),
            ["contacts"] => api.RecordContactAsync(studyId, subjectNumber, Body<RecordContact>(body, version)),
            ["death"] => api.RecordDeathAsync(studyId, subjectNumber, Body<RecordDeath>(body, version)),
            ["lost-to-follow-up"] => api.RecordLostToFollowUpAsync(studyId, subjectNumber, Body<RecordLostToFollowUp>(body, version)),
            ["missed-forms"] => api.RecordMissedFormAsync(studyId, subjectNumber, Body<RecordMissedForm>(body, version)),
            ["forms", var form] => api.EnterStudyFormAsync(studyId, subjectNumber, form, Body<EnterStudyForm>(body, version)),
            ["corrections"] => api.CorrectDataPointAsync(studyId, subjectNumber, Body<CorrectDataPoint>(body, version)),
            ["verifications"] => api.VerifySourceDataAsync(studyId, subjectNumber, Body<VerifySourceData>(body, version)),
            ["signatures"] => api.SignCasebookAsync(studyId, subjectNumber, Body<SignCasebook>(body, version)),
            _ => throw new DemoFailedException($"The contract has no operation for POST {path}."),
        });
    }

    /// <summary>The auditor's check of a lock: its snapshot replayed from the events has the hash recorded at locking.</summary>
    protected async Task<LockOutcome> Verify(DatabaseLock l)
    {
        var verified = await Call($"GET /locks/{l.Name}/verify", () => As("auditor").VerifyLockAsync(l.Name));
        return new LockOutcome(l.Name, l.Cutoff.ToString("yyyy-MM-dd"), l.SnapshotHash, verified.Verified);
    }

    /// <summary>A document the API answers (a report), as text.</summary>
    protected static async Task<string> Text(string what, Func<Task<FileResponse>> call)
    {
        using var file = await Call(what, call);
        using var reader = new StreamReader(file.Stream);
        return await reader.ReadToEndAsync();
    }

    /// <summary>A binary answer (a PDF) as the API sent it.</summary>
    protected static async Task<byte[]> Bytes(string what, Func<Task<FileResponse>> call)
    {
        using var file = await Call(what, call);
        using var buffer = new MemoryStream();
        await file.Stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    /// <summary>A zip the API answers (a lock's datasets), unpacked into a folder; the files' full paths.</summary>
    protected static async Task<IReadOnlyList<string>> Unzip(string what, Func<Task<FileResponse>> call, string folder)
    {
        using var file = await Call(what, call);
        using var zip = new System.IO.Compression.ZipArchive(file.Stream);
        Directory.CreateDirectory(folder);
        System.IO.Compression.ZipFileExtensions.ExtractToDirectory(zip, folder, overwriteFiles: true);
        return zip.Entries.Select(e => Path.GetFullPath(Path.Combine(folder, e.FullName))).ToList();
    }

    /// <summary>One call of the API; a refusal (or an answer the contract does not declare) stops the demo with what the API said.</summary>
    protected static async Task<T> Call<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (ApiException e)
        {
            throw new DemoFailedException($"{what} answered {e.StatusCode}: {e.Response}");
        }
    }

    /// <summary>A JSON answer as the API sent it (for what the demo prints or returns as JSON).</summary>
    protected static JsonElement Element<T>(T answer) => JsonSerializer.SerializeToElement(answer, ContractJson);

    protected static JsonObject Object(string json) => JsonNode.Parse(json)!.AsObject();
}

public sealed class DemoFailedException(string message) : Exception(message);
