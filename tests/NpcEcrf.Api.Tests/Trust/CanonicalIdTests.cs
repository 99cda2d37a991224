using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Tests.Trust;

/// <summary>One spelling of an id: case, spacing and full-width forms name the same study, site or subject.</summary>
public class CanonicalIdTests
{
    [Theory]
    [InlineData("ANLO-NPC", "anlo-npc")]
    [InlineData("ANLO-NPC", " ANLO-NPC\t")]
    [InlineData("ANLO-NPC", "\uFF21\uFF2E\uFF2C\uFF2F-NPC")]
    [InlineData("S1", "\uFF53\uFF11")]
    public void spellings_of_one_id_are_the_same(string a, string b)
    {
        Assert.True(StableIds.Same(a, b));
        Assert.Equal(StableIds.For("study", a), StableIds.For("study", b));
        Assert.Contains(b, new HashSet<string>([a], StableIds.Comparer));
    }

    [Theory]
    [InlineData("ANLO-NPC", "ANLO-NPD")]
    [InlineData("S1", "S11")]
    public void different_ids_are_not(string a, string b)
    {
        Assert.False(StableIds.Same(a, b));
        Assert.NotEqual(StableIds.For("study", a), StableIds.For("study", b));
    }
}
