using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Tests.Infrastructure;

/// <summary>
/// The real HTTP pipeline (TestServer) over the shared PostgreSQL, in a schema of its own per test class.
/// </summary>
public class AppFixture : IAsyncLifetime
{
    public const string Password = "correct-horse-battery";

    private WebApplication? _app;
    public WebApplication App => _app ?? throw new InvalidOperationException("Not started.");
    public IDocumentStore Store => App.Services.GetRequiredService<IDocumentStore>();
    /// <summary>The application's connection: on the private cluster, the restricted role the product runs as.</summary>
    public string ConnectionString { get; private set; } = "";
    public string Schema { get; }
    public NpcEcrfSettings Settings { get; private set; } = null!;

    public AppFixture() => Schema = SchemaFor(GetType().Name + Guid.NewGuid().ToString("N")[..6]);

    public static string SchemaFor(string name)
    {
        var letters = new string(name.ToLowerInvariant().Where(char.IsLetterOrDigit).ToArray());
        return "t_" + letters[..Math.Min(40, letters.Length)];
    }

    public virtual async Task InitializeAsync()
    {
        var connections = await TestDatabase.ConnectionsAsync();
        ConnectionString = connections.Application;
        await TestDatabase.DropSchemaAsync(connections.Owner ?? connections.Application, Schema);
        Settings = new NpcEcrfSettings
        {
            ConnectionString = ConnectionString,
            OwnerConnectionString = connections.Owner,
            Schema = Schema,
            SigningKey = SHA256.HashData(Encoding.UTF8.GetBytes(Schema)).Concat(SHA256.HashData(Encoding.UTF8.GetBytes("k" + Schema))).ToArray(),
        };
        _app = AppHost.Build(Settings, customise: b =>
        {
            b.WebHost.UseTestServer();
            b.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await _app.StartAsync();
        await using var session = Store.LightweightSession();
        session.LastModifiedBy = "test-setup";
        // Sites belong to studies: the sites plain account tests name (site-1, ...) are a study's.
        session.Events.StartStream<Study>(Study.IdFor(FixtureStudy), [.. TestStudies.Created(FixtureStudy, "Sites for account tests"),
            new SiteAdded("site-1", "Site one"), new SiteAdded("site-2", "Site two"), new SiteAdded("site-3", "Site three")]);
        await session.SaveChangesAsync();
    }

    public const string FixtureStudy = "FIXTURE";

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public HttpClient Anonymous() => App.GetTestClient();

    /// <summary>How many events the store holds: "nothing was written" is this number unchanged.</summary>
    public async Task<long> EventCount()
    {
        await using var session = Store.QuerySession();
        return await session.Events.QueryAllRawEvents().CountAsync();
    }

    /// <summary>Creates the account (if new) straight in the store, then logs in through POST /auth/token.</summary>
    public async Task<HttpClient> ClientFor(string username, string[] roles, params string[] sites)
    {
        await EnsureUser(username, roles, sites);
        var client = Anonymous();
        var response = await client.PostAsJsonAsync("/auth/token", new { username, password = Password });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<IssueToken.TokenResponse>())!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        return client;
    }

    public async Task EnsureUser(string username, string[] roles, string[] sites)
    {
        await using var session = Store.LightweightSession();
        if (await session.Events.FetchStreamStateAsync(UserAccount.IdFor(username)) is not null) return;
        session.LastModifiedBy = "test-setup";
        var outcome = await CreateUser.Run(session, Actor.Operator("test-setup"), new CreateUser(username, $"Dr {username}", Password, roles, sites), CancellationToken.None);
        Assert.True(outcome is CommandOutcome.Accepted, $"{username} was not created: {outcome}");
    }
}
