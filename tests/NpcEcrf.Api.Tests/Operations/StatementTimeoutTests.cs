using Microsoft.Extensions.Configuration;
using Npgsql;
using NpcEcrf.Api.Cli;
using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Tests.Operations;

/// <summary>The web host's statement timeout: configured in whole seconds, 0 for none, and set on the application's connection only.</summary>
public class StatementTimeoutTests
{
    private static TimeSpan? From(string? value) =>
        Installation.StatementTimeoutFrom(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Database:StatementTimeoutSeconds"] = value }).Build());

    [Fact]
    public void it_is_30_seconds_unless_configured_and_0_turns_it_off()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), From(null));
        Assert.Equal(TimeSpan.FromSeconds(120), From("120"));
        Assert.Null(From("0"));
        Assert.Contains("whole seconds", Assert.Throws<CommandLineError>(() => From("30s")).Message);
        Assert.Throws<CommandLineError>(() => From("-5"));
    }

    [Fact]
    public void the_application_connection_carries_it_and_the_owners_does_not()
    {
        var settings = new NpcEcrfSettings
        {
            ConnectionString = "Host=h;Username=app;Options=-c search_path=x", OwnerConnectionString = "Host=h;Username=owner", SigningKey = new byte[32],
            StatementTimeout = TimeSpan.FromMilliseconds(1500),
        }.WithStatementTimeout();
        Assert.Equal("-c search_path=x -c statement_timeout=1500", new NpgsqlConnectionStringBuilder(settings.ConnectionString).Options);
        Assert.Equal("Host=h;Username=owner", settings.OwnerConnectionString);
        Assert.Same(settings, settings.WithStatementTimeout()); // applied once, not twice
        var none = new NpcEcrfSettings { ConnectionString = "Host=h", SigningKey = new byte[32], StatementTimeout = null };
        Assert.Equal("Host=h", none.WithStatementTimeout().ConnectionString);
    }
}
