using System.Net.Http.Headers;
using System.Net.Http.Json;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Tests.Infrastructure;

/// <summary>Web hosts a test builds on settings of its own (a private cluster, a database per study), beside the fixtures' shared one.</summary>
public static class TestHosts
{
    /// <summary>The web host on <paramref name="settings"/>, served in memory, logging from <paramref name="level"/> (unstarted).</summary>
    public static WebApplication Build(NpcEcrfSettings settings, Action<WebApplicationBuilder>? more = null, LogLevel level = LogLevel.Critical) =>
        AppHost.Build(settings, customise: b =>
        {
            b.WebHost.UseTestServer();
            b.Logging.SetMinimumLevel(level);
            more?.Invoke(b);
        });

    /// <summary>An account made straight in the host's store (the global tenant with a database per study), logged in through POST /auth/token.</summary>
    public static async Task<HttpClient> SignedIn(WebApplication app, string username, string[] roles, params string[] sites)
    {
        await using (var session = app.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.LastModifiedBy = "test-setup";
            var outcome = await CreateUser.Run(session, Actor.Operator("test-setup"), new CreateUser(username, $"Dr {username}", AppFixture.Password, roles, sites), default);
            Assert.True(outcome is CommandOutcome.Accepted, $"{username} was not created: {outcome}");
        }
        var client = app.GetTestClient();
        var token = (await (await client.PostAsJsonAsync("/auth/token", new { username, password = AppFixture.Password })).Content.ReadFromJsonAsync<IssueToken.TokenResponse>())!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        return client;
    }
}
