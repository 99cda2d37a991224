using Npgsql;
using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Tests.Foundation;

public class EmbeddedPostgresTests
{
    [Fact]
    public async Task a_restarted_cluster_keeps_its_data()
    {
        var dir = Path.Combine(Path.GetTempPath(), "npcecrf-restart-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using (var first = await EmbeddedPostgres.StartAsync(dir, durable: false))
            {
                await Sql(first, "create table kept(value text); insert into kept values ('still here')");
            }
            await using var second = await EmbeddedPostgres.StartAsync(dir, durable: false);
            await using var connection = new NpgsqlConnection(second.ConnectionString());
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand("select value from kept", connection);
            Assert.Equal("still here", await read.ExecuteScalarAsync());
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    [Fact]
    public void the_server_binaries_are_found_on_this_machine()
    {
        var bin = EmbeddedPostgres.FindServerBinaries();
        Assert.NotNull(bin);
        Assert.True(File.Exists(Path.Combine(bin!, "pg_ctl")));
    }

    private static async Task Sql(EmbeddedPostgres pg, string sql)
    {
        await using var connection = new NpgsqlConnection(pg.ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
