using NpcEcrf.Api.TamperEvidence;

namespace NpcEcrf.Api.Tests.TamperEvidence;

/// <summary>
/// verify takes two shortcuts that must answer exactly as the long way: a casebook compared by walking both JSON
/// documents (equal only when the canonical texts are), and the sealed header read without splitting it into strings.
/// </summary>
public class VerifyShortcutTests
{
    [Theory]
    [InlineData("""{"b":1,"a":[1,2]}""", """{ "a" : [1, 2], "b" : 1 }""")]
    [InlineData("""{"a":1.50}""", """{"a":1.5}""")]
    [InlineData("""{"a":1e3}""", """{"a":1000}""")]
    [InlineData("""{"a":"é"}""", """{"a":"\u00e9"}""")]
    [InlineData("""{"a":[1,2]}""", """{"a":[2,1]}""")]
    [InlineData("""{"a":{"x":null}}""", """{"a":{"x":false}}""")]
    [InlineData("""{"a":1}""", """{"a":1,"b":1}""")]
    [InlineData("""{"a":1,"a":2}""", """{"a":1,"a":2}""")]
    [InlineData("""{"a":"1"}""", """{"a":1}""")]
    [InlineData("""[{"k":[]}]""", """[{"k":{}}]""")]
    public void Walking_both_documents_says_equal_only_when_the_canonical_texts_are(string a, string b)
    {
        var same = EventSeal.SameCanonical(a, b);
        Assert.Equal(same, EventSeal.SameCanonical(b, a));
        // A duplicate name is the one case it leaves to the canonical texts (it answers false).
        if (same) Assert.Equal(EventSeal.Canonical(a), EventSeal.Canonical(b));
        else if (!a.Contains("\"a\":1,\"a\"")) Assert.NotEqual(EventSeal.Canonical(a), EventSeal.Canonical(b));
    }

    [Theory]
    [InlineData("2021-03-04T10:11:12.123456Z")]
    [InlineData("2024-02-29T23:59:59.999999Z")]
    [InlineData("2021-03-04T10:11:12.123456+02:00")]
    [InlineData("2021-03-04 10:11:12")]
    [InlineData("2021-02-30T10:11:12.123456Z")]
    [InlineData("not a time")]
    public void The_sealed_header_reads_as_DateTimeOffset_TryParse_and_string_Split_read_it(string timestamp)
    {
        var header = $"3|{timestamp}|41|0123456789abcdef|40/{Guid.Empty:N}/2";
        var parsed = AssignedFacts.Parse(header);
        if (!DateTimeOffset.TryParse(timestamp, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var expected))
        {
            Assert.Null(parsed);
            return;
        }
        Assert.NotNull(parsed);
        Assert.Equal(expected, parsed.Timestamp);
        Assert.Equal(expected.Offset, parsed.Timestamp.Offset);
        Assert.Equal((3L, 41L, "0123456789abcdef", new Witness(40, Guid.Empty, 2)), (parsed.Version, parsed.PreviousSequence, parsed.PayloadDigest, parsed.Witness));
    }

    [Theory]
    [InlineData("3|2021-03-04T10:11:12.123456Z|41|d|")]
    [InlineData("3|2021-03-04T10:11:12.123456Z|41|d|40/x/2")]
    [InlineData("3|2021-03-04T10:11:12.123456Z|41|d|40/00000000000000000000000000000000/2/9")]
    public void A_header_without_a_readable_witness_has_none(string header) => Assert.Null(AssignedFacts.Parse(header)!.Witness);

    [Theory]
    [InlineData("3|2021-03-04T10:11:12.123456Z|41|d")]
    [InlineData("3|2021-03-04T10:11:12.123456Z|41|d||")]
    [InlineData("x|2021-03-04T10:11:12.123456Z|41|d|")]
    public void A_header_of_another_shape_is_none(string header) => Assert.Null(AssignedFacts.Parse(header));

    [Fact]
    public void A_header_reads_back_as_written()
    {
        var facts = new AssignedFacts(7, new DateTimeOffset(2021, 3, 4, 10, 11, 12, TimeSpan.Zero).AddTicks(1234560), 99, "abc", new Witness(98, Guid.NewGuid(), 6));
        Assert.Equal(facts.ToHeader(), AssignedFacts.Parse(facts.ToHeader())!.ToHeader());
        Assert.Equal(facts, AssignedFacts.Parse(facts.ToHeader()));
    }

    /// <summary>Every stored seal was made this way: the values below were computed independently (Python's hmac), not by this code.</summary>
    [Fact]
    public void A_seal_is_the_HMAC_the_stored_seals_were_made_with()
    {
        var seal = new EventSeal([.. Enumerable.Range(0, 32).Select(i => (byte)i)]);
        var stream = Guid.Parse("11111111-2222-3333-4444-555555555555");
        var facts = new SealedFacts(stream, "ecog_recorded", """{ "score": 1, "assessmentDate": "2021-03-02" }""", "cra.1", "c-1", null, "Re-read é");
        var assigned = AssignedFacts.Parse($"2|2021-03-04T10:11:12.123456Z|41|0123456789abcdef|40/{stream:N}/1")!;
        Assert.Equal("v2:f4b21d63f608c6cdb0825bac67bd30df2f68e17425086d6488875e1c2bb21a43", seal.Compute("v2:abc", facts, assigned));
        Assert.Equal("2be75d59a7909d328c4f372810677466f17b74fffddeec27681cd1077f12b037", seal.ComputeV1("v2:abc", facts));
    }
}
