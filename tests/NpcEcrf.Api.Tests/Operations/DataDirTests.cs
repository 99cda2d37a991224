using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Tests.Operations;

/// <summary>Where an installation lives is said by --data-dir or NPCECRF_DATA_DIR (or appsettings.json), never by a stray variable.</summary>
public class DataDirTests
{
    [Fact]
    public void a_variable_that_happens_to_be_called_datadir_does_not_move_the_installation()
    {
        // NPCECRF_DATA_DIR (the suite may set it) would win anyway and hide the stray variable: cleared meanwhile.
        var (before, named) = (Environment.GetEnvironmentVariable("DATADIR"), Environment.GetEnvironmentVariable(Installation.DataDirVariable));
        try
        {
            Environment.SetEnvironmentVariable(Installation.DataDirVariable, null);
            var unset = Installation.ResolveDataDir(null);
            Environment.SetEnvironmentVariable("DATADIR", "/tmp/somewhere-else-entirely");
            Assert.Equal(unset, Installation.ResolveDataDir(null));
        }
        finally
        {
            Environment.SetEnvironmentVariable("DATADIR", before);
            Environment.SetEnvironmentVariable(Installation.DataDirVariable, named);
        }
    }

    [Fact]
    public void the_option_wins_over_the_variable()
    {
        var dir = Path.Combine(Path.GetTempPath(), "npc-ecrf-option-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.Equal(dir, Installation.ResolveDataDir(dir));
    }
}
