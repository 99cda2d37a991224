using System.Net;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Foundation;

public class AccountLifecycleTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task every_step_of_an_account_is_an_event_that_names_the_acting_admin()
    {
        var admin = await app.ClientFor("lifecycle-admin", ["admin"]);
        admin.DefaultRequestHeaders.Add("X-Correlation-Id", "corr-lifecycle-1");

        await (await admin.PostJson("/users", new { username = "cra.wang", printedName = "Wang Li", password = "first-password-1", roles = new[] { "cra" } }))
            .ShouldBe(HttpStatusCode.Created);
        await (await admin.PostJson("/users/cra.wang/sites", new { siteId = "site-3" })).ShouldBe(HttpStatusCode.OK);
        await (await admin.PostJson("/users/cra.wang/roles", new { role = "investigator" })).ShouldBe(HttpStatusCode.OK);
        await (await admin.DeleteAsync("/users/cra.wang/roles/investigator")).ShouldBe(HttpStatusCode.OK);
        await (await admin.PostJson("/users/cra.wang/password", new { newPassword = "second-password-2" })).ShouldBe(HttpStatusCode.OK);
        var view = await (await admin.PostJson("/users/cra.wang/deactivate", new { reason = "Left the study team" })).Read<UserView>();

        Assert.False(view.Active);
        Assert.Equal(["cra"], view.Roles);
        Assert.Equal(["FIXTURE/site-3"], view.Sites); // stored qualified by its study

        await using var session = app.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(UserAccount.IdFor("cra.wang"));
        Assert.Equal(
            [typeof(UserAccountCreated), typeof(RoleGranted), typeof(SiteAssigned), typeof(RoleGranted), typeof(RoleRevoked), typeof(PasswordChanged), typeof(UserAccountDeactivated)],
            events.Select(e => e.EventType));
        Assert.All(events, e => Assert.Equal("lifecycle-admin", e.UserName));
        Assert.All(events, e => Assert.Equal("corr-lifecycle-1", e.CorrelationId));
    }

    [Fact]
    public async Task a_deactivated_account_cannot_log_in()
    {
        var admin = await app.ClientFor("lifecycle-admin2", ["admin"]);
        await app.EnsureUser("leaver", ["cra"], ["site-1"]);
        await (await admin.PostJson("/users/leaver/deactivate", new { reason = "Left" })).ShouldBe(HttpStatusCode.OK);
        var response = await app.Anonymous().PostJson("/auth/token", new { username = "leaver", password = AppFixture.Password });
        await response.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task a_duplicate_username_is_a_conflict_and_writes_nothing()
    {
        var admin = await app.ClientFor("lifecycle-admin3", ["admin"]);
        await app.EnsureUser("taken", ["cra"], []);
        var response = await admin.PostJson("/users", new { username = "taken", printedName = "T", password = "long-enough-pw", roles = new[] { "monitor" } });
        await response.ShouldBe(HttpStatusCode.Conflict);
        await using var session = app.Store.QuerySession();
        Assert.Equal(2, (await session.Events.FetchStreamAsync(UserAccount.IdFor("taken"))).Count);
    }

    [Fact]
    public async Task an_auditor_reads_accounts_but_cannot_change_them()
    {
        var auditor = await app.ClientFor("lifecycle-auditor", ["auditor"]);
        await (await auditor.GetAsync("/users")).ShouldBe(HttpStatusCode.OK);
        await (await auditor.PostJson("/users/lifecycle-auditor/roles", new { role = "admin" })).ShouldBe(HttpStatusCode.Forbidden);
    }
}
