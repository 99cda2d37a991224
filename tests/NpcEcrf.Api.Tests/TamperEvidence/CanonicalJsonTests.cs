using NpcEcrf.Api.TamperEvidence;

namespace NpcEcrf.Api.Tests.TamperEvidence;

/// <summary>
/// Every stored seal covers the canonical text of its payload, so that text may never change: these answers were
/// written by the first implementation (JsonNode, 2026) and any later one must give them byte for byte.
/// </summary>
public class CanonicalJsonTests
{
    [Theory]
    [InlineData("""{"b":1,"a":{"z":[3,2,{"y":"é\u00e9\"\\\n\t<>&'","x":null}],"A":true,"_":false},"ä":1.50,"aa":1e3,"Z":-0.0,"":"\ud83d\ude00 \u0001 \u2028"}""",
                """{"":"\uD83D\uDE00 \u0001 \u2028","Z":-0.0,"a":{"A":true,"_":false,"z":[3,2,{"x":null,"y":"éé\"\\\n\t<>&'"}]},"aa":1e3,"b":1,"ä":1.50}""")]
    [InlineData("""[ {"b" : 2 , "a" : [ ] , "c" : { } } , "s" , 12345678901234567890 ]""", """[{"a":[],"b":2,"c":{}},"s",12345678901234567890]""")]
    [InlineData("\"just a string with \\u003c\"", "\"just a string with <\"")]
    [InlineData("null", "null")]
    public void Canonical_text_is_the_one_the_stored_seals_cover(string json, string canonical) =>
        Assert.Equal(canonical, EventSeal.Canonical(json));

    [Fact]
    public void Key_order_and_spacing_do_not_change_the_canonical_text() =>
        Assert.Equal(EventSeal.Canonical("""{"dose":{"mg":12,"unit":"mg"},"at":"2021-03-04"}"""),
                     EventSeal.Canonical(""" { "at" : "2021-03-04", "dose" : { "unit" : "mg", "mg" : 12 } } """));

    [Fact]
    public void A_changed_value_changes_the_canonical_text() =>
        Assert.NotEqual(EventSeal.Canonical("""{"dose":{"mg":12}}"""), EventSeal.Canonical("""{"dose":{"mg":10}}"""));
}
