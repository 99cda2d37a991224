using Npgsql;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.DatabaseRoles;

/// <summary>mt_events is append-only for the application's role by privilege, and for everyone by the guard's triggers.</summary>
public class EventStoreGuardTests(AppFixture app) : IClassFixture<AppFixture>
{
    private string Events => $"\"{app.Schema}\".mt_events";

    /// <summary>The schema owner's connection (with NPCECRF_TEST_DB, the one role, which owns the schema too).</summary>
    private static async Task<string> OwnerAsync()
    {
        var connections = await TestDatabase.ConnectionsAsync();
        return connections.Owner ?? connections.Application;
    }

    private async Task<PostgresException> Refused(string connectionString, string sql)
    {
        await app.EnsureUser("guard-user", ["cra"], ["site-1"]); // some events to change
        return await Assert.ThrowsAsync<PostgresException>(() => TestDatabase.ExecuteAsync(connectionString, sql));
    }

    [RolesFact]
    public async Task the_applications_connection_cannot_update_events() =>
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await Refused(app.ConnectionString, $"update {Events} set user_name = 'someone-else'")).SqlState);

    [RolesFact]
    public async Task the_applications_connection_cannot_delete_events() =>
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await Refused(app.ConnectionString, $"delete from {Events}")).SqlState);

    [RolesFact]
    public async Task the_applications_connection_cannot_truncate_events() =>
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await Refused(app.ConnectionString, $"truncate {Events}")).SqlState);

    [RolesFact]
    public async Task the_applications_connection_cannot_switch_off_the_guard() =>
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await Refused(app.ConnectionString, $"alter table {Events} disable trigger user")).SqlState);

    [Fact]
    public async Task the_owner_cannot_update_events_without_the_maintenance_switch() =>
        Assert.Contains("append-only: UPDATE refused", (await Refused(await OwnerAsync(), $"update {Events} set user_name = 'someone-else'")).MessageText);

    [Fact]
    public async Task the_owner_cannot_delete_events_without_the_maintenance_switch() =>
        Assert.Contains("append-only: DELETE refused", (await Refused(await OwnerAsync(), $"delete from {Events}")).MessageText);

    [Fact]
    public async Task the_owner_cannot_truncate_events_without_the_maintenance_switch() =>
        Assert.Contains("append-only: TRUNCATE refused", (await Refused(await OwnerAsync(), $"truncate {Events}")).MessageText);

    [Fact]
    public async Task a_change_under_the_maintenance_switch_is_made_and_recorded_with_its_reason()
    {
        await app.EnsureUser("guard-maintained", ["cra"], ["site-1"]);
        var stream = Identity.UserAccount.IdFor("guard-maintained");
        var changed = await TestDatabase.ExecuteAsSuperuserAsync(
            $"update {Events} set user_name = user_name where stream_id = '{stream}' and version = 1", "ticket 42: repair a user name");
        Assert.Equal(1, changed);
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand(
            $"select operation || ' ' || reason from \"{app.Schema}\".{SchemaPreparation.MaintenanceLogTable} where stream_id = '{stream}'", connection);
        Assert.Equal("UPDATE ticket 42: repair a user name", await read.ExecuteScalarAsync());
    }
}
