using System.Net;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Trust;

public class PasswordChangeTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task an_admin_changing_their_own_password_must_give_the_current_one()
    {
        var admin = await app.ClientFor("pw-admin", ["admin"]);
        var problem = await (await admin.PostJson("/users/pw-admin/password", new { newPassword = "another-long-passphrase" })).ShouldBe(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("currentPassword", out _), problem.ToString());
    }

    [Fact]
    public async Task an_admin_resets_another_users_password_without_the_current_one()
    {
        var admin = await app.ClientFor("pw-admin2", ["admin"]);
        await app.EnsureUser("pw-forgetful", ["cra"], ["site-1"]);
        await (await admin.PostJson("/users/pw-forgetful/password", new { newPassword = "reset-by-the-admin" })).ShouldBe(HttpStatusCode.OK);
        await (await app.Anonymous().PostJson("/auth/token", new { username = "pw-forgetful", password = "reset-by-the-admin" })).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task the_new_password_must_differ_from_the_current_one()
    {
        var user = await app.ClientFor("pw-same", ["cra"], "site-1");
        var response = await user.PostJson("/users/pw-same/password", new { currentPassword = AppFixture.Password, newPassword = AppFixture.Password });
        var problem = await response.ShouldBe(HttpStatusCode.BadRequest);
        Assert.Contains("differ", problem.GetProperty("errors").GetProperty("newPassword")[0].GetString());
    }

    [Fact]
    public async Task a_new_user_with_a_common_password_is_refused()
    {
        var admin = await app.ClientFor("pw-admin3", ["admin"]);
        var response = await admin.PostJson("/users", new { username = "pw-weak", printedName = "W", password = "qwertyuiop12", roles = new[] { "cra" } });
        var problem = await response.ShouldBe(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _), problem.ToString());
    }
}
