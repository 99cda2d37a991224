namespace NpcEcrf.Analysis.Tests;

/// <summary>Treatment-emergent adverse events, by the plan's rule (docs/analysis.md, "Adverse events").</summary>
public class TreatmentEmergenceTests
{
    private static readonly DateOnly FirstDose = new(2024, 3, 1);
    private static DateOnly Day(int d) => FirstDose.AddDays(d);

    [Theory]
    [InlineData(TreatmentEmergence.OnsetOrWorsening)]
    [InlineData(TreatmentEmergence.Onset)]
    public void an_event_from_the_first_dose_on_counts_at_its_worst_grade_and_one_before_it_that_never_worsened_does_not(TreatmentEmergence rule)
    {
        Assert.Equal(3, TreatmentEmergentEvents.WorstGrade(FirstDose, [new(FirstDose, 1, [new(Day(5), 3), new(Day(9), 2)])], rule));
        Assert.Null(TreatmentEmergentEvents.WorstGrade(FirstDose, [new(Day(-3), 2, [new(Day(4), 2), new(Day(8), 1)])], rule));
        // Never dosed: nothing is treatment-emergent.
        Assert.Null(TreatmentEmergentEvents.WorstGrade(null, [new(Day(2), 2, [])], rule));
    }

    [Fact]
    public void a_pre_existing_event_that_worsens_after_the_first_dose_counts_at_its_worst_grade_since_then_under_onset_or_worsening_only()
    {
        // Grade 1 at screening, 2 the day before the first dose (its grade at the first dose), 3 on day 10.
        AdverseEventEpisode worsened = new(Day(-10), 1, [new(Day(-1), 2), new(Day(10), 3), new(Day(20), 2)]);
        Assert.Equal(3, TreatmentEmergentEvents.WorstGrade(FirstDose, [worsened], TreatmentEmergence.OnsetOrWorsening));
        Assert.Null(TreatmentEmergentEvents.WorstGrade(FirstDose, [worsened], TreatmentEmergence.Onset));
        // Back to its grade at the first dose is no worsening.
        Assert.Null(TreatmentEmergentEvents.WorstGrade(FirstDose, [new(Day(-10), 2, [new(Day(-5), 1), new(Day(3), 2)])], TreatmentEmergence.Onset));
        Assert.Equal(2, TreatmentEmergentEvents.WorstGrade(FirstDose, [new(Day(-10), 2, [new(Day(-5), 1), new(Day(3), 2)])], TreatmentEmergence.OnsetOrWorsening));
    }

    [Fact]
    public void of_several_events_of_a_term_the_worst_treatment_emergent_grade_counts()
    {
        AdverseEventEpisode before = new(Day(-10), 4, []), after = new(Day(30), 2, []);
        Assert.Equal(2, TreatmentEmergentEvents.WorstGrade(FirstDose, [before, after], TreatmentEmergence.OnsetOrWorsening));
    }
}
