using NpcEcrf.Api.Analyses;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Tests.Casebooks;

namespace NpcEcrf.Api.Tests.Analyses;

/// <summary>The adverse-event table lists every term reported, whichever version of the definition the term came from.</summary>
public class AdverseEventTermTests
{
    private static CohortSnapshot Snapshot() =>
        CohortSnapshot.Build(SampleCasebook.Study, [SampleCasebook.With()], [], SampleCasebook.Today, 0);

    [Fact]
    public void a_term_of_the_definition_in_force_is_listed() =>
        Assert.Equal(["Hand-foot syndrome"], AnalysisReport.Dataset(Snapshot()).AdverseEventTerms);

    [Fact]
    public void a_term_reported_under_another_version_is_listed_too()
    {
        var snapshot = Snapshot();
        var withoutTheTerm = snapshot with
        {
            Definition = snapshot.Definition with
            {
                AdverseEvents = snapshot.Definition.AdverseEvents with { Terms = [.. snapshot.Definition.AdverseEvents.Terms.Where(t => t.Term != "Hand-foot syndrome")] },
            },
        };
        Assert.Equal(["Hand-foot syndrome"], AnalysisReport.Dataset(withoutTheTerm).AdverseEventTerms);
    }
}
