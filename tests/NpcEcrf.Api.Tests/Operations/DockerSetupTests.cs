using System.Diagnostics;
using System.Text.RegularExpressions;

namespace NpcEcrf.Api.Tests.Operations;

/// <summary>
/// The Docker files read for what an operator relies on (no Docker engine runs the tests, so this only supplements
/// `docker compose config` and a real build): a non-root image with a health check and a default command, restore in
/// its own layer, and a compose file whose services wait for each other's health, restart, and share the keys'
/// directory. The image's health check command itself is run against a real server in <see cref="SafeToOperateTests"/>.
/// </summary>
public class DockerSetupTests
{
    public static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NpcEcrf.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("NpcEcrf.sln not found above the test assembly.");
    }

    private static readonly string[] Dockerfile = File.ReadAllLines(Path.Combine(Repository(), "Dockerfile"));

    /// <summary>The instructions of the last stage (the image), continuation lines joined.</summary>
    private static List<string> Stage(int fromEnd)
    {
        var joined = Regex.Replace(string.Join('\n', Dockerfile.Where(l => !l.TrimStart().StartsWith('#'))), @"\\\n\s*", " ");
        var stages = Regex.Split(joined, @"(?m)^(?=FROM )").Where(s => s.StartsWith("FROM ")).ToList();
        return [.. stages[^(1 + fromEnd)].Split('\n').Where(l => l.Trim().Length > 0)];
    }

    /// <summary>The HEALTHCHECK's command, as the shell runs it (JSON array form).</summary>
    public static string[] HealthCheckCommand() =>
        System.Text.Json.JsonSerializer.Deserialize<string[]>(Regex.Match(Stage(0).Single(l => l.StartsWith("HEALTHCHECK ")), @"CMD (\[.*\])$").Groups[1].Value)!;

    [Fact]
    public void the_image_runs_serve_as_a_non_root_user_with_its_keys_in_data_and_a_health_check()
    {
        var image = Stage(0);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:", image[0]);
        var user = image.Last(l => l.StartsWith("USER ")).Split(' ', 2)[1].Trim();
        Assert.DoesNotContain(user, new[] { "root", "0", "0:0" });
        Assert.True(image.FindIndex(l => l.StartsWith("USER ")) < image.FindIndex(l => l.StartsWith("ENTRYPOINT")), "USER comes before the ENTRYPOINT");
        Assert.Contains(image, l => l.StartsWith("ENV ") && l.Contains("NPCECRF_DATA_DIR=/data"));
        Assert.Contains(image, l => l.Contains($"chown {user}:{user} /data"));
        Assert.Equal("ENTRYPOINT [\"./npc-ecrf\"]", image.Single(l => l.StartsWith("ENTRYPOINT")).Trim());
        Assert.Equal("CMD [\"serve\"]", image.Single(l => l.StartsWith("CMD")).Trim());
        Assert.Contains("/health", string.Join(' ', HealthCheckCommand()));
    }

    [Fact]
    public void restore_runs_in_its_own_layer_before_the_sources_are_copied()
    {
        var build = Stage(1);
        var restore = build.FindIndex(l => l.StartsWith("RUN dotnet restore"));
        var sources = build.FindIndex(l => l.StartsWith("COPY src/ src/"));
        Assert.True(restore > 0 && sources > restore, "dotnet restore runs before COPY src/");
        var beforeRestore = string.Join('\n', build.Take(restore));
        // Everything restore reads: the build settings, the feeds, the local package shim and the project files (only those).
        foreach (var file in Directory.GetFiles(Repository(), "Directory.*").Select(Path.GetFileName).Append("NuGet.config").Append("build/"))
            Assert.Contains(file!, beforeRestore);
        Assert.Contains("COPY --from=projects", beforeRestore);
        Assert.Contains(Stage(2), l => l.Contains("find src -type f ! -name '*.csproj' -delete"));
        Assert.Contains("--no-restore", build.Single(l => l.StartsWith("RUN dotnet publish")));
    }

    [Fact]
    public void compose_waits_for_healthy_services_restarts_them_and_names_the_data_directory()
    {
        var compose = File.ReadAllText(Path.Combine(Repository(), "docker-compose.yml"));
        string Service(string name) => Regex.Match(compose, $@"(?ms)^  {name}:\n(.*?)(?=^  \S|^\S)").Groups[1].Value;
        foreach (var service in new[] { "db", "api" })
        {
            Assert.Contains("restart: unless-stopped", Service(service));
            Assert.Matches(@"healthcheck:\n\s+test:", Service(service));
        }
        Assert.Contains("pg_isready", Service("db"));
        Assert.Contains("/health", Service("api"));
        Assert.Matches(@"depends_on:\n\s+db:\n\s+condition: service_healthy", Service("api"));
        Assert.Contains("NPCECRF_DATA_DIR: /data", Service("api"));
        Assert.Matches(@"- api-data:/data", Service("api"));
        Assert.Matches(@"- db-data:/var/lib/postgresql/data", Service("db"));
    }

    /// <summary>Runs the image's health check command against a server on <paramref name="port"/>: its exit code.</summary>
    public static async Task<int> RunHealthCheck(int port)
    {
        var command = HealthCheckCommand();
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardError = true };
        foreach (var argument in command.Skip(1)) psi.ArgumentList.Add(argument.Replace("/5080", $"/{port}"));
        using var process = Process.Start(psi)!;
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return process.ExitCode;
    }
}
