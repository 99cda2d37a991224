using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Trust;

/// <summary>Every change to an account holds from the very next request its tokens make.</summary>
public class AccessOnEveryRequestTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private Task<HttpClient> Admin() => app.ClientFor("trust-admin", ["admin"]);

    [Fact]
    public async Task a_deactivated_users_next_request_is_refused()
    {
        var user = await app.ClientFor("trust-leaver", ["auditor"]);
        await (await user.GetAsync("/users")).ShouldBe(HttpStatusCode.OK);
        await (await (await Admin()).PostJson("/users/trust-leaver/deactivate", new { reason = "Left" })).ShouldBe(HttpStatusCode.OK);
        await (await user.GetAsync("/users")).ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task a_revoked_roles_next_use_is_forbidden()
    {
        var user = await app.ClientFor("trust-demoted", ["auditor", "monitor"]);
        await (await user.GetAsync("/users")).ShouldBe(HttpStatusCode.OK);
        await (await (await Admin()).DeleteAsync("/users/trust-demoted/roles/auditor")).ShouldBe(HttpStatusCode.OK);
        await (await user.GetAsync("/users")).ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task a_site_removed_from_a_cra_hides_its_subjects_from_the_next_request()
    {
        var cra = new CasebookClient(await app.ClientFor("trust-cra", ["cra"], "S1"), "TR-01");
        await cra.Enrol("S1");
        await (await cra.Http.GetAsync(cra.Url)).ShouldBe(HttpStatusCode.OK);
        await (await (await Admin()).DeleteAsync("/users/trust-cra/sites/S1")).ShouldBe(HttpStatusCode.OK);
        await (await cra.Http.GetAsync(cra.Url)).ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task a_password_change_ends_the_tokens_issued_before_it()
    {
        var user = await app.ClientFor("trust-changer", ["auditor"]);
        await (await user.PostJson("/users/trust-changer/password", new { currentPassword = AppFixture.Password, newPassword = "a-brand-new-passphrase" }))
            .ShouldBe(HttpStatusCode.OK);
        await (await user.GetAsync("/users")).ShouldBe(HttpStatusCode.Unauthorized);
        var relogin = await app.Anonymous().PostJson("/auth/token", new { username = "trust-changer", password = "a-brand-new-passphrase" });
        await relogin.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task logout_ends_the_presented_token()
    {
        var user = await app.ClientFor("trust-logout", ["auditor"]);
        await (await user.PostAsync("/auth/logout", null)).ShouldBe(HttpStatusCode.NoContent);
        await (await user.GetAsync("/users")).ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task an_admins_revocation_ends_every_token_of_the_user()
    {
        var laptop = await app.ClientFor("trust-revoked", ["auditor"]);
        var phone = await app.ClientFor("trust-revoked", ["auditor"]);
        await (await (await Admin()).PostAsync("/users/trust-revoked/revoke-tokens", null)).ShouldBe(HttpStatusCode.OK);
        await (await laptop.GetAsync("/users")).ShouldBe(HttpStatusCode.Unauthorized);
        await (await phone.GetAsync("/users")).ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task only_admins_revoke_other_users_tokens()
    {
        var auditor = await app.ClientFor("trust-auditor", ["auditor"]);
        await (await auditor.PostAsync("/users/trust-admin/revoke-tokens", null)).ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task a_token_signed_with_the_installation_key_for_a_user_who_does_not_exist_is_refused()
    {
        var ghost = new UserAccount(UserAccount.IdFor("ghost"), "ghost", "Ghost", ["admin"], [], true, 0, null, 1);
        var client = app.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", new Tokens(app.Settings).Issue(ghost).Token);
        await (await client.GetAsync("/users")).ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task roles_come_from_the_account_not_from_the_token()
    {
        var user = await app.ClientFor("trust-promoted", ["monitor"]);
        await (await user.GetAsync("/users")).ShouldBe(HttpStatusCode.Forbidden);
        await (await (await Admin()).PostJson("/users/trust-promoted/roles", new { role = "auditor" })).ShouldBe(HttpStatusCode.OK);
        await (await user.GetAsync("/users")).ShouldBe(HttpStatusCode.OK);
    }
}

/// <summary>Casebook writes never touch the account cache: only account streams are forgotten after a commit.</summary>
public class AccountCacheTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task writes_to_casebooks_are_not_tracked_as_account_changes()
    {
        await app.ClientFor("cra.s1", ["cra"], $"{StudyFixture.StudyId}/S1");
        var accounts = app.App.Services.GetRequiredService<AccountDirectory>();
        var before = accounts.TrackedAccounts;
        var subject = await app.Enrolled("AC-01");
        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1 });
        await subject.Post("/contacts", new { date = "2021-04-01", method = "phone" });
        Assert.Equal(before, accounts.TrackedAccounts);
    }
}

