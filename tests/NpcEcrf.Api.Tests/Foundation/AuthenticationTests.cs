using System.Net;
using System.Net.Http.Headers;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Foundation;

public class AuthenticationTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task health_is_anonymous_and_checks_the_database()
    {
        var response = await app.Anonymous().GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task the_api_reference_is_anonymous()
    {
        var response = await app.Anonymous().GetAsync("/openapi/v1.json");
        var doc = await response.ShouldBe(HttpStatusCode.OK);
        Assert.True(doc.GetProperty("paths").TryGetProperty("/auth/token", out _));
    }

    [Fact]
    public async Task a_right_password_gets_a_token_that_opens_the_api()
    {
        var admin = await app.ClientFor("auth-admin", ["admin"]);
        await (await admin.GetAsync("/users")).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task a_wrong_password_gets_401_and_is_recorded_on_the_account()
    {
        await app.EnsureUser("auth-victim", ["cra"], ["site-1"]);
        var response = await app.Anonymous().PostJson("/auth/token", new { username = "auth-victim", password = "not-the-password" });
        var problem = await response.ShouldBe(HttpStatusCode.Unauthorized);
        Assert.Equal("Unknown user or wrong password.", problem.GetProperty("title").GetString());

        await using var session = app.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(Identity.UserAccount.IdFor("auth-victim"));
        Assert.Contains(events, e => e.Data is Identity.AuthenticationFailed { Purpose: "login" });
    }

    [Fact]
    public async Task an_unknown_user_gets_the_same_401()
    {
        var response = await app.Anonymous().PostJson("/auth/token", new { username = "nobody", password = "whatever-it-is" });
        await response.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task no_token_gets_401()
    {
        await (await app.Anonymous().GetAsync("/users")).ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task a_forged_token_gets_401()
    {
        var client = app.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJhZG1pbiJ9.c2lnbmF0dXJlLW5vdC1vdXJz");
        await (await client.GetAsync("/users")).ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task a_role_that_may_not_act_gets_403()
    {
        var cra = await app.ClientFor("auth-cra", ["cra"], "site-1");
        var response = await cra.PostJson("/users", new { username = "sneaky", printedName = "S", password = "long-enough-pw", roles = new[] { "admin" } });
        await response.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task a_malformed_body_gets_400_problem_details()
    {
        var admin = await app.ClientFor("auth-admin2", ["admin"]);
        var content = new StringContent("{\"username\": ", System.Text.Encoding.UTF8, "application/json");
        var problem = await (await admin.PostAsync("/users", content)).ShouldBe(HttpStatusCode.BadRequest);
        Assert.Equal("The request body is not valid JSON for this form.", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task a_body_that_fails_validation_names_the_fields()
    {
        var admin = await app.ClientFor("auth-admin3", ["admin"]);
        var response = await admin.PostJson("/users", new { username = "bad name!", printedName = "", password = "short", roles = new[] { "wizard" } });
        var problem = await response.ShouldBe(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "username", "printedName", "password", "roles[0]" })
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
    }
}
