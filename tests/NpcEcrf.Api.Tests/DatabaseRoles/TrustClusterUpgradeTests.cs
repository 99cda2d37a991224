using Npgsql;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.DatabaseRoles;

/// <summary>
/// A cluster as installations made it before passwords (trust on loopback, no passwords, no roles, schemas the
/// superuser's), started once by this version.
/// </summary>
public sealed class UpgradedTrustCluster : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "npcecrf-trust-" + Guid.NewGuid().ToString("N")[..8]);
    public EmbeddedPostgres Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await using (var before = await EmbeddedPostgres.StartAsync(_dir, durable: false))
        {
            await TestDatabase.ExecuteAsync(before.ConnectionString(), $"""
                drop owned by {EmbeddedPostgres.OwnerRole}, {EmbeddedPostgres.ApplicationRole};
                drop role {EmbeddedPostgres.OwnerRole}, {EmbeddedPostgres.ApplicationRole};
                create schema from_before;
                create table from_before.kept(value text);
                insert into from_before.kept values ('still here');
                alter role {EmbeddedPostgres.Superuser} password null;
                """);
            await File.WriteAllTextAsync(Path.Combine(before.ClusterDir, "pg_hba.conf"), """
                local   all   all                  trust
                host    all   all   127.0.0.1/32   trust
                host    all   all   ::1/128        trust
                """);
        }
        Cluster = await EmbeddedPostgres.StartAsync(_dir, durable: false);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public class TrustClusterUpgradeTests(UpgradedTrustCluster upgraded) : IClassFixture<UpgradedTrustCluster>
{
    [Fact]
    public async Task after_the_upgrade_a_wrong_password_is_refused()
    {
        var wrong = new NpgsqlConnectionStringBuilder(upgraded.Cluster.ConnectionString()) { Password = "not-the-password", Pooling = false };
        await using var connection = new NpgsqlConnection(wrong.ConnectionString);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);
    }

    [Fact]
    public async Task after_the_upgrade_the_superusers_old_schema_is_the_owners_with_its_data()
    {
        await using var connection = new NpgsqlConnection(upgraded.Cluster.OwnerConnectionString());
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand(
            "select pg_get_userbyid(relowner) || ' ' || (select value from from_before.kept) from pg_class where oid = 'from_before.kept'::regclass", connection);
        Assert.Equal($"{EmbeddedPostgres.OwnerRole} still here", await read.ExecuteScalarAsync());
    }
}
