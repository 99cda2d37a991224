using System.Net;
using Marten;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Trust;

public class PasswordSecrecyTests(AppFixture app) : IClassFixture<AppFixture>
{
    private async Task<string> HashOf(string username)
    {
        await using var session = app.Store.QuerySession();
        return (await session.LoadAsync<PasswordCredential>(UserAccount.IdFor(username)))!.Hash;
    }

    private async Task<string> EverythingAnAuditorSees(HttpClient auditor) => string.Join("\n",
        await (await auditor.GetAsync("/audit?limit=1000")).Content.ReadAsStringAsync(),
        await (await auditor.GetAsync("/audit?eventType=user_account_created")).Content.ReadAsStringAsync(),
        await (await auditor.GetAsync("/audit?eventType=password_changed")).Content.ReadAsStringAsync(),
        await (await auditor.GetAsync("/audit/export.csv")).Content.ReadAsStringAsync(),
        await (await auditor.GetAsync("/users/secret-keeper/history")).Content.ReadAsStringAsync());

    [Fact]
    public async Task neither_the_audit_trail_nor_its_csv_nor_the_account_history_shows_a_password_hash()
    {
        var admin = await app.ClientFor("secret-admin", ["admin"]);
        await (await admin.PostJson("/users", new { username = "secret-keeper", printedName = "K", password = "first-secret-phrase", roles = new[] { "cra" } }))
            .ShouldBe(HttpStatusCode.Created);
        var first = await HashOf("secret-keeper");
        await (await admin.PostJson("/users/secret-keeper/password", new { newPassword = "second-secret-phrase" })).ShouldBe(HttpStatusCode.OK);
        var second = await HashOf("secret-keeper");

        var seen = await EverythingAnAuditorSees(await app.ClientFor("secret-auditor", ["auditor"]));
        Assert.Contains("user_account_created", seen);
        Assert.Contains("password_changed", seen);
        Assert.DoesNotContain(first, seen);
        Assert.DoesNotContain(second, seen);
        Assert.DoesNotContain("passwordHash", seen, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task an_account_from_before_credentials_were_separated_still_logs_in_and_its_old_hash_stays_out_of_the_trail()
    {
        // Such an account has no credential document and a hash inside its creation event.
        await app.EnsureUser("old-timer", ["cra"], ["site-1"]);
        var hash = await HashOf("old-timer");
        var id = UserAccount.IdFor("old-timer");
        await TestDatabase.ExecuteAsSuperuserAsync($"""
            delete from "{app.Schema}".mt_doc_passwordcredential where id = '{id}';
            update "{app.Schema}".mt_events set data = data || jsonb_build_object('passwordHash', '{hash}'::text) where stream_id = '{id}' and version = 1;
            """, "test: recreate an account from before credentials were separated");

        await (await app.Anonymous().PostJson("/auth/token", new { username = "old-timer", password = AppFixture.Password })).ShouldBe(HttpStatusCode.OK);
        var auditor = await app.ClientFor("old-auditor", ["auditor"]);
        Assert.DoesNotContain(hash, await (await auditor.GetAsync("/audit/export.csv")).Content.ReadAsStringAsync());
        Assert.DoesNotContain(hash, await (await auditor.GetAsync("/audit?eventType=user_account_created")).Content.ReadAsStringAsync());
    }
}
