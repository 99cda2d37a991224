using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Operations;

/// <summary>
/// The committed contract (docs/openapi.json) is exactly what the server publishes, lints clean, and describes every
/// operation fully enough to generate a client from.
/// </summary>
public sealed class OpenApiContractTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string WriteVariable = "NPCECRF_WRITE_OPENAPI";

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NpcEcrf.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("NpcEcrf.sln not found above the test assembly.");
    }

    private static string CommittedPath => Path.Combine(RepoRoot(), "docs", "openapi.json");

    private async Task<string> Published()
    {
        var json = await app.Anonymous().GetStringAsync("/openapi/v1.json");
        // Indented with \n line ends on every platform, so the committed file diffs line by line.
        return JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).ReplaceLineEndings("\n") + "\n";
    }

    [Fact]
    public async Task The_committed_document_is_what_the_server_publishes()
    {
        var published = await Published();
        if (Environment.GetEnvironmentVariable(WriteVariable) == "1") await File.WriteAllTextAsync(CommittedPath, published);
        var committed = File.Exists(CommittedPath) ? (await File.ReadAllTextAsync(CommittedPath)).ReplaceLineEndings("\n") : "";
        Assert.True(committed == published,
            $"docs/openapi.json differs from /openapi/v1.json. If the change to the API is meant, regenerate it with " +
            $"`{WriteVariable}=1 dotnet test tests/NpcEcrf.Api.Tests --filter FullyQualifiedName~OpenApiContractTests`, " +
            $"then lint it (scripts/lint-openapi.sh) and commit it. First difference at line {FirstDifference(committed, published)}.");
    }

    [Fact]
    public async Task Every_operation_has_an_id_a_summary_a_tag_security_a_success_and_a_401_unless_anonymous()
    {
        var document = JsonNode.Parse(await Published())!;
        var globalSecurity = document["security"]?.AsArray() ?? [];
        Assert.Contains(globalSecurity, r => r?["bearer"] is not null);
        Assert.Equal("http", document["components"]?["securitySchemes"]?["bearer"]?["type"]?.GetValue<string>());
        var ids = new HashSet<string>();
        var problems = new List<string>();
        foreach (var (path, item) in document["paths"]!.AsObject())
            foreach (var (method, node) in item!.AsObject())
            {
                var operation = node!.AsObject();
                var name = $"{method.ToUpperInvariant()} {path}";
                var id = operation["operationId"]?.GetValue<string>();
                if (id is null || !System.Text.RegularExpressions.Regex.IsMatch(id, "^[a-z][A-Za-z0-9]+$")) problems.Add($"{name}: operationId '{id}' is not camelCase");
                else if (!ids.Add(id)) problems.Add($"{name}: operationId '{id}' is used twice");
                if (string.IsNullOrWhiteSpace(operation["summary"]?.GetValue<string>())) problems.Add($"{name}: no summary");
                if (operation["tags"]?.AsArray().Count != 1) problems.Add($"{name}: not exactly one tag");
                // Anonymous operations say so (security: []); every other one inherits the bearer requirement.
                if (operation["security"] is JsonArray own && own.Count > 0) problems.Add($"{name}: a security requirement of its own");
                var responses = operation["responses"]!.AsObject();
                if (!responses.Any(r => r.Key.StartsWith('2'))) problems.Add($"{name}: no 2xx response");
                // A token can be refused only where one is needed (an anonymous /health has no 401; /auth/token's is a bad password).
                var anonymous = operation["security"] is JsonArray { Count: 0 };
                if (!responses.ContainsKey("401") && !anonymous) problems.Add($"{name}: no 401 response");
                foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5'))
                    if (response?["content"]?["application/problem+json"]?["schema"]?["$ref"]?.GetValue<string>() != "#/components/schemas/ProblemDetails")
                        problems.Add($"{name}: {status} is not a ProblemDetails");
                if (responses["201"] is { } created && created["headers"]?["Location"] is null) problems.Add($"{name}: 201 without Location");
            }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(ids.Count > 60, $"Only {ids.Count} operations were published.");
        Assert.Contains("security", document["paths"]!["/auth/token"]!["post"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task The_published_document_lints_without_errors_where_npx_is_installed()
    {
        if (!OnPath("npx")) return;
        var file = Path.Combine(Path.GetTempPath(), $"npcecrf-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, await Published());
        try
        {
            var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(RepoRoot(), "scripts", "lint-openapi.sh"));
            psi.ArgumentList.Add(file);
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
            var output = await stdout + await stderr;
            Assert.True(process.ExitCode == 0 && output.Contains("Your API description is valid"), $"The OpenAPI lint reported errors:\n{output}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, program)));

    private static int FirstDifference(string a, string b)
    {
        var (left, right) = (a.Split('\n'), b.Split('\n'));
        for (var i = 0; i < Math.Min(left.Length, right.Length); i++)
            if (left[i] != right[i]) return i + 1;
        return Math.Min(left.Length, right.Length) + 1;
    }
}
