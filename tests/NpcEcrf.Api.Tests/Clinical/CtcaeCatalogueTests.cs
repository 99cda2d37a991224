using NpcEcrf.Api.Clinical;
using NpcEcrf.Api.Demo;

namespace NpcEcrf.Api.Tests.Clinical;

public class CtcaeCatalogueTests
{
    [Fact]
    public void the_shipped_catalogue_has_every_term_of_the_papers_table()
    {
        foreach (var term in ReferenceStudy.AdverseEventTerms) Assert.NotNull(CtcaeCatalogue.Shipped.Find(term));
    }

    [Theory]
    [InlineData("Hand-foot syndrome", 3, true)]
    [InlineData("Palmar-plantar erythrodysesthesia syndrome", 4, false)]
    [InlineData("fatigue", 4, false)]
    [InlineData("Epistaxis", 5, true)]
    [InlineData("10003239", 3, true)]
    [InlineData("Arthralgia", 5, false)]
    [InlineData("No such term", 1, false)]
    public void grades_are_checked_against_the_term(string term, int grade, bool allowed) =>
        Assert.Equal(allowed, CtcaeCatalogue.Shipped.IsGradeAllowed(term, grade));

    [Fact]
    public void a_site_adds_terms_with_a_file_of_the_same_shape()
    {
        var extra = Path.Combine(Path.GetTempPath(), $"ctcae-{Guid.NewGuid():N}.json");
        File.WriteAllText(extra, """[{ "term": "Dysphonia", "ctcaeTerm": "Dysphonia", "meddraCode": "10013952", "soc": "Respiratory", "grades": [1, 2, 3] }]""");
        var catalogue = CtcaeCatalogue.Load([Path.Combine(AppContext.BaseDirectory, "Clinical", "ctcae-terms.json"), extra]);
        Assert.True(catalogue.IsGradeAllowed("dysphonia", 3));
        Assert.False(catalogue.IsGradeAllowed("Dysphonia", 4));
        Assert.True(catalogue.IsGradeAllowed("Hypertension", 4));
    }
}
