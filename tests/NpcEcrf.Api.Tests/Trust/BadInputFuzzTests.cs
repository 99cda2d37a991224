using System.Collections;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using NpcEcrf.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NpcEcrf.Api.Tests.Trust;

/// <summary>
/// A bounded fuzz over every operation, generated from the endpoint list so a new endpoint cannot escape it: bodies
/// built from each command's type, then broken one property at a time (left out, null, a NUL character, the wrong
/// type, an impossible date, a huge number), and hostile route values. No answer is a 500, and a refused request
/// writes nothing.
/// </summary>
public class BadInputFuzzTests(StudyFixture app, ITestOutputHelper output) : IClassFixture<StudyFixture>
{
    private static readonly JsonNode?[] Breakers =
        [null, "x\u0000y", new JsonObject(), new JsonArray(), 1e308, -1, "2021-02-30", "", new string('x', 20_000), true, "00000000-0000-0000-0000-000000000000"];

    private static readonly string[] HostileRouteValues = ["nope", "anlo-npc", " ANLO-NPC ", "x%C3%A9y", "%EF%BC%A1NLO-NPC", "00000000-0000-0000-0000-000000000000", "%2e%2e"];

    [Fact]
    public async Task a_few_thousand_bad_requests_answer_no_500_and_write_nothing_when_refused()
    {
        var subject = await app.Enrolled("FZ-01");
        await app.EnsureUser("fuzz.target", ["cra"], ["S1"]);
        var everyone = await app.ClientFor("fuzz.everyone", ["cra", "investigator", "monitor", "data-manager", "auditor", "statistician", "admin"], "S1", "S2");
        var endpoints = app.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Route: e.RoutePattern.RawText!, Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [], Body: e.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType))
            // Logging out would end the fuzzer's own session; account routes act on another account.
            .Where(e => e.Methods.Count > 0 && !e.Route.StartsWith("/docs") && !e.Route.StartsWith("/openapi") && e.Route != "/auth/logout")
            .ToList();
        Assert.True(endpoints.Count > 60, $"only {endpoints.Count} endpoints");

        var requests = 0;
        var failures = new List<string>();
        foreach (var (route, methods, body) in endpoints)
        foreach (var method in methods)
        foreach (var url in Urls(route))
        foreach (var content in Bodies(body, subject.Version))
        {
            requests++;
            var before = await app.EventCount();
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (content is not null) request.Content = new StringContent(content, Encoding.UTF8, "application/json");
            var response = await everyone.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode >= 500) failures.Add($"{method} {url} {Trim(content)} -> {(int)response.StatusCode} {Trim(text)}");
            // A refused password is audited on the account (401/429): the only refusal that writes.
            else if ((int)response.StatusCode is >= 400 and not (401 or 429) && await app.EventCount() != before) failures.Add($"{method} {url} {Trim(content)} -> {(int)response.StatusCode} but wrote events");
            if (text.Contains("NpcEcrf.Api.") || text.Contains("System.")) failures.Add($"{method} {url} {Trim(content)} -> a .NET type in {Trim(text)}");
        }
        output.WriteLine($"{requests} requests over {endpoints.Count} endpoints");
        Assert.True(requests >= 2000, $"only {requests} requests");
        Assert.True(failures.Count == 0, $"{failures.Count} failures:\n" + string.Join("\n", failures.Take(40)));
        var stillMe = await everyone.GetAsync("/users");
        Assert.Equal(HttpStatusCode.OK, stillMe.StatusCode);
    }

    private IEnumerable<string> Urls(string route)
    {
        string Fill(string value) => route
            .Replace("{studyId}", value == "" ? StudyFixture.StudyId : value)
            .Replace("{subjectNumber}", value == "" ? "FZ-01" : value)
            .Replace("{siteId}", value == "" ? "S1" : value)
            .Replace("{id:guid}", Guid.Empty.ToString()).Replace("{id}", value == "" ? Guid.NewGuid().ToString() : value)
            .Replace("{adverseEventId}", value == "" ? "AE1" : value).Replace("{lockRef}", value == "" ? "no-lock" : value)
            .Replace("{username}", value == "" ? "fuzz.target" : value).Replace("{role}", value == "" ? "cra" : value);
        yield return Fill("") + "?asOf=2021-03-04T10:00:00%2B08:00&at=2021-03-04T10:00:00%2B08:00&on=2021-03-04T10:00:00-05:00&from=2021-01-01T00:00:00%2B14:00";
        yield return Fill("") + "?studyId=%00&subjectNumber=x%00&user=%00";
        if (!route.Contains('{')) yield break;
        foreach (var hostile in HostileRouteValues) yield return Fill(hostile);
    }

    private static IEnumerable<string?> Bodies(Type? type, long version)
    {
        if (type is null) { yield return null; yield break; }
        yield return "{}";
        yield return "null";
        yield return "[1,2]";
        yield return "{\"version\": " + version + ", \"unknownField\": 1}";
        yield return "{not json";
        if (RequestSamples.Of(type) is not JsonObject valid) yield break;
        valid["version"] = version;
        // A command id would make every later body a retry of the first, answered without being read.
        valid.Remove("commandId");
        yield return valid.ToJsonString();
        foreach (var property in valid.Select(p => p.Key).ToList())
        foreach (var breaker in Breakers)
        {
            var broken = (JsonObject)valid.DeepClone();
            broken[property] = breaker?.DeepClone();
            yield return broken.ToJsonString();
        }
    }


    private static string Trim(string? s) => s is null ? "" : s.Length > 160 ? s[..160] + "..." : s;
}
