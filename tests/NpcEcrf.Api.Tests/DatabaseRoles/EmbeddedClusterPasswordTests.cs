using Npgsql;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.DatabaseRoles;

/// <summary>The private cluster admits no one without the password from the data directory, not even on loopback.</summary>
public class EmbeddedClusterPasswordTests
{
    private static async Task<NpgsqlConnection> Connect(string role, string? password)
    {
        await TestDatabase.ConnectionsAsync();
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = TestDatabase.Cluster.Port,
            Username = role,
            Password = password,
            Database = "postgres",
            Pooling = false,
            Passfile = "/dev/null", // never a password from a pgpass file
        }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    [RolesTheory]
    [InlineData(EmbeddedPostgres.Superuser)]
    [InlineData(EmbeddedPostgres.OwnerRole)]
    [InlineData(EmbeddedPostgres.ApplicationRole)]
    public async Task an_empty_password_is_refused(string role)
    {
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => Connect(role, ""));
    }

    [RolesTheory]
    [InlineData(EmbeddedPostgres.Superuser)]
    [InlineData(EmbeddedPostgres.OwnerRole)]
    [InlineData(EmbeddedPostgres.ApplicationRole)]
    public async Task a_wrong_password_is_refused(string role)
    {
        var refused = await Assert.ThrowsAsync<PostgresException>(() => Connect(role, "not-the-password"));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);
    }

    [RolesFact]
    public async Task the_password_file_is_readable_by_its_owner_only()
    {
        await TestDatabase.ConnectionsAsync();
        if (OperatingSystem.IsWindows()) return; // no Unix modes there
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite,
            File.GetUnixFileMode(Path.Combine(TestDatabase.ClusterDataDir!, EmbeddedPostgres.PasswordFile)));
    }

    [RolesFact]
    public async Task the_right_password_is_admitted()
    {
        await using var connection = await Connect(EmbeddedPostgres.ApplicationRole,
            new NpgsqlConnectionStringBuilder((await TestDatabase.ConnectionsAsync()).Application).Password);
        Assert.Equal(System.Data.ConnectionState.Open, connection.State);
    }
}
