using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Demo;

/// <summary>
/// How a demo talks to the API as the study's people: each user logs in and sends with their own token; any answer but
/// the expected one stops the demo, naming the request and what the API said.
/// </summary>
public abstract class DemoSession(HttpClient http, string studyId)
{
    public const string Password = "demo-password-1";
    protected static readonly JsonSerializerOptions Json = CasebookJson.Options;
    private readonly Dictionary<string, AuthenticationHeaderValue> _tokens = new();

    protected static string Cra(string siteId) => $"cra.{siteId.ToLowerInvariant()}";

    protected async Task CreateUser(string username, string printedName, string[] roles, string[] sites)
    {
        await Send(_tokens.Keys.First(), HttpMethod.Post, "/users", new { username, printedName, password = Password, roles, sites }, HttpStatusCode.Created);
        await Login(username);
    }

    protected async Task Login(string username)
    {
        var response = await http.PostAsJsonAsync("/auth/token", new { username, password = Password });
        await Expect(response, HttpStatusCode.OK, "/auth/token");
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        _tokens[username] = new AuthenticationHeaderValue("Bearer", token);
    }

    protected Task<JsonElement> SubjectPost(string user, string subjectNumber, string path, object body, long version)
    {
        var withVersion = JsonSerializer.SerializeToNode(body, Json)!.AsObject();
        withVersion["version"] = version;
        return Send(user, HttpMethod.Post, $"/studies/{studyId}/subjects/{subjectNumber}{path}", withVersion);
    }

    /// <summary>The auditor's check of a lock: its snapshot replayed from the events has the hash recorded at locking.</summary>
    protected async Task<LockOutcome> Verify(JsonElement l)
    {
        var name = l.GetProperty("name").GetString()!;
        var verified = await Send("auditor", HttpMethod.Get, $"/locks/{name}/verify", null);
        return new LockOutcome(name, l.GetProperty("cutoff").GetString()!, l.GetProperty("snapshotHash").GetString()!, verified.GetProperty("verified").GetBoolean());
    }

    protected async Task<string> Text(string user, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = _tokens[user];
        using var response = await http.SendAsync(request);
        await Expect(response, HttpStatusCode.OK, url);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>A zip the API answers (a lock's datasets), unpacked into a folder; the files' full paths.</summary>
    protected async Task<byte[]> Bytes(string user, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = _tokens[user];
        using var response = await http.SendAsync(request);
        await Expect(response, HttpStatusCode.OK, url);
        return await response.Content.ReadAsByteArrayAsync();
    }

    protected async Task<IReadOnlyList<string>> Unzip(string user, string url, string folder)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = _tokens[user];
        using var response = await http.SendAsync(request);
        await Expect(response, HttpStatusCode.OK, url);
        using var zip = new System.IO.Compression.ZipArchive(await response.Content.ReadAsStreamAsync());
        Directory.CreateDirectory(folder);
        System.IO.Compression.ZipFileExtensions.ExtractToDirectory(zip, folder, overwriteFiles: true);
        return zip.Entries.Select(e => Path.GetFullPath(Path.Combine(folder, e.FullName))).ToList();
    }

    protected async Task<JsonElement> Send(string user, HttpMethod method, string url, object? body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = _tokens[user];
        request.Headers.Add("X-Correlation-Id", $"demo-{Guid.NewGuid():N}");
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        using var response = await http.SendAsync(request);
        await Expect(response, expected, $"{method} {url}");
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task Expect(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        if (response.StatusCode != expected)
            throw new DemoFailedException($"{what} answered {(int)response.StatusCode}, expected {(int)expected}: {await response.Content.ReadAsStringAsync()}");
    }
}

public sealed class DemoFailedException(string message) : Exception(message);
