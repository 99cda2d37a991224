using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.TamperEvidence;
using NpcEcrf.Api.Tests.Casebooks;

namespace NpcEcrf.Api.Tests.Locks;

/// <summary>
/// A snapshot's canonical text is written subject by subject; it must be, byte for byte, what canonicalising the whole
/// serialized snapshot gives, or every lock taken before would stop verifying.
/// </summary>
public class CanonicalSnapshotTests
{
    /// <summary>The sample subject three times, under numbers and a term that need escaping or are not ASCII.</summary>
    private static CohortSnapshot Snapshot()
    {
        var one = CohortSnapshot.Build(SampleCasebook.Study, [SampleCasebook.With()], [], SampleCasebook.Today, 7);
        var subject = one.Subjects.Single();
        return one with
        {
            Subjects =
            [
                subject,
                subject with { SubjectNumber = "S-\"2\"</script>", OpenQueries = 2, AdverseEvents = [new AdverseEventSnapshot("Fièvre \u2013 \U0001F525 \\ grade", 3, true)] },
                subject with { SubjectNumber = "S-3", Baseline = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal) { ["z.b"] = 1.5, ["a.c"] = JsonNode.Parse("""{"y":1,"x":[2,{"b":null,"a":"é"}]}""") } },
            ],
        };
    }

    private static string WholeTextCanonicalised(CohortSnapshot snapshot) => EventSeal.Canonical(JsonSerializer.Serialize(snapshot, CasebookJson.Options));

    [Fact]
    public void written_subject_by_subject_it_is_the_whole_text_canonicalised()
    {
        var snapshot = Snapshot();
        var json = snapshot.CanonicalJson();
        Assert.Equal(WholeTextCanonicalised(snapshot), json);
        Assert.Equal(CohortSnapshot.Hash(json), snapshot.CanonicalHash());
    }

    [Fact]
    public void its_streamed_hash_is_the_hash_of_its_text()
    {
        var snapshot = Snapshot();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(WholeTextCanonicalised(snapshot)))), snapshot.CanonicalHash());
    }

    [Fact]
    public void a_changed_subject_changes_the_hash()
    {
        var snapshot = Snapshot();
        var changed = snapshot with { Subjects = [.. snapshot.Subjects.Take(2), snapshot.Subjects[2] with { OpenQueries = 1 }] };
        Assert.NotEqual(snapshot.CanonicalHash(), changed.CanonicalHash());
    }

    [Fact]
    public void a_snapshot_larger_than_the_hashing_buffer_hashes_as_its_text()
    {
        // Over 64 KB: the hash is fed through its reused buffer many times.
        var snapshot = Snapshot();
        var many = snapshot with { Subjects = [.. Enumerable.Range(0, 60).Select(i => snapshot.Subjects[i % 3] with { SubjectNumber = $"S-{i:000}" })] };
        var text = WholeTextCanonicalised(many);
        Assert.True(text.Length > 64 * 1024, $"{text.Length} characters");
        Assert.Equal(CohortSnapshot.Hash(text), many.CanonicalHash());
    }
}
