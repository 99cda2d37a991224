using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Tests.Trust;

public sealed class KeyFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("npc-ecrf-keys-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void a_new_installations_key_files_are_readable_by_their_owner_only()
    {
        Installation.SealKey(_dir);
        Installation.TokenKey(_dir);
        if (OperatingSystem.IsWindows()) return; // no Unix modes there
        foreach (var file in new[] { Installation.SealKeyFile, Installation.TokenKeyFile })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, file)));
    }

    [Fact]
    public void a_new_installation_seals_and_signs_with_two_independent_keys()
    {
        var seal = Installation.SealKey(_dir);
        var token = Installation.TokenKey(_dir);
        Assert.NotEqual(seal, token);
        Assert.Equal(seal, Installation.SealKey(_dir));
        Assert.Equal(token, Installation.TokenKey(_dir));
    }

    [Fact]
    public void an_installation_from_before_key_separation_keeps_sealing_with_its_old_key_and_gets_a_new_token_key()
    {
        var old = System.Security.Cryptography.RandomNumberGenerator.GetBytes(64);
        File.WriteAllText(Path.Combine(_dir, Installation.LegacyKeyFile), Convert.ToBase64String(old));
        Assert.Equal(old, Installation.SealKey(_dir));
        Assert.NotEqual(old, Installation.TokenKey(_dir));
        Assert.False(File.Exists(Path.Combine(_dir, Installation.SealKeyFile)));
    }
}
